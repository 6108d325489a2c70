package connection

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func oauth2Doc(o *OAuth2) Document {
	d := Document{Name: "crm", Type: TypeHTTPOAuth2, OAuth2: o}
	d.Normalize()
	return d
}

func TestOAuth2ValidationNamesEachProblemByPath(t *testing.T) {
	cases := []struct {
		name string
		doc  Document
		want string // path of the expected problem
	}{
		{"oauth2 missing", oauth2Doc(nil), "oauth2"},
		{"token_url missing", oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", ClientID: "a"}), "oauth2.token_url"},
		{"token_url relative", oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", TokenURL: "/token", ClientID: "a"}), "oauth2.token_url"},
		{"authorize_url missing", oauth2Doc(&OAuth2{TokenURL: "https://p/token", ClientID: "a"}), "oauth2.authorize_url"},
		{"client_id missing", oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", TokenURL: "https://p/token"}), "oauth2.client_id"},
		{"unknown grant", oauth2Doc(&OAuth2{TokenURL: "https://p/token", ClientID: "a", Grant: "password"}), "oauth2.grant"},
		{"client credentials without secret", oauth2Doc(&OAuth2{TokenURL: "https://p/token", ClientID: "a", Grant: GrantClientCredentials}), "oauth2.client_secret"},
		{"unknown client_auth", oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", TokenURL: "https://p/token", ClientID: "a", ClientAuth: "jwt"}), "oauth2.client_auth"},
		{"scope with a space", oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", TokenURL: "https://p/token", ClientID: "a", Scopes: []string{"read write"}}), "oauth2.scopes[0]"},
		{"refresh status not an error", oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", TokenURL: "https://p/token", ClientID: "a", RefreshOnStatus: []int{200}}), "oauth2.refresh_on_status[0]"},
		{"refresh body not a regexp", oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", TokenURL: "https://p/token", ClientID: "a", RefreshOnBody: "("}), "oauth2.refresh_on_body"},
		{"basic auth beside oauth2", func() Document {
			d := oauth2Doc(&OAuth2{AuthorizeURL: "https://p/auth", TokenURL: "https://p/token", ClientID: "a"})
			d.Auth = Auth{Type: AuthBasic, Username: "u"}
			return d
		}(), "auth.type"},
		{"oauth2 on an http connection", func() Document {
			d := Document{Name: "x", Type: TypeHTTP, OAuth2: &OAuth2{}}
			d.Normalize()
			return d
		}(), "oauth2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var paths []string
			for _, p := range c.doc.Validate() {
				paths = append(paths, p.Path)
			}
			if !slices.Contains(paths, c.want) {
				t.Fatalf("problems at %v, want one at %s", paths, c.want)
			}
		})
	}
	ok := oauth2Doc(&OAuth2{AuthorizeURL: "https://p/authorize?response_type=code", TokenURL: "https://p/token", ClientID: "a",
		ClientSecret: "s", Scopes: []string{"read"}, RefreshOnStatus: []int{403}, RefreshOnBody: `token.*expired`})
	if ps := ok.Validate(); len(ps) > 0 {
		t.Fatalf("a valid document has problems: %v", ps)
	}
	if ok.OAuth2.Grant != GrantAuthorizationCode || ok.OAuth2.ClientAuth != ClientAuthBasic {
		t.Fatalf("defaults: grant %q, client_auth %q", ok.OAuth2.Grant, ok.OAuth2.ClientAuth)
	}
}

func TestOAuth2ClientSecretIsWriteOnly(t *testing.T) {
	d := oauth2Doc(&OAuth2{AuthorizeURL: "https://p/a", TokenURL: "https://p/t", ClientID: "a", ClientSecret: "s3cret-value"})
	wantWriteOnly(t, d, "s3cret-value", func(d Document) string { return d.OAuth2.ClientSecret }, func(s Secrets) string { return s.ClientSecret })
}

func TestOAuth2TokensAreMaskedAndRedacted(t *testing.T) {
	d := oauth2Doc(&OAuth2{AuthorizeURL: "https://p/a", TokenURL: "https://p/t", ClientID: "a"})
	l := New(d, Secrets{ClientSecret: "client-secret-1"})
	l.RememberTokens("access-token-1", "refresh-token-1")
	values := strings.Join(l.SecretValues(), " ")
	for _, s := range []string{"client-secret-1", "access-token-1", "refresh-token-1"} {
		if !strings.Contains(values, s) {
			t.Errorf("%s is not among the values redacted from records", s)
		}
	}
	h := http.Header{"Authorization": {"Bearer access-token-1"}}
	if got := l.MaskHeaders(h).Get("Authorization"); got != "Bearer "+Masked {
		t.Fatalf("recorded Authorization %q", got)
	}
}

func TestWantsTokenRefresh(t *testing.T) {
	l := New(oauth2Doc(&OAuth2{AuthorizeURL: "https://p/a", TokenURL: "https://p/t", ClientID: "a",
		RefreshOnStatus: []int{403}, RefreshOnBody: `"code":\s*"token_expired"`}), Secrets{})
	cases := []struct {
		status int
		body   string
		want   bool
	}{
		{401, "", true},
		{403, "", true},
		{400, `{"code": "token_expired"}`, true},
		{400, `{"code": "bad_request"}`, false},
		{200, `{}`, false},
	}
	for _, c := range cases {
		if got := l.WantsTokenRefresh(c.status, []byte(c.body)); got != c.want {
			t.Errorf("status %d body %s: %v, want %v", c.status, c.body, got, c.want)
		}
	}
	plain := New(Document{Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}}, Secrets{})
	if plain.WantsTokenRefresh(401, nil) || plain.IsOAuth2() {
		t.Fatal("a plain http connection asked for a token refresh")
	}
	var none *Live
	if none.IsOAuth2() {
		t.Fatal("nil Live is OAuth2")
	}
}
