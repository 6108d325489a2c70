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
