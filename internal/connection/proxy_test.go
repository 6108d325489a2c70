package connection

import (
	"net/http"
	"strings"
	"testing"
)

func TestProxyValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		proxy Proxy
		path  string // "" when valid
		want  string
	}{
		{"http", Proxy{URL: "http://proxy.example:3128"}, "", ""},
		{"socks5 with credentials", Proxy{URL: "socks5://127.0.0.1:1080", Username: "u", Password: "p"}, "", ""},
		{"trailing slash", Proxy{URL: "http://proxy.example:3128/"}, "", ""},
		{"missing url", Proxy{Username: "u"}, "proxy.url", "is required"},
		{"https scheme", Proxy{URL: "https://proxy.example:443"}, "proxy.url", `scheme "https" is not supported`},
		{"no scheme", Proxy{URL: "proxy.example:3128"}, "proxy.url", "is not supported"},
		{"no host", Proxy{URL: "http://:3128"}, "proxy.url", "has no host"},
		{"path", Proxy{URL: "http://proxy.example:3128/x?y=1"}, "proxy.url", "only scheme, host and port"},
		{"password without username", Proxy{URL: "http://proxy.example:3128", Password: "p"}, "proxy.username", "is required with proxy.password"},
		{"colon in http username", Proxy{URL: "http://proxy.example:3128", Username: "a:b"}, "proxy.username", `must not contain ":"`},
		{"long socks password", Proxy{URL: "socks5://proxy.example:1080", Username: "u", Password: strings.Repeat("x", 256)}, "proxy.password", "255 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.proxy
			wantOneProblem(t, Document{Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}, Proxy: &p}, tt.path, tt.want)
		})
	}
}

// A password pasted into proxy.url is refused without repeating it.
func TestProxyValidationNeverEchoesCredentials(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"http://u:hunter2secret@proxy.example:3128", "http://u:hunter2secret@proxy.example:3128/path", "ftp://u:hunter2secret@x"} {
		d := Document{Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}, Proxy: &Proxy{URL: raw}}
		ps := d.Validate()
		if len(ps) == 0 {
			t.Errorf("%s: accepted", raw)
		}
		for _, p := range ps {
			if strings.Contains(p.Error(), "hunter2secret") {
				t.Errorf("%s: problem %q repeats the password", raw, p.Error())
			}
		}
	}
}

func TestProxySecretSplit(t *testing.T) {
	t.Parallel()
	d := Document{Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}, Proxy: &Proxy{URL: "http://p:1", Username: "u", Password: "pw-secret"}}
	wantWriteOnly(t, d, "pw-secret", func(d Document) string { return d.Proxy.Password }, func(s Secrets) string { return s.ProxyPassword })
}

// The password is redacted in every form it may travel in, the proxy
// URL's userinfo (as url.URL.String prints it) included.
func TestProxyPasswordRedacted(t *testing.T) {
	t.Parallel()
	const pw = "s3cret/p@ss word"
	l := New(Document{Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}, Proxy: &Proxy{URL: "http://proxy.example:3128", Username: "user", Password: SetMarker}},
		Secrets{ProxyPassword: pw})
	u, err := l.proxyURL()
	if err != nil || u == nil {
		t.Fatalf("proxyURL: %v %v", u, err)
	}
	req, _ := http.NewRequest("GET", "http://target.example/", nil)
	req.SetBasicAuth("user", pw)
	r := NewRedactor(l.SecretValues())
	for _, s := range []string{u.String(), pw, req.Header.Get("Authorization")} {
		if got := r.String(s); strings.Contains(got, "s3cret") || strings.Contains(got, basicCredentials("user", pw)) {
			t.Errorf("redacted %q is %q", s, got)
		}
	}
	if u.Host != "proxy.example:3128" || u.User.Username() != "user" {
		t.Errorf("proxy URL host %q user %q", u.Host, u.User.Username())
	}
}
