package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// Two patchbay processes on one SQLite database file: each tick of a
// schedule and each new record of a poll yields exactly one job, however
// the two processes race for them.
func TestTriggersFireOnceAcrossTwoProcesses(t *testing.T) {
	t.Parallel() // each process binds a port of its own (--addr-file)
	bin := patchbayBinary(t)
	dir := t.TempDir()
	a := startProcess(t, bin, dir, "")
	b := startProcess(t, bin, dir, "")
	api := &server{t: t, URL: a.url, DataDir: dir, Token: createToken(t, dir)}

	src := newRecordSource(t, 3)
	pollID := api.createRecipe(pollingRecipe(src, map[string]any{"since": "all"}))
	tickID := api.createRecipe(map[string]any{"name": "every second",
		"trigger": map[string]any{"type": "schedule", "every": "1s"},
		"steps":   []any{map[string]any{"id": "noop", "method": "POST", "url": src.srv.URL + "/sink", "body": map[string]any{"id": "tick"}, "response_type": "raw"}}})
	api.mustCall(200, "POST", "/api/v1/recipes/"+pollID+"/start", nil, nil)
	api.mustCall(200, "POST", "/api/v1/recipes/"+tickID+"/start", nil, nil)

	for i := 0; i < 5; i++ {
		time.Sleep(time.Second)
		src.add()
	}
	waitFor(t, "8 polled jobs", func() bool { total, _ := api.recipeJobs(pollID); return total >= 8 })
	polls := src.pollCount()
	waitFor(t, "two more polls", func() bool { return src.pollCount() >= polls+2 })
	for _, p := range []*process{a, b} {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
	}

	byRecord := map[string]int{}
	for _, id := range column(t, openDB(t, dir), `SELECT json_extract(e.payload, '$.id') FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.recipe_id = ?`, pollID) {
		byRecord[id]++
	}
	if len(byRecord) != 8 {
		t.Fatalf("jobs for %d records, want 8: %v", len(byRecord), byRecord)
	}
	for id, n := range byRecord {
		if n != 1 {
			t.Errorf("record %s has %d jobs", id, n)
		}
	}

	ticks := countRows(t, dir, fmt.Sprintf(`SELECT COUNT(*) FROM jobs WHERE recipe_id = '%s'`, tickID))
	distinct := countRows(t, dir, fmt.Sprintf(`SELECT COUNT(DISTINCT json_extract(e.payload, '$.scheduled_time')) FROM jobs j JOIN events e ON e.id = j.event_id WHERE j.recipe_id = '%s'`, tickID))
	if ticks < 5 || ticks != distinct {
		t.Fatalf("%d tick jobs for %d distinct scheduled times, want one per tick (at least 5)", ticks, distinct)
	}
	owners := column(t, openDB(t, dir), `SELECT fired_by || ': ' || COUNT(*) FROM trigger_ticks GROUP BY fired_by`)
	t.Logf("polls and ticks fired by process: %v", owners)
	// Both processes raced for every due time (each wakes when one is
	// due); over a dozen of them, each won some. One process winning all
	// would mean the test did not exercise the race.
	if len(owners) != 2 {
		t.Fatalf("polls and ticks were fired by %v, want both processes", owners)
	}
}
