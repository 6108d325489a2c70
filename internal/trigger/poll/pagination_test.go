package poll

import (
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

func TestNextURLFollowsRelativeURLsAcrossPages(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 7)
	p := mustCompile(t, recipe.Trigger{
		URL: api.url("/next"), ItemsPath: "data", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next"},
	})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2,3,4,5,6,7")
	if res.Pages != 3 || res.Truncated || res.Looped || len(res.Exchanges) != 3 {
		t.Fatalf("pages %d truncated %v looped %v exchanges %d, want 3 pages read to the end", res.Pages, res.Truncated, res.Looped, len(res.Exchanges))
	}
	if got := res.Exchanges[2].Request.URL; !strings.HasPrefix(got, api.url("/next?after=6")) {
		t.Errorf("third page URL = %s, want the relative next URL resolved against the API", got)
	}
	if name := res.Records[0].Data.(map[string]any)["name"]; name != "record 1" {
		t.Errorf("record data name = %v, want the record itself", name)
	}
}

func TestLinkHeaderFollowsRelNext(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 5)
	p := mustCompile(t, recipe.Trigger{
		URL: api.url("/link"), ItemsPath: "items", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageLinkHeader},
	})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2,3,4,5")
	if res.Pages != 3 {
		t.Fatalf("pages = %d, want 3 (2+2+1)", res.Pages)
	}
	if got := res.Exchanges[1].Request.URL; !strings.HasPrefix(got, api.url("/link?page=2")) {
		t.Errorf("second page URL = %s, want the relative rel=next link resolved", got)
	}
}

func TestTokenSendsTheTokenBack(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 8)
	p := mustCompile(t, recipe.Trigger{
		URL: api.url("/token"), ItemsPath: "result.items", IDPath: "id",
		Query:      map[string]string{"view": "full"},
		Pagination: &recipe.Pagination{Type: PageToken, TokenPath: "meta.next_token", TokenParam: "cursor_token"},
	})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2,3,4,5,6,7,8")
	qs := api.queries()
	if len(qs) != 3 {
		t.Fatalf("requests = %d, want 3", len(qs))
	}
	for i, want := range []string{"", "tok-3", "tok-6"} {
		if got := qs[i].Get("cursor_token"); got != want {
			t.Errorf("request %d cursor_token = %q, want %q", i, got, want)
		}
		if qs[i].Get("view") != "full" {
			t.Errorf("request %d lost the trigger's own query: %v", i, qs[i])
		}
	}
}

func TestPageCountsPagesAndStopsAtAShortPage(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 7)
	p := mustCompile(t, recipe.Trigger{
		URL: api.url("/page"), ItemsPath: "results", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageNumber, Param: "page", PageSize: 3, SizeParam: "per_page"},
	})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2,3,4,5,6,7")
	qs := api.queries()
	if len(qs) != 3 {
		t.Fatalf("requests = %d, want 3 (the third page is short)", len(qs))
	}
	for i, q := range qs {
		if q.Get("page") != []string{"1", "2", "3"}[i] || q.Get("per_page") != "3" {
			t.Errorf("request %d query = %v, want page=%d per_page=3", i, q, i+1)
		}
	}
}

func TestOffsetCountsRecordsAndStopsAtAnEmptyPage(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 6)
	p := mustCompile(t, recipe.Trigger{
		URL: api.url("/offset"), IDPath: "id", // the body itself is the list
		Pagination: &recipe.Pagination{Type: PageOffset, Param: "offset", Start: intp(0), PageSize: 3, SizeParam: "limit"},
	})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2,3,4,5,6")
	qs := api.queries()
	if len(qs) != 3 {
		t.Fatalf("requests = %d, want 3 (two full pages, then an empty one)", len(qs))
	}
	for i, q := range qs {
		if q.Get("offset") != []string{"0", "3", "6"}[i] || q.Get("limit") != "3" {
			t.Errorf("request %d query = %v", i, q)
		}
	}
}

func TestMaxPagesCutsThePollShort(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 10)
	p := mustCompile(t, recipe.Trigger{
		URL: api.url("/next"), ItemsPath: "data", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next", MaxPages: 2},
	})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2,3,4,5,6")
	if res.Pages != 2 || !res.Truncated {
		t.Fatalf("pages %d truncated %v, want 2 pages and truncated", res.Pages, res.Truncated)
	}
	if n := len(api.queries()); n != 2 {
		t.Fatalf("requests = %d, want 2", n)
	}
}

func TestLoopGuards(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 4)
	cases := []struct {
		name  string
		tr    recipe.Trigger
		want  string
		pages int
	}{
		{"next URL seen before", recipe.Trigger{
			URL: api.url("/loop?n=1"), ItemsPath: "data", IDPath: "id",
			Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next"},
		}, "1,2", 2},
		{"page param ignored", recipe.Trigger{
			URL: api.url("/page"), Query: map[string]string{"ignore_page": "1"}, ItemsPath: "results", IDPath: "id",
			Pagination: &recipe.Pagination{Type: PageNumber, Param: "page", PageSize: 2, SizeParam: "per_page"},
		}, "1,2", 2},
	}
	for _, c := range cases {
		p := mustCompile(t, c.tr)
		res := mustPoll(t, p, "")
		wantIDs(t, res, c.want)
		if !res.Looped || res.Pages != c.pages || res.Truncated {
			t.Errorf("%s: looped %v pages %d truncated %v, want looped after %d pages", c.name, res.Looped, res.Pages, res.Truncated, c.pages)
		}
	}
}

func TestTokenSeenBeforeStops(t *testing.T) {
	t.Parallel()
	// Each page holds new records but the token never changes.
	n := 0
	srv := newJSONServer(t, func() any {
		n++
		return map[string]any{"items": []any{map[string]any{"id": n}}, "next": "same"}
	})
	p := mustCompile(t, recipe.Trigger{
		URL: srv.URL, ItemsPath: "items", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageToken, TokenPath: "next", TokenParam: "t"},
	})
	res := mustPoll(t, p, "")
	wantIDs(t, res, "1,2")
	if !res.Looped || res.Pages != 2 {
		t.Fatalf("looped %v pages %d, want a loop found on page 2", res.Looped, res.Pages)
	}
}
