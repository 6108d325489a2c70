package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

// jsonEqual compares two JSON documents by value: a backend may store
// JSON in a form of its own (PostgreSQL's jsonb adds spaces).
func jsonEqual(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("stored JSON %q: %v", got, err)
	}
	must(t, json.Unmarshal(want, &w))
	return reflect.DeepEqual(g, w)
}

// A claimed poll's lease is held, extended only by its owner and only for
// the due time it claimed, and released by completion, which moves the
// state on; disarming forgets it all.
func triggerStateFollowsClaimExtendComplete(t *testing.T, s store.Store) {
	ctx := context.Background()
	StartedRecipe(t, s, "r1")
	_, err := s.TriggerState(ctx, "r1")
	wantErr(t, "state before the first arm", err, store.ErrNotFound)
	t0 := epoch
	must(t, s.ArmTrigger(ctx, "r1", t0))
	st, err := s.TriggerState(ctx, "r1")
	if err != nil || !st.NextDue.Equal(t0) || st.LeaseOwner != "" || st.LeaseUntil != nil || st.RecipeID != "r1" {
		t.Fatalf("armed state %+v %v", st, err)
	}
	if c, err := s.ClaimTriggers(ctx, "A", t0.Add(-time.Second), 8, time.Minute); err != nil || len(c) != 0 {
		t.Fatalf("claimed before it was due: %+v %v", c, err)
	}
	c, err := s.ClaimTriggers(ctx, "A", t0, 8, time.Minute)
	if err != nil || len(c) != 1 || c[0].RecipeID != "r1" || !c[0].Due.Equal(t0) {
		t.Fatalf("claim %+v %v", c, err)
	}
	st, _ = s.TriggerState(ctx, "r1")
	if st.LeaseOwner != "A" || st.LeaseUntil == nil || !st.LeaseUntil.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claimed state %+v", st)
	}

	must(t, s.ExtendTrigger(ctx, "r1", "A", t0, t0.Add(5*time.Minute)))
	wantErr(t, "extend by another owner", s.ExtendTrigger(ctx, "r1", "B", t0, t0.Add(9*time.Minute)), queue.ErrLeaseLost)
	wantErr(t, "extend for another due time", s.ExtendTrigger(ctx, "r1", "A", t0.Add(time.Second), t0.Add(9*time.Minute)), queue.ErrLeaseLost)
	if st, _ := s.TriggerState(ctx, "r1"); st.LeaseUntil == nil || !st.LeaseUntil.Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("extended state %+v", st)
	}
	if c, _ := s.ClaimTriggers(ctx, "B", t0.Add(2*time.Minute), 8, time.Minute); len(c) != 0 {
		t.Fatalf("B claimed a poll whose lease A extended: %+v", c)
	}

	cursor := "page-2"
	out, err := s.CompleteTrigger(ctx, store.TriggerCompletion{RecipeID: "r1", Owner: "A", Due: t0, FiredAt: t0, Now: t0.Add(time.Second),
		Next: t0.Add(time.Hour), Cursor: &cursor, Polled: true, Records: records("x"), Failures: 0, Health: []byte(`{"ok":true}`)})
	if err != nil || out.LeaseLost || len(out.Jobs) != 1 || out.Seen != 1 {
		t.Fatalf("complete %+v %v", out, err)
	}
	st, _ = s.TriggerState(ctx, "r1")
	if !st.NextDue.Equal(t0.Add(time.Hour)) || st.Cursor != "page-2" || !st.Polled || st.Failures != 0 || !jsonEqual(t, st.Health, []byte(`{"ok":true}`)) {
		t.Fatalf("completed state %+v", st)
	}
	wantErr(t, "extend after completing", s.ExtendTrigger(ctx, "r1", "A", t0, t0.Add(9*time.Minute)), queue.ErrLeaseLost)
	if c, _ := s.ClaimTriggers(ctx, "B", t0.Add(2*time.Minute), 8, time.Minute); len(c) != 0 {
		t.Fatalf("claimed before the next due time: %+v", c)
	}
	if c, _ := s.ClaimTriggers(ctx, "B", t0.Add(time.Hour), 8, time.Minute); len(c) != 1 || c[0].Cursor != "page-2" || !c[0].Polled {
		t.Fatalf("the next poll's claim %+v; want the stored cursor", c)
	}

	must(t, s.DisarmTrigger(ctx, "r1"))
	_, err = s.TriggerState(ctx, "r1")
	wantErr(t, "state after disarming", err, store.ErrNotFound)
	if n, err := s.CountSeenRecords(ctx, "r1"); err != nil || n != 0 {
		t.Fatalf("%d seen records after disarming, %v", n, err)
	}
	if c, _ := s.ClaimTriggers(ctx, "B", t0.Add(2*time.Hour), 8, time.Minute); len(c) != 0 {
		t.Fatalf("a disarmed trigger was claimed: %+v", c)
	}
}

// NextTriggerDue is the earliest due time of started recipes' triggers.
func nextTriggerDueOfStartedRecipes(t *testing.T, s store.Store) {
	ctx := context.Background()
	if due, err := s.NextTriggerDue(ctx); err != nil || !due.IsZero() {
		t.Fatalf("next due with no trigger: %v %v", due, err)
	}
	StartedRecipe(t, s, "r1")
	StartedRecipe(t, s, "r2")
	must(t, s.CreateRecipe(ctx, store.Recipe{ID: "r3", Name: "r3", TriggerType: "schedule", State: "stopped", Doc: []byte(`{}`), CreatedAt: epoch, UpdatedAt: epoch}))
	must(t, s.ArmTrigger(ctx, "r1", epoch.Add(time.Hour)))
	must(t, s.ArmTrigger(ctx, "r2", epoch.Add(time.Minute)))
	must(t, s.ArmTrigger(ctx, "r3", epoch)) // stopped: not due
	if due, err := s.NextTriggerDue(ctx); err != nil || !due.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("next due %v %v, want %v", due, err, epoch.Add(time.Minute))
	}
	if c, _ := s.ClaimTriggers(ctx, "A", epoch, 8, time.Minute); len(c) != 0 {
		t.Fatalf("a stopped recipe's trigger was claimed: %+v", c)
	}
	must(t, s.DisarmTrigger(ctx, "r2"))
	if due, err := s.NextTriggerDue(ctx); err != nil || !due.Equal(epoch.Add(time.Hour)) {
		t.Fatalf("next due %v %v, want %v", due, err, epoch.Add(time.Hour))
	}
}

// Ping answers on a store whose migrations are applied.
func pingAnswers(t *testing.T, s store.Store) {
	must(t, s.Ping(context.Background()))
}
