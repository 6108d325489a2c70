package e2e

import (
	"strings"
	"testing"
)

// TestSaveRunsConnectionTest: saving a connection that has a test request
// runs it and answers the result beside the stored document; the
// connection is saved even when the test fails.
func TestSaveRunsConnectionTest(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	type saved struct {
		ID         string         `json:"id"`
		Auth       map[string]any `json:"auth"`
		TestResult *connTest      `json:"test_result"`
	}
	save := func(method, path string, want int, password string) saved {
		var out saved
		s.mustCall(want, method, path, map[string]any{
			"name": "bin", "base_url": bin.URL,
			"auth": map[string]any{"type": "basic", "username": "u", "password": password},
			"test": map[string]any{"url": "/basic-auth/u/p"},
		}, &out)
		return out
	}
	bad := save("POST", "/api/v1/connections", 201, "wrong")
	if bad.TestResult == nil || bad.TestResult.OK || bad.TestResult.Stage != "auth" || bad.TestResult.Status != 401 {
		t.Fatalf("wrong password: test_result = %+v", bad.TestResult)
	}
	if bad.ID == "" || bad.Auth["password"] != "set" {
		t.Fatalf("wrong password: saved %+v", bad)
	}
	s.mustCall(200, "GET", "/api/v1/connections/"+bad.ID, nil, nil)

	good := save("PUT", "/api/v1/connections/"+bad.ID, 200, "p")
	if good.TestResult == nil || !good.TestResult.OK || good.TestResult.Status != 200 || good.TestResult.Stage != "" || good.TestResult.Error != nil {
		t.Fatalf("right password: test_result = %+v", good.TestResult)
	}
	// Keeping the secret ("set") keeps the right password, and the test passes again.
	good = save("PUT", "/api/v1/connections/"+bad.ID, 200, "set")
	if good.TestResult == nil || !good.TestResult.OK {
		t.Fatalf("kept password: test_result = %+v", good.TestResult)
	}
	// A connection without a test request answers no test_result; GET never does.
	var plain map[string]any
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{"name": "plain", "auth": map[string]any{"type": "none"}}, &plain)
	if _, ok := plain["test_result"]; ok {
		t.Errorf("a connection without a test request answered test_result: %v", plain)
	}
	var got map[string]any
	s.mustCall(200, "GET", "/api/v1/connections/"+bad.ID, nil, &got)
	if _, ok := got["test_result"]; ok {
		t.Errorf("GET answered test_result: %v", got)
	}
}

// A field of the wrong JSON type is a 400 that names the field by its path
// in the document, in JSON's words, not Go's.
func TestConnectionFieldOfTheWrongType(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for body, want := range map[string][]string{
		`{"name": "x", "type": "http_oauth2", "oauth2": []}`: {"oauth2: must be an object, not an array"},
		`{"name": "x", "limits": {"max_concurrent": "2"}}`:   {"limits.max_concurrent: must be a number, not a string"},
		// go1.27's encoding/json adds the map key: auth.headers.X-Key.
		`{"name": "x", "auth": {"type": "header", "headers": {"X-Key": 12345}}}`: {"auth.headers", ": must be a string, not a number"},
	} {
		code, raw := s.raw("POST", "/api/v1/connections", body, s.Token)
		if code != 400 || strings.Contains(string(raw), "Go struct") {
			t.Errorf("%s: %d %s, want 400 saying %q", body, code, raw, want)
		}
		for _, w := range want {
			if !strings.Contains(string(raw), w) {
				t.Errorf("%s: %d %s, want 400 saying %q", body, code, raw, want)
			}
		}
	}
}
