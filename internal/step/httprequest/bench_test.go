package httprequest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// BenchmarkDo is one attempt of the load benchmark's Eventbrite-shaped step
// (a JSON body of three pills, posted to a sink on loopback), with no
// connection and through a basic-auth connection whose secrets are masked
// in the record.
func BenchmarkDo(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok": true, "id": "579759447"}`))
	}))
	defer sink.Close()
	step := recipe.Step{ID: "notify", Method: "POST", URL: sink.URL + "/hook", ResponseType: "json",
		Body: json.RawMessage(`{"order": "{{trigger.api_url}}", "action": "{{trigger.config.action}}", "sent": "{{trigger.sent}}"}`)}
	d := recipe.Document{Name: "bench", Trigger: recipe.Trigger{Type: recipe.TriggerManual}, Steps: []recipe.Step{step}}
	d.Normalize()
	if ps := d.Validate(nil); len(ps) > 0 {
		b.Fatalf("step does not validate: %v", ps)
	}
	req, err := Compile(d.Steps[0])
	if err != nil {
		b.Fatal(err)
	}
	var trigger any
	json.Unmarshal([]byte(`{"config": {"action": "order.placed", "user_id": "144138753572"}, "api_url": "https://www.eventbriteapi.com/v3/orders/579759447/", "sent": 1764200000000000000}`), &trigger)
	env := pill.Env{Trigger: trigger, Steps: map[string]any{}}
	basic := connection.New(connection.Document{ID: "c1", Name: "jira", Type: connection.TypeHTTP,
		Auth: connection.Auth{Type: connection.AuthBasic, Username: "admin"}},
		connection.Secrets{Password: "a long API token"})
	e := executor()
	ctx := WithBudgetWait(context.Background(), 1e9)
	for _, bc := range []struct {
		name string
		conn *connection.Live
	}{{"no_connection", nil}, {"basic_auth", basic}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if o := e.Do(ctx, req, env, bc.conn, "job.notify"); o.Err != nil {
					b.Fatal(o.Err)
				}
			}
		})
	}
}
