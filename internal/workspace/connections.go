package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"sort"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
)

// CheckConnection normalizes and validates a decoded connection document.
func CheckConnection(d *connection.Document) error {
	d.Normalize()
	if ps := d.Validate(); len(ps) > 0 {
		problems := make([]recipe.Problem, len(ps))
		for i, p := range ps {
			problems[i] = recipe.Problem{Path: p.Path, Message: p.Message}
		}
		return &Invalid{Code: "invalid_connection", Problems: problems}
	}
	return nil
}

// CreateConnection validates and stores a new connection.
func (s *Service) CreateConnection(ctx context.Context, d connection.Document) (store.Connection, error) {
	if err := CheckConnection(&d); err != nil {
		return store.Connection{}, err
	}
	_, secrets := d.SplitSecrets()
	if err := unsetSecrets("invalid_connection", secrets.Markers()); err != nil {
		return store.Connection{}, err
	}
	sc, err := s.connectionRow(uuid.Must(uuid.NewV7()).String(), d, secrets)
	if err != nil {
		return store.Connection{}, err
	}
	if err := s.Store.CreateConnection(ctx, sc); err != nil {
		return store.Connection{}, nameTaken(err, d.Name)
	}
	return s.Catalog.ReloadConnection(ctx, sc.ID)
}

// UpdateConnection validates d and stores it over connection id, keeping
// the secrets it reads as "set". Tokens granted to another client or by
// another provider are forgotten. A non-zero ifVersion must be the stored
// version (store.ErrStale otherwise).
func (s *Service) UpdateConnection(ctx context.Context, id string, d connection.Document, ifVersion int64) (store.Connection, error) {
	if err := CheckConnection(&d); err != nil {
		return store.Connection{}, err
	}
	for attempt := 0; ; attempt++ {
		old, err := s.Store.Connection(ctx, id)
		if err != nil {
			return store.Connection{}, err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return store.Connection{}, store.ErrStale
		}
		live, err := catalog.OpenConnection(s.Box, old)
		if err != nil {
			return store.Connection{}, err
		}
		_, secrets := d.SplitSecrets()
		secrets.KeepSecrets(live.Secrets)
		sc, err := s.connectionRow(old.ID, d, secrets)
		if err != nil {
			return store.Connection{}, err
		}
		sc.CreatedAt, sc.Version = old.CreatedAt, old.Version
		err = s.Store.UpdateConnection(ctx, sc)
		if errors.Is(err, store.ErrStale) && ifVersion == 0 && attempt < retries {
			continue
		}
		if err != nil {
			return store.Connection{}, nameTaken(err, d.Name)
		}
		if live.Doc.GrantKey() != d.GrantKey() {
			// Tokens granted to another client or by another provider are
			// not this connection's: it is not connected until authorized
			// again (client credentials fetch a new token on first use).
			if err := s.Store.DeleteOAuthToken(ctx, old.ID); err != nil {
				return store.Connection{}, err
			}
		}
		return s.Catalog.ReloadConnection(ctx, old.ID)
	}
}

// DeleteConnection removes a connection no recipe uses.
func (s *Service) DeleteConnection(ctx context.Context, id string, ifVersion int64) error {
	sc, err := s.Store.Connection(ctx, id)
	if err != nil {
		return err
	}
	users, err := s.RecipesUsing(ctx, sc)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return &InUseError{Connection: sc.Name, Recipes: users}
	}
	if err := s.Store.DeleteConnection(ctx, sc.ID, ifVersion); err != nil {
		return err
	}
	s.Catalog.RemoveConnection(sc.ID)
	return nil
}

// RecipesUsing names the recipes whose trigger or steps use a connection.
func (s *Service) RecipesUsing(ctx context.Context, sc store.Connection) ([]string, error) {
	rs, err := s.Store.Recipes(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, sr := range rs {
		var doc recipe.Document
		if err := json.Unmarshal(sr.Doc, &doc); err != nil {
			continue
		}
		uses := doc.Trigger.Connection != "" && (doc.Trigger.Connection == sc.ID || doc.Trigger.Connection == sc.Name)
		for _, st := range doc.Steps {
			uses = uses || st.Connection == sc.ID || st.Connection == sc.Name
		}
		if uses {
			names = append(names, doc.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (s *Service) connectionRow(id string, d connection.Document, secrets connection.Secrets) (store.Connection, error) {
	public, _ := d.SplitSecrets()
	public.ID = ""
	b, err := json.Marshal(public)
	if err != nil {
		return store.Connection{}, err
	}
	sealed, err := catalog.SealJSON(s.Box, secrets)
	if err != nil {
		return store.Connection{}, err
	}
	now := s.now()
	return store.Connection{ID: id, Name: d.Name, Doc: b, Secrets: sealed, CreatedAt: now, UpdatedAt: now}, nil
}

func nameTaken(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return &TakenError{Kind: ErrNameTaken, Value: name}
	}
	return err
}
