package connection

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

func basicConn(user, pass string) *Live {
	return &Live{
		Doc:     Document{Name: "jira", Type: TypeHTTP, Auth: Auth{Type: AuthBasic, Username: user, Password: SetMarker}},
		Secrets: Secrets{Password: pass},
	}
}

func bearerConn(token string) *Live {
	return &Live{
		Doc:     Document{Name: "api", Type: TypeHTTP, Auth: Auth{Type: AuthBearer, Token: SetMarker}},
		Secrets: Secrets{Token: token},
	}
}

func headerConn(h map[string]string) *Live {
	return &Live{
		Doc:     Document{Name: "api", Type: TypeHTTP, Auth: Auth{Type: AuthHeader, Headers: markMap(h)}},
		Secrets: Secrets{Headers: h},
	}
}

func queryConn(p map[string]string) *Live {
	return &Live{
		Doc:     Document{Name: "api", Type: TypeHTTP, Auth: Auth{Type: AuthQuery, Params: markMap(p)}},
		Secrets: Secrets{Params: p},
	}
}

func customConn() *Live {
	return &Live{
		Doc: Document{Name: "api", Type: TypeHTTP, Auth: Auth{
			Type: AuthCustom, Username: "admin", Password: SetMarker,
			Headers: map[string]string{"X-Api-Key": SetMarker}, Params: map[string]string{"api_key": SetMarker},
		}},
		Secrets: Secrets{
			Password: "hunter2-pass",
			Headers:  map[string]string{"X-Api-Key": "hdr-secret-123"},
			Params:   map[string]string{"api_key": "qry-secret-456"},
		},
	}
}

// send applies l to a GET of target and returns the status and the JSON
// httpbin answered.
func send(t *testing.T, l *Live, target string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Apply(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil && resp.StatusCode == http.StatusOK {
		t.Fatalf("decode: %v", err)
	}
	return resp.StatusCode, body
}

// echoed returns the first value of a header or query parameter as
// httpbin echoes it ({"Name": ["value"]}), or "".
func echoed(m map[string]any, field, name string) string {
	vs, _ := m[field].(map[string]any)[name].([]any)
	if len(vs) == 0 {
		return ""
	}
	s, _ := vs[0].(string)
	return s
}

func TestApplyAgainstHTTPBin(t *testing.T) {
	t.Parallel()
	bin := httptest.NewServer(httpbin.New())
	t.Cleanup(bin.Close)
	tests := []struct {
		name       string
		conn       *Live
		path       string
		wantStatus int
		check      func(t *testing.T, body map[string]any)
	}{
		{
			name: "basic", conn: basicConn("admin", "s3cret-pass"), path: "/basic-auth/admin/s3cret-pass", wantStatus: 200,
			check: func(t *testing.T, body map[string]any) {
				if body["authenticated"] != true || body["user"] != "admin" {
					t.Errorf("httpbin: %v", body)
				}
			},
		},
		{name: "basic, wrong password", conn: basicConn("admin", "nope"), path: "/basic-auth/admin/s3cret-pass", wantStatus: 401},
		{
			name: "basic password with a colon and unicode", conn: basicConn("admin", "pa:ss wörd"), path: "/basic-auth/admin/" + url.PathEscape("pa:ss wörd"), wantStatus: 200,
		},
		{
			name: "bearer", conn: bearerConn("tok_live_abcdef"), path: "/bearer", wantStatus: 200,
			check: func(t *testing.T, body map[string]any) {
				if body["authenticated"] != true || body["token"] != "tok_live_abcdef" {
					t.Errorf("httpbin: %v", body)
				}
			},
		},
		{name: "no auth is refused by /bearer", conn: &Live{Doc: Document{Auth: Auth{Type: AuthNone}}}, path: "/bearer", wantStatus: 401},
		{
			name: "header", conn: headerConn(map[string]string{"X-Api-Key": "hdr-secret-123", "x-tenant": "acme-prod"}), path: "/headers", wantStatus: 200,
			check: func(t *testing.T, body map[string]any) {
				if got := echoed(body, "headers", "X-Api-Key"); got != "hdr-secret-123" {
					t.Errorf("X-Api-Key = %q", got)
				}
				if got := echoed(body, "headers", "X-Tenant"); got != "acme-prod" {
					t.Errorf("X-Tenant = %q", got)
				}
				if got := echoed(body, "headers", "Authorization"); got != "" {
					t.Errorf("header auth sent Authorization %q", got)
				}
			},
		},
		{
			name: "query keeps the request's own parameters", conn: queryConn(map[string]string{"api_key": "qry secret&456"}), path: "/anything?page=2&expand=attendees", wantStatus: 200,
			check: func(t *testing.T, body map[string]any) {
				for k, want := range map[string]string{"api_key": "qry secret&456", "page": "2", "expand": "attendees"} {
					if got := echoed(body, "args", k); got != want {
						t.Errorf("args %s = %q, want %q", k, got, want)
					}
				}
			},
		},
		{
			name: "custom: basic, header and query together", conn: customConn(), path: "/anything?page=1", wantStatus: 200,
			check: func(t *testing.T, body map[string]any) {
				wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:hunter2-pass"))
				if got := echoed(body, "headers", "Authorization"); got != wantAuth {
					t.Errorf("Authorization = %q, want %q", got, wantAuth)
				}
				if got := echoed(body, "headers", "X-Api-Key"); got != "hdr-secret-123" {
					t.Errorf("X-Api-Key = %q", got)
				}
				if got := echoed(body, "args", "api_key"); got != "qry-secret-456" {
					t.Errorf("api_key = %q", got)
				}
				if got := echoed(body, "args", "page"); got != "1" {
					t.Errorf("page = %q", got)
				}
			},
		},
		{name: "custom passes /basic-auth", conn: customConn(), path: "/basic-auth/admin/hunter2-pass", wantStatus: 200},
		{
			name: "none adds nothing", conn: &Live{Doc: Document{Auth: Auth{Type: AuthNone}}}, path: "/anything?page=1", wantStatus: 200,
			check: func(t *testing.T, body map[string]any) {
				if got := echoed(body, "headers", "Authorization"); got != "" {
					t.Errorf("Authorization = %q", got)
				}
				if args := body["args"].(map[string]any); len(args) != 1 {
					t.Errorf("args = %v", args)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := send(t, tt.conn, bin.URL+tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d (%v)", status, tt.wantStatus, body)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
}

func TestMaskHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		conn *Live
		want map[string]string
	}{
		{"basic", basicConn("admin", "s3cret-pass"), map[string]string{"Authorization": "Basic ****", "Accept": "application/json"}},
		{"bearer", bearerConn("tok_live_abcdef"), map[string]string{"Authorization": "Bearer ****", "Accept": "application/json"}},
		{
			"header auth",
			headerConn(map[string]string{"X-Api-Key": "hdr-secret-123", "x-tenant": "acme-prod"}),
			map[string]string{"X-Api-Key": "****", "X-Tenant": "****", "Accept": "application/json"},
		},
		{"query auth adds no header", queryConn(map[string]string{"api_key": "qry-secret-456"}), map[string]string{"Accept": "application/json"}},
		{
			"custom",
			customConn(),
			map[string]string{"Authorization": "Basic ****", "X-Api-Key": "****", "Accept": "application/json"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/v1?page=1", nil)
			req.Header.Set("Accept", "application/json")
			tt.conn.Apply(req)
			sent := req.Header.Clone()
			masked := tt.conn.MaskHeaders(req.Header)
			got := map[string]string{}
			for k := range masked {
				got[k] = masked.Get(k)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MaskHeaders = %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(req.Header, sent) {
				t.Errorf("MaskHeaders changed the request's headers: %v", req.Header)
			}
			for _, s := range tt.conn.SecretValues() {
				for k, v := range got {
					if strings.Contains(v, s) {
						t.Errorf("masked header %s=%q holds secret %q", k, v, s)
					}
				}
			}
		})
	}
}

func TestMaskURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url string
		conn      *Live
		want      string
	}{
		{"query auth", "https://api.example.com/v1/orders?page=2", queryConn(map[string]string{"api_key": "qry-secret-456"}),
			"https://api.example.com/v1/orders?api_key=%2A%2A%2A%2A&page=2"},
		{"two params", "https://api.example.com/v1", queryConn(map[string]string{"key": "k-secret-1", "token": "t-secret-2"}),
			"https://api.example.com/v1?key=%2A%2A%2A%2A&token=%2A%2A%2A%2A"},
		{"custom", "https://api.example.com/v1?page=1", customConn(), "https://api.example.com/v1?api_key=%2A%2A%2A%2A&page=1"},
		{"no params: unchanged", "https://api.example.com/v1?b=2&a=1", basicConn("admin", "s3cret-pass"), "https://api.example.com/v1?b=2&a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
			tt.conn.Apply(req)
			sent := req.URL.String()
			if got := tt.conn.MaskURL(req.URL); got != tt.want {
				t.Errorf("MaskURL = %s, want %s", got, tt.want)
			}
			if req.URL.String() != sent {
				t.Errorf("MaskURL changed the request's URL to %s", req.URL)
			}
			u, _ := url.Parse(tt.want)
			for k := range tt.conn.Secrets.Params {
				if sent := req.URL.Query().Get(k); sent != tt.conn.Secrets.Params[k] {
					t.Errorf("request sends %s=%q, want the secret", k, sent)
				}
				if u.Query().Get(k) != Masked {
					t.Errorf("masked URL has %s=%q", k, u.Query().Get(k))
				}
			}
		})
	}
}

func TestSecretValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		conn    *Live
		want    []string
		notWant []string
	}{
		{
			name: "basic sends base64 of user:password",
			conn: basicConn("admin", "s3cret-pass"),
			want: []string{"s3cret-pass", base64.StdEncoding.EncodeToString([]byte("admin:s3cret-pass"))},
		},
		{name: "bearer", conn: bearerConn("tok_live_abcdef"), want: []string{"tok_live_abcdef"}},
		{
			name: "query values, raw and escaped",
			conn: queryConn(map[string]string{"api_key": "qry secret&456"}),
			want: []string{"qry secret&456", "qry+secret%26456"},
		},
		{
			name: "custom",
			conn: customConn(),
			want: []string{"hunter2-pass", "hdr-secret-123", "qry-secret-456", base64.StdEncoding.EncodeToString([]byte("admin:hunter2-pass"))},
		},
		{
			name:    "very short values are left out",
			conn:    headerConn(map[string]string{"X-A": "abc", "X-B": "abcd"}),
			want:    []string{"abcd"},
			notWant: []string{"abc"},
		},
		{name: "none", conn: &Live{Doc: Document{Auth: Auth{Type: AuthNone}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.conn.SecretValues()
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("SecretValues() = %q, missing %q", got, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("SecretValues() = %q, holds %q", got, w)
				}
			}
			if len(tt.want) == 0 && len(got) != 0 {
				t.Errorf("SecretValues() = %q, want none", got)
			}
		})
	}
}

func TestRedactorTree(t *testing.T) {
	t.Parallel()
	basic := base64.StdEncoding.EncodeToString([]byte("admin:hunter2-pass"))
	r := NewRedactor(customConn().SecretValues())
	if !r.Active() {
		t.Fatal("redactor with secrets is not active")
	}
	in := map[string]any{
		"headers": map[string]any{
			"Authorization": []any{"Basic " + basic},
			"X-Api-Key":     []any{"hdr-secret-123"},
			"Accept":        []any{"application/json"},
		},
		"args":           map[string]any{"api_key": []any{"qry-secret-456"}},
		"url":            "https://api.example.com/v1?api_key=qry-secret-456&page=1",
		"hunter2-pass":   "a secret as a key",
		"nested":         []any{map[string]any{"deep": []any{"x hunter2-pass y", json.Number("42"), true, nil}}},
		"flat":           map[string]string{"k": "hdr-secret-123", "hdr-secret-123": "v"},
		"ordinary":       "nothing to hide",
		"number":         json.Number("10010"),
		"unrelated-pass": "hunter2",
	}
	got := r.Tree(in)
	want := map[string]any{
		"headers": map[string]any{
			"Authorization": []any{"Basic ****"},
			"X-Api-Key":     []any{"****"},
			"Accept":        []any{"application/json"},
		},
		"args":           map[string]any{"api_key": []any{"****"}},
		"url":            "https://api.example.com/v1?api_key=****&page=1",
		"****":           "a secret as a key",
		"nested":         []any{map[string]any{"deep": []any{"x **** y", json.Number("42"), true, nil}}},
		"flat":           map[string]any{"k": "****", "****": "v"},
		"ordinary":       "nothing to hide",
		"number":         json.Number("10010"),
		"unrelated-pass": "hunter2",
	}
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("Tree =\n%s", gb)
	}
	b, _ := json.Marshal(got)
	for _, s := range customConn().SecretValues() {
		if strings.Contains(string(b), s) {
			t.Errorf("redacted tree holds %q", s)
		}
	}

	if got := r.String("Authorization: Basic " + basic); got != "Authorization: Basic ****" {
		t.Errorf("String = %q", got)
	}
	if got := r.Tree("hdr-secret-123"); got != "****" {
		t.Errorf("Tree of a string = %v", got)
	}
}

func TestRedactorInactive(t *testing.T) {
	t.Parallel()
	tree := map[string]any{"a": "hunter2-pass"}
	for name, r := range map[string]*Redactor{"nil": nil, "no secrets": NewRedactor(nil), "only short secrets": NewRedactor((&Live{Secrets: Secrets{Password: "abc"}}).SecretValues())} {
		if r.Active() {
			t.Errorf("%s: Active", name)
		}
		if got := r.String("hunter2-pass"); got != "hunter2-pass" {
			t.Errorf("%s: String = %q", name, got)
		}
		if got := r.Tree(tree); !reflect.DeepEqual(got, tree) {
			t.Errorf("%s: Tree = %v", name, got)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	valid := func() Document {
		return Document{
			Name: "jira", BaseURL: "https://workato321.atlassian.net",
			Auth: Auth{Type: AuthBasic, Username: "admin", Password: "secret"},
			Test: &TestRequest{URL: "https://workato321.atlassian.net/rest/api/2/project"},
		}
	}
	tests := []struct {
		name   string
		mutate func(d *Document)
		want   []Problem
	}{
		{"the seed's JIRA connection", func(d *Document) {}, nil},
		{"no auth", func(d *Document) { d.Auth = Auth{} }, nil},
		{"bearer", func(d *Document) { d.Auth = Auth{Type: AuthBearer, Token: "t"} }, nil},
		{"header", func(d *Document) { d.Auth = Auth{Type: AuthHeader, Headers: map[string]string{"X-Api-Key": "k"}} }, nil},
		{"query", func(d *Document) { d.Auth = Auth{Type: AuthQuery, Params: map[string]string{"api_key": "k"}} }, nil},
		{"custom with params only", func(d *Document) { d.Auth = Auth{Type: AuthCustom, Params: map[string]string{"api_key": "k"}} }, nil},
		{"digest", func(d *Document) { d.Auth = Auth{Type: AuthDigest, Username: "u", Password: "p"} }, nil},
		{"http base_url", func(d *Document) { d.BaseURL = "http://localhost:8080/api" }, nil},
		{
			"unknown auth type",
			func(d *Document) { d.Auth.Type = "oauth1" },
			[]Problem{{"auth.type", `unknown auth type "oauth1" (want none, basic, header, query, custom, bearer or digest)`}},
		},
		{"digest needs a username", func(d *Document) { d.Auth = Auth{Type: AuthDigest, Password: "pw"} }, []Problem{{"auth.username", "is required for digest auth"}}},
		{
			"relative base_url",
			func(d *Document) { d.BaseURL = "/rest/api/2" },
			[]Problem{{"base_url", `"/rest/api/2" is not an absolute http(s) URL`}},
		},
		{
			"base_url without scheme",
			func(d *Document) { d.BaseURL = "workato321.atlassian.net" },
			[]Problem{{"base_url", `"workato321.atlassian.net" is not an absolute http(s) URL`}},
		},
		{
			"ftp base_url",
			func(d *Document) { d.BaseURL = "ftp://files.example.com" },
			[]Problem{{"base_url", `"ftp://files.example.com" is not an absolute http(s) URL`}},
		},
		{
			"base_url that does not parse",
			func(d *Document) { d.BaseURL = "https://exa mple.com:port" },
			[]Problem{{"base_url", `"https://exa mple.com:port" is not an absolute http(s) URL`}},
		},
		{
			"base_url without host",
			func(d *Document) { d.BaseURL = "https:///rest" },
			[]Problem{{"base_url", `"https:///rest" is not an absolute http(s) URL`}},
		},
		{"basic without username", func(d *Document) { d.Auth.Username = "" }, []Problem{{"auth.username", "is required for basic auth"}}},
		{"bearer without token", func(d *Document) { d.Auth = Auth{Type: AuthBearer} }, []Problem{{"auth.token", "is required for bearer auth"}}},
		{"header without headers", func(d *Document) { d.Auth = Auth{Type: AuthHeader} }, []Problem{{"auth.headers", "at least one header is required for header auth"}}},
		{"query without params", func(d *Document) { d.Auth = Auth{Type: AuthQuery} }, []Problem{{"auth.params", "at least one parameter is required for query auth"}}},
		{"empty custom", func(d *Document) { d.Auth = Auth{Type: AuthCustom} }, []Problem{{"auth", "custom auth needs a username, headers or params"}}},
		{
			"bad header name",
			func(d *Document) { d.Auth = Auth{Type: AuthHeader, Headers: map[string]string{"X-Api Key": "k"}} },
			[]Problem{{"auth.headers", "\"X-Api Key\" is not a valid header name: ' ' is not allowed in one (letters, digits and !#$%&'*+-.^_`|~ only)"}},
		},
		{
			"header name with a line break",
			func(d *Document) { d.Auth = Auth{Type: AuthHeader, Headers: map[string]string{"X-A\r\nX-B": "k"}} },
			[]Problem{{"auth.headers", "\"X-A\\r\\nX-B\" is not a valid header name: '\\r' is not allowed in one (letters, digits and !#$%&'*+-.^_`|~ only)"}},
		},
		{
			"Host as an auth header",
			func(d *Document) { d.Auth = Auth{Type: AuthCustom, Headers: map[string]string{"Host": "k"}} },
			[]Problem{{"auth.headers", `"Host" is set by the HTTP client from the URL and cannot be set here: put the host in the URL`}},
		},
		{
			"Content-Length as an auth header",
			func(d *Document) { d.Auth = Auth{Type: AuthHeader, Headers: map[string]string{"Content-Length": "1"}} },
			[]Problem{{"auth.headers", `"Content-Length" is a connection-level header set by the HTTP client and cannot be set here: it would not be sent`}},
		},
		{
			"header value with a line break (never quoted: it is a secret)",
			func(d *Document) {
				d.Auth = Auth{Type: AuthHeader, Headers: map[string]string{"X-Api-Key": "s3cret\r\nX-Evil: 1"}}
			},
			[]Problem{{"auth.headers.X-Api-Key", "a header value cannot hold a line break"}},
		},
		{
			"bearer token with a line break",
			func(d *Document) { d.Auth = Auth{Type: AuthBearer, Token: "tok\nX-Evil: 1"} },
			[]Problem{{"auth.token", "a header value cannot hold a line break (it is sent in the Authorization header)"}},
		},
		{
			"ftp test url",
			func(d *Document) { d.Test = &TestRequest{URL: "ftp://files.example.com/"} },
			[]Problem{{"test.url", `scheme "ftp" is not http or https`}},
		},
		{"missing name", func(d *Document) { d.Name = " " }, []Problem{{"name", "is required"}}},
		{"oauth2 without its object", func(d *Document) { d.Type = TypeHTTPOAuth2 }, []Problem{{"oauth2", "is required for type http_oauth2 (token_url, client_id, client_secret, …)"}}},
		{"unknown type", func(d *Document) { d.Type = "soap" }, []Problem{{"type", `unknown connection type "soap" (want http or http_oauth2)`}}},
		{"test without url", func(d *Document) { d.Test = &TestRequest{} }, []Problem{{"test.url", "is required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := valid()
			tt.mutate(&d)
			d.Normalize()
			if got := d.Validate(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	d := Document{Name: "  jira ", Test: &TestRequest{URL: "https://x.io"}}
	d.Normalize()
	if d.Name != "jira" || d.Type != TypeHTTP || d.Auth.Type != AuthNone || d.Test.Method != "GET" {
		t.Errorf("Normalize = %+v (test %+v)", d, *d.Test)
	}
}

func TestSplitAndKeepSecrets(t *testing.T) {
	t.Parallel()
	d := customConn().Doc
	d.Auth.Password = "hunter2-pass"
	d.Auth.Token = ""
	d.Auth.Headers = map[string]string{"X-Api-Key": "hdr-secret-123"}
	d.Auth.Params = map[string]string{"api_key": "qry-secret-456"}
	pub, sec := d.SplitSecrets()
	wantAuth := Auth{
		Type: AuthCustom, Username: "admin", Password: SetMarker,
		Headers: map[string]string{"X-Api-Key": SetMarker}, Params: map[string]string{"api_key": SetMarker},
	}
	if !reflect.DeepEqual(pub.Auth, wantAuth) {
		t.Errorf("public auth = %+v, want %+v", pub.Auth, wantAuth)
	}
	wantSec := Secrets{Password: "hunter2-pass", Headers: map[string]string{"X-Api-Key": "hdr-secret-123"}, Params: map[string]string{"api_key": "qry-secret-456"}}
	if !reflect.DeepEqual(sec, wantSec) {
		t.Errorf("secrets = %+v, want %+v", sec, wantSec)
	}
	if d.Auth.Headers["X-Api-Key"] != "hdr-secret-123" {
		t.Error("SplitSecrets changed its input's headers")
	}
	b, _ := json.Marshal(pub)
	for _, s := range []string{"hunter2-pass", "hdr-secret-123", "qry-secret-456"} {
		if strings.Contains(string(b), s) {
			t.Errorf("public document %s holds %q", b, s)
		}
	}

	// A client reads the document back, adds a header and saves.
	pub.Auth.Headers["X-Tenant"] = "acme-prod"
	_, edited := pub.SplitSecrets()
	edited.KeepSecrets(sec)
	want := Secrets{Password: "hunter2-pass", Headers: map[string]string{"X-Api-Key": "hdr-secret-123", "X-Tenant": "acme-prod"}, Params: map[string]string{"api_key": "qry-secret-456"}}
	if !reflect.DeepEqual(edited, want) {
		t.Errorf("after KeepSecrets = %+v, want %+v", edited, want)
	}
}
