package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/patchbay/patchbay/internal/store"
)

// CreateConnection inserts c; a taken name is store.ErrConflict.
func (s *Store) CreateConnection(ctx context.Context, c store.Connection) error {
	err := s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `INSERT INTO connections (id, name, doc, secrets, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, c.Name, c.Doc, c.Secrets, micros(c.CreatedAt), micros(c.UpdatedAt))
		return err
	})
	return mapConstraint(err, "connection")
}

// UpdateConnection replaces the document and secrets of c.ID and bumps its
// version; a non-zero c.Version must be the stored one.
func (s *Store) UpdateConnection(ctx context.Context, c store.Connection) error {
	err := s.execVersioned(ctx, "connections", c.ID, c.Version,
		`UPDATE connections SET name = ?, doc = ?, secrets = ?, version = version + 1, updated_at = ? WHERE id = ? AND (? = 0 OR version = ?)`,
		c.Name, c.Doc, c.Secrets, micros(c.UpdatedAt), c.ID, c.Version, c.Version)
	return mapConstraint(err, "connection")
}

// DeleteConnection removes a connection; a non-zero version must be the stored one.
func (s *Store) DeleteConnection(ctx context.Context, id string, version int64) error {
	return s.execVersioned(ctx, "connections", id, version, `DELETE FROM connections WHERE id = ? AND (? = 0 OR version = ?)`, id, version, version)
}

// ConnectionVersions lists every connection's id and version.
func (s *Store) ConnectionVersions(ctx context.Context) (store.Versions, error) {
	return s.versions(ctx, `SELECT id, version FROM connections`)
}

// Connection finds a connection by id, then by name.
func (s *Store) Connection(ctx context.Context, idOrName string) (store.Connection, error) {
	row := s.queryRow(ctx, `SELECT id, name, doc, secrets, version, created_at, updated_at FROM connections
		WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, idOrName)
	c, err := scanConnection(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	return c, err
}

// Connections lists every connection by name.
func (s *Store) Connections(ctx context.Context) ([]store.Connection, error) {
	rows, err := s.query(ctx, `SELECT id, name, doc, secrets, version, created_at, updated_at FROM connections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	var out []store.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanConnection(r scanner) (store.Connection, error) {
	var c store.Connection
	var created, updated int64
	if err := r.Scan(&c.ID, &c.Name, &c.Doc, &c.Secrets, &c.Version, &created, &updated); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}

// mapConstraint turns a UNIQUE violation into store.ErrConflict.
func mapConstraint(err error, what string) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("%s: %w", what, store.ErrConflict)
	}
	return err
}
