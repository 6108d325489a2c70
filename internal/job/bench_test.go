package job

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// BenchmarkEncodeSteps is the cost of recording a finished Eventbrite-shaped
// job: one step with its request and a typical order response.
func BenchmarkEncodeSteps(b *testing.B) {
	var body any
	json.Unmarshal([]byte(`{"costs": {"base_price": {"display": "$0.00", "currency": "USD", "value": 0, "major_value": "0.00"}, "gross": {"display": "$0.00", "currency": "USD", "value": 0, "major_value": "0.00"}}, "resource_uri": "https://www.eventbriteapi.com/v3/orders/579759447/", "id": "579759447", "changed": "2016-12-16T00:40:47Z", "created": "2016-12-16T00:40:46Z", "name": "hl y", "first_name": "hl", "last_name": "y", "email": "huilin@workato.com", "status": "placed", "time_remaining": null, "event_id": "30343163218"}`), &body)
	now := time.Now()
	steps := []StepRecord{{
		ID: "get_order", Status: "succeeded", Attempts: 1, DurationMS: 12, StartedAt: &now, FinishedAt: &now,
		Input: &RecordedInput{Input: httprequest.Input{Method: "GET", URL: "https://www.eventbriteapi.com/v3/orders/579759447/?expand=attendees",
			Headers: map[string]string{"Accept": "application/json", "Authorization": "Bearer ****", "Idempotency-Key": "01a21a84-d6a3-79fa-9cb3-22481d2ba638.get_order", "User-Agent": "patchbay"}}},
		Output: &RecordedOutput{Output: httprequest.Output{Status: 200, Headers: map[string]string{"Content-Type": "application/json", "Date": "Fri, 27 Nov 2026 01:00:43 GMT", "Content-Length": "612"}, Body: body}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(steps); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDriftCheck is the drift check every job makes on its trigger
// output (Datatree.TriggerNewFields against the datatree of the load benchmark's
// Eventbrite recipe), with the decoding of the stored output before it.
func BenchmarkDriftCheck(b *testing.B) {
	doc := recipe.Document{Name: "bench", Trigger: recipe.Trigger{Type: recipe.TriggerWebhook, Event: "order", PayloadType: "json",
		PayloadExample: recipe.Example(`{"config": {"action": "order.placed", "user_id": "144138753572", "webhook_id": "287968"}, "api_url": "https://www.eventbriteapi.com/v3/orders/579759447/"}`)}}
	doc.Normalize()
	dt := doc.BuildDatatree()
	if len(dt.Trigger) == 0 {
		b.Fatal("the example gave no datatree")
	}
	stored := []byte(`{"config": {"action": "order.placed", "user_id": "144138753572", "webhook_id": "287968"}, "api_url": "https://www.eventbriteapi.com/v3/orders/579759447/", "sent": 1764200000000000000}`)
	b.ReportAllocs()
	for b.Loop() {
		trigger, err := decodeTree(stored)
		if err != nil {
			b.Fatal(err)
		}
		if got := dt.TriggerNewFields(trigger); len(got) != 1 || got[0] != "sent" {
			b.Fatalf("TriggerNewFields = %q, want [sent]", got)
		}
	}
}
