package recipe

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/pill"
)

// Polling defaults and bounds.
const (
	DefaultPollInterval = 5 * time.Minute
	MinPollInterval     = time.Second
	DefaultMaxPages     = 10
	MaxPagesLimit       = 100
)

var (
	paginationTypes = set("next_url", "link_header", "token", "page", "offset")
	pollOrders      = set("oldest_first", "newest_first")
)

// normalizePolling fills a polling trigger's defaults.
func (t *Trigger) normalizePolling() {
	t.Method = strings.ToUpper(strings.TrimSpace(t.Method))
	if t.Method == "" {
		t.Method = http.MethodGet
	}
	if t.Interval == 0 {
		t.Interval = Duration(DefaultPollInterval)
	}
	if t.ResponseType == "" {
		t.ResponseType = payload.JSON
	}
	if t.Since == "" {
		t.Since = "now"
	}
	if t.Order == "" {
		t.Order = "oldest_first"
	}
	if p := t.Pagination; p != nil && p.MaxPages == 0 {
		p.MaxPages = DefaultMaxPages
	}
}

// validatePolling checks a polling trigger. Its request templates may use
// only {{cursor}}: there is no trigger output or step before the poll.
func (d *Document) validatePolling(add func(string, string, ...any), connectionExists func(string) bool) {
	t := d.Trigger
	if t.Event != "" {
		add("trigger.event", "only webhook triggers have an event")
	}
	if t.Connection != "" && connectionExists != nil && !connectionExists(t.Connection) {
		add("trigger.connection", "no connection named %q", t.Connection)
	}
	if t.Method != http.MethodGet && t.Method != http.MethodPost {
		add("trigger.method", "%q: a poll is GET or POST", t.Method)
	}
	if strings.TrimSpace(t.URL) == "" {
		add("trigger.url", "is required for a polling trigger")
	}
	if time.Duration(t.Interval) < MinPollInterval {
		add("trigger.interval", "must be at least %s (default %s)", MinPollInterval, DefaultPollInterval)
	}
	if strings.TrimSpace(t.IDPath) == "" {
		add("trigger.id_path", "is required: it is the field that makes a record new (e.g. \"id\")")
	}
	for _, f := range []struct{ path, value string }{{"trigger.items_path", t.ItemsPath}, {"trigger.id_path", t.IDPath}, {"trigger.cursor_path", t.CursorPath}} {
		if strings.Contains(f.value, "..") || strings.HasPrefix(f.value, ".") || strings.HasSuffix(f.value, ".") {
			add(f.path, "%q is not a dot path such as \"data.items\"", f.value)
		}
	}
	if t.ResponseType != payload.JSON && t.ResponseType != payload.XML {
		add("trigger.response_type", "unknown response type %q (want json or xml)", t.ResponseType)
	}
	switch t.Since {
	case "now", "all":
	default:
		if _, err := time.Parse(time.RFC3339, t.Since); err != nil {
			add("trigger.since", "%q is not now, all or an RFC 3339 date such as 2026-01-31T00:00:00Z", t.Since)
		} else if t.CursorPath == "" {
			add("trigger.since", "a start date needs cursor_path: it is compared with each record's cursor")
		}
	}
	if !pollOrders[t.Order] {
		add("trigger.order", "unknown order %q (want oldest_first or newest_first)", t.Order)
	}
	if p := t.Pagination; p != nil {
		validatePagination(add, p)
	}
	d.checkPollTemplate(add, "trigger.url", t.URL)
	for _, k := range sortedNames(t.Query) {
		d.checkPollTemplate(add, "trigger.query."+k, t.Query[k])
	}
	for _, k := range sortedNames(t.Headers) {
		d.checkPollTemplate(add, "trigger.headers."+k, t.Headers[k])
	}
	if strings.TrimSpace(string(t.ResponseExample)) != "" {
		if _, err := ExampleRecord(t); err != nil {
			add("trigger.response_example", "%v", err)
		}
	}
}

func validatePagination(add func(string, string, ...any), p *Pagination) {
	need := func(field, value string) {
		if strings.TrimSpace(value) == "" {
			add("trigger.pagination."+field, "is required for %s pagination", p.Type)
		}
	}
	switch p.Type {
	case "next_url":
		need("next_path", p.NextPath)
	case "link_header":
	case "token":
		need("token_path", p.TokenPath)
		need("token_param", p.TokenParam)
	case "page", "offset":
		need("param", p.Param)
		if p.Type == "offset" && p.PageSize <= 0 {
			add("trigger.pagination.page_size", "is required for offset pagination (the number of records a full page holds)")
		}
	default:
		add("trigger.pagination.type", "unknown type %q (want next_url, link_header, token, page or offset)", p.Type)
	}
	if p.MaxPages < 1 || p.MaxPages > MaxPagesLimit {
		add("trigger.pagination.max_pages", "must be between 1 and %d (default %d)", MaxPagesLimit, DefaultMaxPages)
	}
	if p.PageSize < 0 {
		add("trigger.pagination.page_size", "must not be negative")
	}
	if p.SizeParam != "" && p.PageSize <= 0 {
		add("trigger.pagination.size_param", "needs page_size: it is the value sent")
	}
}

// checkPollTemplate checks a template of the poll request: its syntax, and
// that it refers to nothing but {{cursor}}.
func (d *Document) checkPollTemplate(add func(string, string, ...any), path, src string) {
	tmpl, err := pill.Compile(src)
	if err != nil {
		add(path, "%v", err)
		return
	}
	for _, r := range tmpl.Refs() {
		if r.Root != "cursor" {
			add(path, "%s: a poll request can use only {{cursor}} (there is no trigger output or step before the poll)", r.Text)
		}
	}
}

// ExampleRecord is one record of a polling trigger's response example: the
// first item of the list at items_path. A polling job's trigger output is
// one record, so this is what its datatree is built from.
func ExampleRecord(t Trigger) (any, error) {
	format := t.ResponseType
	if format == "" {
		format = payload.JSON
	}
	body, err := ParseExample(format, string(t.ResponseExample))
	if err != nil {
		return nil, fmt.Errorf("does not parse as %s: %v", format, err)
	}
	items, err := ItemsAt(body, t.ItemsPath, format == payload.XML)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("the list at items_path %q is empty: give an example with at least one record", t.ItemsPath)
	}
	return items[0], nil
}

// ItemsAt finds the list of records at a dot path ("" is the body itself).
// With xml set, a single object where a list is expected counts as a list
// of one: XML cannot tell a list of one element from a single element.
func ItemsAt(body any, itemsPath string, xml bool) ([]any, error) {
	v, ok := LookupPath(body, itemsPath)
	if !ok {
		return nil, fmt.Errorf("items_path %q is not in the response", itemsPath)
	}
	switch x := v.(type) {
	case []any:
		return x, nil
	case map[string]any:
		if xml {
			return []any{x}, nil
		}
		return nil, fmt.Errorf("items_path %q is an object, not a list of records (is the list one level deeper?)", itemsPath)
	}
	return nil, fmt.Errorf("items_path %q is %s, not a list of records", itemsPath, describeValue(v))
}

// LookupPath follows a dot path ("data.items", "meta.next") through objects;
// a numeric segment indexes a list.
func LookupPath(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			var i int
			if _, err := fmt.Sscanf(seg, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func sortedNames(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}
