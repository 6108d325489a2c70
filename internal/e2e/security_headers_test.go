package e2e

import (
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
		h := map[string]string{}
		if tc.auth {
			h["Authorization"] = "Bearer " + s.Token
		}
		resp := whSend(t, whRequest{method: tc.method, url: tc.url, contentType: "application/json", body: `{}`, header: h})
		if got := resp.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q, want nosniff", tc.method, tc.url, resp.status, got)
		}
		if got := resp.header.Get("Cache-Control"); tc.api && got != "no-store" {
			t.Errorf("%s %s (%d): Cache-Control %q, want no-store", tc.method, tc.url, resp.status, got)
		}
	}
}
