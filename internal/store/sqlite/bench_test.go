package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

var benchPayload = []byte(`{"config":{"action":"order.placed","user_id":"144138753572","endpoint_url":"https://www.workato.com/webhooks/rest/4c364864-e1f8-4c58-b6af-29127d1f6b60/order","webhook_id":"287968"},"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/"}`)

// BenchmarkEnqueueParallel is durable intake's storage cost: concurrent
// callers each storing one event and its job, group-committed.
func BenchmarkEnqueueParallel(b *testing.B) {
	s := openStore(b, b.TempDir())
	b.SetParallelism(16) // 32 producers on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Enqueue(context.Background(), queue.NewJob{RecipeID: "r1", Payload: benchPayload}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkCompletePoll is the storage cost of one poll that found 100
// records, half of them new: one transaction checks the lease, records the
// tick, marks 100 records seen and starts 50 jobs.
func BenchmarkCompletePoll(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, b.TempDir())
	storetest.StartedRecipe(b, s, "r1")
	due := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		recs := make([]store.SeenRecord, 100)
		for j := range recs {
			id := fmt.Sprintf("rec-%d", i*50+j) // the first 50 were seen by the previous poll
			recs[j] = store.SeenRecord{ID: id, Job: &queue.NewJob{RecipeID: "r1", Payload: benchPayload}}
		}
		if err := s.ArmTrigger(ctx, "r1", due); err != nil {
			b.Fatal(err)
		}
		if c, err := s.ClaimTriggers(ctx, "A", due, 1, time.Minute); err != nil || len(c) != 1 {
			b.Fatalf("claim: %v %v", c, err)
		}
		out, err := s.CompleteTrigger(ctx, store.TriggerCompletion{RecipeID: "r1", Owner: "A", Due: due, FiredAt: due,
			Now: due, Next: due.Add(time.Minute), Polled: true, Records: recs})
		if err != nil || (i > 0 && len(out.Jobs) != 50) {
			b.Fatalf("complete: %d jobs, %v", len(out.Jobs), err)
		}
		due = due.Add(time.Minute)
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "records/s")
}
