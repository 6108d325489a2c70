// Package catalog is the compiled, in-memory view of recipes and connections
// that webhook intake and workers read on every request: documents decoded,
// secrets opened and templates compiled once per version, not per event.
//
// Its promises:
//   - A write made through this process is in the catalog before the call
//     that made it returns (the workspace service puts it there after the
//     store committed it), so every later request of this process sees it.
//   - A write made by another process sharing the database is seen within
//     one refresh interval (a second by default) plus the time one refresh
//     takes: the refresher reads one change counter, and only when it moved
//     the (id, version) lists, and fetches only what changed.
//   - A change to one recipe or connection compiles that one only; a
//     version already compiled is never compiled again.
//   - Nothing a refresh read before a local write can undo that write: an
//     entry is replaced only by a newer version, and a local delete leaves
//     a tombstone until a refresh that began after it has run.
//
// Compiling happens outside the lock that readers take, so intake never
// waits for a compile.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
)

// DefaultRefreshEvery is how often a catalog looks for writes made by
// other processes.
const DefaultRefreshEvery = time.Second

// bulkFetch is how many changed rows a refresh fetches one by one; more
// than that and it reads the whole table once.
const bulkFetch = 64

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

	gen uint64 // the catalog's write generation when this entry was put
}

type connEntry struct {
	live    *connection.Live
	name    string
	version int64
	gen     uint64
}

// Catalog holds every recipe and connection compiled. The zero value is not
// usable; call New, then Load before serving.
type Catalog struct {
	store store.Store
	box   *secret.Box
	log   *slog.Logger
	every time.Duration

	mu         sync.RWMutex
	recipes    map[string]*Recipe
	byEvent    map[string]*Recipe
	conns      map[string]*connEntry // by id
	connByName map[string]*connEntry
	// tombstones are ids deleted by this process, with the generation of
	// the delete: a refresh that listed the row before the delete must
	// not bring it back.
	tombstones map[string]uint64
	// failed remembers versions that did not compile (stored by an older
	// binary, say) so that they are not compiled again on every lookup.
	failed map[string]int64
	gen    uint64 // counts puts and removes

	refreshMu sync.Mutex // one refresh at a time
	seq       int64      // the change counter the last refresh saw; under refreshMu
	loaded    bool       // under refreshMu

	stop chan struct{}
	done chan struct{}
}

// Options tune a catalog; zero values take defaults.
type Options struct {
	// RefreshEvery is how often writes of other processes are looked for.
	RefreshEvery time.Duration
	Log          *slog.Logger
}

// New makes an empty catalog.
func New(s store.Store, box *secret.Box, o Options) *Catalog {
	if o.RefreshEvery <= 0 {
		o.RefreshEvery = DefaultRefreshEvery
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Catalog{store: s, box: box, log: o.Log, every: o.RefreshEvery,
		recipes: map[string]*Recipe{}, byEvent: map[string]*Recipe{},
		conns: map[string]*connEntry{}, connByName: map[string]*connEntry{},
		tombstones: map[string]uint64{}, failed: map[string]int64{}}
}

// Load reads and compiles everything once; call it before serving.
func (c *Catalog) Load(ctx context.Context) error {
	return c.refresh(ctx, true)
}

// Start runs the refresher until Stop.
func (c *Catalog) Start(ctx context.Context) {
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(c.done)
		t := time.NewTicker(c.every)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
					c.log.Warn("catalog refresh failed; will retry", "err", err)
				}
			}
		}
	}()
}

// Stop ends the refresher and waits for it.
func (c *Catalog) Stop() {
	if c.stop == nil {
		return
	}
	close(c.stop)
	<-c.done
}

// Refresh brings in what other processes wrote since the last refresh.
func (c *Catalog) Refresh(ctx context.Context) error {
	return c.refresh(ctx, false)
}

// RecipeByEvent finds the webhook recipe for an event, or store.ErrNotFound.
// It never reads the store: an unknown event costs a map lookup.
func (c *Catalog) RecipeByEvent(_ context.Context, event string) (*Recipe, error) {
	c.mu.RLock()
	r, ok := c.byEvent[event]
	c.mu.RUnlock()
	if !ok {
		return nil, store.ErrNotFound
	}
	return r, nil
}

// Recipe finds a recipe by id, or store.ErrNotFound. A recipe this process
// has not seen yet (written by another process a moment ago, whose job or
// trigger this process claimed) is read from the store.
func (c *Catalog) Recipe(ctx context.Context, id string) (*Recipe, error) {
	c.mu.RLock()
	r, ok := c.recipes[id]
	c.mu.RUnlock()
	if ok {
		return r, nil
	}
	if _, err := c.ReloadRecipe(ctx, id); err != nil {
		return nil, err
	}
	c.mu.RLock()
	r, ok = c.recipes[id]
	c.mu.RUnlock()
	if !ok {
		return nil, store.ErrNotFound
	}
	return r, nil
}

// Connection finds a connection by id or name, or store.ErrNotFound; like
// Recipe, one not seen yet is read from the store.
func (c *Catalog) Connection(ctx context.Context, idOrName string) (*connection.Live, error) {
	if l, ok := c.connection(idOrName); ok {
		return l, nil
	}
	sc, err := c.store.Connection(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if err := c.PutConnection(sc); err != nil {
		return nil, err
	}
	if l, ok := c.connection(idOrName); ok {
		return l, nil
	}
	return nil, store.ErrNotFound
}

func (c *Catalog) connection(idOrName string) (*connection.Live, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.conns[idOrName]; ok {
		return e.live, true
	}
	if e, ok := c.connByName[idOrName]; ok {
		return e.live, true
	}
	return nil, false
}

// PutRecipe compiles a recipe row just read from the store and puts it in
// the catalog unless the catalog already holds that version or a newer one.
func (c *Catalog) PutRecipe(sr store.Recipe) error {
	if c.compiled(sr.ID, sr.Version) {
		return nil
	}
	r, err := CompileRecipe(c.box, sr)
	if err != nil {
		c.mu.Lock()
		c.failed[sr.ID] = sr.Version
		c.mu.Unlock()
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.installRecipe(r)
	return nil
}

// compiled says whether the catalog holds this version of a recipe (or a
// newer one), or knows it does not compile.
func (c *Catalog) compiled(id string, version int64) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if cur, ok := c.recipes[id]; ok && cur.Version >= version {
		return true
	}
	return c.failed[id] == version
}

// installRecipe puts r in unless it is no newer than what is there or was
// deleted by this process (a refresh may have read it before the delete).
// Called with mu held.
func (c *Catalog) installRecipe(r *Recipe) {
	if _, dead := c.tombstones[r.ID]; dead {
		return
	}
	cur := c.recipes[r.ID]
	if cur != nil && cur.Version >= r.Version {
		return
	}
	c.gen++
	r.gen = c.gen
	if cur != nil && c.byEvent[eventOf(cur)] == cur {
		delete(c.byEvent, eventOf(cur))
	}
	c.recipes[r.ID] = r
	if ev := eventOf(r); ev != "" {
		c.byEvent[ev] = r
	}
	delete(c.failed, r.ID)
}

func eventOf(r *Recipe) string {
	if r.Doc.Trigger.Type == recipe.TriggerWebhook {
		return r.Doc.Trigger.Event
	}
	return ""
}

// ReloadRecipe reads one recipe from the store, puts it in the catalog and
// returns the row read; one the store no longer has is removed
// (store.ErrNotFound).
func (c *Catalog) ReloadRecipe(ctx context.Context, id string) (store.Recipe, error) {
	sr, err := c.store.Recipe(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		c.RemoveRecipe(id)
	}
	if err != nil {
		return store.Recipe{}, err
	}
	return sr, c.PutRecipe(sr)
}

// RemoveRecipe drops a recipe this process deleted.
func (c *Catalog) RemoveRecipe(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.tombstones[id] = c.gen
	c.dropRecipe(id)
}

func (c *Catalog) dropRecipe(id string) {
	cur, ok := c.recipes[id]
	if !ok {
		return
	}
	delete(c.recipes, id)
	if c.byEvent[eventOf(cur)] == cur {
		delete(c.byEvent, eventOf(cur))
	}
}

// PutConnection opens a connection row just read from the store and puts
// it in the catalog unless it holds that version or a newer one.
func (c *Catalog) PutConnection(sc store.Connection) error {
	c.mu.RLock()
	cur, ok := c.conns[sc.ID]
	c.mu.RUnlock()
	if ok && cur.version >= sc.Version {
		return nil
	}
	l, err := OpenConnection(c.box, sc)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.installConnection(&connEntry{live: l, name: sc.Name, version: sc.Version})
	return nil
}

// installConnection is installRecipe's twin. Called with mu held.
func (c *Catalog) installConnection(e *connEntry) {
	id := e.live.Doc.ID
	if _, dead := c.tombstones[id]; dead {
		return
	}
	cur := c.conns[id]
	if cur != nil && cur.version >= e.version {
		return
	}
	c.gen++
	e.gen = c.gen
	if cur != nil {
		c.dropConnection(id)
	}
	c.conns[id] = e
	c.connByName[e.name] = e
}

// ReloadConnection is ReloadRecipe's twin for a connection.
func (c *Catalog) ReloadConnection(ctx context.Context, id string) (store.Connection, error) {
	sc, err := c.store.Connection(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		c.RemoveConnection(id)
	}
	if err != nil {
		return store.Connection{}, err
	}
	return sc, c.PutConnection(sc)
}

// RemoveConnection drops a connection this process deleted.
func (c *Catalog) RemoveConnection(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.tombstones[id] = c.gen
	c.dropConnection(id)
}

// dropConnection removes a connection's entry and closes the idle
// connections of its client: requests still using it finish.
func (c *Catalog) dropConnection(id string) {
	cur, ok := c.conns[id]
	if !ok {
		return
	}
	delete(c.conns, id)
	if c.connByName[cur.name] == cur {
		delete(c.connByName, cur.name)
	}
	cur.live.CloseIdleConnections()
}

// refresh compares the store's versions with the catalog's and brings in
// what differs. With all set it skips the change counter (the first load).
func (c *Catalog) refresh(ctx context.Context, all bool) error {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	seq, err := c.store.CatalogChanges(ctx)
	if err != nil {
		return fmt.Errorf("read catalog changes: %w", err)
	}
	if c.loaded && !all && seq == c.seq {
		return nil
	}
	c.mu.RLock()
	listedAt := c.gen
	c.mu.RUnlock()
	cv, err := c.store.ConnectionVersions(ctx)
	if err != nil {
		return fmt.Errorf("list connection versions: %w", err)
	}
	rv, err := c.store.RecipeVersions(ctx)
	if err != nil {
		return fmt.Errorf("list recipe versions: %w", err)
	}
	if err := c.refreshConnections(ctx, cv, listedAt); err != nil {
		return err
	}
	if err := c.refreshRecipes(ctx, rv, listedAt); err != nil {
		return err
	}
	c.mu.Lock()
	for id, g := range c.tombstones {
		if g <= listedAt { // deleted before the listing began: it cannot come back
			delete(c.tombstones, id)
		}
	}
	c.mu.Unlock()
	c.seq, c.loaded = seq, true
	return nil
}

func (c *Catalog) refreshConnections(ctx context.Context, listed store.Versions, listedAt uint64) error {
	c.mu.RLock()
	var changed []string
	for id, v := range listed {
		if cur, ok := c.conns[id]; !ok || cur.version < v {
			changed = append(changed, id)
		}
	}
	c.mu.RUnlock()
	rows, err := fetchChanged(ctx, changed, c.store.Connection, c.store.Connections)
	if err != nil {
		return err
	}
	var opened []*connEntry
	for _, sc := range rows {
		if cur, ok := c.peekConnection(sc.ID); ok && cur >= sc.Version {
			continue
		}
		l, err := OpenConnection(c.box, sc)
		if err != nil {
			c.log.Warn("a stored connection cannot be opened; it is left out", "connection", sc.ID, "err", err)
			continue
		}
		opened = append(opened, &connEntry{live: l, name: sc.Name, version: sc.Version})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range opened {
		c.installConnection(e)
	}
	for id, e := range c.conns {
		if _, ok := listed[id]; !ok && e.gen <= listedAt {
			c.dropConnection(id) // deleted by another process
		}
	}
	return nil
}

func (c *Catalog) peekConnection(id string) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.conns[id]
	if !ok {
		return 0, false
	}
	return e.version, true
}

func (c *Catalog) refreshRecipes(ctx context.Context, listed store.Versions, listedAt uint64) error {
	c.mu.RLock()
	var changed []string
	for id, v := range listed {
		if cur, ok := c.recipes[id]; (!ok || cur.Version < v) && c.failed[id] != v {
			changed = append(changed, id)
		}
	}
	c.mu.RUnlock()
	rows, err := fetchChanged(ctx, changed, c.store.Recipe, c.store.Recipes)
	if err != nil {
		return err
	}
	var compiled []*Recipe
	failed := map[string]int64{}
	for _, sr := range rows {
		if c.compiled(sr.ID, sr.Version) {
			continue
		}
		r, err := CompileRecipe(c.box, sr)
		if err != nil {
			// A recipe stored by an older binary that no longer compiles
			// must not take intake down for every other recipe.
			c.log.Warn("a stored recipe does not compile; it is left out", "recipe", sr.ID, "err", err)
			failed[sr.ID] = sr.Version
			continue
		}
		compiled = append(compiled, r)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, v := range failed {
		c.failed[id] = v
	}
	for _, r := range compiled {
		c.installRecipe(r)
	}
	for id, r := range c.recipes {
		if _, ok := listed[id]; !ok && r.gen <= listedAt {
			c.dropRecipe(id) // deleted by another process
		}
	}
	for id := range c.failed {
		if _, ok := listed[id]; !ok {
			delete(c.failed, id)
		}
	}
	return nil
}

// fetchChanged reads the rows of the changed ids: one by one when they are
// few, else the whole table at once. An id deleted since the listing is
// left out.
func fetchChanged[Row any](ctx context.Context, changed []string, one func(context.Context, string) (Row, error), all func(context.Context) ([]Row, error)) ([]Row, error) {
	if len(changed) > bulkFetch {
		return all(ctx)
	}
	rows := make([]Row, 0, len(changed))
	for _, id := range changed {
		row, err := one(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}
