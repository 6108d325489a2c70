package recipe

import (
	"maps"
	"net/http"
	"slices"
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
	for _, k := range slices.Sorted(maps.Keys(t.Query)) {
		d.checkPollTemplate(add, "trigger.query."+k, t.Query[k])
	}
	for _, k := range slices.Sorted(maps.Keys(t.Headers)) {
		d.checkPollTemplate(add, "trigger.headers."+k, t.Headers[k])
	}
	// Where the records are in the example is checked by the poll package
	// (poll.Validate, called by the API), which reads paths as polls do.
	if ex := strings.TrimSpace(string(t.ResponseExample)); ex != "" && (t.ResponseType == payload.JSON || t.ResponseType == payload.XML) {
		if _, err := ParseExample(t.ResponseType, ex); err != nil {
			add("trigger.response_example", "does not parse as %s: %v", t.ResponseType, err)
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
