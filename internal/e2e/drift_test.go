package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestDriftNewFields: real payloads with fields the datatree lacks leave a
// warning on the job and a drift summary on the recipe.
func TestDriftNewFields(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	id := s.startRecipe(map[string]any{
		"name": "drift",
		"trigger": map[string]any{
			"type": "webhook", "event": "drift", "payload_type": "json",
			"payload_example": `{"order": {"id": "1"}, "api_url": "https://example.com/x"}`,
		},
		"steps": []any{map[string]any{
			"id": "echo", "name": "Echo", "action": "http_request",
			"method": "GET", "url": "{{trigger.api_url}}", "response_type": "json",
		}},
	})
	hook := s.webhookBase() + "/drift"
	apiURL := bin.URL + "/anything/order"

	post := func(payload string) string {
		t.Helper()
		_, jobID := acceptWebhook(t, hook, "application/json", strings.NewReader(payload))
		if j := s.waitJob(jobID); j.Status != "succeeded" {
			t.Fatalf("job %s: %s", j.Status, deref(j.Error))
		}
		return jobID
	}
	type warning struct {
		Where     string   `json:"where"`
		Message   string   `json:"message"`
		NewFields []string `json:"new_fields"`
	}
	warningsOf := func(jobID string) []warning {
		t.Helper()
		var j struct {
			Warnings *[]warning `json:"warnings"`
		}
		s.mustCall(200, "GET", "/api/v1/jobs/"+jobID, nil, &j)
		if j.Warnings == nil {
			t.Fatalf("job %s has no warnings field", jobID)
		}
		return *j.Warnings
	}
	type drift struct {
		NewFieldsSeen int      `json:"new_fields_seen"`
		Fields        []string `json:"fields"`
		LastJobID     *string  `json:"last_job_id"`
		Fix           string   `json:"fix"`
	}
	driftOf := func() drift {
		t.Helper()
		var rec struct {
			Drift *drift `json:"drift"`
		}
		s.mustCall(200, "GET", "/api/v1/recipes/"+id, nil, &rec)
		if rec.Drift == nil {
			t.Fatal("recipe view has no drift")
		}
		return *rec.Drift
	}

	if d := driftOf(); d.NewFieldsSeen != 0 || len(d.Fields) != 0 || d.LastJobID != nil || d.Fix != "" {
		t.Errorf("drift before any job = %+v", d)
	}

	drifted := post(`{"order": {"id": "2", "total": 12.5}, "api_url": "` + apiURL + `", "source": "pos"}`)
	ws := warningsOf(drifted)
	if len(ws) != 1 || ws[0].Where != "trigger" || ws[0].Message != "2 fields not in the datatree" ||
		!slices.Equal(ws[0].NewFields, []string{"order.total", "source"}) {
		t.Fatalf("warnings = %+v, want trigger: order.total, source", ws)
	}

	d := driftOf()
	if d.NewFieldsSeen != 2 || !slices.Equal(d.Fields, []string{"trigger.order.total", "trigger.source"}) ||
		d.LastJobID == nil || *d.LastJobID != drifted {
		t.Fatalf("drift = %+v, want 2 fields from job %s", d, drifted)
	}
	if want := `POST /api/v1/recipes/` + id + `/example-from-job {"job_id": "` + drifted + `"}`; d.Fix != want {
		t.Errorf("drift fix = %q, want %q", d.Fix, want)
	}

	clean := post(`{"order": {"id": "3"}, "api_url": "` + apiURL + `"}`)
	if ws := warningsOf(clean); len(ws) != 0 {
		t.Errorf("a payload matching the example gave warnings %+v", ws)
	}
	if d := driftOf(); d.NewFieldsSeen != 2 || d.LastJobID == nil || *d.LastJobID != drifted {
		t.Errorf("drift after a clean job = %+v, want still 2 from %s", d, drifted)
	}
}
