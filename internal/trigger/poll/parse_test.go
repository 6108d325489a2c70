package poll

import (
	"reflect"
	"testing"
)

func TestNextLink(t *testing.T) {
	t.Parallel()
	cases := []struct {
		header, want string
		ok           bool
	}{
		{`<https://api.example.com/items?page=2>; rel="next"`, "https://api.example.com/items?page=2", true},
		{`<https://x/1>; rel="prev", <https://x/3>; rel=next, <https://x/9>; rel="last"`, "https://x/3", true},
		{`</items?a=1,2;3>; title="a, b; rel=next"; rel="prev", </items?p=2>; REL="Prefetch NEXT"`, "/items?p=2", true},
		{`<https://x/2>; rel="next"; rel="prev"`, "https://x/2", true}, // only the first rel counts
		{`<https://x/2>; rel="prev"; rel="next"`, "", false},
		{`garbage "with, quotes", <https://x/2>; rel=next`, "https://x/2", true},
		{`<https://x/2>; title="unterminated, rel=next`, "", false},
		{`<https://x/2`, "", false},
		{``, "", false},
		{`<https://x/2>;;; rel = "next"`, "https://x/2", true},
		{`<https://x/2>; title*=UTF-8'de'n%c3%a4chstes; rel=next`, "https://x/2", true},
	}
	for _, c := range cases {
		got, ok := nextLink(c.header)
		if got != c.want || ok != c.ok {
			t.Errorf("nextLink(%q) = %q, %v; want %q, %v", c.header, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseLinks(f *testing.F) {
	for _, s := range []string{`<a>; rel=next`, `<a>; x="\"", <b>`, `"`, `<`, `;`, `,,,`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseLinks(s) // must not panic or hang
	})
}

func TestFieldPath(t *testing.T) {
	t.Parallel()
	body := map[string]any{"data": map[string]any{"items": []any{
		map[string]any{"id": "a", "tags": []any{"x", "y"}},
	}}, "@attr": "v"}
	cases := []struct {
		path string
		want any
		err  string
	}{
		{"", body, ""},
		{"data.items[0].id", "a", ""},
		{"data.items[0].tags[1]", "y", ""},
		{"@attr", "v", ""},
		{"data.items[1]", nil, "body.data.items has no index 1 (it has 1 items)"},
		{"data.nope", nil, `body.data has no field "nope"`},
		{"data.items.id", nil, "body.data.items is a list (of 1 items), not an object"},
		{"data.items.0.tags.1", "y", ""},
		{"data.items.01", nil, "body.data.items is a list (of 1 items), not an object"},
		{"data.items.1", nil, "body.data.items has no index 1 (it has 1 items)"},
		{"@attr[0]", nil, "body.@attr is a string, not a list"},
	}
	for _, c := range cases {
		p, err := parseFieldPath(c.path)
		if err != nil {
			t.Fatalf("parseFieldPath(%q): %v", c.path, err)
		}
		got, lerr := p.lookup(body, "body")
		if c.err != "" {
			if lerr == nil || lerr.reason != c.err {
				t.Errorf("lookup(%q) error = %v, want %q", c.path, lerr, c.err)
			}
			continue
		}
		if lerr != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("lookup(%q) = %v, %v; want %v", c.path, got, lerr, c.want)
		}
	}
	for _, bad := range []string{".", "a.", ".a", "a..b", "a[", "a[-1]", "a[01]", "a[1]x", "a.[0]"} {
		if _, err := parseFieldPath(bad); err == nil {
			t.Errorf("parseFieldPath(%q) accepted a bad path", bad)
		}
	}
	if p, err := parseFieldPath("[0].id"); err != nil || len(p.segs) != 2 {
		t.Errorf(`parseFieldPath("[0].id") = %+v, %v; want an index then a key`, p, err)
	}
}

func TestCursorOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		values []string
		want   string // the largest
	}{
		{[]string{"9", "10", "", "2"}, "10"},
		{[]string{"9007199254740993", "9007199254740992"}, "9007199254740993"}, // beyond float64
		{[]string{"1.5", "1.25", "-3", "1e2"}, "1e2"},
		{[]string{"2024-05-01T10:00:00Z", "2024-05-01T11:30:00+02:00"}, "2024-05-01T10:00:00Z"},
		{[]string{"2024-05-01T10:00:00.5Z", "2024-05-01T10:00:00.25Z"}, "2024-05-01T10:00:00.5Z"},
		{[]string{"b", "a", "10"}, "b"}, // mixed kinds: text order
		{[]string{"9", "10", "x"}, "x"}, // one non-number makes it all text
		{[]string{"1e99999", "2"}, "2"}, // an exponent too long to be a number here
		{[]string{"", ""}, ""},
	}
	for _, c := range cases {
		recs := make([]Record, len(c.values))
		for i, v := range c.values {
			recs[i].Cursor = v
		}
		if got := newCursor("", recs); got != c.want {
			t.Errorf("newCursor(%v) = %q, want %q", c.values, got, c.want)
		}
	}
}
