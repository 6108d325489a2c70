package workspace_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
	"github.com/patchbay/patchbay/internal/workspace"
)

// eventbrite is the README's recipe: a webhook and one HTTP step.
func eventbrite(event string) recipe.Document {
	return recipe.Document{Name: "recipe " + event,
		Trigger: recipe.Trigger{Type: recipe.TriggerWebhook, Event: event, PayloadType: "json",
			PayloadExample: recipe.Example(`{"config": {"action": "order.placed"}, "api_url": "https://www.eventbriteapi.com/v3/orders/1/"}`)},
		Steps: []recipe.Step{{ID: "get_order", Action: "http_request", Method: "GET", URL: "{{trigger.api_url}}",
			Headers: map[string]string{"Accept": "application/json"}, ResponseType: "json",
			ResponseExample: recipe.Example(`{"id": "1", "email": "a@example.com"}`)}}}
}

// newService opens a store holding n recipes (stored in parallel so that
// the group commit makes seeding quick) and a loaded catalog over it.
func newService(b *testing.B, n int) *workspace.Service {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	key, _ := secret.LoadOrCreateKey("", dir)
	box, _ := secret.NewBox(key)
	var wg sync.WaitGroup
	ids := make(chan int)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				doc := eventbrite(fmt.Sprintf("seed-%d", i))
				doc.Normalize()
				public, _ := json.Marshal(doc)
				now := time.Now()
				if err := s.CreateRecipe(ctx, store.Recipe{ID: fmt.Sprintf("seed-%06d", i), Name: doc.Name, TriggerType: "webhook",
					Event: doc.Trigger.Event, State: recipe.StateStarted, Doc: public, CreatedAt: now, UpdatedAt: now}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		ids <- i
	}
	close(ids)
	wg.Wait()
	cat := catalog.New(s, box, catalog.Options{})
	if err := cat.Load(ctx); err != nil {
		b.Fatal(err)
	}
	return &workspace.Service{Store: s, Catalog: cat, Box: box}
}

// A create (and start) of one recipe, then the catalog lookup the next
// webhook to it makes, beside 10 and 10,000 other recipes.
func BenchmarkCreateThenWebhook(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("recipes=%d", n), func(b *testing.B) {
			svc := newService(b, n)
			ctx := context.Background()
			i := 0
			var lookup time.Duration
			for b.Loop() {
				event := fmt.Sprintf("new-%d", i)
				i++
				sr, err := svc.CreateRecipe(ctx, eventbrite(event))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := svc.StartRecipe(ctx, sr.ID); err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if r, err := svc.Catalog.RecipeByEvent(ctx, event); err != nil || r.State != recipe.StateStarted {
					b.Fatalf("next webhook: %v", err)
				}
				lookup += time.Since(t0)
			}
			b.ReportMetric(float64(lookup.Nanoseconds())/float64(b.N), "lookup-ns/op")
		})
	}
}

// An update of one recipe, then the next webhook's lookup.
func BenchmarkUpdateThenWebhook(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("recipes=%d", n), func(b *testing.B) {
			svc := newService(b, n)
			ctx := context.Background()
			i := 0
			var lookup time.Duration
			for b.Loop() {
				doc := eventbrite("seed-3")
				doc.Name = fmt.Sprintf("renamed %d", i)
				i++
				sr, err := svc.UpdateRecipe(ctx, "seed-000003", doc, 0)
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				if r, err := svc.Catalog.RecipeByEvent(ctx, "seed-3"); err != nil || r.Version != sr.Version {
					b.Fatalf("next webhook saw version %d, want %d (%v)", r.Version, sr.Version, err)
				}
				lookup += time.Since(t0)
			}
			b.ReportMetric(float64(lookup.Nanoseconds())/float64(b.N), "lookup-ns/op")
		})
	}
}
