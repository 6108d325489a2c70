package poll

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// Validate lists every problem of a polling trigger's poll fields, each
// with its path ("trigger.pagination.type"), as recipe validation reports
// them: what a save should refuse. Fields that are not the poll's own (the
// connection's existence, the interval) are left to the recipe validator.
//
// Compile refuses fewer: only what makes a poll impossible. Validate adds
// advice (pagination fields the type ignores, a pagination parameter also
// in query, a negative start, an example without a record or an id), so
// that a recipe saved before such a check existed still polls.
func Validate(t recipe.Trigger) []recipe.Problem {
	return check(t, true)
}

func check(t recipe.Trigger, advise bool) []recipe.Problem {
	v := &validator{advise: advise}
	t = withDefaults(t)
	v.request(t)
	v.paths(t)
	if t.Pagination != nil {
		v.pagination(t)
	}
	v.sinceAndOrder(t)
	if advise {
		v.example(t)
	}
	return v.problems
}

type validator struct {
	problems []recipe.Problem
	advise   bool // also report what a poll can live with
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, recipe.Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) request(t recipe.Trigger) {
	if t.Method != http.MethodGet && t.Method != http.MethodPost {
		v.add("trigger.method", "unknown method %q (a poll reads records: want GET or POST)", t.Method)
	}
	if strings.TrimSpace(t.URL) == "" {
		v.add("trigger.url", "is required for a polling trigger")
	} else {
		v.template("trigger.url", t.URL)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Query)) {
		v.template("trigger.query."+k, t.Query[k])
	}
	for _, k := range slices.Sorted(maps.Keys(t.Headers)) {
		v.template("trigger.headers."+k, t.Headers[k])
	}
	if t.ResponseType != payload.JSON && t.ResponseType != payload.XML {
		v.add("trigger.response_type", "unknown response type %q (a poll reads records from json or xml)", t.ResponseType)
	}
}

// template checks one request field: it must compile, and the only data
// it may name is the cursor, since nothing else exists before the poll.
func (v *validator) template(path, src string) {
	tmpl, err := pill.Compile(src)
	if err != nil {
		v.add(path, "%v", err)
		return
	}
	for _, r := range tmpl.Refs() {
		if r.Root != "cursor" {
			v.add(path, "%s: a poll's request can use only {{cursor}} (no trigger or step data exists before the poll)", r.Text)
			return
		}
	}
}

func (v *validator) paths(t recipe.Trigger) {
	if _, err := parseFieldPath(t.ItemsPath); err != nil {
		v.add("trigger.items_path", "%v", err)
	}
	if strings.TrimSpace(t.IDPath) == "" {
		v.add("trigger.id_path", "is required: it names the field that tells records apart (e.g. \"id\")")
	} else if _, err := parseFieldPath(t.IDPath); err != nil {
		v.add("trigger.id_path", "%v", err)
	}
	if _, err := parseFieldPath(t.CursorPath); err != nil {
		v.add("trigger.cursor_path", "%v", err)
	}
}

func (v *validator) pagination(t recipe.Trigger) {
	pg := t.Pagination
	const at = "trigger.pagination."
	switch pg.Type {
	case PageNextURL:
		if pg.NextPath == "" {
			v.add(at+"next_path", "is required for type next_url (where the next page's URL is in the body)")
		}
	case PageLinkHeader:
	case PageToken:
		if pg.TokenPath == "" {
			v.add(at+"token_path", "is required for type token (where the next page's token is in the body)")
		}
		if pg.TokenParam == "" {
			v.add(at+"token_param", "is required for type token (the query parameter that sends the token back)")
		}
	case PageNumber, PageOffset:
		if pg.Param == "" {
			v.add(at+"param", "is required for type %s (the query parameter that counts %ss)", pg.Type, map[string]string{PageNumber: "page", PageOffset: "record"}[pg.Type])
		}
		if *pg.Start < 0 && v.advise {
			v.add(at+"start", "must be 0 or more")
		}
		if pg.PageSize < 0 {
			v.add(at+"page_size", "must be 0 or more (0: only an empty page is the last)")
		}
		if pg.SizeParam != "" && pg.PageSize == 0 {
			v.add(at+"page_size", "is required with size_param (it is the value sent)")
		}
	case "":
		v.add(at+"type", "is required (next_url, link_header, token, page or offset)")
	default:
		v.add(at+"type", "unknown type %q (want next_url, link_header, token, page or offset)", pg.Type)
	}
	v.pagingPaths(pg)
	if v.advise {
		v.unusedPaginationFields(pg)
		v.queryClashes(t)
	}
	if pg.MaxPages < 1 {
		v.add(at+"max_pages", "must be between 1 and %d (0 means the default, %d)", MaxPagesLimit, DefaultMaxPages)
	} else if pg.MaxPages > MaxPagesLimit {
		v.add(at+"max_pages", "at most %d", MaxPagesLimit)
	}
}

// queryClashes reports a query parameter that pagination also sets: the
// request would carry it twice.
func (v *validator) queryClashes(t recipe.Trigger) {
	pg := t.Pagination
	for _, p := range []struct{ field, name string }{
		{"token_param", pg.TokenParam}, {"param", pg.Param}, {"size_param", pg.SizeParam},
	} {
		if _, clash := t.Query[p.name]; p.name != "" && clash {
			v.add("trigger.query."+p.name, "is set by trigger.pagination.%s on every page: remove it from query", p.field)
		}
	}
}

// unusedPaginationFields reports fields the chosen type ignores: they are
// usually a sign that the type is not the one meant.
func (v *validator) unusedPaginationFields(pg *recipe.Pagination) {
	usedBy := []struct {
		field string
		set   bool
		types []string
	}{
		{"next_path", pg.NextPath != "", []string{PageNextURL}},
		{"token_path", pg.TokenPath != "", []string{PageToken}},
		{"token_param", pg.TokenParam != "", []string{PageToken}},
		{"param", pg.Param != "", []string{PageNumber, PageOffset}},
		{"page_size", pg.PageSize != 0, []string{PageNumber, PageOffset}},
		{"size_param", pg.SizeParam != "", []string{PageNumber, PageOffset}},
	}
	for _, u := range usedBy {
		if u.set && !slices.Contains(u.types, pg.Type) {
			v.add("trigger.pagination."+u.field, "is only used with type %s", strings.Join(u.types, " or "))
		}
	}
}

// pagingPaths checks the syntax of the body paths pagination reads.
func (v *validator) pagingPaths(pg *recipe.Pagination) {
	for _, p := range []struct{ field, path string }{{"next_path", pg.NextPath}, {"token_path", pg.TokenPath}} {
		if _, err := parseFieldPath(p.path); err != nil {
			v.add("trigger.pagination."+p.field, "%v", err)
		}
	}
}

func (v *validator) sinceAndOrder(t recipe.Trigger) {
	switch t.Since {
	case SinceNow, SinceAll:
	default:
		if _, err := parseSince(t.Since); err != nil {
			v.add("trigger.since", "%q is not now, all or an RFC 3339 date such as 2024-05-01T00:00:00Z", t.Since)
		} else if t.CursorPath == "" {
			v.add("trigger.since", "a date needs trigger.cursor_path: it is compared with each record's cursor")
		}
	}
	if t.Order != OrderOldestFirst && t.Order != OrderNewestFirst {
		v.add("trigger.order", "unknown order %q (want oldest_first or newest_first)", t.Order)
	}
}

// example checks that the response example parses and holds a record
// with an id, since the trigger's datatree is built from that record.
func (v *validator) example(t recipe.Trigger) {
	if t.ResponseExample == "" || (t.ResponseType != payload.JSON && t.ResponseType != payload.XML) {
		return
	}
	items, err := parseFieldPath(t.ItemsPath)
	if err != nil {
		return // reported at items_path
	}
	record, err := exampleRecord(t, items)
	if err != nil {
		v.add("trigger.response_example", "%v", err)
		return
	}
	id, err := parseFieldPath(t.IDPath)
	if err != nil || t.IDPath == "" {
		return
	}
	if _, lerr := id.lookup(record, "record"); lerr != nil {
		v.add("trigger.id_path", "the example's first record has no id here: %v", lerr)
	}
}
