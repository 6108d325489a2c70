package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// scheduledTimes are the scheduled_time of a recipe's jobs, in loc.
func (r *rig) scheduledTimes(recipeID string, loc *time.Location) []string {
	var out []string
	for _, p := range r.payloads(recipeID) {
		ts, err := time.Parse(time.RFC3339Nano, p["scheduled_time"].(string))
		if err != nil {
			r.t.Fatalf("scheduled_time %v: %v", p["scheduled_time"], err)
		}
		if _, ok := p["actual_time"].(string); !ok {
			r.t.Fatalf("job output has no actual_time: %v", p)
		}
		out = append(out, ts.In(loc).Format("2006-01-02 15:04 MST"))
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A cron schedule in Europe/Berlin fires at 02:30 local time every day,
// once on the night the clocks go back (02:30 happens twice), and the first
// event comes when the recipe starts.
func TestCronAcrossDSTFallBack(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	start := time.Date(2026, 10, 23, 12, 0, 0, 0, berlin)
	r := newRig(t, start)
	r.addRecipe("nightly", recipe.Trigger{Type: recipe.TriggerSchedule, Cron: "30 2 * * *", Timezone: "Europe/Berlin"})
	if n := r.runDue(); n != 1 {
		t.Fatalf("starting the recipe fired %d events, want 1 at once", n)
	}
	// Walk the clock minute by minute for four days, as a running
	// process would see it (every minute, it looks).
	for i := 0; i < 4*24*60; i++ {
		r.clock.Add(time.Minute)
		r.runDue()
	}
	got := r.scheduledTimes("nightly", berlin)
	want := []string{"2026-10-23 12:00 CEST", "2026-10-24 02:30 CEST", "2026-10-25 02:30 CEST", "2026-10-26 02:30 CET", "2026-10-27 02:30 CET"}
	if !equalStrings(got, want) {
		t.Fatalf("scheduled times:\n got %v\nwant %v", got, want)
	}
}

// After a downtime that missed five ticks, one catch-up event fires (for
// the latest missed tick), not five; then the schedule carries on.
func TestScheduleCatchUpAfterDowntime(t *testing.T) {
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	r.addRecipe("hourly", recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(time.Hour)})
	r.runDue() // the start event, 08:00
	r.clock.Add(time.Hour)
	if n := r.runDue(); n != 1 { // 09:00
		t.Fatalf("09:00 fired %d events", n)
	}
	r.clock.Add(5*time.Hour + 30*time.Minute) // down from 09:00 to 14:30
	if n := r.runDue(); n != 1 {
		t.Fatalf("after the downtime %d passes fired, want 1", n)
	}
	if n := r.runDue(); n != 0 {
		t.Fatalf("a second pass at the same time fired %d more", n)
	}
	r.clock.Add(30 * time.Minute) // 15:00
	r.runDue()
	got := r.scheduledTimes("hourly", time.UTC)
	want := []string{"2026-03-01 08:00 UTC", "2026-03-01 09:00 UTC", "2026-03-01 14:00 UTC", "2026-03-01 15:00 UTC"}
	if !equalStrings(got, want) {
		t.Fatalf("scheduled times:\n got %v\nwant %v", got, want)
	}
	p := r.payloads("hourly")[2]
	if p["actual_time"] != "2026-03-01T14:30:00Z" {
		t.Fatalf("the catch-up's actual_time = %v, want the time it fired (14:30)", p["actual_time"])
	}
}

// Stopping a recipe stops its events; starting it again fires at once.
func TestStopMeansNoMoreEvents(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	sr := r.addRecipe("every10s", recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(10 * time.Second)})
	r.runDue()
	ctx := context.Background()
	if err := r.store.SetRecipeState(ctx, sr.ID, recipe.StateStopped); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i++ {
		r.clock.Add(10 * time.Second)
		if n := r.runDue(); n != 0 {
			t.Fatalf("a stopped recipe fired %d events", n)
		}
	}
	if err := r.store.SetRecipeState(ctx, sr.ID, recipe.StateStarted); err != nil {
		t.Fatal(err)
	}
	sr.State = recipe.StateStopped // as the API saw it before starting
	if err := r.sched.Arm(ctx, sr); err != nil {
		t.Fatal(err)
	}
	if n := r.runDue(); n != 1 {
		t.Fatalf("starting again fired %d events, want 1 at once", n)
	}
	if got := len(r.payloads(sr.ID)); got != 2 {
		t.Fatalf("%d jobs, want 2 (first start, restart)", got)
	}
}

// Two schedulers (as two processes would run) on one database, on the
// same clock, fire each tick once.
func TestTwoSchedulersFireEachTickOnce(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	a := newRig(t, start)
	b := newRigIn(t, a.dir, start, "other-owner")
	b.clock = a.clock
	b.sched.Now = a.clock.Now
	a.addRecipe("tick", recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(time.Second)})
	for i := 0; i < 50; i++ {
		done := make(chan int, 2)
		go func() { done <- a.runDue() }()
		go func() { done <- b.runDue() }()
		if n := <-done + <-done; n != 1 {
			t.Fatalf("second %d: the two schedulers fired %d times together, want 1", i, n)
		}
		a.clock.Add(time.Second)
	}
	if got := len(a.payloads("tick")); got != 50 {
		t.Fatalf("%d jobs for 50 ticks", got)
	}
}

// Editing a started recipe's schedule runs it on the new schedule from
// then on, with no event for the edit itself.
func TestScheduleEditReplans(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	sr := r.addRecipe("edited", recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(time.Hour)})
	r.runDue() // 00:00, the start event
	r.clock.Add(5 * time.Minute)
	r.editTrigger(sr, recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(10 * time.Second)})
	if n := r.runDue(); n != 0 {
		t.Fatalf("the edit itself fired %d events", n)
	}
	r.clock.Add(10 * time.Second)
	if n := r.runDue(); n != 1 {
		t.Fatalf("10s after the edit %d events fired, want 1 (not waiting for the old hour)", n)
	}
	got := r.scheduledTimes("edited", time.UTC)
	want := []string{"2026-06-01 00:00 UTC", "2026-06-01 00:05 UTC"}
	if !equalStrings(got, want) {
		t.Fatalf("scheduled times %v, want %v", got, want)
	}
}

// A process whose catalog has not yet seen a recipe another process just
// started still fires its first event, rather than holding the claim.
func TestClaimOfARecipeTheCatalogHasNotSeen(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	a := newRig(t, start)
	b := newRigIn(t, a.dir, start, "other-owner")
	b.cat = catalog.New(b.store, nil, catalog.Options{}) // never refreshed: reads the store on a miss only
	b.sched.Catalog = b.cat
	if _, err := b.cat.Recipe(context.Background(), "none"); err == nil {
		t.Fatal("an unknown recipe was found")
	}
	a.addRecipe("fresh", recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(time.Hour)})
	if n := b.runDue(); n != 1 {
		t.Fatalf("b fired %d events", n)
	}
	if got := len(a.payloads("fresh")); got != 1 {
		t.Fatalf("%d jobs, want the start event", got)
	}
}

// A started schedule recipe edited into a manual one loses its trigger
// row: it fires no more.
func TestEditToAnotherTriggerDisarms(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	sr := r.addRecipe("was-scheduled", recipe.Trigger{Type: recipe.TriggerSchedule, Every: recipe.Duration(time.Minute)})
	r.runDue()
	sr = r.editTrigger(sr, recipe.Trigger{Type: recipe.TriggerManual})
	if _, err := r.store.TriggerState(context.Background(), sr.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("trigger row after the edit: %v, want none", err)
	}
	r.clock.Add(time.Hour)
	if n := r.runDue(); n != 0 || len(r.payloads(sr.ID)) != 1 {
		t.Fatalf("%d fired, %d jobs after the edit; want 0 and the 1 from the start", n, len(r.payloads(sr.ID)))
	}
}
