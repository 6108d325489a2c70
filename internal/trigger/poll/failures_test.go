package poll

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
)

func TestFailuresCarryStageAndExchange(t *testing.T) {
	t.Parallel()
	b := bin(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	refusedURL := closed.URL + "/items"
	closed.Close() // nothing listens there any more: the connection is refused
	noID := newJSONServer(t, func() any {
		return map[string]any{"data": []any{map[string]any{"id": 1}, map[string]any{"name": "no id"}}}
	})
	badID := newJSONServer(t, func() any {
		return map[string]any{"data": []any{map[string]any{"id": map[string]any{"x": 1}}}}
	})
	emptyID := newJSONServer(t, func() any {
		return map[string]any{"data": []any{map[string]any{"id": ""}}}
	})
	badCursor := newJSONServer(t, func() any {
		return map[string]any{"data": []any{map[string]any{"id": 1, "at": []any{1}}}}
	})
	cases := []struct {
		name      string
		tr        recipe.Trigger
		stage     Stage
		status    int // of the recorded response; 0 for none
		message   string
		retryable bool
	}{
		{"connection refused", recipe.Trigger{URL: refusedURL, ItemsPath: "data", IDPath: "id"},
			StageTransport, 0, "refused", true},
		{"server error", recipe.Trigger{URL: b.URL + "/status/500", ItemsPath: "data", IDPath: "id"},
			StageHTTP, 500, "HTTP 500 Internal Server Error", true},
		{"not found", recipe.Trigger{URL: b.URL + "/status/404", ItemsPath: "data", IDPath: "id"},
			StageHTTP, 404, "HTTP 404 Not Found", false},
		{"body is not JSON", recipe.Trigger{URL: b.URL + "/html", ItemsPath: "data", IDPath: "id"},
			StageParse, 200, "response is not json", false},
		{"items_path missing", recipe.Trigger{URL: b.URL + "/json", ItemsPath: "slideshow.items", IDPath: "id"},
			StageItems, 200, `trigger.items_path "slideshow.items": body.slideshow has no field "items"`, false},
		{"items_path not a list", recipe.Trigger{URL: b.URL + "/json", ItemsPath: "slideshow.title", IDPath: "id"},
			StageItems, 200, `body.slideshow.title is a string, not a list`, false},
		{"body not a list", recipe.Trigger{URL: b.URL + "/json", IDPath: "id"},
			StageItems, 200, `trigger.items_path (empty: the body itself): body is an object, not a list`, false},
		{"record without id", recipe.Trigger{URL: noID.URL, ItemsPath: "data", IDPath: "id"},
			StageID, 200, `record body.data[1] has no id at trigger.id_path "id": body.data[1] has no field "id"`, false},
		{"id not a string or number", recipe.Trigger{URL: badID.URL, ItemsPath: "data", IDPath: "id"},
			StageID, 200, `record body.data[0] has no usable id at trigger.id_path "id": the id is an object, not a string or number`, false},
		{"empty id", recipe.Trigger{URL: emptyID.URL, ItemsPath: "data", IDPath: "id"},
			StageID, 200, `record body.data[0] has no usable id at trigger.id_path "id": the id is an empty string`, false},
		{"cursor not a string or number", recipe.Trigger{URL: badCursor.URL, ItemsPath: "data", IDPath: "id", CursorPath: "at"},
			StageCursor, 200, `record body.data[0]: the cursor at trigger.cursor_path "at" is a list`, false},
		{"request cannot be built", recipe.Trigger{URL: b.URL + "/get?x={{cursor.field}}", ItemsPath: "data", IDPath: "id"},
			StageRequest, 0, `cursor is a string, not an object`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := mustCompile(t, c.tr)
			res, pe := pollError(t, p, "kept-cursor")
			if pe.Stage != c.stage || pe.Page != 1 || pe.Retryable != c.retryable {
				t.Fatalf("error %v: stage %s page %d retryable %v, want stage %s page 1 retryable %v", pe, pe.Stage, pe.Page, pe.Retryable, c.stage, c.retryable)
			}
			if !strings.Contains(pe.Message, c.message) || !strings.Contains(pe.Error(), c.message) {
				t.Fatalf("message %q, want it to contain %q", pe.Message, c.message)
			}
			if pe.Exchange.Request == nil || pe.Exchange.Request.Method != "GET" {
				t.Fatalf("exchange request = %+v, want the request that failed", pe.Exchange.Request)
			}
			if c.stage != StageRequest && !strings.HasPrefix(pe.Exchange.Request.URL, strings.SplitN(c.tr.URL, "?", 2)[0]) {
				t.Fatalf("exchange URL = %s, want the trigger's URL", pe.Exchange.Request.URL)
			}
			switch {
			case c.status == 0 && pe.Exchange.Response != nil:
				t.Fatalf("exchange response = %+v, want none", pe.Exchange.Response)
			case c.status != 0 && (pe.Exchange.Response == nil || pe.Exchange.Response.Status != c.status):
				t.Fatalf("exchange response = %+v, want status %d", pe.Exchange.Response, c.status)
			}
			if res.Records != nil || res.Cursor != "kept-cursor" || res.Pages != 1 || len(res.Exchanges) != 1 {
				t.Fatalf("result of a failed poll = %+v, want no records, the cursor kept and the page's exchange", res)
			}
			if _, err := json.Marshal(pe); err != nil {
				t.Fatalf("the error must be storable as JSON: %v", err)
			}
		})
	}
}

// TestNextPageOnAnotherHostIsRefused: the connection's credentials go
// with every page, so a next URL may not leave the first page's host (a
// different port is a different origin too).
func TestNextPageOnAnotherHostIsRefused(t *testing.T) {
	t.Parallel()
	other := bin(t)
	srv := newJSONServer(t, func() any {
		return map[string]any{"data": []any{map[string]any{"id": 1}}, "next": other.URL + "/get"}
	})
	p := mustCompile(t, recipe.Trigger{URL: srv.URL, ItemsPath: "data", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next"}})
	res, pe := pollError(t, p, "c1")
	if pe.Stage != StagePagination || pe.Page != 1 || !strings.Contains(pe.Message, "leaves "+srv.URL) {
		t.Fatalf("error = %v, want a pagination error: the next page is on another host", pe)
	}
	if res.Records != nil || res.Cursor != "c1" || res.Pages != 1 {
		t.Fatalf("result = %+v, want one page, no records and the cursor kept", res)
	}
}

// TestFailureOnALaterPage: the records of earlier pages are not returned
// (a poll is used whole or not at all) and the error names the page.
func TestFailureOnALaterPage(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	page := 0
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		page++
		if page == 1 {
			writeJSON(w, map[string]any{"data": []any{map[string]any{"id": 1}}, "next": "/page2"})
			return
		}
		w.Header().Set("Retry-After", "7")
		http.Error(w, "busy", http.StatusTooManyRequests)
	}))
	t.Cleanup(flaky.Close)
	p := mustCompile(t, recipe.Trigger{URL: flaky.URL, ItemsPath: "data", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next"}})
	res, pe := pollError(t, p, "")
	if pe.Stage != StageHTTP || pe.Page != 2 || !pe.Retryable || pe.RetryAfter != 7*time.Second {
		t.Fatalf("error = %+v, want http stage on page 2, retryable after 7s", pe)
	}
	if res.Pages != 2 || len(res.Exchanges) != 2 || res.Records != nil {
		t.Fatalf("result = %+v, want both exchanges and no records", res)
	}
	if pe.Exchange.Response.Status != 429 || pe.Exchange.Request.URL != flaky.URL+"/page2" {
		t.Fatalf("failing exchange = %+v %+v, want the second page's", pe.Exchange.Request, pe.Exchange.Response)
	}
}
