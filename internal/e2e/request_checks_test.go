package e2e

import (
	"strings"
	"testing"
)

// What would fail every run, or be recorded but never sent, is refused on
// save with a 422 naming the path: through the real API, for recipes and
// connections.
func TestRequestChecksOnSave(t *testing.T) {
	s := startServer(t)
	cases := []struct {
		name string
		mut  func(d map[string]any)
		path string
		msgs []string
	}{
		{"ftp step URL", func(d map[string]any) { rvStep(d, 1)["url"] = "ftp://example.com/notify" },
			"steps[1].url", []string{`scheme "ftp"`, "http or https"}},
		{"header name with a space", func(d map[string]any) { rvStep(d, 0)["headers"] = map[string]any{"X Bad": "1"} },
			"steps[0].headers.X Bad", []string{"not a valid header name"}},
		{"header name with CRLF", func(d map[string]any) { rvStep(d, 0)["headers"] = map[string]any{"X-A\r\nX-B": "1"} },
			"steps[0].headers.X-A\r\nX-B", []string{"not a valid header name"}},
		{"header value with CRLF", func(d map[string]any) { rvStep(d, 0)["headers"] = map[string]any{"X-A": "1\r\nX-Evil: 2"} },
			"steps[0].headers.X-A", []string{"line break"}},
		{"Host header", func(d map[string]any) { rvStep(d, 0)["headers"] = map[string]any{"Host": "other.example"} },
			"steps[0].headers.Host", []string{"put the host in the URL"}},
		{"Content-Length header", func(d map[string]any) { rvStep(d, 1)["headers"] = map[string]any{"Content-Length": "1"} },
			"steps[1].headers.Content-Length", []string{"would not be sent"}},
		{"Transfer-Encoding header", func(d map[string]any) { rvStep(d, 1)["headers"] = map[string]any{"Transfer-Encoding": "chunked"} },
			"steps[1].headers.Transfer-Encoding", []string{"would not be sent"}},
		{"unknown url_encoding", func(d map[string]any) { rvStep(d, 0)["url_encoding"] = "raw" },
			"steps[0].url_encoding", []string{`unknown url encoding "raw"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rvRefused(t, s, c.mut, c.path, c.msgs...)
		})
	}
	if n := rvRecipeCount(s); n != 0 {
		t.Errorf("the API lists %d recipes after only refused documents, want 0", n)
	}

	connCases := []struct {
		name string
		doc  map[string]any
		path string
		msg  string
	}{
		{"auth header value with CRLF", map[string]any{"name": "c1", "auth": map[string]any{"type": "header",
			"headers": map[string]any{"X-Api-Key": "k3y-value\r\nX-Evil: 1"}}}, "auth.headers.X-Api-Key", "line break"},
		{"auth header name with a space", map[string]any{"name": "c2", "auth": map[string]any{"type": "custom",
			"headers": map[string]any{"X Api": "k"}}}, "auth.headers", "not a valid header name"},
		{"Host as an auth header", map[string]any{"name": "c3", "auth": map[string]any{"type": "custom",
			"headers": map[string]any{"Host": "k"}}}, "auth.headers", "put the host in the URL"},
	}
	for _, c := range connCases {
		t.Run(c.name, func(t *testing.T) {
			resp := rvSend(t, s, "POST", "/api/v1/connections", rvJSON(t, c.doc), "Bearer "+s.Token)
			if resp.status != 422 {
				t.Fatalf("status = %d, want 422: %s", resp.status, resp.body)
			}
			if strings.Contains(string(resp.body), "k3y-value") {
				t.Errorf("the answer quotes the secret header value: %s", resp.body)
			}
			e := whDecodeError(t, resp.header, resp.body)
			found := false
			for _, d := range e.Details {
				found = found || d.Path == c.path && strings.Contains(d.Message, c.msg)
			}
			if !found {
				t.Errorf("details %+v, want %s: …%s…", e.Details, c.path, c.msg)
			}
		})
	}
}
