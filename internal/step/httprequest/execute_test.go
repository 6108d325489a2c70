package httprequest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// bin is go-httpbin in process, the real HTTP target of these tests.
func bin(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(httpbin.New())
	t.Cleanup(s.Close)
	return s
}

// executor uses the guarded client that production uses, with loopback
// allowed since every target here is in process.
func executor() *Executor {
	return &Executor{Client: httpx.NewClient(httpx.ClientOptions{AllowPrivateNetworks: true})}
}

// compile normalizes a step as a saved recipe would be, then compiles it.
func compile(t *testing.T, s recipe.Step) *Request {
	t.Helper()
	if s.ID == "" {
		s.ID = "call"
	}
	// Two earlier steps make pills to them valid: get_order has output in
	// env, skipped has none.
	d := recipe.Document{Name: "t", Trigger: recipe.Trigger{Type: recipe.TriggerManual}, Steps: []recipe.Step{
		{ID: "get_order", URL: "https://example.com"},
		{ID: "skipped", URL: "https://example.com"},
		s,
	}}
	d.Normalize()
	if ps := d.Validate(nil); len(ps) > 0 {
		t.Fatalf("step does not validate: %v", ps)
	}
	r, err := Compile(d.Steps[2])
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return r
}

// decode parses JSON as the engine does: numbers stay json.Number.
func decode(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// env is a job's data: the Eventbrite webhook of the seed, with an order
// inlined, and the output of an earlier step.
func env(t *testing.T, apiURL string) pill.Env {
	t.Helper()
	return pill.Env{
		Trigger: decode(t, `{
			"api_url": "`+apiURL+`",
			"config": {"action": "order.placed", "webhook_id": "287968"},
			"name": "Ada Lovelace",
			"email": "ada@example.com",
			"order": {"id": 579759447, "qty": 2, "price": 12.5, "vip": true,
			          "tags": ["early", "vip"], "note": null,
			          "big": 9007199254740993}
		}`),
		Steps: map[string]any{
			"get_order": decode(t, `{"status": 200, "headers": {"Content-Type": "application/json"},
				"body": {"id": "579759447", "email": "huilin@workato.com", "event_id": "30343163218"}}`),
		},
	}
}

// at walks a decoded tree by keys and list indexes.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	cur := v
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not an object (whole tree: %v)", path, cur, v)
			}
			if cur, ok = m[k]; !ok {
				t.Fatalf("at %v: no field %q in %v", path, k, m)
			}
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("at %v: no index %d in %v", path, k, cur)
			}
			cur = l[k]
		}
	}
	return cur
}

func mustSucceed(t *testing.T, o Outcome) {
	t.Helper()
	if o.Err != nil {
		t.Fatalf("Do: %v (output %+v)", o.Err, o.Output)
	}
	if o.Output == nil || o.Output.Status != http.StatusOK {
		t.Fatalf("Do: output %+v, want status 200", o.Output)
	}
}

func TestDoGetWithQueryAndHeaders(t *testing.T) {
	t.Parallel()
	b := bin(t)
	r := compile(t, recipe.Step{
		Method: "GET",
		URL:    "{{trigger.api_url}}",
		Query: map[string]string{
			"expand": "attendees",
			"email":  "{{trigger.email}}",
			"event":  "{{steps.get_order.body.event_id}}",
			"label":  "order {{trigger.order.id}} x{{trigger.order.qty}}",
		},
		Headers: map[string]string{
			"Accept":     "application/json",
			"X-Order-Id": "{{trigger.order.id}}",
			"X-Action":   "{{ trigger.config.action }}",
			"X-Upper":    "{{ upper(trigger.name) }}",
		},
	})
	o := executor().Do(context.Background(), r, env(t, b.URL+"/anything/v3/orders/579759447/?existing=1"), nil, "")
	mustSucceed(t, o)

	body := o.Output.Body
	args := map[string]string{
		"existing": "1",
		"expand":   "attendees",
		"email":    "ada@example.com",
		"event":    "30343163218",
		"label":    "order 579759447 x2",
	}
	for k, want := range args {
		if got := at(t, body, "args", k, 0); got != want {
			t.Errorf("httpbin saw query %s=%v, want %q", k, got, want)
		}
	}
	headers := map[string]string{
		"Accept":     "application/json",
		"X-Order-Id": "579759447",
		"X-Action":   "order.placed",
		"X-Upper":    "ADA LOVELACE",
		"User-Agent": "patchbay",
	}
	for k, want := range headers {
		if got := at(t, body, "headers", k, 0); got != want {
			t.Errorf("httpbin saw header %s=%v, want %q", k, got, want)
		}
		if got := o.Input.Headers[k]; got != want {
			t.Errorf("recorded header %s=%q, want %q", k, got, want)
		}
	}
	if got := at(t, body, "method"); got != "GET" {
		t.Errorf("method %v", got)
	}
	if !strings.HasSuffix(at(t, body, "url").(string), "/anything/v3/orders/579759447/?email=ada%40example.com&event=30343163218&existing=1&expand=attendees&label=order+579759447+x2") {
		t.Errorf("httpbin saw url %v", at(t, body, "url"))
	}
	if o.Input.Method != "GET" || o.Input.URL != b.URL+"/anything/v3/orders/579759447/?email=ada%40example.com&event=30343163218&existing=1&expand=attendees&label=order+579759447+x2" {
		t.Errorf("recorded input %s %s", o.Input.Method, o.Input.URL)
	}
	if o.Input.Body != nil {
		t.Errorf("recorded body %#v for a GET without body", o.Input.Body)
	}
	if !strings.HasPrefix(o.Output.Headers["Content-Type"], "application/json") {
		t.Errorf("output headers %v", o.Output.Headers)
	}
	if o.Retryable {
		t.Error("a success is marked retryable")
	}
	// The output tree is what later pills read.
	tree := o.Output.Tree()
	if tree["status"] != json.Number("200") {
		t.Errorf("tree status = %#v", tree["status"])
	}
}

func TestDoJSONBodyKeepsTypes(t *testing.T) {
	t.Parallel()
	b := bin(t)
	r := compile(t, recipe.Step{
		Method: "POST",
		URL:    b.URL + "/anything",
		Body: json.RawMessage(`{
			"id": "{{trigger.order.id}}",
			"qty": "{{ trigger.order.qty }}",
			"price": "{{trigger.order.price}}",
			"vip": "{{trigger.order.vip}}",
			"tags": "{{trigger.order.tags}}",
			"note": "{{trigger.order.note}}",
			"config": "{{trigger.config}}",
			"big": "{{trigger.order.big}}",
			"total": "{{ trigger.order.qty * trigger.order.price }}",
			"label": "order {{trigger.order.id}}",
			"email": "{{steps.get_order.body.email}}",
			"literal": 7,
			"nested": {"list": ["{{trigger.order.qty}}", "x"]}
		}`),
	})
	o := executor().Do(context.Background(), r, env(t, ""), nil, "")
	mustSucceed(t, o)

	// httpbin decodes the JSON it received into Go values; compare them
	// with the JSON that should have been sent.
	got := at(t, o.Output.Body, "json")
	gotJSON, _ := json.Marshal(got)
	want := map[string]any{
		"id": 579759447.0, "qty": 2.0, "price": 12.5, "vip": true,
		"tags": []any{"early", "vip"}, "note": nil,
		"config": map[string]any{"action": "order.placed", "webhook_id": "287968"},
		"big":    9007199254740993.0, "total": 25.0,
		"label": "order 579759447", "email": "huilin@workato.com", "literal": 7.0,
		"nested": map[string]any{"list": []any{2.0, "x"}},
	}
	var gotPlain map[string]any
	if err := json.Unmarshal(gotJSON, &gotPlain); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotPlain, want) {
		t.Errorf("httpbin received json\n %s\nwant\n %v", gotJSON, want)
	}
	// The bytes sent keep every digit of a big integer.
	if data := at(t, o.Output.Body, "data").(string); !strings.Contains(data, `"big":9007199254740993`) {
		t.Errorf("sent body %s lost digits of big", data)
	}
	if ct := at(t, o.Output.Body, "headers", "Content-Type", 0); ct != "application/json" {
		t.Errorf("Content-Type %v", ct)
	}
	// The recorded input is the rendered tree, typed.
	in, ok := o.Input.Body.(map[string]any)
	if !ok {
		t.Fatalf("recorded body %T, want an object", o.Input.Body)
	}
	if in["id"] != json.Number("579759447") || in["label"] != "order 579759447" || in["vip"] != true {
		t.Errorf("recorded body %v", in)
	}
	if o.Input.Headers["Content-Type"] != "application/json" {
		t.Errorf("recorded headers %v", o.Input.Headers)
	}
}

func TestDoFormBody(t *testing.T) {
	t.Parallel()
	b := bin(t)
	r := compile(t, recipe.Step{
		Method:   "POST",
		URL:      b.URL + "/anything",
		BodyType: "form",
		Body:     json.RawMessage(`{"email": "{{trigger.email}}", "qty": "{{trigger.order.qty}}", "tags": "{{trigger.order.tags}}", "note": "a&b=c"}`),
	})
	o := executor().Do(context.Background(), r, env(t, ""), nil, "")
	mustSucceed(t, o)
	form := at(t, o.Output.Body, "form")
	want := map[string][]string{"email": {"ada@example.com"}, "qty": {"2"}, "tags": {"early", "vip"}, "note": {"a&b=c"}}
	for k, vs := range want {
		for i, v := range vs {
			if got := at(t, form, k, i); got != v {
				t.Errorf("form %s[%d] = %v, want %q", k, i, got, v)
			}
		}
	}
	if ct := at(t, o.Output.Body, "headers", "Content-Type", 0); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %v", ct)
	}
	if o.Input.Body != "email=ada%40example.com&note=a%26b%3Dc&qty=2&tags=early&tags=vip" {
		t.Errorf("recorded body %#v", o.Input.Body)
	}
}

func TestDoRawAndXMLBodies(t *testing.T) {
	t.Parallel()
	b := bin(t)
	tests := []struct {
		name     string
		step     recipe.Step
		wantSent string // the bytes httpbin received
		wantCT   string
	}{
		{
			name: "raw text",
			step: recipe.Step{
				Method: "PUT", URL: b.URL + "/anything", BodyType: "raw",
				Headers: map[string]string{"Content-Type": "text/plain"},
				Body:    json.RawMessage(`"Hello {{trigger.name}}, order {{trigger.order.id}} ({{trigger.order.tags}})"`),
			},
			wantSent: `Hello Ada Lovelace, order 579759447 (["early","vip"])`,
			wantCT:   "text/plain",
		},
		{
			name: "xml from a string",
			step: recipe.Step{
				Method: "POST", URL: b.URL + "/anything", BodyType: "xml",
				Body: json.RawMessage(`"<order><id>{{trigger.order.id}}</id><email>{{trigger.email}}</email></order>"`),
			},
			wantSent: `<order><id>579759447</id><email>ada@example.com</email></order>`,
			wantCT:   "application/xml",
		},
		{
			name: "xml from a tree",
			step: recipe.Step{
				Method: "POST", URL: b.URL + "/anything", BodyType: "xml",
				Body: json.RawMessage(`{"order": {"id": "{{trigger.order.id}}", "note": "a < b"}}`),
			},
			wantSent: `<order><id>579759447</id><note>a &lt; b</note></order>`,
			wantCT:   "application/xml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := executor().Do(context.Background(), compile(t, tt.step), env(t, ""), nil, "")
			mustSucceed(t, o)
			data := at(t, o.Output.Body, "data").(string)
			// httpbin echoes text/plain as is and other types as a data URL.
			if rest, ok := strings.CutPrefix(data, "data:"+tt.wantCT+";base64,"); ok {
				raw, err := base64.URLEncoding.DecodeString(rest)
				if err != nil {
					t.Fatal(err)
				}
				data = string(raw)
			}
			if data != tt.wantSent {
				t.Errorf("httpbin received %q, want %q", data, tt.wantSent)
			}
			if ct := at(t, o.Output.Body, "headers", "Content-Type", 0); ct != tt.wantCT {
				t.Errorf("Content-Type %v, want %s", ct, tt.wantCT)
			}
			if o.Input.Body != tt.wantSent {
				t.Errorf("recorded body %#v, want %q", o.Input.Body, tt.wantSent)
			}
		})
	}
}

func TestDoRelativeURLAgainstBaseURL(t *testing.T) {
	t.Parallel()
	b := bin(t)
	tests := []struct {
		name, base, url, wantPath string
	}{
		{"leading slash", b.URL + "/anything/rest/api/2", "/project/{{trigger.order.id}}", "/anything/rest/api/2/project/579759447"},
		{"base with trailing slash", b.URL + "/anything/rest/api/2/", "project", "/anything/rest/api/2/project"},
		{"query kept", b.URL + "/anything/rest", "/search?jql=project%3DPPP", "/anything/rest/search?jql=project%3DPPP"},
		{"absolute URL ignores the base", "https://workato321.atlassian.net", b.URL + "/anything/abs", "/anything/abs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn := &connection.Live{Doc: connection.Document{Name: "jira", Type: connection.TypeHTTP, BaseURL: tt.base, Auth: connection.Auth{Type: connection.AuthNone}}}
			o := executor().Do(context.Background(), compile(t, recipe.Step{URL: tt.url}), env(t, ""), conn, "")
			mustSucceed(t, o)
			if got := at(t, o.Output.Body, "url").(string); got != b.URL+tt.wantPath {
				t.Errorf("httpbin saw %s, want %s", got, b.URL+tt.wantPath)
			}
			if o.Input.URL != b.URL+tt.wantPath {
				t.Errorf("recorded URL %s", o.Input.URL)
			}
		})
	}
}

// counter is a target that counts the requests that reach it.
func counter(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true}`)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func TestDoRenderErrorsSendNothing(t *testing.T) {
	t.Parallel()
	s, n := counter(t)
	tests := []struct {
		name     string
		step     recipe.Step
		conn     *connection.Live
		contains []string
	}{
		{
			name:     "missing field in the url",
			step:     recipe.Step{URL: s.URL + "/orders/{{trigger.order.number}}"},
			contains: []string{"url: ", "{{trigger.order.number}}", `trigger.order has no field "number"`},
		},
		{
			name:     "missing step output",
			step:     recipe.Step{URL: s.URL + "/orders/{{steps.skipped.body.id}}"},
			contains: []string{"url: ", "{{steps.skipped.body.id}}"},
		},
		{
			name:     "index past the end",
			step:     recipe.Step{URL: s.URL, Query: map[string]string{"tag": "{{trigger.order.tags[5]}}"}},
			contains: []string{"query.tag: ", "{{trigger.order.tags[5]}}"},
		},
		{
			name:     "missing field in a header",
			step:     recipe.Step{URL: s.URL, Headers: map[string]string{"X-Key": "{{trigger.key}}"}},
			contains: []string{"headers.X-Key: ", "{{trigger.key}}"},
		},
		{
			name:     "missing field in a json body",
			step:     recipe.Step{Method: "POST", URL: s.URL, Body: json.RawMessage(`{"order": {"email": "{{steps.get_order.body.mail}}"}}`)},
			contains: []string{"body: ", "{{steps.get_order.body.mail}}"},
		},
		{
			name:     "missing field in a raw body",
			step:     recipe.Step{Method: "POST", URL: s.URL, BodyType: "raw", Body: json.RawMessage(`"id={{trigger.id}}"`)},
			contains: []string{"body: ", "{{trigger.id}}"},
		},
		{
			name: "line break in a header value",
			// Literal text with a line break is refused on save; data is
			// checked when it is rendered.
			step:     recipe.Step{URL: s.URL, Headers: map[string]string{"X-Name": `{{ trigger.name + "\r\nX-Evil: 1" }}`}},
			contains: []string{"headers.X-Name", "line break"},
		},
		{
			name:     "relative url without a connection",
			step:     recipe.Step{URL: "/rest/api/2/project"},
			contains: []string{"url: ", "not an absolute http(s) URL"},
		},
		{
			name:     "not http",
			step:     recipe.Step{URL: `{{ "ftp://example.com/file" }}`},
			contains: []string{"url: ", "not an absolute http(s) URL"},
		},
		{
			name:     "form body that cannot be a form",
			step:     recipe.Step{Method: "POST", URL: s.URL, BodyType: "form", Body: json.RawMessage(`{"config": "{{trigger.config}}"}`)},
			contains: []string{"body: ", "form"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := n.Load()
			o := executor().Do(context.Background(), compile(t, tt.step), env(t, ""), tt.conn, "key")
			if o.Err == nil {
				t.Fatalf("Do succeeded, want an error (output %+v)", o.Output)
			}
			for _, c := range tt.contains {
				if !strings.Contains(o.Err.Error(), c) {
					t.Errorf("error %q does not contain %q", o.Err, c)
				}
			}
			if o.Retryable {
				t.Error("a render error is marked retryable: no other attempt can fix it")
			}
			if o.Output != nil {
				t.Errorf("output %+v for a request never sent", o.Output)
			}
			if o.Input == nil || o.Input.Method == "" {
				t.Errorf("input %+v, want what was rendered", o.Input)
			}
			if got := n.Load() - before; got != 0 {
				t.Errorf("%d requests reached the target", got)
			}
		})
	}
}

// statusServer answers with a status, headers and a body. It stands in for
// httpbin's /status/{code}, which can set neither Retry-After nor a body.
func statusServer(t *testing.T, code int, header map[string]string, body string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestDoHTTPErrors(t *testing.T) {
	t.Parallel()
	b := bin(t)
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name          string
		url           string
		wantStatus    int
		wantErr       string
		retryable     bool
		minRA, maxRA  time.Duration
		wantBodyField string
	}{
		{name: "404 from httpbin", url: b.URL + "/status/404", wantStatus: 404, wantErr: "HTTP 404 Not Found"},
		{name: "401 from httpbin", url: b.URL + "/basic-auth/u/p", wantStatus: 401, wantErr: "HTTP 401 Unauthorized", wantBodyField: "authenticated"},
		{
			name:       "400 with a JIRA error body kept",
			url:        statusServer(t, 400, map[string]string{"Content-Type": "application/json"}, `{"errorMessages": [], "errors": {"projectKey": "A project with that key already exists."}}`).URL,
			wantStatus: 400, wantErr: "HTTP 400 Bad Request", wantBodyField: "errors",
		},
		{name: "500 from httpbin", url: b.URL + "/status/500", wantStatus: 500, wantErr: "HTTP 500 Internal Server Error", retryable: true},
		{
			name:       "503 with Retry-After seconds",
			url:        statusServer(t, 503, map[string]string{"Retry-After": "2"}, "").URL,
			wantStatus: 503, wantErr: "HTTP 503 Service Unavailable", retryable: true,
			minRA: 2 * time.Second, maxRA: 2 * time.Second,
		},
		{
			name:       "429 with Retry-After seconds",
			url:        statusServer(t, 429, map[string]string{"Retry-After": "2", "Content-Type": "application/json"}, `{"message": "slow down"}`).URL,
			wantStatus: 429, wantErr: "HTTP 429 Too Many Requests", retryable: true,
			minRA: 2 * time.Second, maxRA: 2 * time.Second, wantBodyField: "message",
		},
		{
			name:       "429 with Retry-After as an HTTP date",
			url:        statusServer(t, 429, map[string]string{"Retry-After": httpDate}, "").URL,
			wantStatus: 429, wantErr: "HTTP 429 Too Many Requests", retryable: true,
			minRA: 80 * time.Second, maxRA: 91 * time.Second,
		},
		{
			name:       "503 with Retry-After as an HTTP date",
			url:        statusServer(t, 503, map[string]string{"Retry-After": httpDate}, "").URL,
			wantStatus: 503, wantErr: "HTTP 503 Service Unavailable", retryable: true,
			minRA: 80 * time.Second, maxRA: 91 * time.Second,
		},
		{
			name:       "503 with a Retry-After in the past",
			url:        statusServer(t, 503, map[string]string{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, "").URL,
			wantStatus: 503, wantErr: "HTTP 503", retryable: true,
		},
		{
			name:       "503 with a Retry-After beyond a day is capped",
			url:        statusServer(t, 503, map[string]string{"Retry-After": "999999"}, "").URL,
			wantStatus: 503, wantErr: "HTTP 503", retryable: true,
			minRA: 24 * time.Hour, maxRA: 24 * time.Hour,
		},
		{
			name:       "503 with a garbage Retry-After",
			url:        statusServer(t, 503, map[string]string{"Retry-After": "soon"}, "").URL,
			wantStatus: 503, wantErr: "HTTP 503", retryable: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := executor().Do(context.Background(), compile(t, recipe.Step{URL: tt.url}), env(t, ""), nil, "")
			if o.Err == nil || !strings.Contains(o.Err.Error(), tt.wantErr) {
				t.Errorf("error %v, want %q", o.Err, tt.wantErr)
			}
			if o.Retryable != tt.retryable {
				t.Errorf("retryable %v, want %v", o.Retryable, tt.retryable)
			}
			if o.RetryAfter < tt.minRA || o.RetryAfter > tt.maxRA {
				t.Errorf("RetryAfter %v, want between %v and %v", o.RetryAfter, tt.minRA, tt.maxRA)
			}
			if o.Output == nil || o.Output.Status != tt.wantStatus {
				t.Fatalf("output %+v, want it kept with status %d", o.Output, tt.wantStatus)
			}
			if len(o.Output.Headers) == 0 {
				t.Error("response headers not kept")
			}
			if tt.wantBodyField != "" {
				at(t, o.Output.Body, tt.wantBodyField)
			}
			if o.Input == nil || o.Input.URL != tt.url {
				t.Errorf("input %+v", o.Input)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"Wed, 01 May 2024 12:01:30 GMT", 90 * time.Second},
		{"Wednesday, 01-May-24 12:00:10 GMT", 10 * time.Second}, // RFC 850
		{"Wed May  1 12:00:05 2024", 5 * time.Second},           // asctime
		{"Wed, 01 May 2024 11:00:00 GMT", 0},
		{"Fri, 03 May 2024 12:00:00 GMT", 24 * time.Hour},
		{"86401", 24 * time.Hour},
		{"later", 0},
		{"1.5", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDoTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{
			name: "no response headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
		},
		{
			name: "body stalls after the headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(200)
				fmt.Fprint(w, `{"partial": `)
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := httptest.NewServer(tt.handler)
			t.Cleanup(s.Close)
			r := compile(t, recipe.Step{URL: s.URL, Timeout: recipe.Duration(100 * time.Millisecond)})
			start := time.Now()
			o := executor().Do(context.Background(), r, env(t, ""), nil, "")
			elapsed := time.Since(start)
			if o.Err == nil || !strings.Contains(o.Err.Error(), "timed out") {
				t.Errorf("error %v, want one that says timed out", o.Err)
			}
			if o.Err != nil && !strings.Contains(o.Err.Error(), "100ms") {
				t.Errorf("error %q does not name the step timeout", o.Err)
			}
			if !o.Retryable {
				t.Error("a timeout is not marked retryable")
			}
			if elapsed > 2*time.Second {
				t.Errorf("Do took %v with a 100ms timeout", elapsed)
			}
		})
	}
}

func TestDoIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := bin(t)
	tests := []struct {
		name    string
		key     string
		headers map[string]string
		want    string
	}{
		{name: "sent as given", key: "job-7f3a.create_project", want: "job-7f3a.create_project"},
		{name: "the step's own header wins", key: "job-7f3a.create_project", headers: map[string]string{"Idempotency-Key": "order-{{trigger.order.id}}"}, want: "order-579759447"},
		{name: "none when not given", key: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := compile(t, recipe.Step{Method: "POST", URL: b.URL + "/headers", Headers: tt.headers})
			// Two attempts of the same step send the same key.
			for attempt := 1; attempt <= 2; attempt++ {
				o := executor().Do(context.Background(), r, env(t, ""), nil, tt.key)
				if attempt == 1 && o.Output != nil && o.Output.Status == http.StatusMethodNotAllowed {
					t.Skip("httpbin /headers refuses POST")
				}
				mustSucceed(t, o)
				hs := at(t, o.Output.Body, "headers").(map[string]any)
				got := ""
				if v, ok := hs["Idempotency-Key"]; ok {
					got = at(t, v, 0).(string)
				}
				if got != tt.want {
					t.Errorf("attempt %d: httpbin saw Idempotency-Key %q, want %q", attempt, got, tt.want)
				}
				if o.Input.Headers["Idempotency-Key"] != tt.want {
					t.Errorf("attempt %d: recorded Idempotency-Key %q, want %q", attempt, o.Input.Headers["Idempotency-Key"], tt.want)
				}
			}
		})
	}
}

func TestDoResponseBodies(t *testing.T) {
	t.Parallel()
	b := bin(t)
	tests := []struct {
		name         string
		url          string
		responseType string
		maxBytes     int64
		wantErr      string // "" for success
		check        func(t *testing.T, body any)
	}{
		{
			name: "over MaxResponseBytes", url: b.URL + "/bytes/2048", responseType: "raw", maxBytes: 1024,
			wantErr: "over the 1024-byte limit",
			check: func(t *testing.T, body any) {
				if body != nil {
					t.Errorf("body kept past the limit: %d bytes", len(fmt.Sprint(body)))
				}
			},
		},
		{
			name: "exactly MaxResponseBytes", url: b.URL + "/bytes/1024", responseType: "raw", maxBytes: 1024,
			check: func(t *testing.T, body any) {
				if s, ok := body.(string); !ok || len(s) != 1024 {
					t.Errorf("body %T of %d bytes, want 1024 bytes of text", body, len(fmt.Sprint(body)))
				}
			},
		},
		{
			name: "raw keeps text", url: b.URL + "/robots.txt", responseType: "raw",
			check: func(t *testing.T, body any) {
				if body != "User-agent: *\nDisallow: /deny\n" {
					t.Errorf("body %#v", body)
				}
			},
		},
		{
			name: "raw keeps JSON as text", url: b.URL + "/json", responseType: "raw",
			check: func(t *testing.T, body any) {
				if s, ok := body.(string); !ok || !strings.Contains(s, `"slideshow"`) {
					t.Errorf("body %#v, want the JSON text", body)
				}
			},
		},
		{
			name: "json parsed", url: b.URL + "/json", responseType: "json",
			check: func(t *testing.T, body any) {
				if got := at(t, body, "slideshow", "slides", 0, "title"); got != "Wake up to WonderWidgets!" {
					t.Errorf("slideshow.slides[0].title = %v", got)
				}
			},
		},
		{
			name: "xml parsed", url: statusServer(t, 200, map[string]string{"Content-Type": "application/xml"}, `<?xml version="1.0" encoding="UTF-8"?><project id="10010"><key>EX</key></project>`).URL, responseType: "xml",
			check: func(t *testing.T, body any) {
				if got := at(t, body, "project", "key"); got != "EX" {
					t.Errorf("project.key = %v", got)
				}
			},
		},
		{
			name: "json response that is not JSON", url: b.URL + "/html", responseType: "json",
			wantErr: "response is not json",
			check: func(t *testing.T, body any) {
				if s, ok := body.(string); !ok || !strings.Contains(s, "Herman Melville") {
					t.Errorf("body %.80q, want the HTML kept as text", fmt.Sprint(body))
				}
			},
		},
		{
			name: "empty body", url: b.URL + "/status/200", responseType: "json",
			check: func(t *testing.T, body any) {
				if body != nil {
					t.Errorf("body %#v, want null", body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := executor()
			e.MaxResponseBytes = tt.maxBytes
			o := e.Do(context.Background(), compile(t, recipe.Step{URL: tt.url, ResponseType: tt.responseType}), env(t, ""), nil, "")
			switch {
			case tt.wantErr == "" && o.Err != nil:
				t.Fatalf("Do: %v", o.Err)
			case tt.wantErr != "" && (o.Err == nil || !strings.Contains(o.Err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", o.Err, tt.wantErr)
			}
			if o.Retryable {
				t.Error("marked retryable: the same response would come back")
			}
			if o.Output == nil || o.Output.Status != 200 {
				t.Fatalf("output %+v, want status 200 kept", o.Output)
			}
			tt.check(t, o.Output.Body)
		})
	}
}

// httpbin's /xml, like many servers, declares encoding="us-ascii". ASCII
// is a subset of UTF-8, so a response_type xml step must read it.
func TestDoXMLResponseDeclaringASCII(t *testing.T) {
	t.Parallel()
	b := bin(t)
	o := executor().Do(context.Background(), compile(t, recipe.Step{URL: b.URL + "/xml", ResponseType: "xml"}), env(t, ""), nil, "")
	mustSucceed(t, o)
	if got := at(t, o.Output.Body, "slideshow", "@title"); got != "Sample Slide Show" {
		t.Errorf("slideshow = %v", at(t, o.Output.Body, "slideshow"))
	}
}

func TestDoForbiddenAddress(t *testing.T) {
	t.Parallel()
	s, n := counter(t)
	e := &Executor{Client: httpx.NewClient(httpx.ClientOptions{})}
	o := e.Do(context.Background(), compile(t, recipe.Step{URL: s.URL}), env(t, ""), nil, "")
	if o.Err == nil || !strings.Contains(o.Err.Error(), "not allowed") {
		t.Errorf("error %v, want the address refused", o.Err)
	}
	if o.Retryable {
		t.Error("a refused address is marked retryable: no other attempt can reach it")
	}
	if n.Load() != 0 {
		t.Errorf("%d requests reached a loopback target", n.Load())
	}
}

func TestDoCanceledIsNotRetryable(t *testing.T) {
	t.Parallel()
	s, _ := counter(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := executor().Do(ctx, compile(t, recipe.Step{URL: s.URL}), env(t, ""), nil, "")
	if o.Err == nil || o.Retryable {
		t.Errorf("canceled: err %v retryable %v, want an error that is not retried", o.Err, o.Retryable)
	}
}

// secretConn authenticates with every kind of secret at once.
func secretConn() *connection.Live {
	return &connection.Live{
		Doc: connection.Document{Name: "bin", Type: connection.TypeHTTP, Auth: connection.Auth{
			Type: connection.AuthCustom, Username: "admin",
			Headers: map[string]string{"X-Api-Key": "set"}, Params: map[string]string{"api_key": "set"},
		}},
		Secrets: connection.Secrets{
			Password: "hunter2-pass",
			Headers:  map[string]string{"X-Api-Key": "hdr-secret-123"},
			Params:   map[string]string{"api_key": "qry-secret-456"},
		},
	}
}

// httpbin echoes every credential back; neither the recorded input nor the
// recorded output may keep one.
func TestDoMasksSecrets(t *testing.T) {
	t.Parallel()
	b := bin(t)
	conn := secretConn()
	r := compile(t, recipe.Step{Method: "POST", URL: b.URL + "/anything?page=1", Body: json.RawMessage(`{"q": "x"}`)})
	o := executor().Do(context.Background(), r, env(t, ""), conn, "k")
	mustSucceed(t, o)

	if o.Input.Headers["Authorization"] != "Basic ****" || o.Input.Headers["X-Api-Key"] != "****" {
		t.Errorf("recorded headers %v", o.Input.Headers)
	}
	if o.Input.URL != b.URL+"/anything?api_key=%2A%2A%2A%2A&page=1" {
		t.Errorf("recorded URL %s", o.Input.URL)
	}
	// The secrets did travel.
	if got := at(t, o.Output.Body, "args", "page", 0); got != "1" {
		t.Errorf("args.page = %v", got)
	}
	rec, err := json.Marshal(struct {
		In  *Input
		Out *Output
	}{o.Input, o.Output})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range conn.SecretValues() {
		if strings.Contains(string(rec), s) {
			t.Errorf("recorded job holds secret %q: %s", s, rec)
		}
	}
}

// A server may echo a credential in a response header. The header is
// masked whatever the size of the body.
func TestDoMasksSecretsInResponseHeaders(t *testing.T) {
	t.Parallel()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo-Auth", r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, strings.Repeat("x", 2048))
	}))
	t.Cleanup(s.Close)
	conn := &connection.Live{
		Doc:     connection.Document{Name: "b", Type: connection.TypeHTTP, Auth: connection.Auth{Type: connection.AuthBearer, Token: "set"}},
		Secrets: connection.Secrets{Token: "tok_live_abcdef"},
	}
	for _, limit := range []int64{4096, 1024} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			e := executor()
			e.MaxResponseBytes = limit
			o := e.Do(context.Background(), compile(t, recipe.Step{URL: s.URL, ResponseType: "raw"}), env(t, ""), conn, "")
			if o.Output == nil {
				t.Fatalf("no output: %v", o.Err)
			}
			if got := o.Output.Headers["X-Echo-Auth"]; got != "Bearer ****" {
				t.Errorf("recorded response header X-Echo-Auth = %q, want %q", got, "Bearer ****")
			}
		})
	}
}

// Recording a request masks secrets in the record, never in the job's
// data: a pill that copies a whole object from the trigger must leave the
// trigger output as it was for the steps after.
func TestDoDoesNotChangeJobData(t *testing.T) {
	t.Parallel()
	b := bin(t)
	conn := secretConn()
	e := env(t, "")
	e.Trigger.(map[string]any)["account"] = decode(t, `{"name": "acme", "api_key": "qry-secret-456"}`)
	r := compile(t, recipe.Step{Method: "POST", URL: b.URL + "/anything", Body: json.RawMessage(`{"account": "{{trigger.account}}"}`)})
	o := executor().Do(context.Background(), r, e, conn, "")
	mustSucceed(t, o)
	if got := e.Trigger.(map[string]any)["account"].(map[string]any)["api_key"]; got != "qry-secret-456" {
		t.Errorf("after Do the trigger output reads api_key=%q, want it unchanged", got)
	}
	if got := o.Input.Body.(map[string]any)["account"].(map[string]any)["api_key"]; got != "****" {
		t.Errorf("recorded body api_key = %v, want ****", got)
	}
}

func TestCompile(t *testing.T) {
	t.Parallel()
	r, err := Compile(recipe.Step{ID: "a", Method: "GET", URL: "https://x.io", BodyType: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Timeout != recipe.DefaultTimeout || r.MaxAttempts != recipe.DefaultMaxAttempts {
		t.Errorf("defaults: timeout %v attempts %d", r.Timeout, r.MaxAttempts)
	}
	r, err = Compile(recipe.Step{ID: "a", Method: "GET", URL: "https://x.io", BodyType: "none", Timeout: recipe.Duration(time.Second), MaxAttempts: 2})
	if err != nil || r.Timeout != time.Second || r.MaxAttempts != 2 {
		t.Errorf("explicit: %v timeout %v attempts %d", err, r.Timeout, r.MaxAttempts)
	}
	bad := []struct {
		name string
		step recipe.Step
		want string
	}{
		{"url", recipe.Step{URL: "{{trigger.x"}, "url: "},
		{"query", recipe.Step{URL: "u", Query: map[string]string{"q": "{{}}"}}, "query.q: "},
		{"header", recipe.Step{URL: "u", Headers: map[string]string{"H": "{{ trigger. }}"}}, "headers.H: "},
		{"body json", recipe.Step{URL: "u", BodyType: "json", Body: json.RawMessage(`{"a": `)}, "body: "},
		{"body pill", recipe.Step{URL: "u", BodyType: "json", Body: json.RawMessage(`{"a": "{{trigger.a"}`)}, "body: "},
	}
	for _, tt := range bad {
		if _, err := Compile(tt.step); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: Compile error %v, want one starting %q", tt.name, err, tt.want)
		}
	}
}
