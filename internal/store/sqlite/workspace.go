package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/patchbay/patchbay/internal/store"
)

// EnsureWorkspace creates ws if the database has no workspace yet, and
// returns the one it has.
func (s *Store) EnsureWorkspace(ctx context.Context, ws store.Workspace) (store.Workspace, error) {
	err := s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `INSERT INTO workspace (id, name, webhook_token, created_at)
			SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM workspace)`,
			ws.ID, ws.Name, ws.WebhookToken, micros(ws.CreatedAt))
		return err
	})
	if err != nil {
		return store.Workspace{}, fmt.Errorf("create workspace: %w", err)
	}
	return s.Workspace(ctx)
}

// Workspace returns the workspace.
func (s *Store) Workspace(ctx context.Context) (store.Workspace, error) {
	var ws store.Workspace
	var created int64
	err := s.queryRow(ctx, `SELECT id, name, webhook_token, created_at FROM workspace LIMIT 1`).
		Scan(&ws.ID, &ws.Name, &ws.WebhookToken, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return ws, store.ErrNotFound
	}
	if err != nil {
		return ws, fmt.Errorf("read workspace: %w", err)
	}
	ws.CreatedAt = fromMicros(created)
	return ws, nil
}

// CreateAPIToken stores the hash of a new API token.
func (s *Store) CreateAPIToken(ctx context.Context, id, name string, hash []byte) error {
	now := micros(s.now())
	return s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `INSERT INTO api_tokens (id, name, hash, created_at) VALUES (?, ?, ?, ?)`, id, name, hash, now)
		return err
	})
}

// APITokenExists reports whether a token with this hash exists.
func (s *Store) APITokenExists(ctx context.Context, hash []byte) (bool, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM api_tokens WHERE hash = ?`, hash).Scan(&n); err != nil {
		return false, fmt.Errorf("read api token: %w", err)
	}
	return n > 0, nil
}
