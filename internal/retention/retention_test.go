package retention_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/retention"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

type fixture struct {
	s    *sqlite.Store
	jobs map[string][]string // recipe -> job ids, oldest first
}

// newFixture stores recipes with the given documents and n finished jobs
// each, plus one pending job of "plain".
func newFixture(t *testing.T, docs map[string]string, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &fixture{s: s, jobs: map[string][]string{}}
	now := time.Now()
	for id, doc := range docs {
		if err := s.CreateRecipe(ctx, store.Recipe{ID: id, Name: id, TriggerType: "manual", State: "started",
			Doc: []byte(doc), CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			e, err := s.Enqueue(ctx, queue.NewJob{RecipeID: id, Payload: []byte(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			f.jobs[id] = append(f.jobs[id], e[0].JobID)
			time.Sleep(time.Millisecond) // distinct ids per millisecond: a clear order
		}
	}
	claimed, err := s.Claim(ctx, "w", 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range claimed {
		if err := s.Complete(ctx, "w", c.JobID, queue.StatusSucceeded, []byte(`[]`), ""); err != nil {
			t.Fatal(err)
		}
	}
	e, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "plain", Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	f.jobs["pending"] = []string{e[0].JobID}
	return f
}

func (f *fixture) left(t *testing.T, recipeID string) int {
	t.Helper()
	n := 0
	for _, id := range f.jobs[recipeID] {
		if _, err := f.s.Job(context.Background(), id); err == nil {
			n++
		}
	}
	return n
}

func TestPrunerAppliesDefaultAndOverrides(t *testing.T) {
	f := newFixture(t, map[string]string{
		"plain":   `{"name":"plain"}`,
		"forever": `{"name":"forever","retention":{"days":0}}`,
		"newest2": `{"name":"newest2","retention":{"days":0,"max_jobs":2}}`,
		"week":    `{"name":"week","retention":{"days":7}}`,
	}, 5)
	clock := time.Now().Add(10 * 24 * time.Hour) // 10 days on
	p := &retention.Pruner{Store: f.s, Owner: "A", Now: func() time.Time { return clock },
		Default: retention.Policy{Days: 30}, BatchSize: 2, Pause: time.Millisecond}
	res, err := p.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 10 days on: week's 5 are past 7 days; plain's are within 30; newest2
	// keeps 2 of 5.
	if res.Jobs != 8 || res.Events != 8 {
		t.Fatalf("pruned %+v, want 8 jobs and their events", res)
	}
	for recipe, want := range map[string]int{"plain": 5, "forever": 5, "newest2": 2, "week": 0, "pending": 1} {
		if got := f.left(t, recipe); got != want {
			t.Errorf("%s: %d jobs left, want %d", recipe, got, want)
		}
	}
	// 31 days on: the default takes plain's finished jobs, never the pending one.
	clock = clock.Add(21 * 24 * time.Hour)
	if _, err := p.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	for recipe, want := range map[string]int{"plain": 0, "forever": 5, "newest2": 2, "pending": 1} {
		if got := f.left(t, recipe); got != want {
			t.Errorf("31 days on, %s: %d jobs left, want %d", recipe, got, want)
		}
	}
}

func TestPrunerOneProcessAtATime(t *testing.T) {
	f := newFixture(t, map[string]string{"plain": `{"name":"plain"}`}, 3)
	clock := time.Now().Add(40 * 24 * time.Hour)
	now := func() time.Time { return clock }
	if ok, err := f.s.AcquireLease(context.Background(), "retention", "B", clock, clock.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	a := &retention.Pruner{Store: f.s, Owner: "A", Now: now, Default: retention.Policy{Days: 30}}
	if res, err := a.RunOnce(context.Background()); err != nil || res.Jobs != 0 {
		t.Fatalf("pruned %+v (%v) while another process holds the lease", res, err)
	}
	clock = clock.Add(time.Hour) // B's lease has run out
	if res, err := a.RunOnce(context.Background()); err != nil || res.Jobs != 3 {
		t.Fatalf("pruned %+v (%v), want 3", res, err)
	}
}

func TestPrunerServiceStartStop(t *testing.T) {
	f := newFixture(t, map[string]string{"plain": `{"name":"plain"}`}, 4)
	clock := time.Now().Add(40 * 24 * time.Hour)
	p := &retention.Pruner{Store: f.s, Owner: "A", Now: func() time.Time { return clock },
		Default: retention.Policy{Days: 30}, Interval: 10 * time.Millisecond, Log: slog.New(slog.DiscardHandler)}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.left(t, "plain") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the service did not prune within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop()
	if f.left(t, "pending") != 1 {
		t.Fatal("the pending job was pruned")
	}
}
