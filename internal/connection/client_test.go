package connection

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/patchbay/patchbay/internal/httpx"
)

// The client built for TLS options keeps the guarded dialer: a private
// address is still refused; and it is built once per Live.
func TestHTTPClientKeepsGuard(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	l := New(Document{Name: "x", Type: TypeHTTP, TLS: &TLS{InsecureSkipVerify: true}}, Secrets{})

	guarded := httpx.NewClient(httpx.ClientOptions{})
	c, err := l.HTTPClient(guarded)
	if err != nil || c == guarded {
		t.Fatalf("HTTPClient = %p, %v: want a client of its own", c, err)
	}
	if again, _ := l.HTTPClient(guarded); again != c {
		t.Error("the client was built twice")
	}
	if _, err := c.Get(srv.URL); !httpx.IsForbidden(err) {
		t.Errorf("loopback through the TLS client: %v, want the address guard's refusal", err)
	}

	open := httpx.NewClient(httpx.ClientOptions{AllowPrivateNetworks: true})
	c2, err := New(l.Doc, l.Secrets).HTTPClient(open)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c2.Get(srv.URL)
	if err != nil {
		t.Fatalf("insecure_skip_verify: %v", err)
	}
	resp.Body.Close()

	plain := New(Document{Name: "p", Type: TypeHTTP}, Secrets{})
	if c, _ := plain.HTTPClient(open); c != open {
		t.Error("a connection without TLS options must share the base client")
	}
}

func TestTLSSecretSplit(t *testing.T) {
	t.Parallel()
	d := Document{Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}, TLS: &TLS{ClientCert: "CERT", ClientKey: "KEY-PEM"}}
	wantWriteOnly(t, d, "KEY-PEM", func(d Document) string { return d.TLS.ClientKey }, func(s Secrets) string { return s.ClientKey })
	if w := (&Document{TLS: &TLS{InsecureSkipVerify: true}}).Warnings(); len(w) != 1 {
		t.Errorf("warnings %v", w)
	}
}
