package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// Every answer of the server is marked nosniff; every API answer also
// no-store (the workspace answer holds the webhook token).
func TestEveryAnswerIsNoSniffAndAPIAnswersNoStore(t *testing.T) {
	s := startServer(t)
	base := s.webhookBase()
	for _, tc := range []struct {
		method, url string
		auth, api   bool
	}{
		{"GET", s.URL + "/api/v1/workspace", true, true},
		{"GET", s.URL + "/api/v1/workspace", false, true},
		{"GET", s.URL + "/api/v1/recipes/nope", true, true},
		{"GET", s.URL + "/healthz", false, false},
		{"GET", s.URL + "/readyz", false, false},
		{"GET", s.URL + "/metrics", false, false},
		{"GET", s.URL + "/", false, false},
		{"GET", s.URL + "/no-such-page", false, false},
		{"POST", base + "/no-such-event", false, false},
		{"POST", s.URL + "/webhooks/rest/wrong-token/event", false, false},
	} {
		req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(`{}`))
		fatalIf(t, err, "request")
		req.Header.Set("Content-Type", "application/json")
		if tc.auth {
			req.Header.Set("Authorization", "Bearer "+s.Token)
		}
		resp, err := http.DefaultClient.Do(req)
		fatalIf(t, err, "%s %s", tc.method, tc.url)
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q, want nosniff", tc.method, tc.url, resp.StatusCode, got)
		}
		if got := resp.Header.Get("Cache-Control"); tc.api && got != "no-store" {
			t.Errorf("%s %s (%d): Cache-Control %q, want no-store", tc.method, tc.url, resp.StatusCode, got)
		}
	}
}
