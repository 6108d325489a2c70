package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// OAuthToken reads a connection's token row.
func (s *Store) OAuthToken(ctx context.Context, connectionID string) (store.OAuthToken, error) {
	t := store.OAuthToken{ConnectionID: connectionID}
	var expires sql.NullInt64
	var updated int64
	err := s.queryRow(ctx, `SELECT sealed, status, reason, expires_at, version, updated_at, grant_key FROM oauth_tokens WHERE connection_id = ?`,
		connectionID).Scan(&t.Sealed, &t.Status, &t.Reason, &expires, &t.Version, &updated, &t.GrantKey)
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.ExpiresAt = fromNullMicros(expires)
	t.UpdatedAt = fromMicros(updated)
	return t, nil
}

// SaveOAuthToken inserts or replaces the row, moving its version on. A
// connection deleted meanwhile is store.ErrNotFound (the foreign key).
func (s *Store) SaveOAuthToken(ctx context.Context, t store.OAuthToken) error {
	err := s.writer.do(func(tx *txn) error {
		_, err := tx.exec(ctx, `INSERT INTO oauth_tokens (connection_id, sealed, status, reason, expires_at, version, updated_at, grant_key)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?)
			ON CONFLICT (connection_id) DO UPDATE SET sealed = excluded.sealed, status = excluded.status,
				reason = excluded.reason, expires_at = excluded.expires_at, version = oauth_tokens.version + 1,
				updated_at = excluded.updated_at, grant_key = excluded.grant_key`,
			t.ConnectionID, t.Sealed, t.Status, t.Reason, nullMicros(t.ExpiresAt), micros(t.UpdatedAt), t.GrantKey)
		return err
	})
	if err != nil && isForeignKeyError(err) {
		return store.ErrNotFound
	}
	return err
}

// DeleteOAuthToken forgets a connection's tokens.
func (s *Store) DeleteOAuthToken(ctx context.Context, connectionID string) error {
	return s.writer.do(func(tx *txn) error {
		_, err := tx.exec(ctx, `DELETE FROM oauth_tokens WHERE connection_id = ?`, connectionID)
		return err
	})
}

// SwapOAuthToken replaces the row only if it is still at version.
func (s *Store) SwapOAuthToken(ctx context.Context, t store.OAuthToken, version int64) (bool, error) {
	err := s.execOne(ctx, errNotSwapped, `UPDATE oauth_tokens SET sealed = ?, status = ?, reason = ?, expires_at = ?,
		version = version + 1, updated_at = ?, grant_key = ? WHERE connection_id = ? AND version = ?`,
		t.Sealed, t.Status, t.Reason, nullMicros(t.ExpiresAt), micros(t.UpdatedAt), t.GrantKey, t.ConnectionID, version)
	if errors.Is(err, errNotSwapped) {
		return false, nil
	}
	return err == nil, err
}

var errNotSwapped = errors.New("oauth token row moved on")

// CreateOAuthState inserts a state and, in the same transaction, deletes
// the expired ones: abandoned authorizations do not pile up.
func (s *Store) CreateOAuthState(ctx context.Context, st store.OAuthState) error {
	err := s.writer.do(func(tx *txn) error {
		if _, err := tx.exec(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, micros(s.now())); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO oauth_states (state, connection_id, cookie_hash, verifier, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			st.State, st.ConnectionID, st.CookieHash, st.Verifier, micros(st.ExpiresAt), micros(st.CreatedAt))
		return err
	})
	if err != nil && isForeignKeyError(err) {
		return store.ErrNotFound
	}
	return mapConstraint(err, "oauth state")
}

// TakeOAuthState deletes the state and returns what it held.
func (s *Store) TakeOAuthState(ctx context.Context, state string) (store.OAuthState, error) {
	var out store.OAuthState
	var found bool
	err := s.writer.do(func(tx *txn) error {
		found = false
		rs, err := tx.query(ctx, `DELETE FROM oauth_states WHERE state = ?
			RETURNING state, connection_id, cookie_hash, verifier, expires_at, created_at`, state)
		if err != nil {
			return err
		}
		defer rs.Close()
		if rs.Next() {
			var expires, created int
			if err := rs.Scan(&out.State, &out.ConnectionID, &out.CookieHash, &out.Verifier, &expires, &created); err != nil {
				return err
			}
			out.ExpiresAt, out.CreatedAt = fromMicros(int64(expires)), fromMicros(int64(created))
			found = true
		}
		return rs.Err()
	})
	if err != nil {
		return out, err
	}
	if !found {
		return out, store.ErrNotFound
	}
	return out, nil
}

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func isForeignKeyError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}
