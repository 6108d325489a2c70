package e2e

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// eventbriteRecipe is the seed's Eventbrite walkthrough: a webhook with the
// order's API URL, and a step that GETs it.
func eventbriteRecipe(apiBase string) map[string]any {
	return map[string]any{
		"name": "Eventbrite new order -> get order details",
		"trigger": map[string]any{
			"type":         "webhook",
			"event":        "order",
			"payload_type": "json",
			"payload_example": `{"config": {"action": "order.placed", "user_id": "144138753572", "webhook_id": "287968"},
  "api_url": "` + apiBase + `/anything/v3/orders/579759447/"}`,
		},
		"steps": []any{map[string]any{
			"id": "get_order", "name": "Get order details", "action": "http_request",
			"method": "GET", "url": "{{trigger.api_url}}",
			"query":            map[string]any{"expand": "attendees"},
			"headers":          map[string]any{"Accept": "application/json"},
			"response_type":    "json",
			"response_example": `{"id": "579759447", "email": "a@example.com", "status": "placed"}`,
		}},
	}
}

func TestEventbriteFlow(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	id := s.createRecipe(eventbriteRecipe(bin.URL))

	// The datatree comes from the examples.
	var rec struct {
		State      string   `json:"state"`
		WebhookURL string   `json:"webhook_url"`
		Datatree   datatree `json:"datatree"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id, nil, &rec)
	if rec.State != "stopped" {
		t.Errorf("a new recipe is %q, want stopped", rec.State)
	}
	if len(rec.Datatree.Trigger) != 2 || rec.Datatree.Trigger[0].Path != "config" || rec.Datatree.Trigger[1].Path != "api_url" {
		t.Fatalf("trigger datatree = %+v, want config then api_url", rec.Datatree.Trigger)
	}
	if f := rec.Datatree.Trigger[0].Fields[0]; f.Path != "config.action" || f.Type != "string" || f.Sample != "order.placed" {
		t.Errorf("first config field = %+v", f)
	}
	body := rec.Datatree.Steps["get_order"]
	if len(body) != 3 || body[2].Path != "body" || len(body[2].Fields) != 3 || body[2].Fields[1].Path != "body.email" {
		t.Errorf("step datatree = %+v, want status, headers, body{id,email,status}", body)
	}

	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, &rec)
	if rec.State != "started" {
		t.Fatalf("after start, state = %q", rec.State)
	}
	hook := s.webhookBase() + "/order"
	if rec.WebhookURL != hook {
		t.Errorf("recipe webhook_url = %q, workspace gives %q", rec.WebhookURL, hook)
	}

	apiURL := bin.URL + "/anything/v3/orders/579759447/"
	payload := `{"config": {"action": "order.placed", "user_id": "144138753572", "webhook_id": "287968"}, "api_url": "` + apiURL + `", "big": 9007199254740993}`
	eventID, jobID := acceptWebhook(t, hook, "application/json", strings.NewReader(payload))

	j := s.waitJob(jobID)
	if j.Status != "succeeded" {
		t.Fatalf("job %s: %s", j.Status, deref(j.Error))
	}
	if j.EventID != eventID {
		t.Errorf("job event = %s, webhook answered event %s", j.EventID, eventID)
	}
	if !jsonEqual(t, j.Trigger.Output, []byte(payload)) {
		t.Errorf("trigger output = %s, want the payload %s", j.Trigger.Output, payload)
	}
	if !bytes.Contains(j.Trigger.Output, []byte("9007199254740993")) {
		t.Errorf("a 64-bit number did not survive exactly: %s", j.Trigger.Output)
	}
	st := j.Steps[0]
	if st.Input.URL != apiURL+"?expand=attendees" {
		t.Errorf("step input URL = %q, want %q", st.Input.URL, apiURL+"?expand=attendees")
	}
	if st.Input.Method != "GET" || st.Output == nil || st.Output.Status != 200 || st.Attempts != 1 {
		t.Fatalf("step = %+v", st)
	}
	var echoed struct {
		URL     string              `json:"url"`
		Headers map[string][]string `json:"headers"`
	}
	fatalIf(t, json.Unmarshal(st.Output.Body, &echoed), "decode step output body")
	if !strings.HasSuffix(echoed.URL, "/anything/v3/orders/579759447/?expand=attendees") {
		t.Errorf("httpbin saw URL %q", echoed.URL)
	}
	if got := echoed.Headers["Accept"]; len(got) != 1 || got[0] != "application/json" {
		t.Errorf("httpbin saw Accept %v", got)
	}

	// Rerun: a second job from the same cached trigger output.
	var rerun jobDoc
	s.mustCall(201, "POST", "/api/v1/jobs/"+j.ID+"/rerun", nil, &rerun)
	if rerun.ID == j.ID || rerun.EventID != j.EventID {
		t.Fatalf("rerun job %s event %s; original %s event %s", rerun.ID, rerun.EventID, j.ID, j.EventID)
	}
	rj := s.waitJob(rerun.ID)
	if rj.Status != "succeeded" || !jsonEqual(t, rj.Trigger.Output, j.Trigger.Output) {
		t.Errorf("rerun: %s, trigger %s", rj.Status, rj.Trigger.Output)
	}

	// Test: a job from the payload example, answered when it has finished.
	var tj jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test", nil, &tj)
	if tj.Status != "succeeded" {
		t.Fatalf("test job: %s %s", tj.Status, deref(tj.Error))
	}
	var ex struct {
		APIURL string `json:"api_url"`
	}
	json.Unmarshal(tj.Trigger.Output, &ex)
	if ex.APIURL != apiURL || tj.Steps[0].Input.URL != apiURL+"?expand=attendees" {
		t.Errorf("test job trigger %s, step URL %s", tj.Trigger.Output, tj.Steps[0].Input.URL)
	}

	// The job list: newest first, with a status filter and cursor pages.
	var page struct {
		Jobs []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"jobs"`
		NextCursor *string `json:"next_cursor"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id+"/jobs?limit=2&status=succeeded", nil, &page)
	if len(page.Jobs) != 2 || page.Jobs[0].ID != tj.ID || page.Jobs[1].ID != rerun.ID || page.NextCursor == nil {
		t.Fatalf("first page = %+v", page)
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id+"/jobs?limit=2&cursor="+*page.NextCursor, nil, &page)
	if len(page.Jobs) != 1 || page.Jobs[0].ID != j.ID || page.NextCursor != nil {
		t.Fatalf("second page = %+v", page)
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id+"/jobs?status=failed", nil, &page)
	if len(page.Jobs) != 0 {
		t.Errorf("failed jobs = %+v, want none", page.Jobs)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonEqual compares two JSON documents by value, numbers exactly.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	norm := func(x []byte) string {
		var v any
		dec := json.NewDecoder(bytes.NewReader(x))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("decode %s: %v", x, err)
		}
		out, _ := json.Marshal(v)
		return string(out)
	}
	return norm(a) == norm(b)
}
