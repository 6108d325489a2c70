package e2e

import (
	"strings"
	"testing"
)

// TestHostileDocumentsAreRefusedAndTheServerStays is defect 4 of issue 10:
// a pill of ~700,000 nested parentheses (1.4 MB) crashed the process, a
// 1 MB name was stored. Each document below is refused with a 4xx that
// names where, the server answers /healthz after each, and nothing is
// stored.
func TestHostileDocumentsAreRefusedAndTheServerStays(t *testing.T) {
	s := startServer(t)
	nest := func(depth int) string {
		return strings.Repeat("(", depth) + "trigger.id" + strings.Repeat(")", depth)
	}
	cases := []struct {
		name string
		mut  func(d map[string]any)
		path string
		msgs []string
	}{
		{"a 1.4 MB URL of 700,000 nested parentheses", func(d map[string]any) {
			rvStep(d, 0)["url"] = "https://example.com/{{" + nest(700_000) + "}}"
		}, "steps[0].url", []string{"more than the 8192 allowed"}},
		{"a 300,000-deep formula in a raw body", func(d map[string]any) {
			step := rvStep(d, 1)
			step["body_type"], step["body"] = "raw", "{{"+nest(300_000)+"}}"
		}, "steps[1].body", []string{"more than the 262144 allowed"}},
		{"a 100,000-deep formula in a raw body under its size limit", func(d map[string]any) {
			step := rvStep(d, 1)
			step["body_type"], step["body"] = "raw", "{{"+nest(100_000)+"}}"
		}, "steps[1].body", []string{"formula is 200010 bytes, more than the 4096 allowed"}},
		{"a formula over 4 KiB in a JSON body", func(d map[string]any) {
			rvStep(d, 1)["body"] = map[string]any{"order": "{{ '" + strings.Repeat("x", 5000) + "' }}"}
		}, "steps[1].body", []string{"formula is 5002 bytes, more than the 4096 allowed"}},
		{"a formula nesting 40 brackets in a header", func(d map[string]any) {
			rvStep(d, 0)["headers"] = map[string]any{"X-Deep": "{{" + nest(40) + "}}"}
		}, "steps[0].headers.X-Deep", []string{"brackets nest more than 32 deep"}},
		{"30,000 tiny formulas", func(d map[string]any) {
			step := rvStep(d, 1)
			step["body_type"], step["body"] = "raw", strings.Repeat("{{1+1}}", 30_000)
		}, "", []string{"pills ({{), more than the 2000 a recipe may hold"}},
		{"a 1 MB name", func(d map[string]any) { d["name"] = strings.Repeat("n", 1<<20) },
			"name", []string{"longer than 200 characters"}},
		{"a 1 MB step id", func(d map[string]any) { rvStep(d, 0)["id"] = strings.Repeat("a", 1<<20) },
			"steps[0].id", []string{"longer than 200 characters"}},
		{"10,000 steps", func(d map[string]any) {
			steps := d["steps"].([]any)
			for i := range 10_000 {
				steps = append(steps, map[string]any{"id": "s" + strings.Repeat("x", i%5), "url": "https://example.com/"})
			}
			d["steps"] = steps
		}, "steps", []string{"has 10002 steps, more than the 1000 allowed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := rvRefused(t, s, c.mut, c.path, c.msgs...)
			if len(resp.body) > 4096 {
				t.Errorf("the 422 is %d bytes; it must not echo the document", len(resp.body))
			}
			dlHealthy(t, s)
		})
	}

	t.Run("a body over 4 MiB", func(t *testing.T) {
		doc := rvBase()
		rvTrigger(doc)["payload_example"] = strings.Repeat("x", 5<<20)
		resp := rvSend(t, s, "POST", "/api/v1/recipes", rvJSON(t, doc), "Bearer "+s.Token)
		if resp.status != 413 {
			t.Fatalf("status = %d, want 413: %.300s", resp.status, resp.body)
		}
		e := whDecodeError(t, resp.header, resp.body)
		if e.Code != "body_too_large" || !strings.Contains(e.Message, "4194304-byte limit") {
			t.Errorf("413 = %s: %q, want body_too_large naming the limit", e.Code, e.Message)
		}
		dlHealthy(t, s)
	})

	t.Run("a connection with a 1 MB name", func(t *testing.T) {
		conn := map[string]any{"name": strings.Repeat("c", 1<<20), "type": "http", "base_url": "https://example.com"}
		resp := rvSend(t, s, "POST", "/api/v1/connections", rvJSON(t, conn), "Bearer "+s.Token)
		if resp.status != 422 {
			t.Fatalf("status = %d, want 422: %.300s", resp.status, resp.body)
		}
		e := whDecodeError(t, resp.header, resp.body)
		if len(e.Details) != 1 || e.Details[0].Path != "name" || !strings.Contains(e.Details[0].Message, "longer than 200 characters") {
			t.Errorf("details = %+v, want one problem at name", e.Details)
		}
		dlHealthy(t, s)
	})

	if n := rvRecipeCount(s); n != 0 {
		t.Errorf("the API lists %d recipes after only refused documents, want 0", n)
	}
	for _, table := range []string{"recipes", "connections"} {
		if n := whDBCount(t, s, table); n != 0 {
			t.Errorf("the database holds %d %s after only refused documents, want 0", n, table)
		}
	}
}

func dlHealthy(t *testing.T, s *server) {
	t.Helper()
	if status, body := s.raw("GET", "/healthz", nil, ""); status != 200 {
		t.Fatalf("/healthz = %d: %s", status, body)
	}
}
