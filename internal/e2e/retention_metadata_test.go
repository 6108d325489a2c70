package e2e

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestStoreMetadataKeepsNoBodies: a `store: metadata` recipe's job keeps
// status, timings, attempts and errors, and nothing of the payload: the
// trigger output is null, each step's headers, bodies and query are gone,
// in the API and in the database file. The same recipe without it keeps
// everything (so the test sees the difference).
func TestStoreMetadataKeepsNoBodies(t *testing.T) {
	bin := httpbinServer(t)
	s := startServer(t)
	const secretValue = "payload-secret-7f3a"
	recipe := func(name, store string) map[string]any {
		doc := map[string]any{
			"name":    name,
			"trigger": map[string]any{"type": "webhook", "event": name, "payload_type": "json"},
			"steps": []any{
				map[string]any{"id": "send", "method": "POST", "url": bin.URL + "/anything/path?q={{trigger.value}}",
					"headers": map[string]any{"X-Value": "{{trigger.value}}"},
					"body":    map[string]any{"value": "{{trigger.value}}"}},
				map[string]any{"id": "refuse", "method": "GET", "url": bin.URL + "/status/418", "max_attempts": 1},
			},
		}
		if store != "" {
			doc["store"] = store
		}
		return doc
	}
	meta := s.createRecipe(recipe("meta", "metadata"))
	full := s.createRecipe(recipe("full", ""))
	var exported map[string]any
	s.mustCall(200, "GET", "/api/v1/recipes/"+meta, nil, &exported)
	if exported["store"] != "metadata" {
		t.Fatalf("recipe view store = %v", exported["store"])
	}
	for _, id := range []string{meta, full} {
		s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	}
	base := s.webhookBase()
	body := `{"value":"` + secretValue + `"}`
	_, metaJob := acceptWebhook(t, base+"/meta", "application/json", strings.NewReader(body))
	_, fullJob := acceptWebhook(t, base+"/full", "application/json", strings.NewReader(body))

	j := s.waitJob(metaJob)
	var raw map[string]any
	s.mustCall(200, "GET", "/api/v1/jobs/"+metaJob, nil, &raw)
	if raw["stored"] != "metadata" || raw["started_at"] == nil || raw["finished_at"] == nil {
		t.Errorf("job view: stored=%v started_at=%v finished_at=%v", raw["stored"], raw["started_at"], raw["finished_at"])
	}
	if j.Status != "failed" || j.Error == nil || !strings.Contains(*j.Error, "418") {
		t.Fatalf("job status %s error %v: want failed with the step's error kept", j.Status, deref(j.Error))
	}
	if string(j.Trigger.Output) != "null" {
		t.Errorf("trigger output = %s, want null", j.Trigger.Output)
	}
	send := j.Steps[0]
	if send.Status != "succeeded" || send.Attempts != 1 || send.Input.Method != "POST" || send.Input.URL != bin.URL+"/anything/path" {
		t.Errorf("step metadata lost: %+v", send)
	}
	if len(send.Input.Headers) != 0 || string(send.Input.Body) != "null" {
		t.Errorf("step input keeps headers %v body %s", send.Input.Headers, send.Input.Body)
	}
	if send.Output == nil || send.Output.Status != 200 || len(send.Output.Headers) != 0 || string(send.Output.Body) != "null" {
		t.Errorf("step output: %+v, want status 200 only", send.Output)
	}
	steps := raw["steps"].([]any)
	if d, ok := steps[0].(map[string]any)["duration_ms"]; !ok || d == nil {
		t.Errorf("step timing lost: %v", steps[0])
	}
	if e := j.Steps[1].Error; j.Steps[1].Status != "failed" || e == nil || !strings.Contains(*e, "418") {
		t.Errorf("failed step keeps its error: %+v", j.Steps[1])
	}
	whole, _ := json.Marshal(raw)
	if bytes.Contains(whole, []byte(secretValue)) {
		t.Errorf("the job view shows the payload's value: %s", whole)
	}

	// The database file holds the value only for the recipe that stores all.
	f := s.waitJob(fullJob)
	if n := countRows(t, s.DataDir, `SELECT COUNT(*) FROM events WHERE instr(payload, '`+secretValue+`') > 0`); n != 1 {
		t.Errorf("%d events hold the value, want 1 (the full recipe's)", n)
	}
	if n := countRows(t, s.DataDir, `SELECT COUNT(*) FROM jobs WHERE instr(steps, '`+secretValue+`') > 0`); n != 1 {
		t.Errorf("%d jobs hold the value, want 1 (the full recipe's)", n)
	}
	if !strings.Contains(string(f.Trigger.Output), secretValue) || f.Steps[0].Input.Headers["X-Value"] != secretValue {
		t.Errorf("the full recipe's job lost its data: %s %v", f.Trigger.Output, f.Steps[0].Input.Headers)
	}
}
