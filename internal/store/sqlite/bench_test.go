package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
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
