package poll

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// ending says whether a poll reads another page.
type ending int

const (
	more     ending = iota // read the next page
	lastPage               // the API says there is no next page
	looped                 // the API leads back to what this poll has read
)

// pager finds the next page of one poll. It lives for one poll only.
type pager struct {
	spec       *recipe.Pagination // nil: one page only
	nextPath   fieldPath
	tokenPath  fieldPath
	origin     *url.URL        // the first page's URL; later pages stay on its host
	seenURLs   map[string]bool // pages requested, by normalized URL
	seenTokens map[string]bool
	position   int // page and offset: the param value of the page just read
}

func newPager(spec *recipe.Pagination) *pager {
	pg := &pager{spec: spec, seenURLs: map[string]bool{}, seenTokens: map[string]bool{}}
	if spec != nil {
		pg.nextPath, _ = parseFieldPath(spec.NextPath)
		pg.tokenPath, _ = parseFieldPath(spec.TokenPath)
		pg.position = *spec.Start
	}
	return pg
}

// firstVars are the pagination values of the first page's request.
func (pg *pager) firstVars() map[string]any {
	if pg.spec != nil && (pg.spec.Type == PageNumber || pg.spec.Type == PageOffset) {
		return map[string]any{pageParamVar: strconv.Itoa(pg.position)}
	}
	return nil
}

// next looks at the page just read (its outcome, its items, and how many
// of them this poll had not read before) and says whether another page
// follows and with which request values.
func (pg *pager) next(o httprequest.Outcome, page int, items []any, fresh int) (map[string]any, ending, *Error) {
	if pg.spec == nil {
		return nil, lastPage, nil
	}
	current, err := url.Parse(o.Input.URL)
	if err != nil {
		return nil, 0, pageError(StagePagination, page, o, "the page's own URL %q does not parse: %v", o.Input.URL, err)
	}
	if pg.origin == nil {
		pg.origin = current
	}
	pg.seenURLs[urlKey(current)] = true
	// A page of nothing but records read already means the API is
	// serving the same page again, whatever its URL or token says.
	if len(items) > 0 && fresh == 0 {
		return nil, looped, nil
	}
	// An empty page ends the list whatever it says comes next: change
	// feeds hand out a new next cursor on every empty page, and following
	// them would poll without end.
	if len(items) == 0 {
		return nil, lastPage, nil
	}
	switch pg.spec.Type {
	case PageNextURL:
		v, lerr := pg.nextPath.lookup(o.Output.Body, bodyName)
		if lerr != nil || v == nil || v == "" {
			return nil, lastPage, nil
		}
		s, ok := v.(string)
		if !ok {
			return nil, 0, pageError(StagePagination, page, o, "trigger.pagination.next_path %q is %s, not a URL", pg.spec.NextPath, pill.KindOf(v))
		}
		return pg.followURL(o, page, current, s)
	case PageLinkHeader:
		target, ok := nextLink(headerValue(o.Output.Headers, "Link"))
		if !ok || target == "" {
			return nil, lastPage, nil
		}
		return pg.followURL(o, page, current, target)
	case PageToken:
		v, lerr := pg.tokenPath.lookup(o.Output.Body, bodyName)
		if lerr != nil {
			return nil, lastPage, nil
		}
		token, err := cursorText(v)
		if err != nil {
			return nil, 0, pageError(StagePagination, page, o, "trigger.pagination.token_path %q %v", pg.spec.TokenPath, err)
		}
		if token == "" {
			return nil, lastPage, nil
		}
		if pg.seenTokens[token] {
			return nil, looped, nil
		}
		pg.seenTokens[token] = true
		return map[string]any{pageParamVar: token}, more, nil
	default: // page and offset
		if len(items) == 0 || len(items) < pg.spec.PageSize {
			return nil, lastPage, nil
		}
		if pg.spec.Type == PageNumber {
			pg.position++
		} else {
			pg.position += len(items)
		}
		return map[string]any{pageParamVar: strconv.Itoa(pg.position)}, more, nil
	}
}

// followURL checks a next page's URL, resolved against the current page's,
// and returns it as the next request's values. It must stay on the first
// page's host: the connection's credentials go with every page, and a
// server's answer must not be able to send them elsewhere.
func (pg *pager) followURL(o httprequest.Outcome, page int, current *url.URL, raw string) (map[string]any, ending, *Error) {
	ref, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, 0, pageError(StagePagination, page, o, "the next page's URL %q does not parse: %v", raw, err)
	}
	next := current.ResolveReference(ref)
	sameScheme := next.Scheme == pg.origin.Scheme || pg.origin.Scheme == "http" && next.Scheme == "https"
	if !strings.EqualFold(next.Host, pg.origin.Host) || !sameScheme {
		return nil, 0, pageError(StagePagination, page, o,
			"the next page's URL %q leaves %s://%s: pages are only followed on the first page's host, which the connection's credentials are for",
			next.String(), pg.origin.Scheme, pg.origin.Host)
	}
	if pg.seenURLs[urlKey(next)] {
		return nil, looped, nil
	}
	return map[string]any{pageURLVar: next.String()}, more, nil
}

// urlKey is a URL as compared for loops: query parameters in a fixed
// order, no fragment (it is never sent).
func urlKey(u *url.URL) string {
	c := *u
	c.RawQuery = c.Query().Encode()
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// headerValue finds a recorded response header whatever its case.
func headerValue(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
