package poll

import (
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

func TestFirstStart(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 5) // updated 10:01 … 10:05
	poller := func(since string) *Poller {
		return mustCompile(t, recipe.Trigger{URL: api.url("/next"), ItemsPath: "data", IDPath: "id",
			CursorPath: "updated_at", Since: since,
			Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next"}})
	}
	cases := []struct {
		since, jobs, remembered string
	}{
		{"", "", "1,2,3,4,5"}, // now is the default
		{SinceNow, "", "1,2,3,4,5"},
		{SinceAll, "1,2,3,4,5", ""},
		{"2024-05-01T10:03:00Z", "3,4,5", "1,2"},      // records at or after the date are jobs
		{"2024-05-01T12:02:30+02:00", "3,4,5", "1,2"}, // 10:02:30Z
		{"2024-05-01", "1,2,3,4,5", ""},               // a bare day is midnight UTC
		{"2030-01-01T00:00:00Z", "", "1,2,3,4,5"},     // nothing is that new
	}
	for _, c := range cases {
		p := poller(c.since)
		res := mustPoll(t, p, "")
		jobs, remembered := p.FirstStart(res.Records)
		if ids(jobs) != c.jobs || ids(remembered) != c.remembered {
			t.Errorf("since %q: jobs %q remembered %q, want %q and %q", c.since, ids(jobs), ids(remembered), c.jobs, c.remembered)
		}
	}
}

// TestFirstStartWithoutAComparableCursor: a record that cannot be shown
// to be older than the date becomes a job rather than being lost.
func TestFirstStartWithoutAComparableCursor(t *testing.T) {
	t.Parallel()
	srv := newJSONServer(t, func() any {
		return []any{
			map[string]any{"id": 1, "at": "2020-01-01T00:00:00Z"},
			map[string]any{"id": 2},
			map[string]any{"id": 3, "at": "yesterday"},
		}
	})
	p := mustCompile(t, recipe.Trigger{URL: srv.URL, IDPath: "id", CursorPath: "at", Since: "2024-01-01T00:00:00Z"})
	jobs, remembered := p.FirstStart(mustPoll(t, p, "").Records)
	if ids(jobs) != "2,3" || ids(remembered) != "1" {
		t.Fatalf("jobs %q remembered %q, want 2,3 and 1", ids(jobs), ids(remembered))
	}
}
