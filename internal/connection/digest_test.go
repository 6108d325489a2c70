package connection

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

func digestLive(user, password string) *Live {
	return &Live{Doc: Document{Name: "d", Type: TypeHTTP, Auth: Auth{Type: AuthDigest, Username: user}}, Secrets: Secrets{Password: password}}
}

// The examples of RFC 7616 section 3.9.1, and RFC 2069's (no qop; its
// printed response has a known erratum, f8606 for f9606).
func TestDigestRFCExamples(t *testing.T) {
	t.Parallel()
	l := digestLive("Mufasa", "Circle of Life")
	const cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	for alg, want := range map[string]string{
		"MD5":     "8ca523f5e9506fed4657c9700eebdbec",
		"SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
	} {
		ch := `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=` + alg +
			`, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
		got, err := l.digestAuthorization("GET", "/dir/index.html", []string{`Basic realm="x"`, ch}, cnonce)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		for _, part := range []string{`username="Mufasa"`, `realm="http-auth@example.org"`, `uri="/dir/index.html"`, "algorithm=" + alg,
			"qop=auth,", "nc=00000001", `cnonce="` + cnonce + `"`, `response="` + want + `"`, `opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`} {
			if !strings.Contains(got, part) {
				t.Errorf("%s: %s lacks %s", alg, got, part)
			}
		}
	}
	legacy := digestLive("Mufasa", "CircleOfLife")
	got, err := legacy.digestAuthorization("GET", "/dir/index.html",
		[]string{`Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`}, "x")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `response="1949323746fe6a43ef61f9606e7febea"`) || strings.Contains(got, "qop") || strings.Contains(got, "cnonce") {
		t.Errorf("legacy answer %s", got)
	}
}

func TestDigestChallengeErrors(t *testing.T) {
	t.Parallel()
	l := digestLive("u", "p")
	for ch, want := range map[string]string{
		`Basic realm="x"`:  "no Digest challenge",
		`Digest realm="x"`: "no nonce",
		`Digest realm="x", nonce=n, algorithm=SHA-512-256`: "not supported",
		`Digest realm="x", nonce=n, qop="auth-int"`:        "not supported",
	} {
		if _, err := l.DigestAuthorization("GET", "/", []string{ch}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", ch, err, want)
		}
	}
}

// Against go-httpbin: the right password is let in, a wrong one is not.
func TestDigestHTTPBin(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	for _, alg := range []string{"MD5", "SHA-256"} {
		for pw, want := range map[string]int{"passwd": 200, "wrong": 401} {
			path := "/digest-auth/auth/user/passwd/" + alg + "?x=a%20b"
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Fatalf("%s: first answer %d", alg, resp.StatusCode)
			}
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			authz, err := digestLive("user", pw).DigestAuthorization("GET", req.URL.RequestURI(), resp.Header.Values("WWW-Authenticate"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", authz)
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%s password %s: %d, want %d", alg, pw, resp.StatusCode, want)
			}
		}
	}
}

func TestDigestMasked(t *testing.T) {
	t.Parallel()
	l := digestLive("user", "passwd")
	h := http.Header{}
	h.Set("Authorization", `Digest username="user", response="abc"`)
	if got := l.MaskHeaders(h).Get("Authorization"); got != "Digest ****" {
		t.Errorf("masked Authorization = %q", got)
	}
	found := false
	for _, s := range l.SecretValues() {
		found = found || s == "passwd"
	}
	if !found {
		t.Error("SecretValues lacks the password")
	}
}
