package e2e

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type connTest struct {
	OK         bool    `json:"ok"`
	Status     int     `json:"status"`
	Error      *string `json:"error"`
	DurationMS int64   `json:"duration_ms"`
	Stage      string  `json:"stage"`
	Diagnosis  string  `json:"diagnosis"`
}

// testConn creates a connection whose test request is url and runs its test.
func (s *server) testConn(name, url string, auth map[string]any) connTest {
	s.t.Helper()
	if auth == nil {
		auth = map[string]any{"type": "none"}
	}
	var conn struct{ ID string }
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{
		"name": name, "auth": auth, "test": map[string]any{"method": "GET", "url": url},
	}, &conn)
	var res connTest
	s.mustCall(200, "POST", "/api/v1/connections/"+conn.ID+"/test", nil, &res)
	return res
}

// TestConnectionDiagnosis: a connection test names the stage that failed
// and says in a sentence what to check.
func TestConnectionDiagnosis(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	// A self-signed certificate the client does not trust.
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	fatalIf(t, err, "listen")
	refused := "http://" + l.Addr().String() + "/"
	l.Close()
	s := startServer(t)

	tests := []struct {
		name, url string
		auth      map[string]any
		stage     string
		status    int
		diagnosis string
	}{
		{"unknown-host", "http://nosuchhost.invalid/", nil, "dns", 0, "nosuchhost.invalid"},
		{"refused", refused, nil, "connect", 0, "could not connect"},
		{"bad-tls", tlsSrv.URL + "/", nil, "tls", 0, "certificate"},
		{"wrong-password", bin.URL + "/basic-auth/u/p", map[string]any{"type": "basic", "username": "u", "password": "wrong"}, "auth", 401, "401 Unauthorized: check the username and password"},
		{"server-error", bin.URL + "/status/500", nil, "http", 500, "500 Internal Server Error"},
		{"relative-url", "/no/base/url", nil, "request", 0, "not valid"},
		{"ok", bin.URL + "/basic-auth/u/p", map[string]any{"type": "basic", "username": "u", "password": "p"}, "", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.testConn(tc.name, tc.url, tc.auth)
			if res.Stage != tc.stage || res.Status != tc.status || res.OK != (tc.stage == "") {
				t.Fatalf("test = %+v (error %q), want stage %q status %d", res, deref(res.Error), tc.stage, tc.status)
			}
			if !strings.Contains(res.Diagnosis, tc.diagnosis) || (tc.stage == "") != (res.Diagnosis == "") {
				t.Errorf("diagnosis %q, want it to mention %q", res.Diagnosis, tc.diagnosis)
			}
			if tc.stage == "" && res.Error != nil {
				t.Errorf("success with error %q", *res.Error)
			}
		})
	}

	// On success the stage and diagnosis are omitted, not empty strings.
	var conns struct{ Connections []struct{ ID, Name string } }
	s.mustCall(200, "GET", "/api/v1/connections", nil, &conns)
	for _, c := range conns.Connections {
		if c.Name == "ok" {
			_, raw := s.raw("POST", "/api/v1/connections/"+c.ID+"/test", nil, s.Token)
			if strings.Contains(string(raw), "stage") || strings.Contains(string(raw), "diagnosis") {
				t.Errorf("successful test answered %s", raw)
			}
		}
	}
}
