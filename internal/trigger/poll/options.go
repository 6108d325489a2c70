package poll

import (
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/recipe"
)

// Pagination types (trigger.pagination.type).
const (
	PageNextURL    = "next_url"
	PageLinkHeader = "link_header"
	PageToken      = "token"
	PageNumber     = "page"
	PageOffset     = "offset"
)

// Where a first start picks up records from (trigger.since), besides an
// RFC 3339 date.
const (
	SinceNow = "now"
	SinceAll = "all"
)

// How the API lists records (trigger.order).
const (
	OrderOldestFirst = "oldest_first"
	OrderNewestFirst = "newest_first"
)

// Bounds of pagination.max_pages.
const (
	DefaultMaxPages = 10
	MaxPagesLimit   = 100
)

// withDefaults returns t with the defaults a user may leave out filled in,
// and its pagination copied so that filling it never changes the caller's.
func withDefaults(t recipe.Trigger) recipe.Trigger {
	t.Method = strings.ToUpper(strings.TrimSpace(t.Method))
	if t.Method == "" {
		t.Method = http.MethodGet
	}
	if t.ResponseType == "" {
		t.ResponseType = payload.JSON
	}
	if t.Since == "" {
		t.Since = SinceNow
	}
	if t.Order == "" {
		t.Order = OrderOldestFirst
	}
	if t.Pagination != nil {
		pg := *t.Pagination
		if pg.MaxPages == 0 {
			pg.MaxPages = DefaultMaxPages
		}
		if pg.Start == nil {
			start := 0
			if pg.Type == PageNumber {
				start = 1
			}
			pg.Start = &start
		}
		t.Pagination = &pg
	}
	return t
}
