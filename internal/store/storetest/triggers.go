package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

func records(ids ...string) []store.SeenRecord {
	out := make([]store.SeenRecord, len(ids))
	for i, id := range ids {
		out[i] = store.SeenRecord{ID: id, Job: &queue.NewJob{RecipeID: "r1", Payload: []byte(fmt.Sprintf(`{"id":%q}`, id))}}
	}
	return out
}

// A process whose lease ran out cannot complete its poll: the process that
// took the poll over does, and the records start their jobs once.
func triggerLeaseLostCreatesNothing(t *testing.T, s store.Store) {
	ctx := context.Background()
	StartedRecipe(t, s, "r1")
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := s.ArmTrigger(ctx, "r1", t0); err != nil {
		t.Fatal(err)
	}
	a, err := s.ClaimTriggers(ctx, "A", t0, 8, time.Second)
	if err != nil || len(a) != 1 {
		t.Fatalf("A claims %v, %v", a, err)
	}
	if b, _ := s.ClaimTriggers(ctx, "B", t0.Add(500*time.Millisecond), 8, time.Second); len(b) != 0 {
		t.Fatalf("B claimed a poll A still holds: %v", b)
	}
	b, err := s.ClaimTriggers(ctx, "B", t0.Add(2*time.Second), 8, time.Second)
	if err != nil || len(b) != 1 || !b[0].Due.Equal(t0) {
		t.Fatalf("B takes over the expired lease: %v, %v", b, err)
	}
	done := func(owner string) store.TriggerOutcome {
		out, err := s.CompleteTrigger(ctx, store.TriggerCompletion{RecipeID: "r1", Owner: owner, Due: t0, FiredAt: t0,
			Now: t0.Add(3 * time.Second), Next: t0.Add(time.Minute), Polled: true, Records: records("x", "y")})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := done("A"); !out.LeaseLost || len(out.Jobs) != 0 {
		t.Fatalf("A completed after losing its lease: %+v", out)
	}
	if out := done("B"); out.LeaseLost || len(out.Jobs) != 2 {
		t.Fatalf("B's completion: %+v", out)
	}
	if n, _ := s.CountJobs(ctx); n != 2 {
		t.Fatalf("%d jobs, want 2", n)
	}
}

// A due time fires once: completing it again (a recipe re-armed to the same
// due time) creates nothing; records seen before start no second job; the
// seen set is bounded.
func triggerFiresOnceAndForgetsOldest(t *testing.T, s store.Store) {
	ctx := context.Background()
	StartedRecipe(t, s, "r1")
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	poll := func(due time.Time, ids ...string) store.TriggerOutcome {
		t.Helper()
		if err := s.ArmTrigger(ctx, "r1", due); err != nil {
			t.Fatal(err)
		}
		c, err := s.ClaimTriggers(ctx, "A", due, 8, time.Minute)
		if err != nil || len(c) != 1 {
			t.Fatalf("claim at %v: %v %v", due, c, err)
		}
		out, err := s.CompleteTrigger(ctx, store.TriggerCompletion{RecipeID: "r1", Owner: "A", Due: due, FiredAt: due,
			Now: due, Next: due.Add(time.Minute), Polled: true, Records: records(ids...), MaxSeen: 4})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := poll(t0, "a", "b", "c"); len(out.Jobs) != 3 || out.Seen != 3 {
		t.Fatalf("first poll: %+v", out)
	}
	if out := poll(t0, "d"); !out.AlreadyFired || len(out.Jobs) != 0 {
		t.Fatalf("the same due time fired twice: %+v", out)
	}
	if out := poll(t0.Add(time.Minute), "b", "c", "d", "e"); len(out.Jobs) != 2 || out.Duplicates != 2 {
		t.Fatalf("second poll: %+v (want jobs for d and e only)", out)
	}
	if n, _ := s.CountSeenRecords(ctx, "r1"); n != 4 {
		t.Fatalf("%d seen records kept, want the newest 4", n)
	}
	// "a" was the oldest and is forgotten; "b" is still known.
	if out := poll(t0.Add(2*time.Minute), "a", "b"); len(out.Jobs) != 1 || out.Duplicates != 1 {
		t.Fatalf("third poll: %+v (want a job for the forgotten a only)", out)
	}
	if n, _ := s.CountJobs(ctx); n != 6 {
		t.Fatalf("%d jobs, want 6", n)
	}
}

// Starting a recipe arms its trigger in the same transaction, once: a
// second start (or two at once) changes and arms nothing.
func startRecipeArmsOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	now := time.Now()
	if err := s.CreateRecipe(ctx, store.Recipe{ID: "r1", Name: "r1", TriggerType: "schedule", State: "stopped",
		Doc: []byte(`{}`), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	results := make(chan bool, 2)
	for range 2 {
		go func() {
			changed, err := s.StartRecipe(ctx, "r1", true, t0)
			if err != nil {
				t.Error(err)
			}
			results <- changed
		}()
	}
	if a, b := <-results, <-results; a == b {
		t.Fatalf("two starts at once both reported changed=%v; want exactly one", a)
	}
	if c, err := s.ClaimTriggers(ctx, "A", t0, 8, time.Minute); err != nil || len(c) != 1 || !c[0].Due.Equal(t0) || !c[0].ArmedAt.Equal(t0) {
		t.Fatalf("after the start: claims %+v, %v; want the trigger due at the start", c, err)
	}
	if _, err := s.StartRecipe(ctx, "nope", true, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("starting an unknown recipe: %v, want not found", err)
	}
}

var triggerTests = map[string]func(*testing.T, store.Store){
	"LeaseLostCreatesNothing":         triggerLeaseLostCreatesNothing,
	"FiresOnceAndForgetsOldest":       triggerFiresOnceAndForgetsOldest,
	"StartRecipeArmsOnce":             startRecipeArmsOnce,
	"StateFollowsClaimExtendComplete": triggerStateFollowsClaimExtendComplete,
	"NextDueOfStartedRecipes":         nextTriggerDueOfStartedRecipes,
}
