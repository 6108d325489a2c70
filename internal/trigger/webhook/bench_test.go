package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
	"github.com/patchbay/patchbay/internal/trigger/webhook"
)

const token = "4c364864-e1f8-4c58-b6af-29127d1f6b60"

var eventbritePayload = []byte(`{"config":{"action":"order.placed","user_id":"144138753572","endpoint_url":"https://www.workato.com/webhooks/rest/4c364864-e1f8-4c58-b6af-29127d1f6b60/order","webhook_id":"287968"},"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/"}`)

// BenchmarkIntake is webhook intake on a real SQLite file: route, read,
// validate, store the event and its job (group-committed, fsync'd), answer.
// Run in parallel so that commits are shared as they are under load.
func BenchmarkIntake(b *testing.B) {
	h := newHandler(b)
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := post(h)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
		}
	})
}

// TestIntakeStoresBeforeAnswering: the answer names an event and a job
// that are already in the database.
func TestIntakeStoresBeforeAnswering(t *testing.T) {
	h := newHandler(t)
	rec := post(h)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var a webhook.Accepted
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer %q: %v", rec.Body, err)
	}
	j, err := h.Store.Job(context.Background(), a.JobID)
	if err != nil || j.EventID != a.ID || !bytes.Equal(j.Trigger, eventbritePayload) {
		t.Fatalf("stored job %+v, %v; answer %+v", j, err, a)
	}
}

func newHandler(tb testing.TB) *webhook.Handler { return handlerOf(tb, recipe.Trigger{}) }

// handlerOf stores one started webhook recipe for the JSON event "order",
// with trig's other fields, on a real SQLite file, and returns the
// handler over it.
func handlerOf(tb testing.TB, trig recipe.Trigger) *webhook.Handler {
	tb.Helper()
	dir := tb.TempDir()
	s, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	key, _ := secret.LoadOrCreateKey("", dir)
	box, _ := secret.NewBox(key)
	trig.Type, trig.Event, trig.PayloadType = recipe.TriggerWebhook, "order", "json"
	doc, _ := json.Marshal(recipe.Document{Name: "order", Trigger: trig, Steps: []recipe.Step{}})
	now := time.Now()
	if err := s.CreateRecipe(context.Background(), store.Recipe{ID: "r1", Name: "order", TriggerType: "webhook", Event: "order",
		State: recipe.StateStarted, Doc: doc, CreatedAt: now, UpdatedAt: now}); err != nil {
		tb.Fatal(err)
	}
	return &webhook.Handler{
		Catalog: loadedCatalog(tb, s, box), Store: s, WebhookToken: token, MaxBodyBytes: 10 << 20,
		Metrics: metrics.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// loadedCatalog is the catalog over s with what s holds loaded, as the
// server has it before it listens.
func loadedCatalog(tb testing.TB, s store.Store, box *secret.Box) *catalog.Catalog {
	tb.Helper()
	cat := catalog.New(s, box, catalog.Options{})
	if err := cat.Load(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return cat
}

// post sends the Eventbrite webhook to the handler, routed as the server's
// mux would route it.
func post(h *webhook.Handler) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/rest/"+token+"/order", bytes.NewReader(eventbritePayload))
	req.SetPathValue("token", token)
	req.SetPathValue("event", "order")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
