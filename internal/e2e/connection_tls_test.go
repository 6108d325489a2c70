package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// clientCertPEM makes a self-signed client certificate and its key, as PEM.
func clientCertPEM(t *testing.T) (*x509.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fatalIf(t, err, "key")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "patchbay-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	fatalIf(t, err, "certificate")
	cert, err := x509.ParseCertificate(der)
	fatalIf(t, err, "parse")
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	fatalIf(t, err, "marshal key")
	return cert, certPEM(cert), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}))
}

type tlsConnView struct {
	ID  string `json:"id"`
	TLS *struct {
		CABundle           string `json:"ca_bundle"`
		InsecureSkipVerify bool   `json:"insecure_skip_verify"`
		ClientCert         string `json:"client_cert"`
		ClientKey          string `json:"client_key"`
	} `json:"tls"`
	Timeout    string    `json:"timeout"`
	Warnings   []string  `json:"warnings"`
	TestResult *connTest `json:"test_result"`
}

// runThrough runs a one-step recipe through the connection and returns the job.
func (s *server) runThrough(conn, url string) jobDoc {
	s.t.Helper()
	id := s.createRecipe(map[string]any{
		"name": "tls " + conn, "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "get", "connection": conn, "method": "GET", "url": url, "max_attempts": 1}},
	})
	var j jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", nil, &j)
	return j
}

func TestConnectionTLSOptions(t *testing.T) {
	t.Parallel()
	target := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))
	defer target.Close()
	s := startServer(t)
	save := func(name string, tlsOpts map[string]any) tlsConnView {
		doc := map[string]any{"name": name, "base_url": target.URL, "auth": map[string]any{"type": "none"},
			"test": map[string]any{"url": "/"}}
		if tlsOpts != nil {
			doc["tls"] = tlsOpts
		}
		var v tlsConnView
		s.mustCall(201, "POST", "/api/v1/connections", doc, &v)
		return v
	}

	plain := save("no-ca", nil)
	if plain.TestResult == nil || plain.TestResult.OK || plain.TestResult.Stage != "tls" {
		t.Errorf("without a CA: test_result %+v, want stage tls", plain.TestResult)
	}
	if j := s.runThrough("no-ca", "/"); j.Status != "failed" {
		t.Errorf("without a CA the job %s", j.Status)
	}

	withCA := save("with-ca", map[string]any{"ca_bundle": certPEM(target.Certificate())})
	if withCA.TestResult == nil || !withCA.TestResult.OK || len(withCA.Warnings) != 0 {
		t.Errorf("with ca_bundle: test_result %+v, warnings %v", withCA.TestResult, withCA.Warnings)
	}
	if j := s.runThrough("with-ca", "/"); j.Status != "succeeded" {
		t.Errorf("with ca_bundle the job %s: %s", j.Status, deref(j.Error))
	}

	insecure := save("insecure", map[string]any{"insecure_skip_verify": true})
	if insecure.TestResult == nil || !insecure.TestResult.OK {
		t.Errorf("insecure_skip_verify: test_result %+v", insecure.TestResult)
	}
	if insecure.TLS == nil || !insecure.TLS.InsecureSkipVerify || len(insecure.Warnings) != 1 ||
		insecure.Warnings[0] != "tls.insecure_skip_verify is on: certificates are not checked" {
		t.Errorf("insecure_skip_verify view: tls %+v warnings %v", insecure.TLS, insecure.Warnings)
	}
	var got tlsConnView
	s.mustCall(200, "GET", "/api/v1/connections/"+insecure.ID, nil, &got)
	if len(got.Warnings) != 1 {
		t.Errorf("GET warnings %v", got.Warnings)
	}

	// Updating the connection rebuilds its client: dropping the CA fails again.
	s.mustCall(200, "PUT", "/api/v1/connections/"+withCA.ID, map[string]any{"name": "with-ca", "base_url": target.URL,
		"auth": map[string]any{"type": "none"}}, nil)
	if j := s.runThrough("with-ca", "/"); j.Status != "failed" {
		t.Errorf("after dropping ca_bundle the job %s", j.Status)
	}

	// A connection timeout stands in for the step's default.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	var tv tlsConnView
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "slow", "base_url": slow.URL,
		"auth": map[string]any{"type": "none"}, "timeout": "200ms", "test": map[string]any{"url": "/"}}, &tv)
	if tv.Timeout != "200ms" || tv.TestResult == nil || tv.TestResult.OK || tv.TestResult.DurationMS > 2000 ||
		tv.TestResult.Error == nil || !strings.Contains(*tv.TestResult.Error, "200ms") {
		t.Errorf("timeout: %+v %+v", tv, tv.TestResult)
	}
	var bad map[string]any
	if code := s.call("POST", "/api/v1/connections", map[string]any{"name": "bad", "auth": map[string]any{"type": "none"},
		"timeout": "soon", "tls": map[string]any{"ca_bundle": "not pem"}}, &bad); code != 422 {
		t.Errorf("bad timeout and ca_bundle: %d %v", code, bad)
	}
}

func TestConnectionMutualTLS(t *testing.T) {
	t.Parallel()
	clientCert, certPEMText, keyPEMText := clientCertPEM(t)
	pool := x509.NewCertPool()
	pool.AddCert(clientCert)
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"cn":"` + r.TLS.PeerCertificates[0].Subject.CommonName + `"}`))
	}))
	target.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	target.StartTLS()
	defer target.Close()
	s := startServer(t)
	ca := certPEM(target.Certificate())

	var without tlsConnView
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "no-cert", "base_url": target.URL,
		"auth": map[string]any{"type": "none"}, "tls": map[string]any{"ca_bundle": ca}, "test": map[string]any{"url": "/"}}, &without)
	if without.TestResult == nil || without.TestResult.OK || without.TestResult.Stage != "tls" {
		t.Errorf("without a client certificate: %+v", without.TestResult)
	}

	var with tlsConnView
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "mtls", "base_url": target.URL,
		"auth": map[string]any{"type": "none"}, "test": map[string]any{"url": "/"},
		"tls": map[string]any{"ca_bundle": ca, "client_cert": certPEMText, "client_key": keyPEMText}}, &with)
	if with.TestResult == nil || !with.TestResult.OK {
		t.Fatalf("with a client certificate: %+v", with.TestResult)
	}
	if with.TLS == nil || with.TLS.ClientKey != "set" || with.TLS.ClientCert != certPEMText {
		t.Errorf("mtls view: %+v", with.TLS)
	}
	j := s.runThrough("mtls", "/")
	if j.Status != "succeeded" {
		t.Fatalf("mtls job %s: %s", j.Status, deref(j.Error))
	}
	// Keeping the key ("set") keeps it working.
	var kept tlsConnView
	s.mustCall(200, "PUT", "/api/v1/connections/"+with.ID, map[string]any{"name": "mtls", "base_url": target.URL,
		"auth": map[string]any{"type": "none"}, "test": map[string]any{"url": "/"},
		"tls": map[string]any{"ca_bundle": ca, "client_cert": certPEMText, "client_key": "set"}}, &kept)
	if kept.TestResult == nil || !kept.TestResult.OK {
		t.Errorf("after keeping the key: %+v", kept.TestResult)
	}
	// A key that does not match the certificate is refused, without echoing it.
	_, _, otherKey := clientCertPEM(t)
	code, raw := s.raw("POST", "/api/v1/connections", map[string]any{"name": "mismatch", "auth": map[string]any{"type": "none"},
		"tls": map[string]any{"client_cert": certPEMText, "client_key": otherKey}}, s.Token)
	if code != 422 || strings.Contains(string(raw), "PRIVATE KEY") {
		t.Errorf("mismatched key: %d %s", code, raw)
	}
	// The key never appears in any API answer.
	keyBody := strings.Split(strings.TrimSpace(keyPEMText), "\n")[1]
	for _, path := range []string{"/api/v1/connections", "/api/v1/connections/" + with.ID, "/api/v1/jobs/" + j.ID} {
		_, raw := s.raw("GET", path, nil, s.Token)
		if strings.Contains(string(raw), keyBody) || strings.Contains(string(raw), "PRIVATE KEY") {
			t.Errorf("%s holds the client key: %s", path, raw)
		}
	}
	_, raw = s.raw("POST", "/api/v1/connections/"+with.ID+"/test", nil, s.Token)
	if strings.Contains(string(raw), keyBody) {
		t.Errorf("test answer holds the client key: %s", raw)
	}
}
