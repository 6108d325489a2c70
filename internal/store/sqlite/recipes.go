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

// UpdateRecipe replaces r's document and bumps its version.
func (s *Store) UpdateRecipe(ctx context.Context, r store.Recipe) error {
	err := s.execOne(ctx, store.ErrNotFound, `UPDATE recipes SET name = ?, trigger_type = ?, event = ?, doc = ?, secrets = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		r.Name, r.TriggerType, nullString(r.Event), r.Doc, r.Secrets, micros(r.UpdatedAt), r.ID)
	return mapConstraint(err, "webhook event "+r.Event)
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

// DeleteRecipe removes a recipe with its events and jobs.
func (s *Store) DeleteRecipe(ctx context.Context, id string) error {
	var n int64
	err := s.writer.do(func(t *txn) error {
		res, err := t.exec(ctx, `DELETE FROM recipes WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
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
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
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
