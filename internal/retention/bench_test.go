package retention_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/retention"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

// BenchmarkPruneUnderIngest is the figure of issue 10 item 16: a database
// holding PATCHBAY_PRUNE_BENCH_JOBS old finished jobs (default 100,000;
// the figure in NOTES.md is 1,000,000), the store's webhook intake
// (Enqueue by 32 concurrent callers, as BenchmarkEnqueueParallel) measured
// for a while without pruning, then while the pruner deletes every old job.
// PATCHBAY_PRUNE_BENCH_PAUSE sets the pause between batches (default
// retention.DefaultPause). Run it once:
//
//	PATCHBAY_PRUNE_BENCH_JOBS=1000000 go test -run '^$' -bench PruneUnderIngest -benchtime 1x -timeout 60m ./internal/retention/
func BenchmarkPruneUnderIngest(b *testing.B) {
	n := 100_000
	if v := os.Getenv("PATCHBAY_PRUNE_BENCH_JOBS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	n = (n + seedPerStmt - 1) / seedPerStmt * seedPerStmt
	ctx := context.Background()
	dir := b.TempDir()
	seedStart := time.Now()
	seedOldJobs(b, dir, n)
	b.Logf("seeded %d finished jobs 40-50 days old in %v", n, time.Since(seedStart).Round(time.Millisecond))
	s, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()

	// The machine is shared: intake without pruning is measured before and
	// after, so that a drift in the machine's load shows.
	quietFor := func(elapsed time.Duration) bool { return elapsed >= 30*time.Second }
	quiet := ingest(s, quietFor)
	b.Logf("ingest without pruning (before): %s", quiet)

	p := &retention.Pruner{Store: s, Owner: "bench", Default: retention.Policy{Days: 30}, Interval: time.Hour}
	if v := os.Getenv("PATCHBAY_PRUNE_BENCH_PAUSE"); v != "" {
		if p.Pause, err = time.ParseDuration(v); err != nil {
			b.Fatal(err)
		}
	}
	var pruned atomic.Int64
	var pruneTook atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		res, err := p.RunOnce(ctx)
		pruneTook.Store(int64(time.Since(start)))
		if err != nil {
			b.Error(err)
		}
		pruned.Store(int64(res.Jobs))
	}()
	busy := ingest(s, func(time.Duration) bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	})
	<-done
	took := time.Duration(pruneTook.Load())
	b.Logf("ingest while pruning: %s", busy)
	after := ingest(s, quietFor)
	b.Logf("ingest without pruning (after): %s", after)
	b.Logf("pruned %d jobs (and their events) in %v: %.0f jobs/s", pruned.Load(), took.Round(time.Millisecond), float64(pruned.Load())/took.Seconds())
	if int(pruned.Load()) != n {
		b.Fatalf("pruned %d of %d old jobs", pruned.Load(), n)
	}
	b.ReportMetric((quiet.rate+after.rate)/2, "events/s-quiet")
	b.ReportMetric(busy.rate, "events/s-pruning")
	b.ReportMetric(took.Seconds(), "s-prune")
}

// ingestFigures is the intake rate and latency of one phase.
type ingestFigures struct {
	events   int
	rate     float64
	p50, p99 time.Duration
}

func (f ingestFigures) String() string {
	return fmt.Sprintf("%d events, %.0f events/s, latency p50 %v p99 %v", f.events, f.rate, f.p50, f.p99)
}

// ingest enqueues from 32 goroutines until stop says so.
func ingest(s *sqlite.Store, stop func(elapsed time.Duration) bool) ingestFigures {
	payload := []byte(`{"config":{"action":"order.placed","user_id":"144138753572","webhook_id":"287968"},"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/"}`)
	var mu sync.Mutex
	var lat []time.Duration
	var halt atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for !halt.Load() {
				t0 := time.Now()
				if _, err := s.Enqueue(context.Background(), queue.NewJob{RecipeID: "live", Payload: payload}); err != nil {
					panic(err)
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	for !stop(time.Since(start)) {
		time.Sleep(50 * time.Millisecond)
	}
	halt.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	f := ingestFigures{events: len(lat), rate: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		f.p50, f.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return f
}

// seedOldJobs writes n finished jobs (and their events) of one recipe,
// created 40 to 50 days ago, straight into the database file with the
// journal off: a million rows in seconds rather than an hour of intake.
func seedOldJobs(b *testing.B, dir string, n int) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir, sqlite.Options{}) // the schema
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "patchbay.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, p := range []string{"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-262144"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	payload := []byte(`{"config":{"action":"order.placed","user_id":"144138753572","endpoint_url":"https://www.workato.com/webhooks/rest/4c364864/order","webhook_id":"287968"},"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/"}`)
	// A one-step job as the runner records it (~1 KB).
	steps := []byte(`[{"id":"get_order","status":"succeeded","attempts":1,"input":{"method":"GET","url":"https://www.eventbriteapi.com/v3/orders/579759447/","headers":{"Authorization":"Bearer ****","Idempotency-Key":"x"},"body":null},"output":{"status":200,"headers":{"Content-Type":"application/json"},"body":{"costs":{"base_price":{"display":"$0.00","currency":"USD","value":0},"gross":{"display":"$0.00","currency":"USD","value":0}},"resource_uri":"https://www.eventbriteapi.com/v3/orders/579759447/","id":"579759447","changed":"2016-12-16T00:40:47Z","created":"2016-12-16T00:40:46Z","name":"hl y","first_name":"hl","last_name":"y","email":"huilin@example.com","status":"placed","event_id":"30343163218"}},"error":null,"duration_ms":182}]`)
	end := time.Now().Add(-40 * 24 * time.Hour).UnixMilli()
	span := int64(10 * 24 * time.Hour / time.Millisecond)
	rng := rand.New(rand.NewPCG(1, 2))
	const perStmt = seedPerStmt
	evSQL := `INSERT INTO events (id, recipe_id, created_at, payload) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, 'old', ?, ?),", perStmt), ",")
	jobSQL := `INSERT INTO jobs (id, recipe_id, event_id, status, claims, run_at, created_at, started_at, finished_at, steps) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, 'old', ?, 'succeeded', 1, ?, ?, ?, ?, ?),", perStmt), ",")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	evStmt, err := tx.PrepareContext(ctx, evSQL)
	if err != nil {
		b.Fatal(err)
	}
	jobStmt, err := tx.PrepareContext(ctx, jobSQL)
	if err != nil {
		b.Fatal(err)
	}
	var evArgs, jobArgs []any
	for i := 0; i < n; i += perStmt {
		evArgs, jobArgs = evArgs[:0], jobArgs[:0]
		for k := 0; k < perStmt; k++ {
			ms := end - span + int64(i+k)*span/int64(n)
			ev, job := oldID(ms, rng), oldID(ms, rng)
			created := ms * 1000
			evArgs = append(evArgs, ev, created, payload)
			jobArgs = append(jobArgs, job, ev, created, created, created+1000, created+2000, steps)
		}
		if _, err := evStmt.ExecContext(ctx, evArgs...); err != nil {
			b.Fatal(err)
		}
		if _, err := jobStmt.ExecContext(ctx, jobArgs...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		b.Fatal(err)
	}
}

// seedPerStmt is how many rows one seeding INSERT writes.
const seedPerStmt = 64

// oldID is a UUIDv7 of millisecond ms, as the store makes them.
func oldID(ms int64, rng *rand.Rand) string {
	var u uuid.UUID
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(ms))
	copy(u[:6], ts[2:])
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	binary.BigEndian.PutUint16(u[6:8], uint16(rng.Uint32()))
	u[6] = 0x70 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	return u.String()
}
