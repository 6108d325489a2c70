package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

// hookedStore is a real SQLite store whose reads can run a hook at the
// moment a refresh is between two of its steps: the interleavings that
// let an older reload overwrite a newer write are made to happen, not
// waited for. (A wrapper around the real store, not a fake.)
type hookedStore struct {
	store.Store
	afterVersions func()          // after RecipeVersions lists
	afterRead     func(id string) // after a single Recipe read
	reads         atomic.Int32    // single-recipe reads
	lists         atomic.Int32    // RecipeVersions calls
}

func (h *hookedStore) RecipeVersions(ctx context.Context) (store.Versions, error) {
	h.lists.Add(1)
	v, err := h.Store.RecipeVersions(ctx)
	if h.afterVersions != nil {
		f := h.afterVersions
		h.afterVersions = nil
		f()
	}
	return v, err
}

func (h *hookedStore) Recipe(ctx context.Context, id string) (store.Recipe, error) {
	h.reads.Add(1)
	r, err := h.Store.Recipe(ctx, id)
	if h.afterRead != nil {
		f := h.afterRead
		h.afterRead = nil
		f(id)
	}
	return r, err
}

func newStore(t *testing.T) *hookedStore {
	t.Helper()
	s, err := sqlite.Open(context.Background(), t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &hookedStore{Store: s}
}

func webhookRecipe(id, event string) store.Recipe {
	doc, _ := json.Marshal(recipe.Document{Name: id, Trigger: recipe.Trigger{Type: recipe.TriggerWebhook, Event: event, PayloadType: "json"}, Steps: []recipe.Step{}})
	now := time.Now()
	return store.Recipe{ID: id, Name: id, TriggerType: recipe.TriggerWebhook, Event: event, State: recipe.StateStopped, Doc: doc, CreatedAt: now, UpdatedAt: now}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// put does what the workspace service does after a write: read the row
// and put it in the catalog.
func put(t *testing.T, s store.Store, c *catalog.Catalog, id string) {
	t.Helper()
	sr, err := s.Recipe(context.Background(), id)
	must(t, err)
	must(t, c.PutRecipe(sr))
}

// A refresh that read a recipe before this process wrote a newer version
// must not put the older one back.
func TestRefreshNeverUndoesALocalWrite(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c := catalog.New(s, nil, catalog.Options{})
	must(t, c.Load(ctx))
	must(t, s.Store.CreateRecipe(ctx, webhookRecipe("r1", "order")))

	// The refresh reads r1 (version 1, stopped); before it installs that
	// read, this process starts r1 and puts version 2.
	s.afterRead = func(id string) {
		must(t, s.Store.SetRecipeState(ctx, id, recipe.StateStarted))
		put(t, s.Store, c, id)
	}
	must(t, c.Refresh(ctx))
	r, err := c.RecipeByEvent(ctx, "order")
	must(t, err)
	if r.State != recipe.StateStarted || r.Version != 2 {
		t.Fatalf("after the refresh the catalog holds version %d (%s), want the local write's 2 (started)", r.Version, r.State)
	}
}

// A refresh that listed the recipes before this process created one must
// not drop the new one as deleted; one that listed before a local delete
// must not bring it back.
func TestRefreshKeepsLocalCreatesAndDeletes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	must(t, s.Store.CreateRecipe(ctx, webhookRecipe("old", "old")))
	c := catalog.New(s, nil, catalog.Options{})
	must(t, c.Load(ctx))
	must(t, s.Store.CreateRecipe(ctx, webhookRecipe("other", "other"))) // moves the change counter

	s.afterVersions = func() {
		must(t, s.Store.CreateRecipe(ctx, webhookRecipe("new", "new")))
		put(t, s.Store, c, "new")
		must(t, s.Store.DeleteRecipe(ctx, "old", 0))
		c.RemoveRecipe("old")
	}
	must(t, c.Refresh(ctx))
	if _, err := c.RecipeByEvent(ctx, "new"); err != nil {
		t.Fatalf("a recipe created during a refresh is gone: %v", err)
	}
	if _, err := c.RecipeByEvent(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a recipe deleted during a refresh came back: %v", err)
	}
	if _, err := c.RecipeByEvent(ctx, "other"); err != nil {
		t.Fatalf("another process's recipe was not brought in: %v", err)
	}
	// And the next refresh, which lists after the delete, keeps it deleted.
	must(t, s.Store.CreateRecipe(ctx, webhookRecipe("more", "more")))
	must(t, c.Refresh(ctx))
	if _, err := c.RecipeByEvent(ctx, "old"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted recipe came back on a later refresh: %v", err)
	}
}

// A refresh reads only what changed: nothing at all while the change
// counter stands still, and one row for one changed recipe among many.
func TestRefreshReadsOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for i := 0; i < 100; i++ {
		must(t, s.Store.CreateRecipe(ctx, webhookRecipe(fmt.Sprintf("r%03d", i), fmt.Sprintf("e%03d", i))))
	}
	c := catalog.New(s, nil, catalog.Options{})
	must(t, c.Load(ctx))
	for i := 0; i < 100; i++ { // RecipeByEvent never reads the store: these were loaded
		if _, err := c.RecipeByEvent(ctx, fmt.Sprintf("e%03d", i)); err != nil {
			t.Fatalf("recipe r%03d was not loaded: %v", i, err)
		}
	}
	lists, reads := s.lists.Load(), s.reads.Load()
	must(t, c.Refresh(ctx))
	if s.lists.Load() != lists || s.reads.Load() != reads {
		t.Fatalf("a refresh with nothing changed listed %d times and read %d recipes", s.lists.Load()-lists, s.reads.Load()-reads)
	}
	// Another process starts one recipe.
	must(t, s.Store.SetRecipeState(ctx, "r042", recipe.StateStarted))
	must(t, c.Refresh(ctx))
	if got := s.reads.Load() - reads; got != 1 {
		t.Fatalf("a refresh after one change read %d recipes, want 1", got)
	}
	r, err := c.Recipe(ctx, "r042")
	must(t, err)
	if r.State != recipe.StateStarted {
		t.Fatalf("the changed recipe reads %s", r.State)
	}
	// A version already compiled is not compiled again.
	before, _ := c.Recipe(ctx, "r001")
	put(t, s.Store, c, "r001")
	after, _ := c.Recipe(ctx, "r001")
	if before != after {
		t.Fatal("putting an unchanged version replaced the compiled recipe")
	}
}

// An event renamed by an edit is found under its new name only.
func TestEventRenameMovesTheIndex(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	must(t, s.Store.CreateRecipe(ctx, webhookRecipe("r1", "before")))
	c := catalog.New(s, nil, catalog.Options{})
	must(t, c.Load(ctx))
	sr := webhookRecipe("r1", "after")
	must(t, s.Store.UpdateRecipe(ctx, sr))
	put(t, s.Store, c, "r1")
	if _, err := c.RecipeByEvent(ctx, "before"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the old event still finds the recipe: %v", err)
	}
	if _, err := c.RecipeByEvent(ctx, "after"); err != nil {
		t.Fatalf("the new event does not: %v", err)
	}
}

// A refresh that read a recipe another process changed, while this
// process deleted it, must not bring it back.
func TestRefreshDoesNotResurrectALocalDelete(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	must(t, s.Store.CreateRecipe(ctx, webhookRecipe("r1", "order")))
	c := catalog.New(s, nil, catalog.Options{})
	must(t, c.Load(ctx))
	must(t, s.Store.SetRecipeState(ctx, "r1", recipe.StateStarted)) // another process: version 2

	s.afterRead = func(id string) { // the refresh holds version 2 in hand
		must(t, s.Store.DeleteRecipe(ctx, id, 0))
		c.RemoveRecipe(id)
	}
	must(t, c.Refresh(ctx))
	if _, err := c.RecipeByEvent(ctx, "order"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a recipe deleted while a refresh held it came back: %v", err)
	}
}
