package e2e

import (
	"encoding/json"
	"fmt"
	"github.com/patchbay/patchbay/internal/config"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type exampleView struct {
	Trigger struct {
		PayloadExample string `json:"payload_example"`
		Verify         *struct {
			Secret string `json:"secret"`
		} `json:"verify"`
	} `json:"trigger"`
	Steps []struct {
		ID              string `json:"id"`
		ResponseExample string `json:"response_example"`
	} `json:"steps"`
	Datatree datatree `json:"datatree"`
}

func hasPath(fs []treeField, path string) bool {
	for _, f := range fs {
		if f.Path == path || hasPath(f.Fields, path) {
			return true
		}
	}
	return false
}

// A job's trigger output and a step's output body become the recipe's
// examples, and the datatree follows.
func TestExampleFromJob(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	hb := httpbinServer(t)
	doc := map[string]any{
		"name": "example from job",
		"trigger": map[string]any{"type": "webhook", "event": "efj", "payload_type": "json",
			"verify": map[string]any{"scheme": "header", "header": "X-Token", "secret": "s3cret-token"}},
		"steps": []any{
			map[string]any{"id": "get_json", "method": "GET", "url": hb.URL + "/json", "response_type": "json"},
			map[string]any{"id": "get_raw", "method": "GET", "url": hb.URL + "/robots.txt", "response_type": "raw"},
		},
	}
	id := s.createRecipe(doc)
	var j jobDoc
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/test",
		map[string]any{"payload": map[string]any{"order": map[string]any{"id": 42, "email": "a@example.com"}, "api_url": "https://x.test/o/42"}}, &j)
	if j.Status != "succeeded" {
		t.Fatalf("test job %s: %s", j.Status, strings.Join(func() []string {
			if j.Error != nil {
				return []string{*j.Error}
			}
			return nil
		}(), ""))
	}
	path := "/api/v1/recipes/" + id + "/example-from-job"

	var v exampleView
	s.mustCall(200, "POST", path, map[string]any{"job_id": j.ID, "step": ""}, &v)
	for _, p := range []string{"order.id", "order.email", "api_url"} {
		if !hasPath(v.Datatree.Trigger, p) {
			t.Errorf("trigger datatree lacks %s: %+v", p, v.Datatree.Trigger)
		}
	}
	if !strings.Contains(v.Trigger.PayloadExample, "\n  ") {
		t.Errorf("payload_example is not pretty JSON: %q", v.Trigger.PayloadExample)
	}
	if v.Trigger.Verify == nil || v.Trigger.Verify.Secret != "set" {
		t.Errorf("verify secret not kept: %+v", v.Trigger.Verify)
	}

	s.mustCall(200, "POST", path, map[string]any{"job_id": j.ID, "step": "get_json"}, &v)
	if !hasPath(v.Datatree.Steps["get_json"], "body.slideshow.title") {
		t.Errorf("step datatree lacks body.slideshow.title: %+v", v.Datatree.Steps["get_json"])
	}
	if !strings.Contains(v.Steps[0].ResponseExample, "slideshow") {
		t.Errorf("response_example = %q", v.Steps[0].ResponseExample)
	}
	// The trigger example set before is still there.
	if !hasPath(v.Datatree.Trigger, "order.email") {
		t.Errorf("trigger datatree lost by the step update")
	}

	// The secret was kept: a webhook with the right header still passes.
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	req, err := http.NewRequest("POST", s.webhookBase()+"/efj", strings.NewReader(`{"a":1}`))
	fatalIf(t, err, "request")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Token", "s3cret-token")
	resp, err := http.DefaultClient.Do(req)
	fatalIf(t, err, "post webhook")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("webhook after example-from-job = %d, want 200 (secret kept)", resp.StatusCode)
	}

	// A step that never produced output: its pill names nothing.
	broken := s.createRecipe(map[string]any{"name": "broken", "trigger": map[string]any{"type": "webhook", "event": "efj2", "payload_type": "json"},
		"steps": []any{map[string]any{"id": "s1", "method": "GET", "url": hb.URL + "/get?x={{trigger.missing}}", "max_attempts": 1}}})
	var bj jobDoc
	s.call("POST", "/api/v1/recipes/"+broken+"/test", map[string]any{"payload": map[string]any{"a": 1}}, &bj)
	if bj.ID == "" {
		t.Fatalf("test job of broken recipe not created")
	}
	bj = s.waitJob(bj.ID)
	st, raw := s.raw("POST", "/api/v1/recipes/"+broken+"/example-from-job", map[string]any{"job_id": bj.ID, "step": "s1"}, s.Token)
	if st != 422 || !strings.Contains(string(raw), "has no output") {
		t.Errorf("step without output = %d %s, want 422 has no output", st, raw)
	}

	other := s.createRecipe(map[string]any{"name": "other", "trigger": map[string]any{"type": "manual"}, "steps": []any{}})
	for _, c := range []struct {
		recipe string
		body   map[string]any
		status int
		want   string
	}{
		{id, map[string]any{"job_id": "00000000-0000-0000-0000-000000000000"}, 404, "not found"},
		{other, map[string]any{"job_id": j.ID}, 422, "belongs to recipe"},
		{id, map[string]any{"job_id": j.ID, "step": "nope"}, 422, `no step \"nope\"`},
		{id, map[string]any{"job_id": j.ID, "step": "get_raw"}, 422, "only json and xml"},
	} {
		st, raw := s.raw("POST", "/api/v1/recipes/"+c.recipe+"/example-from-job", c.body, s.Token)
		if st != c.status || !strings.Contains(string(raw), c.want) {
			t.Errorf("%v = %d %s, want %d mentioning %q", c.body, st, raw, c.status, c.want)
		}
	}
}

// A step's output body the job recorded as a blob (over the recorded-body
// limit) still becomes the step's response example.
func TestExampleFromJobReadsABodyKeptAsABlob(t *testing.T) {
	t.Parallel()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"slideshow": {"title": "Sample"}, "pad": %q}`, strings.Repeat("x", 4096))
	}))
	defer big.Close()
	s := startServer(t, func(c *config.Config) { c.MaxRecordedBodyBytes = 1024 })
	id := s.startRecipe(map[string]any{"name": "big example",
		"trigger": map[string]any{"type": "webhook", "event": "big-example", "payload_type": "json"},
		"steps":   []any{map[string]any{"id": "get", "method": "GET", "url": big.URL, "response_type": "json"}}})
	_, jobID := acceptWebhook(t, s.webhookBase()+"/big-example", "application/json", strings.NewReader(`{}`))
	if j := s.waitJob(jobID); j.Status != "succeeded" {
		t.Fatalf("job %s", j.Status)
	}
	var raw json.RawMessage
	s.mustCall(200, "GET", "/api/v1/jobs/"+jobID, nil, &raw)
	if !strings.Contains(string(raw), `"body_blob"`) {
		t.Fatalf("the step's body was kept inline, the test needs a blob: %s", raw)
	}
	var v struct {
		Steps []struct {
			ResponseExample string `json:"response_example"`
		} `json:"steps"`
	}
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/example-from-job", map[string]any{"job_id": jobID, "step": "get"}, &v)
	if len(v.Steps) != 1 || !strings.Contains(v.Steps[0].ResponseExample, "slideshow") {
		t.Fatalf("response example from a blob body: %+v", v.Steps)
	}
}
