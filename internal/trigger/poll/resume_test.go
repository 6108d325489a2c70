package poll

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

// A poll cut short by max_pages says where to go on from, and PollFrom
// reads the rest, page by page, with the cursor the first poll asked with.
func TestPollFromResumePoint(t *testing.T) {
	var cursors []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("p"))
		cursors = append(cursors, r.URL.Query().Get("since"))
		body := map[string]any{"items": []map[string]any{{"id": page*10 + 1, "at": page}, {"id": page*10 + 2, "at": page}}}
		if page < 5 {
			body["next"] = fmt.Sprintf("/items?since=%s&p=%d", r.URL.Query().Get("since"), page+1)
		}
		json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	p := mustCompile(t, recipe.Trigger{URL: srv.URL + "/items?since={{cursor}}&p=1", ItemsPath: "items", IDPath: "id", CursorPath: "at",
		Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next", MaxPages: 2}})
	var ids []string
	res := mustPoll(t, p, "0")
	for polls := 1; ; polls++ {
		for _, r := range res.Records {
			ids = append(ids, r.ID)
		}
		if res.Resume == nil {
			if polls != 3 || res.Truncated {
				t.Fatalf("finished after %d polls (truncated %v), want 3", polls, res.Truncated)
			}
			break
		}
		if !res.Truncated || polls > 3 {
			t.Fatalf("poll %d: resume point without truncation, or too many polls", polls)
		}
		var err error
		// The stored cursor moved on (to res.Cursor); the pages still
		// ask with the one the first poll used.
		if res, err = p.PollFrom(t.Context(), executor(), nil, res.Cursor, res.Resume); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(ids) != "[11 12 21 22 31 32 41 42 51 52]" {
		t.Fatalf("records %v, want each of the 5 pages once", ids)
	}
	for _, c := range cursors {
		if c != "0" {
			t.Fatalf("pages asked with since=%v, want the first poll's cursor 0 on every page", cursors)
		}
	}
	if res.Cursor != "5" {
		t.Fatalf("cursor %q after the last page, want 5", res.Cursor)
	}
}
