package catalog

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
)

// CompileRecipe decodes, opens and compiles a stored recipe.
func CompileRecipe(box *secret.Box, sr store.Recipe) (*Recipe, error) {
	r := &Recipe{ID: sr.ID, Version: sr.Version, State: sr.State, Capture: sr.Capture}
	if err := json.Unmarshal(sr.Doc, &r.Doc); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", sr.ID, err)
	}
	if err := openJSON(box, sr.Secrets, &r.Secrets); err != nil {
		return nil, fmt.Errorf("recipe %s secrets: %w", sr.ID, err)
	}
	for i, st := range r.Doc.Steps {
		req, err := httprequest.Compile(st)
		if err != nil {
			return nil, fmt.Errorf("recipe %s steps[%d]: %w", sr.ID, i, err)
		}
		r.Steps = append(r.Steps, req)
	}
	r.Datatree = r.Doc.BuildDatatree()
	return r, nil
}

// OpenConnection decodes a stored connection and opens its secrets.
func OpenConnection(box *secret.Box, sc store.Connection) (*connection.Live, error) {
	var doc connection.Document
	if err := json.Unmarshal(sc.Doc, &doc); err != nil {
		return nil, fmt.Errorf("connection %s: %w", sc.ID, err)
	}
	doc.ID = sc.ID
	var secrets connection.Secrets
	if err := openJSON(box, sc.Secrets, &secrets); err != nil {
		return nil, fmt.Errorf("connection %s secrets: %w", sc.ID, err)
	}
	return connection.New(doc, secrets), nil
}

// SealJSON encrypts v as JSON.
func SealJSON(box *secret.Box, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return box.Seal(b)
}

func openJSON(box *secret.Box, sealed []byte, v any) error {
	if len(sealed) == 0 {
		return nil
	}
	if box == nil {
		return errors.New("no secret key")
	}
	b, err := box.Open(sealed)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
