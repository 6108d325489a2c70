package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJiraCreateProject is the seed's JIRA walkthrough: a basic-auth
// connection and a POST whose JSON body is built from pills, against
// go-httpbin (which echoes what it received, credentials included — the
// harshest case for keeping secrets out of the job).
func TestJiraCreateProject(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	const password = "s3cret-Jira-pw!"
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + password))

	var conn map[string]any
	s.mustCall(201, "POST", "/api/v1/connections", map[string]any{
		"name": "jira", "type": "http", "base_url": bin.URL,
		"auth": map[string]any{"type": "basic", "username": "admin", "password": password},
		"test": map[string]any{"method": "GET", "url": "/anything/rest/api/2/project"},
	}, &conn)
	if conn["auth"].(map[string]any)["password"] != "set" {
		t.Fatalf("the API returned the password field as %v, want \"set\"", conn["auth"])
	}
	connID := conn["id"].(string)

	var test struct {
		OK     bool    `json:"ok"`
		Status int     `json:"status"`
		Error  *string `json:"error"`
	}
	s.mustCall(200, "POST", "/api/v1/connections/"+connID+"/test", nil, &test)
	if !test.OK || test.Status != 200 {
		t.Fatalf("connection test = %+v, %s", test, deref(test.Error))
	}

	id := s.createRecipe(map[string]any{
		"name":    "JIRA create project",
		"trigger": map[string]any{"type": "manual", "payload_example": `{"key": "EX", "name": "Example", "lead_count": 3, "private": false}`},
		"steps": []any{map[string]any{
			"id": "create_project", "name": "Create project", "action": "http_request", "connection": "jira",
			"method": "POST", "url": "/anything/rest/api/2/project",
			"body_type": "json",
			"body": map[string]any{
				"key": "{{trigger.key}}", "name": "{{trigger.name}}", "projectTypeKey": "business",
				"description": "Project {{trigger.name}} ({{trigger.key}})",
				"lead":        "admin", "assigneeType": "PROJECT_LEAD",
				"leadCount": "{{trigger.lead_count}}", "private": "{{trigger.private}}",
				"upperKey": "{{ lower(trigger.key) + \"-\" + upper(trigger.name) }}",
			},
			"response_type":    "json",
			"response_example": `{"self": "http://example/jira/rest/api/2/project/10042", "id": 10010, "key": "EX"}`,
		}},
	})

	var j jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", map[string]any{"payload": map[string]any{"key": "PPP", "name": "Patchbay", "lead_count": 3, "private": false}}, &j)
	if j.Status != "succeeded" {
		t.Fatalf("job %s: %s", j.Status, deref(j.Error))
	}
	st := j.Steps[0]
	if got := st.Input.Headers["Authorization"]; got != "Basic ****" {
		t.Errorf("recorded Authorization = %q, want %q", got, "Basic ****")
	}
	if st.Input.URL != bin.URL+"/anything/rest/api/2/project" {
		t.Errorf("relative URL resolved to %q", st.Input.URL)
	}
	var sent map[string]any
	dec := json.NewDecoder(bytes.NewReader(st.Input.Body))
	dec.UseNumber()
	fatalIf(t, dec.Decode(&sent), "decode input body")
	if sent["leadCount"] != json.Number("3") || sent["private"] != false || sent["key"] != "PPP" {
		t.Errorf("typed pills: leadCount=%#v private=%#v key=%#v", sent["leadCount"], sent["private"], sent["key"])
	}
	if sent["description"] != "Project Patchbay (PPP)" || sent["upperKey"] != "ppp-PATCHBAY" {
		t.Errorf("text pills and formulas: description=%v upperKey=%v", sent["description"], sent["upperKey"])
	}
	// What httpbin received: the body as sent, and real credentials.
	var echoed struct {
		JSON    map[string]any      `json:"json"`
		Headers map[string][]string `json:"headers"`
	}
	fatalIf(t, json.Unmarshal(st.Output.Body, &echoed), "decode echoed body")
	if echoed.JSON["leadCount"] != float64(3) {
		t.Errorf("httpbin received leadCount %#v, want the number 3", echoed.JSON["leadCount"])
	}
	if got := echoed.Headers["Authorization"]; len(got) != 1 || got[0] != "Basic ****" {
		t.Errorf("httpbin echoed Authorization %v; the job must keep it masked", got)
	}

	// The password and its base64 appear nowhere: not in the job, not in
	// any API answer, not in the logs, not in the database file.
	var everything bytes.Buffer
	for _, path := range []string{"/api/v1/jobs/" + j.ID, "/api/v1/connections", "/api/v1/connections/" + connID, "/api/v1/recipes", "/api/v1/recipes/" + id, "/api/v1/recipes/" + id + "/jobs"} {
		_, raw := s.raw("GET", path, nil, s.Token)
		everything.Write(raw)
	}
	everything.WriteString(s.logs.String())
	for _, name := range []string{"patchbay.db", "patchbay.db-wal"} {
		b, err := os.ReadFile(filepath.Join(s.DataDir, name))
		if err == nil {
			everything.Write(b)
		}
	}
	for _, secret := range []string{password, basic} {
		if strings.Contains(everything.String(), secret) {
			i := strings.Index(everything.String(), secret)
			t.Errorf("secret %q found in API answers, logs or the database: …%q", secret, everything.String()[max(0, i-200):i])
		}
	}
}

// TestBasicAuth: httpbin's /basic-auth accepts the connection's
// credentials, and a 401 from a wrong password fails the step with the
// response kept in the job.
func TestBasicAuth(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	for name, pw := range map[string]string{"right": "right-password", "wrong": "wrong-password"} {
		s.mustCall(201, "POST", "/api/v1/connections", map[string]any{
			"name": name, "auth": map[string]any{"type": "basic", "username": "admin", "password": pw},
		}, nil)
	}
	recipe := func(conn string) string {
		return s.createRecipe(map[string]any{
			"name": "auth " + conn, "trigger": map[string]any{"type": "manual"},
			"steps": []any{map[string]any{"id": "get", "connection": conn, "method": "GET", "url": bin.URL + "/basic-auth/admin/right-password"}},
		})
	}
	var ok jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+recipe("right")+"/test", nil, &ok)
	if ok.Status != "succeeded" || ok.Steps[0].Output.Status != 200 {
		t.Fatalf("right password: job %s, %s", ok.Status, deref(ok.Error))
	}
	var j jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+recipe("wrong")+"/test", nil, &j)
	if j.Status != "failed" || j.Steps[0].Output == nil || j.Steps[0].Output.Status != 401 || j.Steps[0].Attempts != 1 {
		t.Fatalf("job = %s, step %+v", j.Status, j.Steps[0])
	}
	if !strings.Contains(deref(j.Error), "HTTP 401") {
		t.Errorf("job error %q does not say HTTP 401", deref(j.Error))
	}
}
