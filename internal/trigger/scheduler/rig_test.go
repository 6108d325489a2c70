package scheduler_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
	"github.com/patchbay/patchbay/internal/trigger/scheduler"
)

// clock is the injected time of a test: it moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// rig is a real SQLite store in a temporary folder, a catalog over it and a
// scheduler on an injected clock.
type rig struct {
	t     *testing.T
	dir   string
	store *sqlite.Store
	cat   *catalog.Catalog
	clock *clock
	sched *scheduler.Scheduler
}

func newRig(t *testing.T, start time.Time) *rig {
	t.Helper()
	return newRigIn(t, t.TempDir(), start, "test-owner")
}

func newRigIn(t *testing.T, dir string, start time.Time, owner string) *rig {
	t.Helper()
	c := &clock{now: start}
	s, err := sqlite.Open(context.Background(), dir, sqlite.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	key, _ := secret.GenerateKey()
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(s, box, catalog.Options{})
	exec := &httprequest.Executor{Client: httpx.NewClient(httpx.ClientOptions{AllowPrivateNetworks: true})}
	return &rig{t: t, dir: dir, store: s, cat: cat, clock: c,
		sched: &scheduler.Scheduler{Store: s, Catalog: cat, Executor: exec, Owner: owner, Now: c.Now}}
}

// recipeDoc is a valid recipe document with the given trigger and one step
// (never run here: these tests count jobs, not their runs).
func (r *rig) recipeDoc(name string, trig recipe.Trigger) []byte {
	r.t.Helper()
	doc := recipe.Document{Name: name, Trigger: trig, Steps: []recipe.Step{{ID: "noop", Method: "GET", URL: "http://127.0.0.1:9/"}}}
	doc.Normalize()
	if ps := doc.Validate(nil); len(ps) > 0 {
		r.t.Fatalf("recipe %s does not validate: %v", name, ps)
	}
	b, _ := json.Marshal(doc)
	return b
}

// addRecipe stores a started recipe with the given trigger and arms it.
func (r *rig) addRecipe(id string, trig recipe.Trigger) store.Recipe {
	r.t.Helper()
	sr := store.Recipe{ID: id, Name: id, TriggerType: trig.Type, State: recipe.StateStarted, Doc: r.recipeDoc(id, trig),
		CreatedAt: r.clock.Now(), UpdatedAt: r.clock.Now()}
	if err := r.store.CreateRecipe(context.Background(), sr); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.cat.ReloadRecipe(context.Background(), sr.ID); err != nil {
		r.t.Fatal(err)
	}
	if err := r.sched.Arm(context.Background(), sr); err != nil {
		r.t.Fatal(err)
	}
	return sr
}

// editTrigger saves sr with a new trigger, as the API's PUT does, and
// replans it.
func (r *rig) editTrigger(sr store.Recipe, trig recipe.Trigger) store.Recipe {
	r.t.Helper()
	sr.Doc = r.recipeDoc(sr.Name, trig)
	sr.TriggerType = trig.Type
	if err := r.store.UpdateRecipe(context.Background(), sr); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.cat.ReloadRecipe(context.Background(), sr.ID); err != nil {
		r.t.Fatal(err)
	}
	if err := r.sched.Replan(context.Background(), sr); err != nil {
		r.t.Fatal(err)
	}
	return sr
}

// runDue runs one pass of the scheduler and fails the test on error.
func (r *rig) runDue() int {
	r.t.Helper()
	n, err := r.sched.RunDue(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// payloads are the trigger outputs of a recipe's jobs, oldest first.
func (r *rig) payloads(recipeID string) []map[string]any {
	r.t.Helper()
	ctx := context.Background()
	list, err := r.store.Jobs(ctx, store.ListJobsParams{RecipeID: recipeID, Limit: 1000})
	if err != nil {
		r.t.Fatal(err)
	}
	out := make([]map[string]any, len(list))
	for i, js := range list {
		j, err := r.store.Job(ctx, js.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(j.Trigger, &m); err != nil {
			r.t.Fatalf("job %s trigger output: %v", j.ID, err)
		}
		out[len(list)-1-i] = m // the list is newest first
	}
	return out
}
