package httprequest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/recipe"
)

// hostile is webhook data that tries to change a URL's shape.
const hostile = "a/../b?x=1#f"

func hostileEnv(t *testing.T, apiURL string) map[string]any {
	t.Helper()
	return map[string]any{"v": hostile, "api_url": apiURL}
}

// binSaw is the path and query go-httpbin's /anything received.
func binSaw(t *testing.T, o Outcome) (*url.URL, map[string]any) {
	t.Helper()
	u, err := url.Parse(at(t, o.Output.Body, "url").(string))
	if err != nil {
		t.Fatal(err)
	}
	return u, at(t, o.Output.Body, "args").(map[string]any)
}

// A pill value in a URL's path is one segment's text: the target sees one
// segment holding it, and no query parameter or fragment it carried.
func TestDoPercentEncodesPillValuesInTheURL(t *testing.T) {
	t.Parallel()
	b := bin(t)
	e := env(t, "")
	e.Trigger = hostileEnv(t, b.URL+"/anything/whole?from=pill")
	cases := []struct {
		name string
		step recipe.Step
		conn *connection.Live
	}{
		{"absolute", recipe.Step{URL: b.URL + "/anything/{{trigger.v}}?k=1"}, nil},
		{"relative to base_url", recipe.Step{URL: "/{{trigger.v}}?k=1"},
			&connection.Live{Doc: connection.Document{Name: "b", Type: connection.TypeHTTP, BaseURL: b.URL + "/anything", Auth: connection.Auth{Type: connection.AuthNone}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := executor().Do(context.Background(), compile(t, c.step), e, c.conn, "")
			mustSucceed(t, o)
			u, args := binSaw(t, o)
			if u.EscapedPath() != "/anything/a%2F..%2Fb%3Fx=1%23f" {
				t.Errorf("target saw path %s, want the value in one segment", u.EscapedPath())
			}
			if segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/anything/"), "/"); len(segs) != 1 {
				t.Errorf("target saw %d segments after /anything: %v", len(segs), segs)
			}
			if len(args) != 1 || args["k"] == nil {
				t.Errorf("target saw query %v, want only k", args)
			}
			if !strings.Contains(o.Input.URL, "/anything/a%2F..%2Fb%3Fx=1%23f?k=1") {
				t.Errorf("recorded URL %s, want the URL sent", o.Input.URL)
			}
		})
	}

	// A query value is query-escaped: "&x=1" adds no parameter.
	t.Run("query", func(t *testing.T) {
		t.Parallel()
		o := executor().Do(context.Background(), compile(t, recipe.Step{URL: b.URL + "/anything/q?v={{trigger.v}}&k=1"}), e, nil, "")
		mustSucceed(t, o)
		_, args := binSaw(t, o)
		if len(args) != 2 || !reflectEqual(args["v"], []any{hostile}) {
			t.Errorf("target saw query %v, want v=%q and k only", args, hostile)
		}
	})

	// The whole URL from a pill (the Eventbrite walkthrough) is sent as it is.
	t.Run("whole URL", func(t *testing.T) {
		t.Parallel()
		o := executor().Do(context.Background(), compile(t, recipe.Step{URL: "{{trigger.api_url}}"}), e, nil, "")
		mustSucceed(t, o)
		u, args := binSaw(t, o)
		if u.Path != "/anything/whole" || !reflectEqual(args["from"], []any{"pill"}) {
			t.Errorf("target saw %s %v, want the pill's URL unchanged", u.Path, args)
		}
	})

	// url_encoding: none writes the data as it is: its query reaches the target.
	t.Run("opt-out", func(t *testing.T) {
		t.Parallel()
		e := env(t, "")
		e.Trigger = map[string]any{"v": "q?x=1&y=2"}
		o := executor().Do(context.Background(), compile(t, recipe.Step{URL: b.URL + "/anything/{{trigger.v}}", URLEncoding: recipe.URLEncodingNone}), e, nil, "")
		mustSucceed(t, o)
		u, args := binSaw(t, o)
		if u.Path != "/anything/q" || len(args) != 2 {
			t.Errorf("target saw %s %v, want the raw value's path and query", u.Path, args)
		}
	})
}

func reflectEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// The recorded headers are the headers the target got, no more and no
// fewer: those patchbay sets (User-Agent, Content-Type, Idempotency-Key,
// auth, the step's own) and those the transport writes itself (Host,
// Content-Length, Accept-Encoding), secrets masked. A transport-owned
// header in a step saved before they were refused is neither sent nor
// recorded.
func TestDoRecordsTheHeadersSent(t *testing.T) {
	t.Parallel()
	b := bin(t)
	step := recipe.Step{ID: "call", Method: "POST", URL: b.URL + "/anything", BodyType: "json", Body: json.RawMessage(`{"a": 1}`),
		ResponseType: "json", Headers: map[string]string{
			"X-Custom": "yes", "Host": "elsewhere.example", "Content-Length": "999",
			"Transfer-Encoding": "chunked", "Connection": "close", "Upgrade": "h2c", "Te": "trailers",
		}}
	r, err := Compile(step) // as a stored legacy step: not validated again
	if err != nil {
		t.Fatal(err)
	}
	o := executor().Do(context.Background(), r, env(t, ""), secretConn(), "job1.call")
	mustSucceed(t, o)
	got := map[string]string{}
	for k, v := range at(t, o.Output.Body, "headers").(map[string]any) {
		vs := v.([]any)
		parts := make([]string, len(vs))
		for i, x := range vs {
			parts[i] = x.(string)
		}
		got[http.CanonicalHeaderKey(k)] = strings.Join(parts, ", ")
	}
	for _, k := range []string{"Transfer-Encoding", "Connection", "Upgrade", "Te"} {
		if v, ok := o.Input.Headers[k]; ok {
			t.Errorf("recorded %s: %s, a header the step cannot send", k, v)
		}
	}
	if host := strings.TrimPrefix(b.URL, "http://"); got["Host"] != host || o.Input.Headers["Host"] != host {
		t.Errorf("Host: target got %q, recorded %q; want the URL's %q", got["Host"], o.Input.Headers["Host"], host)
	}
	if o.Input.Headers["Content-Length"] != "7" || got["Content-Length"] != "7" {
		t.Errorf("Content-Length: target got %q, recorded %q; want the body's 7 ({\"a\":1})", got["Content-Length"], o.Input.Headers["Content-Length"])
	}
	for k, v := range o.Input.Headers {
		sent, ok := got[k]
		switch {
		case !ok:
			t.Errorf("recorded %s: %s, the target never got it", k, v)
		case strings.Contains(v, connection.Masked):
			// A secret: masked in the record and in the echo alike.
		case sent != v:
			t.Errorf("recorded %s: %s, the target got %s", k, v, sent)
		}
	}
	for k := range got {
		if _, ok := o.Input.Headers[k]; !ok {
			t.Errorf("the target got %s: %s, not in the record", k, got[k])
		}
	}
	for _, k := range []string{"X-Custom", "User-Agent", "Content-Type", "Idempotency-Key", "Authorization", "X-Api-Key", "Accept-Encoding"} {
		if _, ok := o.Input.Headers[k]; !ok {
			t.Errorf("the record lacks %s (recorded %v)", k, o.Input.Headers)
		}
	}
}

// A request that is never written (nothing listens) keeps the headers it
// was built with: what would have been sent.
func TestDoRecordsBuiltHeadersWhenNothingWasSent(t *testing.T) {
	t.Parallel()
	s, _ := counter(t)
	s.Close()
	o := executor().Do(context.Background(), compile(t, recipe.Step{URL: s.URL + "/x", Headers: map[string]string{"X-Custom": "yes"}}), env(t, ""), nil, "k")
	if o.Err == nil {
		t.Fatal("Do succeeded against a closed server")
	}
	if o.Input.Headers["X-Custom"] != "yes" || o.Input.Headers["Idempotency-Key"] != "k" {
		t.Errorf("recorded headers %v, want the request as built", o.Input.Headers)
	}
}

// Through a plain-HTTP proxy the transport adds Proxy-Authorization: it is
// recorded, since it was sent, with the credentials masked.
func TestDoRecordsProxyAuthorizationMasked(t *testing.T) {
	t.Parallel()
	b := bin(t)
	proxy := realProxy(t, "puser", "proxy-pass-789")
	conn := &connection.Live{
		Doc: connection.Document{Name: "p", Type: connection.TypeHTTP, Auth: connection.Auth{Type: connection.AuthNone},
			Proxy: &connection.Proxy{URL: proxy.URL, Username: "puser", Password: "set"}},
		Secrets: connection.Secrets{ProxyPassword: "proxy-pass-789"},
	}
	o := executor().Do(context.Background(), compile(t, recipe.Step{URL: b.URL + "/anything"}), env(t, ""), conn, "")
	mustSucceed(t, o)
	if got := o.Input.Headers["Proxy-Authorization"]; got != "Basic "+connection.Masked {
		t.Errorf("recorded Proxy-Authorization %q, want Basic %s", got, connection.Masked)
	}
	rec, _ := json.Marshal(o.Input)
	if strings.Contains(string(rec), "proxy-pass-789") || strings.Contains(string(rec), "cHVzZXI6cHJveHktcGFzcy03ODk") {
		t.Errorf("the record holds the proxy password: %s", rec)
	}
}
