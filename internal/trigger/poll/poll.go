package poll

import (
	"context"
	"net/url"
	"slices"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// Record is one record a poll found.
type Record struct {
	// ID is the record's id_path value as text (a number as written), so
	// the ids 7 and "7" are the same record.
	ID string `json:"id"`
	// Cursor is the record's cursor_path value as text; "" when the
	// trigger has no cursor_path or the record has no cursor.
	Cursor string `json:"cursor,omitempty"`
	// Data is the record itself: a job's trigger output.
	Data any `json:"data"`
}

// Result is what one poll read.
type Result struct {
	// Records are the records found, oldest first, each id once (the
	// first the API listed, when a page repeats one).
	Records []Record `json:"records"`
	// Cursor is the largest cursor seen, or the cursor the poll started
	// from when no record has a larger one: a poll never loses the cursor.
	Cursor string `json:"cursor"`
	// Pages is how many pages were requested, the failed one included.
	Pages int `json:"pages"`
	// Truncated: there were more pages than pagination.max_pages allows.
	Truncated bool `json:"truncated"`
	// Looped: the poll stopped because the API led back to a page, token
	// or set of records it had already read in this poll.
	Looped bool `json:"looped"`
	// Exchanges are each page's request and response, secrets masked.
	Exchanges []Exchange `json:"exchanges"`
	// Resume, set when Truncated, is where the next poll goes on from, so
	// that records past max_pages are read by the following polls rather
	// than never.
	Resume *Resume `json:"resume,omitempty"`
}

// Resume is the page a truncated poll stopped before: the next page's
// request values and the pager's position, and the cursor the truncated
// poll's requests were rendered with (the pages after it must be asked
// with the same one, or page and offset counting would not line up).
type Resume struct {
	Vars     map[string]any `json:"vars"`
	Position int            `json:"position"`
	Origin   string         `json:"origin"`
	Cursor   string         `json:"cursor"`
	// Best is the largest cursor the read has seen so far. It becomes the
	// stored cursor only when the read ends: a read given up half way (a
	// restart, an edit) starts again from Cursor and misses nothing.
	Best string `json:"best,omitempty"`
}

// Poll performs one poll: the first page, then the following pages as
// pagination says, up to max_pages. cursor is the previous poll's
// Result.Cursor ("" before the first cursor exists), offered to the
// request templates as {{cursor}}. conn may be nil (no auth).
//
// A failed poll returns an *Error and a Result holding only the cursor it
// started from, the pages read and their exchanges: a poll's records are
// used all together or not at all.
func (p *Poller) Poll(ctx context.Context, exec *httprequest.Executor, conn *connection.Live, cursor string) (Result, error) {
	return p.PollFrom(ctx, exec, conn, cursor, nil)
}

// PollFrom is Poll going on from where a truncated poll stopped (from nil:
// from the first page). The records it finds still move the cursor on
// from cursor, the stored one.
func (p *Poller) PollFrom(ctx context.Context, exec *httprequest.Executor, conn *connection.Live, cursor string, from *Resume) (Result, error) {
	res := Result{Cursor: cursor}
	env := pill.Env{}
	asked := cursor
	pages := newPager(p.trigger.Pagination)
	req, vars := p.first, pages.firstVars()
	if from != nil && pages.spec != nil {
		asked = from.Cursor
		req, vars = p.follow, from.Vars
		pages.position = from.Position
		if u, err := url.Parse(from.Origin); err == nil && from.Origin != "" {
			pages.origin = u
		}
	}
	if asked != "" {
		env.Cursor = asked
	}
	seen := map[string]bool{}
	var records []Record
	for page := 1; ; page++ {
		env.Trigger = vars
		o := exec.Do(ctx, req, env, conn, "")
		res.Pages = page
		res.Exchanges = append(res.Exchanges, Exchange{Request: o.Input, Response: o.Output})
		if o.Err != nil {
			return res, outcomeError(o, page)
		}
		items, err := itemsAt(o.Output.Body, p.items, p.trigger.ResponseType)
		if err != nil {
			return res, pageError(StageItems, page, o, "%v", err)
		}
		found, perr := p.pageRecords(items, page, o)
		if perr != nil {
			return res, perr
		}
		fresh := 0
		for _, r := range found {
			if !seen[r.ID] {
				seen[r.ID] = true
				records = append(records, r)
				fresh++
			}
		}
		next, end, perr := pages.next(o, page, items, fresh)
		if perr != nil {
			return res, perr
		}
		if end != more {
			res.Looped = end == looped
			break
		}
		if page >= p.maxPages {
			res.Truncated = true
			res.Resume = &Resume{Vars: next, Position: pages.position, Cursor: asked}
			if pages.origin != nil {
				res.Resume.Origin = pages.origin.String()
			}
			break
		}
		req, vars = p.follow, next
	}
	p.sortOldestFirst(records)
	res.Records = records
	res.Cursor = newCursor(cursor, records)
	return res, nil
}

// sortOldestFirst orders records as jobs are made: by cursor when there
// is one (records without a cursor first), otherwise in the API's order,
// reversed when the API lists newest first. The sort is stable, so
// records with equal cursors keep the API's order.
func (p *Poller) sortOldestFirst(records []Record) {
	if p.trigger.Order == OrderNewestFirst {
		slices.Reverse(records)
	}
	if !p.hasCursor {
		return
	}
	values := make([]string, len(records))
	for i, r := range records {
		values[i] = r.Cursor
	}
	order := orderOf(values)
	slices.SortStableFunc(records, func(a, b Record) int { return order.compare(a.Cursor, b.Cursor) })
}
