package poll

import (
	"errors"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

func valid() recipe.Trigger {
	return recipe.Trigger{Type: recipe.TriggerPolling, URL: "https://api.example.com/items?since={{cursor}}",
		ItemsPath: "data", IDPath: "id", CursorPath: "updated_at",
		ResponseExample: `{"data": [{"id": 1, "updated_at": "2024-05-01T10:00:00Z"}]}`}
}

func TestValidateAcceptsAGoodTrigger(t *testing.T) {
	t.Parallel()
	tr := valid()
	tr.Headers = map[string]string{"If-Modified-Since": `{{ cursor ?? "" }}`}
	tr.Pagination = &recipe.Pagination{Type: PageNumber, Param: "page", PageSize: 50, SizeParam: "per_page", MaxPages: 100}
	tr.Since, tr.Order = "2024-01-01T00:00:00Z", OrderNewestFirst
	if ps := Validate(tr); len(ps) != 0 {
		t.Fatalf("problems = %v, want none", ps)
	}
}

func TestValidateNamesThePath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		edit    func(*recipe.Trigger)
		path    string
		message string
	}{
		{func(t *recipe.Trigger) { t.URL = "" }, "trigger.url", "is required"},
		{func(t *recipe.Trigger) { t.URL = "https://x/{{trigger.id}}" }, "trigger.url", "{{trigger.id}}: a poll's request can use only {{cursor}}"},
		{func(t *recipe.Trigger) { t.Query = map[string]string{"q": "{{ steps.a.body }}"} }, "trigger.query.q", "can use only {{cursor}}"},
		{func(t *recipe.Trigger) { t.Headers = map[string]string{"X": "{{"} }, "trigger.headers.X", `unclosed "{{"`},
		{func(t *recipe.Trigger) { t.Method = "delete" }, "trigger.method", `unknown method "DELETE"`},
		{func(t *recipe.Trigger) { t.ResponseType = "raw" }, "trigger.response_type", "json or xml"},
		{func(t *recipe.Trigger) { t.ItemsPath = "data[x]" }, "trigger.items_path", "bad list index"},
		{func(t *recipe.Trigger) { t.IDPath = "" }, "trigger.id_path", "is required"},
		{func(t *recipe.Trigger) { t.IDPath = "uuid" }, "trigger.id_path", `the example's first record has no id here: record has no field "uuid"`},
		{func(t *recipe.Trigger) { t.CursorPath = "a..b" }, "trigger.cursor_path", "empty key"},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{Type: "x"} }, "trigger.pagination.type",
			`unknown type "x" (want next_url, link_header, token, page or offset)`},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{} }, "trigger.pagination.type", "is required"},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{Type: PageNextURL} }, "trigger.pagination.next_path", "is required"},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{Type: PageToken, TokenPath: "t"} }, "trigger.pagination.token_param", "is required"},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{Type: PageOffset} }, "trigger.pagination.param", "is required"},
		{func(t *recipe.Trigger) {
			t.Pagination = &recipe.Pagination{Type: PageNumber, Param: "p", SizeParam: "n"}
		}, "trigger.pagination.page_size", "is required with size_param"},
		{func(t *recipe.Trigger) {
			t.Pagination = &recipe.Pagination{Type: PageNumber, Param: "p", Start: intp(-1)}
		}, "trigger.pagination.start", "0 or more"},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{Type: PageLinkHeader, MaxPages: 101} }, "trigger.pagination.max_pages", "at most 100"},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{Type: PageLinkHeader, MaxPages: -1} }, "trigger.pagination.max_pages", "between 1 and 100"},
		{func(t *recipe.Trigger) { t.Pagination = &recipe.Pagination{Type: PageLinkHeader, NextPath: "next"} }, "trigger.pagination.next_path", "only used with type next_url"},
		{func(t *recipe.Trigger) {
			t.Query = map[string]string{"page": "1"}
			t.Pagination = &recipe.Pagination{Type: PageNumber, Param: "page"}
		}, "trigger.query.page", "is set by trigger.pagination.param"},
		{func(t *recipe.Trigger) { t.Since = "last week" }, "trigger.since", `"last week" is not now, all or an RFC 3339 date`},
		{func(t *recipe.Trigger) { t.Since, t.CursorPath = "2024-01-01T00:00:00Z", "" }, "trigger.since", "a date needs trigger.cursor_path"},
		{func(t *recipe.Trigger) { t.Order = "random" }, "trigger.order", `unknown order "random" (want oldest_first or newest_first)`},
		{func(t *recipe.Trigger) { t.ResponseExample = `{"data": {}}` }, "trigger.response_example", "body.data is an object, not a list"},
	}
	// Advice: Validate reports it, but Compile still polls such a trigger.
	advice := map[string]bool{
		`the example's first record has no id here: record has no field "uuid"`: true,
		"0 or more":                          true,
		"only used with type next_url":       true,
		"is set by trigger.pagination.param": true,
		"body.data is an object, not a list": true,
	}
	for _, c := range cases {
		tr := valid()
		c.edit(&tr)
		ps := Validate(tr)
		found := false
		for _, p := range ps {
			if p.Path == c.path && strings.Contains(p.Message, c.message) {
				found = true
			}
		}
		if !found {
			t.Errorf("want %s: %s…, got %v", c.path, c.message, ps)
		}
		// Compile refuses the same trigger with the same problems, unless
		// the problem is advice a poll can live with.
		_, err := Compile(tr)
		if advice[c.message] {
			if err != nil {
				t.Errorf("Compile refused a pollable trigger (%s): %v", c.path, err)
			}
			continue
		}
		var problems Problems
		if !errors.As(err, &problems) || len(problems) != len(ps) || !strings.Contains(err.Error(), c.path+": ") {
			t.Errorf("Compile error = %v, want the problems %v", err, ps)
		}
	}
}
