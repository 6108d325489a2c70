package poll

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

// BenchmarkPollPage is one poll of a page of 100 records over loopback:
// the request through the step executor, the JSON parse, ids, cursors and
// the oldest-first sort.
func BenchmarkPollPage(b *testing.B) {
	items := make([]map[string]any, 100)
	for i := range items {
		items[i] = map[string]any{"id": i + 1, "updated_at": fmt.Sprintf("2026-01-01T00:%02d:%02dZ", i/60, i%60),
			"email": "someone@example.com", "total": 12.5, "tags": []string{"a", "b"}}
	}
	body, _ := json.Marshal(map[string]any{"data": items})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	p, err := Compile(recipe.Trigger{Type: recipe.TriggerPolling, URL: srv.URL + "/items?since={{cursor}}",
		ItemsPath: "data", IDPath: "id", CursorPath: "updated_at"})
	if err != nil {
		b.Fatal(err)
	}
	exec := executor()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := p.Poll(context.Background(), exec, nil, "")
		if err != nil || len(res.Records) != 100 {
			b.Fatalf("%d records, %v", len(res.Records), err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "records/s")
}
