package poll

import (
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

// TestCursorIsSentAndAdvanced polls a list that grows between polls, as a
// caller would: each poll sends the previous poll's cursor as {{cursor}},
// finds only what is newer, and moves the cursor to the newest record.
func TestCursorIsSentAndAdvanced(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 4)
	p := mustCompile(t, recipe.Trigger{
		URL: api.url("/next"), Query: map[string]string{"since": "{{cursor}}"},
		ItemsPath: "data", IDPath: "id", CursorPath: "updated_at",
		Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next"},
	})

	first := mustPoll(t, p, "")
	wantIDs(t, first, "1,2,3,4")
	if q := api.queries()[0]; !q.Has("since") || q.Get("since") != "" {
		t.Fatalf("first poll query = %v, want since= empty (no cursor yet)", q)
	}
	if first.Cursor != "2024-05-01T10:04:00Z" {
		t.Fatalf("cursor after the first poll = %q, want record 4's updated_at", first.Cursor)
	}
	if first.Records[3].Cursor != "2024-05-01T10:04:00Z" {
		t.Fatalf("record 4 cursor = %q", first.Records[3].Cursor)
	}

	api.add(3)
	second := mustPoll(t, p, first.Cursor)
	wantIDs(t, second, "5,6,7")
	if second.Cursor != "2024-05-01T10:07:00Z" {
		t.Fatalf("cursor after the second poll = %q, want record 7's", second.Cursor)
	}
	sent := api.queries()[len(api.queries())-len(second.Exchanges)]
	if sent.Get("since") != first.Cursor {
		t.Fatalf("second poll sent since=%q, want the cursor %q", sent.Get("since"), first.Cursor)
	}

	third := mustPoll(t, p, second.Cursor)
	if len(third.Records) != 0 || third.Cursor != second.Cursor {
		t.Fatalf("a poll with nothing new gave %d records and cursor %q, want none and the cursor kept", len(third.Records), third.Cursor)
	}
}

// TestNumericCursorComparesAsNumbers: 10 is after 9, which text order
// would get wrong; the old cursor is kept when records are older.
func TestNumericCursorComparesAsNumbers(t *testing.T) {
	t.Parallel()
	srv := newJSONServer(t, func() any {
		return map[string]any{"data": []any{
			map[string]any{"id": "a", "seq": 10},
			map[string]any{"id": "b", "seq": 9},
			map[string]any{"id": "c"}, // no cursor: first, the rest by seq
		}}
	})
	p := mustCompile(t, recipe.Trigger{URL: srv.URL, ItemsPath: "data", IDPath: "id", CursorPath: "seq"})
	res := mustPoll(t, p, "8")
	wantIDs(t, res, "c,b,a")
	if res.Cursor != "10" {
		t.Fatalf("cursor = %q, want 10", res.Cursor)
	}
	if res := mustPoll(t, p, "11"); res.Cursor != "11" {
		t.Fatalf("cursor = %q, want the old cursor 11 kept (every record is older)", res.Cursor)
	}
}

func TestNewestFirstIsReversed(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 4)
	p := mustCompile(t, recipe.Trigger{URL: api.url("/newest"), ItemsPath: "data", IDPath: "id", Order: OrderNewestFirst})
	wantIDs(t, mustPoll(t, p, ""), "1,2,3,4")

	// Without order, the API's order is kept as it is.
	p = mustCompile(t, recipe.Trigger{URL: api.url("/newest"), ItemsPath: "data", IDPath: "id"})
	wantIDs(t, mustPoll(t, p, ""), "4,3,2,1")
}

// TestCursorSortsTimesAsTimes: the same instant written in other zones
// sorts by the instant, not by its text.
func TestCursorSortsTimesAsTimes(t *testing.T) {
	t.Parallel()
	srv := newJSONServer(t, func() any {
		return []any{
			map[string]any{"id": 1, "at": "2024-05-01T12:00:00+02:00"}, // 10:00Z
			map[string]any{"id": 2, "at": "2024-05-01T09:30:00Z"},
			map[string]any{"id": 3, "at": "2024-05-01T05:15:00-05:00"}, // 10:15Z
		}
	})
	p := mustCompile(t, recipe.Trigger{URL: srv.URL, IDPath: "id", CursorPath: "at", Order: OrderNewestFirst})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "2,1,3")
	if res.Cursor != "2024-05-01T05:15:00-05:00" {
		t.Fatalf("cursor = %q, want the latest instant", res.Cursor)
	}
}

// TestDuplicateRecordsInOnePollAreReadOnce: an offset API whose list grew
// between two page requests repeats a record on the next page.
func TestDuplicateRecordsInOnePollAreReadOnce(t *testing.T) {
	t.Parallel()
	page := 0
	srv := newJSONServer(t, func() any {
		page++
		switch page {
		case 1:
			return []any{map[string]any{"id": 1}, map[string]any{"id": 2}}
		case 2:
			return []any{map[string]any{"id": 2}, map[string]any{"id": 3}}
		}
		return []any{}
	})
	p := mustCompile(t, recipe.Trigger{URL: srv.URL, IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageOffset, Param: "offset", PageSize: 2}})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2,3")
	if res.Looped {
		t.Fatal("a page with one repeated record is not a loop")
	}
}

func TestXMLRecords(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 2)
	p := mustCompile(t, recipe.Trigger{URL: api.url("/xml"), ResponseType: "xml",
		ItemsPath: "orders.order", IDPath: "id", CursorPath: "updated_at"})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2")

	// One record is one element, not a list: still one record.
	one := newListAPI(t, 1)
	p = mustCompile(t, recipe.Trigger{URL: one.url("/xml"), ResponseType: "xml", ItemsPath: "orders.order", IDPath: "id"})
	wantIDs(t, mustPoll(t, p, ""), "1")

	// No record is an empty element: no records, not a failure.
	none := newListAPI(t, 0)
	p = mustCompile(t, recipe.Trigger{URL: none.url("/xml"), ResponseType: "xml", ItemsPath: "orders.order", IDPath: "id"})
	if res := mustPoll(t, p, "c"); len(res.Records) != 0 || res.Cursor != "c" {
		t.Fatalf("empty XML list: %d records, cursor %q", len(res.Records), res.Cursor)
	}
}
