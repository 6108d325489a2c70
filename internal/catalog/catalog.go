// Package catalog is the compiled, cached view of recipes and connections
// that webhook intake and workers read on every request: documents decoded,
// secrets opened and templates compiled once per version, not per event.
package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
)

// Recipe is a stored recipe ready to run.
type Recipe struct {
	ID      string
	Version int64
	State   string
	Capture bool
	Doc     recipe.Document
	Secrets recipe.Secrets
	Steps   []*httprequest.Request
	// Datatree is built once per compiled version; jobs compare their
	// real trigger and step outputs with it (recipe.NewFields).
	Datatree recipe.Datatree
}

type snapshot struct {
	at          time.Time
	byID        map[string]*Recipe
	byEvent     map[string]*Recipe
	connections map[string]*connection.Live // by id and by name
	// stored is each connection as read, by id: a Live (and the HTTP client
	// built for its TLS options) is kept across reloads until it changes.
	stored map[string]store.Connection
}

// Catalog caches a snapshot of every recipe and connection. Writes made
// through this process call Invalidate; writes by other processes are seen
// within TTL.
type Catalog struct {
	store store.Store
	box   *secret.Box
	ttl   time.Duration
	now   func() time.Time

	snap   atomic.Pointer[snapshot]
	prev   atomic.Pointer[snapshot] // the last snapshot loaded; Invalidate keeps it for reuse
	mu     sync.Mutex               // one reload at a time
	failed atomic.Pointer[error]
}

// New makes a catalog.
func New(s store.Store, box *secret.Box, ttl time.Duration) *Catalog {
	if ttl <= 0 {
		ttl = time.Second
	}
	return &Catalog{store: s, box: box, ttl: ttl, now: time.Now}
}

// Invalidate drops the snapshot: the next read reloads.
func (c *Catalog) Invalidate() { c.snap.Store(nil) }

// RecipeByEvent finds the webhook recipe for an event, or store.ErrNotFound.
func (c *Catalog) RecipeByEvent(ctx context.Context, event string) (*Recipe, error) {
	return lookup(ctx, c, func(s *snapshot) map[string]*Recipe { return s.byEvent }, event)
}

// Recipe finds a recipe by id, or store.ErrNotFound.
func (c *Catalog) Recipe(ctx context.Context, id string) (*Recipe, error) {
	return lookup(ctx, c, func(s *snapshot) map[string]*Recipe { return s.byID }, id)
}

// Connection finds a connection by id or name, or store.ErrNotFound.
func (c *Catalog) Connection(ctx context.Context, idOrName string) (*connection.Live, error) {
	return lookup(ctx, c, func(s *snapshot) map[string]*connection.Live { return s.connections }, idOrName)
}

// lookup finds key in one index of the current snapshot, or
// store.ErrNotFound. The index is chosen by a function because the snapshot
// may be replaced between calls: it must be read from the snapshot in hand.
func lookup[V any](ctx context.Context, c *Catalog, index func(*snapshot) map[string]V, key string) (V, error) {
	var none V
	s, err := c.current(ctx)
	if err != nil {
		return none, err
	}
	if v, ok := index(s)[key]; ok {
		return v, nil
	}
	return none, store.ErrNotFound
}

// current returns a fresh-enough snapshot. A stale one is reloaded by one
// caller while the others keep using it, so intake never queues behind a
// reload unless there is no snapshot at all.
func (c *Catalog) current(ctx context.Context) (*snapshot, error) {
	s := c.snap.Load()
	if s != nil && c.now().Sub(s.at) < c.ttl {
		return s, nil
	}
	if s != nil {
		if !c.mu.TryLock() {
			return s, nil
		}
	} else {
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	if cur := c.snap.Load(); cur != nil && c.now().Sub(cur.at) < c.ttl {
		return cur, nil
	}
	fresh, err := c.load(ctx)
	if err != nil {
		if s != nil {
			return s, nil
		}
		return nil, err
	}
	c.snap.Store(fresh)
	return fresh, nil
}

func (c *Catalog) load(ctx context.Context) (*snapshot, error) {
	s := &snapshot{at: c.now(), byID: map[string]*Recipe{}, byEvent: map[string]*Recipe{}, connections: map[string]*connection.Live{},
		stored: map[string]store.Connection{}}
	conns, err := c.store.Connections(ctx)
	if err != nil {
		return nil, err
	}
	prev := c.prev.Load()
	var replaced []*connection.Live
	for _, sc := range conns {
		var l *connection.Live
		if prev != nil {
			if old, ok := prev.stored[sc.ID]; ok {
				if sameConnection(old, sc) {
					l = prev.connections[sc.ID]
				} else {
					replaced = append(replaced, prev.connections[sc.ID])
				}
			}
		}
		if l == nil {
			if l, err = OpenConnection(c.box, sc); err != nil {
				return nil, err
			}
		}
		s.connections[sc.ID] = l
		s.connections[sc.Name] = l
		s.stored[sc.ID] = sc
	}
	if prev != nil {
		for id := range prev.stored {
			if _, ok := s.stored[id]; !ok {
				replaced = append(replaced, prev.connections[id])
			}
		}
	}
	recipes, err := c.store.Recipes(ctx)
	if err != nil {
		return nil, err
	}
	for _, sr := range recipes {
		r, err := CompileRecipe(c.box, sr)
		if err != nil {
			// A recipe stored by an older binary that no longer compiles
			// must not take intake down for every other recipe.
			continue
		}
		s.byID[r.ID] = r
		if r.Doc.Trigger.Type == recipe.TriggerWebhook && r.Doc.Trigger.Event != "" {
			s.byEvent[r.Doc.Trigger.Event] = r
		}
	}
	c.prev.Store(s)
	// A changed or deleted connection's own client is dropped; requests
	// still using it finish, its idle connections close now.
	for _, l := range replaced {
		if l != nil {
			l.CloseIdleConnections()
		}
	}
	return s, nil
}

// sameConnection reports whether a stored connection is unchanged.
func sameConnection(a, b store.Connection) bool {
	return a.Name == b.Name && a.UpdatedAt.Equal(b.UpdatedAt) && bytes.Equal(a.Doc, b.Doc) && bytes.Equal(a.Secrets, b.Secrets)
}

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
