package poll

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// Poller is a polling trigger compiled once per recipe version. It is
// immutable and safe for concurrent use.
type Poller struct {
	trigger recipe.Trigger // with defaults filled in
	// first requests the first page; follow requests the pages after it
	// (nil without pagination). For page and offset both are the same.
	first, follow *httprequest.Request
	items, id     fieldPath
	cursor        fieldPath
	hasCursor     bool
	maxPages      int
	since         time.Time // when trigger.since is a date
}

// Values a follow-up page's request reads. They travel in the pill
// environment's trigger root, which the user's own request templates may
// not name (Validate allows only {{cursor}} there), rather than being
// spliced into template text: a next URL or token from a server may hold
// "{{" and must never be compiled as a pill.
const (
	pageURLVar   = "page_url"
	pageParamVar = "page_param"
)

// Compile checks the trigger's poll fields and prepares its requests. A
// trigger that cannot be polled gives Problems, each with its path (see
// Validate for the fuller check a save should make).
func Compile(t recipe.Trigger) (*Poller, error) {
	if ps := check(t, false); len(ps) > 0 {
		return nil, Problems(ps)
	}
	t = withDefaults(t)
	p := &Poller{trigger: t, maxPages: 1, hasCursor: t.CursorPath != ""}
	// Validate has parsed every path already.
	p.items, _ = parseFieldPath(t.ItemsPath)
	p.id, _ = parseFieldPath(t.IDPath)
	p.cursor, _ = parseFieldPath(t.CursorPath)
	if t.Since != SinceNow && t.Since != SinceAll {
		p.since, _ = parseSince(t.Since)
	}
	base := recipe.Step{
		ID:           "poll",
		Action:       recipe.ActionHTTPRequest,
		Method:       t.Method,
		URL:          t.URL,
		Query:        t.Query,
		Headers:      t.Headers,
		BodyType:     "none",
		ResponseType: t.ResponseType,
	}
	firstStep, followStep := base, (*recipe.Step)(nil)
	if pg := t.Pagination; pg != nil {
		p.maxPages = pg.MaxPages
		follow := base
		switch pg.Type {
		case PageNextURL, PageLinkHeader:
			// The next URL carries its own query.
			follow.URL, follow.Query = "{{trigger."+pageURLVar+"}}", nil
		case PageToken:
			follow.Query = withParam(base.Query, pg.TokenParam, "{{trigger."+pageParamVar+"}}")
		case PageNumber, PageOffset:
			follow.Query = withParam(base.Query, pg.Param, "{{trigger."+pageParamVar+"}}")
			if pg.SizeParam != "" {
				follow.Query[pg.SizeParam] = strconv.Itoa(pg.PageSize)
			}
			firstStep = follow
		}
		followStep = &follow
	}
	var err error
	if p.first, err = httprequest.Compile(firstStep); err != nil {
		return nil, fmt.Errorf("trigger.%v", err)
	}
	if followStep != nil {
		if p.follow, err = httprequest.Compile(*followStep); err != nil {
			return nil, fmt.Errorf("trigger.%v", err)
		}
	}
	return p, nil
}

// withParam returns a copy of query with one more parameter.
func withParam(query map[string]string, name, value string) map[string]string {
	out := maps.Clone(query)
	if out == nil {
		out = map[string]string{}
	}
	out[name] = value
	return out
}
