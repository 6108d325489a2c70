package e2e

import (
	"strings"
	"testing"
)

// TestDigestAuth: a digest connection answers httpbin's challenge (MD5 and
// SHA-256); the job records "Digest ****" and never the password; a wrong
// password fails the step with the 401.
func TestDigestAuth(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	const password = "Dig3st-pw-secret"
	for name, pw := range map[string]string{"digest-right": password, "digest-wrong": "not-the-password"} {
		var conn map[string]any
		s.mustCall(201, "POST", "/api/v1/connections", map[string]any{
			"name": name, "base_url": bin.URL,
			"auth": map[string]any{"type": "digest", "username": "user", "password": pw},
			"test": map[string]any{"url": "/digest-auth/auth/user/" + password + "/SHA-256"},
		}, &conn)
		if conn["auth"].(map[string]any)["password"] != "set" {
			t.Fatalf("the API returned the password field as %v, want \"set\"", conn["auth"])
		}
		var test connTest
		s.mustCall(200, "POST", "/api/v1/connections/"+conn["id"].(string)+"/test", nil, &test)
		if wantOK := name == "digest-right"; test.OK != wantOK || (!wantOK && test.Stage != "auth") {
			t.Errorf("%s: connection test = %+v", name, test)
		}
	}
	// POST with a JSON body: the retry must send the body again (a spent
	// body would fail the retry with a Content-Length mismatch).
	for _, alg := range []string{"MD5", "SHA-256"} {
		id := s.createRecipe(map[string]any{
			"name": "digest " + alg, "trigger": map[string]any{"type": "manual"},
			"steps": []any{map[string]any{"id": "post", "connection": "digest-right", "method": "POST",
				"url":       "/digest-auth/auth/user/" + password + "/" + alg + "?q=a%20b",
				"body_type": "json", "body": map[string]any{"hello": "world"}}},
		})
		var j jobDoc
		s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", nil, &j)
		if j.Status != "succeeded" || j.Steps[0].Output.Status != 200 {
			t.Fatalf("%s: job %s, %s, step %+v", alg, j.Status, deref(j.Error), j.Steps[0])
		}
		if got := j.Steps[0].Input.Headers["Authorization"]; got != "Digest ****" {
			t.Errorf("%s: recorded Authorization = %q, want %q", alg, got, "Digest ****")
		}
		if want := bin.URL + "/digest-auth/auth/user/****/" + alg + "?q=a%20b"; j.Steps[0].Input.URL != want {
			t.Errorf("%s: recorded URL %q, want %q", alg, j.Steps[0].Input.URL, want)
		}
		_, raw := s.raw("GET", "/api/v1/jobs/"+j.ID, nil, s.Token)
		if strings.Contains(string(raw), password) || strings.Contains(string(raw), "response=") {
			t.Errorf("%s: the job JSON holds the password or the digest answer: %s", alg, raw)
		}
	}

	var j jobDoc
	id := s.createRecipe(map[string]any{
		"name": "digest wrong", "trigger": map[string]any{"type": "manual"},
		"steps": []any{map[string]any{"id": "get", "connection": "digest-wrong", "method": "GET",
			"url": "/digest-auth/auth/user/" + password + "/MD5"}},
	})
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", nil, &j)
	if j.Status != "failed" || j.Steps[0].Output == nil || j.Steps[0].Output.Status != 401 || j.Steps[0].Attempts != 1 {
		t.Fatalf("wrong password: job %s, step %+v", j.Status, j.Steps[0])
	}
	if got := j.Steps[0].Input.Headers["Authorization"]; got != "Digest ****" {
		t.Errorf("wrong password: recorded Authorization = %q", got)
	}
}
