package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// CreateAPIToken stores the hash of a new API token.
func (s *Store) CreateAPIToken(ctx context.Context, id, name string, hash []byte) error {
	now := micros(s.now())
	return s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `INSERT INTO api_tokens (id, name, hash, created_at) VALUES (?, ?, ?, ?)`, id, name, hash, now)
		return err
	})
}

const apiTokenColumns = `id, name, created_at, last_used_at`

// APITokenByHash finds the token with this hash (the UNIQUE index on
// hash answers it).
func (s *Store) APITokenByHash(ctx context.Context, hash []byte) (store.APIToken, error) {
	t, err := scanAPIToken(s.queryRow(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("read api token: %w", err)
	}
	return t, nil
}

// APITokens lists the tokens, oldest first.
func (s *Store) APITokens(ctx context.Context) ([]store.APIToken, error) {
	rows, err := s.query(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list api tokens: %w", err)
	}
	defer rows.Close()
	out := []store.APIToken{}
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list api tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchAPIToken sets last_used_at; a token revoked meanwhile is no error.
func (s *Store) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	return s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, micros(at), id)
		return err
	})
}

// DeleteAPIToken revokes a token.
func (s *Store) DeleteAPIToken(ctx context.Context, id string) error {
	return s.execOne(ctx, store.ErrNotFound, `DELETE FROM api_tokens WHERE id = ?`, id)
}

func scanAPIToken(r scanner) (store.APIToken, error) {
	var t store.APIToken
	var created int64
	var lastUsed sql.NullInt64
	if err := r.Scan(&t.ID, &t.Name, &created, &lastUsed); err != nil {
		return t, err
	}
	t.CreatedAt = fromMicros(created)
	t.LastUsedAt = fromNullMicros(lastUsed)
	return t, nil
}
