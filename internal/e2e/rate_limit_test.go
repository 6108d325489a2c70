package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/config"
)

// TestWebhookRateLimit (issue 10, item 15): the server-wide default
// (--webhook-rate-limit, --webhook-rate-burst) limits an event whose
// trigger sets none, a trigger's rate_limit wins over it, and burst+N
// quick deliveries get exactly N answers 429 with Retry-After, counted as
// rejected, with nothing stored for them.
func TestWebhookRateLimit(t *testing.T) {
	s := startServer(t, func(c *config.Config) {
		c.Intake.WebhookRateLimit, c.Intake.WebhookRateBurst = 0.01, 4
	})
	byDefault := s.createRecipe(map[string]any{"name": "server default",
		"trigger": map[string]any{"type": "webhook", "event": "rl-default"}, "steps": []any{}})
	own := s.createRecipe(map[string]any{"name": "own limit",
		"trigger": map[string]any{"type": "webhook", "event": "rl-own", "rate_limit": map[string]any{"per_second": 0.01, "burst": 10}},
		"steps":   []any{}})
	for _, id := range []string{byDefault, own} {
		s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/start", nil, nil)
	}
	base := s.webhookBase()
	for _, c := range []struct {
		event, recipeID string
		burst           int
	}{{"rl-default", byDefault, 4}, {"rl-own", own, 10}} {
		const extra = 6
		limited := 0
		for i := 0; i < c.burst+extra; i++ {
			status, body := delivery(t, base+"/"+c.event, fmt.Sprintf(`{"n": %d}`, i))
			switch status {
			case 200:
			case 429:
				limited++
				if !strings.Contains(body, `"code":"rate_limited"`) {
					t.Fatalf("429 body %s", body)
				}
			default:
				t.Fatalf("%s delivery %d answered %d: %s", c.event, i, status, body)
			}
		}
		if limited != extra {
			t.Fatalf("%s: %d answered 429, want %d", c.event, limited, extra)
		}
		if n := countRows(t, s.DataDir, `SELECT COUNT(*) FROM jobs WHERE recipe_id = '`+c.recipeID+`'`); n != c.burst {
			t.Fatalf("%s: %d jobs stored, want %d", c.event, n, c.burst)
		}
	}
	// An edit makes a new limiter: the new burst is available at once.
	s.mustCall(200, "PUT", "/api/v1/recipes/"+own, map[string]any{"name": "own limit",
		"trigger": map[string]any{"type": "webhook", "event": "rl-own", "rate_limit": map[string]any{"per_second": 0.01, "burst": 3}},
		"steps":   []any{}}, nil)
	for i := 0; i < 3; i++ {
		if status, body := delivery(t, base+"/rl-own", `{}`); status != 200 {
			t.Fatalf("after the edit, delivery %d answered %d: %s", i, status, body)
		}
	}
	if status, _ := delivery(t, base+"/rl-own", `{}`); status != 429 {
		t.Fatalf("past the edited burst: %d, want 429", status)
	}
	// Retry-After is whole seconds, at least 1 (100 s at 0.01/s).
	resp, err := httpPost(base + "/rl-default")
	fatalIf(t, err, "post")
	if ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != 429 || ra < 1 || ra > 100 {
		t.Fatalf("answer %d with Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	status, metrics := s.raw("GET", "/metrics", nil, "")
	if status != 200 || !strings.Contains(string(metrics), `patchbay_webhooks_rejected_total{reason="rate_limited"} 14`) {
		t.Fatalf("metrics do not count the 14 rate-limited deliveries")
	}
}

func httpPost(url string) (*http.Response, error) {
	resp, err := http.Post(url, "application/json", strings.NewReader(`{}`))
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}
