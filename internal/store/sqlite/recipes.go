package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/patchbay/patchbay/internal/store"
)

const recipeColumns = `id, name, trigger_type, event, state, capture, doc, secrets, version, created_at, updated_at`

// CreateRecipe inserts r; a webhook event already taken is store.ErrConflict.
func (s *Store) CreateRecipe(ctx context.Context, r store.Recipe) error {
	err := s.writer.do(func(t *txn) error {
		_, err := t.exec(ctx, `INSERT INTO recipes (id, name, trigger_type, event, state, capture, doc, secrets, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?, 1, ?, ?)`,
			r.ID, r.Name, r.TriggerType, nullString(r.Event), r.State, r.Doc, r.Secrets, micros(r.CreatedAt), micros(r.UpdatedAt))
		return err
	})
	return mapConstraint(err, "webhook event "+r.Event)
}

// UpdateRecipe replaces r's document and bumps its version; a non-zero
// r.Version must be the stored one.
func (s *Store) UpdateRecipe(ctx context.Context, r store.Recipe) error {
	err := s.execVersioned(ctx, "recipes", r.ID, r.Version,
		`UPDATE recipes SET name = ?, trigger_type = ?, event = ?, doc = ?, secrets = ?, version = version + 1, updated_at = ? WHERE id = ? AND (? = 0 OR version = ?)`,
		r.Name, r.TriggerType, nullString(r.Event), r.Doc, r.Secrets, micros(r.UpdatedAt), r.ID, r.Version, r.Version)
	return mapConstraint(err, "webhook event "+r.Event)
}

// RecipeVersions lists every recipe's id and version.
func (s *Store) RecipeVersions(ctx context.Context) (store.Versions, error) {
	return s.versions(ctx, `SELECT id, version FROM recipes`)
}

// CatalogChanges reads the counter that the triggers of migration 0010
// move on every write of a recipe or connection.
func (s *Store) CatalogChanges(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT seq FROM catalog_changes WHERE id = 1`).Scan(&n)
	return n, err
}

func (s *Store) versions(ctx context.Context, query string) (store.Versions, error) {
	rows, err := s.query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := store.Versions{}
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

// execVersioned runs a write of one row of table that is conditional on
// its version (when version is non-zero): no row written means the id is
// unknown (ErrNotFound) or the version moved on (ErrStale), told apart in
// the same transaction.
func (s *Store) execVersioned(ctx context.Context, table, id string, version int64, query string, args ...any) error {
	return s.writer.do(func(t *txn) error { return execVersionedTx(ctx, t, table, id, query, args...) })
}

// execVersionedTx is execVersioned inside a transaction the caller holds.
func execVersionedTx(ctx context.Context, t *txn, table, id string, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	found, err := t.exists(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if found {
		return store.ErrStale
	}
	return store.ErrNotFound
}

// SetRecipeState starts or stops a recipe.
func (s *Store) SetRecipeState(ctx context.Context, id, state string) error {
	return s.updateRecipeColumn(ctx, `UPDATE recipes SET state = ?, version = version + 1, updated_at = ? WHERE id = ?`, state, id)
}

// SetRecipeCapture arms or disarms capture.
func (s *Store) SetRecipeCapture(ctx context.Context, id string, on bool) error {
	return s.updateRecipeColumn(ctx, `UPDATE recipes SET capture = ?, version = version + 1, updated_at = ? WHERE id = ?`, on, id)
}

func (s *Store) updateRecipeColumn(ctx context.Context, query string, value any, id string) error {
	return s.execOne(ctx, store.ErrNotFound, query, value, micros(s.now()), id)
}

// CaptureExample stores doc and disarms capture if capture is still armed.
func (s *Store) CaptureExample(ctx context.Context, id string, doc []byte) (bool, error) {
	var n int64
	now := micros(s.now())
	err := s.writer.do(func(t *txn) error {
		res, err := t.exec(ctx, `UPDATE recipes SET doc = ?, capture = 0, version = version + 1, updated_at = ? WHERE id = ? AND capture = 1`, doc, now, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// DeleteRecipe removes a recipe with its events and jobs; a non-zero
// version must be the stored one.
func (s *Store) DeleteRecipe(ctx context.Context, id string, version int64) error {
	return s.writer.do(func(t *txn) error {
		if err := execVersionedTx(ctx, t, "recipes", id,
			`DELETE FROM recipes WHERE id = ? AND (? = 0 OR version = ?)`, id, version, version); err != nil {
			return err
		}
		// The files its events and jobs kept go with them, unless
		// something else still refers to them.
		refs, err := recipeBlobRefs(ctx, t, id)
		if err != nil {
			return err
		}
		if _, err := dropRefs(ctx, t, refs); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM jobs WHERE recipe_id = ?`, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM events WHERE recipe_id = ?`, id); err != nil {
			return err
		}
		return deleteTriggerRows(ctx, t, id)
	})
}

// recipeBlobRefs lists the ids of a recipe's events and jobs that refer
// to blobs.
func recipeBlobRefs(ctx context.Context, t *txn, recipeID string) ([]string, error) {
	rows, err := t.query(ctx, `SELECT DISTINCT ref_id FROM blob_refs WHERE ref_id IN
		(SELECT id FROM jobs WHERE recipe_id = ?1 UNION ALL SELECT id FROM events WHERE recipe_id = ?1)`, recipeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Recipe reads one recipe.
func (s *Store) Recipe(ctx context.Context, id string) (store.Recipe, error) {
	r, err := scanRecipe(s.queryRow(ctx, `SELECT `+recipeColumns+` FROM recipes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	return r, err
}

// Recipes lists every recipe, oldest first.
func (s *Store) Recipes(ctx context.Context) ([]store.Recipe, error) {
	rows, err := s.query(ctx, `SELECT `+recipeColumns+` FROM recipes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list recipes: %w", err)
	}
	defer rows.Close()
	var out []store.Recipe
	for rows.Next() {
		r, err := scanRecipe(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanRecipe(r scanner) (store.Recipe, error) {
	var rec store.Recipe
	var event sql.NullString
	var created, updated int64
	err := r.Scan(&rec.ID, &rec.Name, &rec.TriggerType, &event, &rec.State, &rec.Capture, &rec.Doc, &rec.Secrets, &rec.Version, &created, &updated)
	rec.Event = event.String
	rec.CreatedAt, rec.UpdatedAt = fromMicros(created), fromMicros(updated)
	return rec, err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
