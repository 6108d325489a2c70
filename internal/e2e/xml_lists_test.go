package e2e

import (
	"strings"
	"testing"
)

// TestXMLSingleElementIsAListWhenTheDatatreeSaysSo: the example has two
// <item>s, a real order has one; the trigger output still holds a list, so
// the pill {{trigger.order.item[0].sku}} works for both.
func TestXMLSingleElementIsAListWhenTheDatatreeSaysSo(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	s.startRecipe(map[string]any{
		"name": "xml orders",
		"trigger": map[string]any{"type": "webhook", "event": "xml-order", "payload_type": "xml",
			"payload_example": `<order id="1"><item><sku>a</sku></item><item><sku>b</sku></item></order>`},
		"steps": []any{map[string]any{"id": "get", "method": "GET", "url": bin.URL + "/anything/{{trigger.order.item[0].sku}}"}},
	})
	_, jobID := acceptWebhook(t, s.webhookBase()+"/xml-order", "application/xml", strings.NewReader(`<order id="2"><item><sku>only</sku></item></order>`))
	j := s.waitJob(jobID)
	if j.Status != "succeeded" {
		t.Fatalf("job %s: %s", j.Status, deref(j.Error))
	}
	if !jsonEqual(t, j.Trigger.Output, []byte(`{"order":{"@id":"2","item":[{"sku":"only"}]}}`)) {
		t.Errorf("trigger output = %s, want item as a one-item list", j.Trigger.Output)
	}
	if !strings.HasSuffix(j.Steps[0].Input.URL, "/anything/only") {
		t.Errorf("step URL = %s", j.Steps[0].Input.URL)
	}
}
