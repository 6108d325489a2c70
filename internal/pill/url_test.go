package pill

import (
	"net/url"
	"strings"
	"testing"
)

func TestRenderURLEscapesPillsByPart(t *testing.T) {
	t.Parallel()
	env := Env{Trigger: decode(t, `{
		"api_url": "https://api.example.com/v3/orders/1?expand=attendees",
		"base": "https://api.example.com/v3",
		"evil": "a/../b?x=1#f",
		"dots": "..",
		"dot": ".",
		"id": 42,
		"q": "a b&c=d+e",
		"shop": "evil.com/#",
		"sub": "tenant-1",
		"pct": "%2F",
		"file": "report.v2.json"
	}`)}
	tests := []struct{ src, want string }{
		// The whole URL, or pills that lead it, stay as they are.
		{"{{trigger.api_url}}", "https://api.example.com/v3/orders/1?expand=attendees"},
		{"{{ trigger.api_url }}", "https://api.example.com/v3/orders/1?expand=attendees"},
		{"{{trigger.base}}/events/{{trigger.id}}", "https://api.example.com/v3/events/42"},
		{"{{trigger.base}}?q={{trigger.q}}", "https://api.example.com/v3?q=a+b%26c%3Dd%2Be"},
		// The path: one segment's worth of text.
		{"https://t.example/anything/{{trigger.evil}}", "https://t.example/anything/a%2F..%2Fb%3Fx=1%23f"},
		{"https://t.example/anything/{{trigger.dots}}/x", "https://t.example/anything/%2E%2E/x"},
		{"https://t.example/anything/{{trigger.dot}}", "https://t.example/anything/%2E"},
		{"https://t.example/files/{{trigger.file}}", "https://t.example/files/report.v2.json"},
		{"https://t.example/x/{{trigger.pct}}", "https://t.example/x/%252F"},
		{"/relative/{{trigger.evil}}", "/relative/a%2F..%2Fb%3Fx=1%23f"},
		// The query and fragment: query-escaped.
		{"https://t.example/s?q={{trigger.q}}&n={{trigger.id}}", "https://t.example/s?q=a+b%26c%3Dd%2Be&n=42"},
		{"https://t.example/s?q={{trigger.evil}}", "https://t.example/s?q=a%2F..%2Fb%3Fx%3D1%23f"},
		{"https://t.example/s#{{trigger.q}}", "https://t.example/s#a+b%26c%3Dd%2Be"},
		// The host: anything that is not a host character is encoded.
		{"https://{{trigger.sub}}.example.com/x", "https://tenant-1.example.com/x"},
		{"https://{{trigger.shop}}.example.com/x", "https://evil.com%2F%23.example.com/x"},
		// Escaped by its author: left alone.
		{"https://t.example/s?q={{ urlEncode(trigger.q) }}", "https://t.example/s?q=a+b%26c%3Dd%2Be"},
		{"https://t.example/s?q={{urlEncode (trigger.q)}}", "https://t.example/s?q=a+b%26c%3Dd%2Be"},
		// A urlEncode that is not the outermost call is escaped as usual.
		{`https://t.example/s?q={{ urlEncode(trigger.q) + "&x" }}`, "https://t.example/s?q=a%2Bb%2526c%253Dd%252Be%26x"},
	}
	for _, tt := range tests {
		got, err := MustCompile(tt.src).RenderURL(env)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

// The escaped value lands in one path segment, and no query parameter or
// fragment is added: what a server parsing the URL sees.
func TestRenderURLKeepsDataInsideItsPart(t *testing.T) {
	t.Parallel()
	env := Env{Trigger: map[string]any{"v": "a/../b?x=1#f"}}
	got, err := MustCompile("https://t.example/anything/{{trigger.v}}?k=1").RenderURL(env)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/anything/a/../b?x=1#f" || u.EscapedPath() != "/anything/a%2F..%2Fb%3Fx=1%23f" {
		t.Errorf("path %q (escaped %q), want the whole value in one segment", u.Path, u.EscapedPath())
	}
	if q := u.Query(); len(q) != 1 || q.Get("k") != "1" || u.Fragment != "" {
		t.Errorf("query %v fragment %q, want only k=1 and no fragment", q, u.Fragment)
	}
}

func TestRenderURLMissingDataIsAnError(t *testing.T) {
	t.Parallel()
	if _, err := MustCompile("https://t.example/{{trigger.nope}}").RenderURL(Env{Trigger: map[string]any{}}); err == nil {
		t.Fatal("rendered a URL with a missing pill")
	}
}

// FuzzRenderURLKeepsShape: whatever the data, a pill in the path is one
// segment and a pill in the query is one parameter's value, each read back
// exactly; the host, the other segments and parameters are untouched.
func FuzzRenderURLKeepsShape(f *testing.F) {
	for _, seed := range [][2]string{
		{"a/../b?x=1#f", "v&w=1"}, {"..", "#"}, {".", "%zz"}, {"%2F", "+ +"}, {"", ""},
		{"é/ü", "é"}, {"a;b,c", "a=b"}, {"\x00\r\n", "\t"}, {"@evil.com", "http://x/?y"},
	} {
		f.Add(seed[0], seed[1])
	}
	tmpl := MustCompile("https://t.example/a/{{trigger.v}}/b?k={{trigger.w}}&z=1")
	f.Fuzz(func(t *testing.T, v, w string) {
		got, err := tmpl.RenderURL(Env{Trigger: map[string]any{"v": v, "w": w}})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q does not parse: %v", got, err)
		}
		if u.Host != "t.example" || u.Fragment != "" || u.User != nil {
			t.Fatalf("%q: host %q fragment %q user %v", got, u.Host, u.Fragment, u.User)
		}
		segs := strings.Split(u.EscapedPath(), "/")
		if len(segs) != 4 || segs[1] != "a" || segs[3] != "b" {
			t.Fatalf("%q: path segments %q, want a, the value, b", got, segs)
		}
		if seg, err := url.PathUnescape(segs[2]); err != nil || seg != v {
			t.Fatalf("%q: segment reads back %q (%v), want %q", got, seg, err, v)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil || len(q) != 2 || len(q["k"]) != 1 || q.Get("k") != w || q.Get("z") != "1" {
			t.Fatalf("%q: query %v (%v), want k=%q and z=1", got, q, err, w)
		}
	})
}
