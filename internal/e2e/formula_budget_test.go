package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHostileFormulasFailTheirStep is defect 5 of issue 10: a job doubling
// a string reached 2.1 GB, and nested reduce over split ran 17 s under a
// 1 s timeout. Each job below ends failed, its step's error names the pill
// and the budget, the target is never called, and the server stays up.
func TestHostileFormulasFailTheirStep(t *testing.T) {
	s := startServer(t)
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(target.Close)

	formulas := map[string]string{
		"doubling": `{{ reduce(1..64, #acc + #acc, trigger.seed) }}`,
		"nested":   `{{ reduce(split(trigger.text, ","), reduce(split(trigger.text, ","), #acc + 1, 0), 0) }}`,
	}
	base := s.webhookBase()
	for event, formula := range formulas {
		t.Run(event, func(t *testing.T) {
			s.startRecipe(map[string]any{
				"name": "Formula budget " + event,
				"trigger": map[string]any{"type": "webhook", "event": "fb-" + event,
					"payload_example": `{"seed": "xxxxxxxx", "text": "a,b"}`},
				"steps": []any{map[string]any{
					"id": "spin", "method": "POST", "url": target.URL + "/spin",
					"body": map[string]any{"n": formula}, "timeout": "1s", "max_attempts": 1,
				}},
			})
			payload := `{"seed": "xxxxxxxx", "text": "` + strings.Repeat("a,", 50_000) + `"}`
			_, jobID := acceptWebhook(t, base+"/fb-"+event, "application/json", strings.NewReader(payload))
			j := s.waitJob(jobID)
			if j.Status != "failed" || len(j.Steps) != 1 || j.Steps[0].Error == nil {
				t.Fatalf("job = %s with steps %+v, want failed with the step's error", j.Status, j.Steps)
			}
			msg := *j.Steps[0].Error
			t.Logf("step error: %s", msg)
			if !strings.Contains(msg, "pill "+formula) || !strings.Contains(msg, "formula budget exceeded") {
				t.Errorf("step error %q does not name the pill and the budget", msg)
			}
			if j.Steps[0].Attempts != 1 {
				t.Errorf("%d attempts, want 1", j.Steps[0].Attempts)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target got %d requests, want none", n)
	}
	dlHealthy(t, s)
}
