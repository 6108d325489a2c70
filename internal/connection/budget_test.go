package connection

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimitsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		limits Limits
		path   string // "" when valid
		want   string
	}{
		{"empty", Limits{}, "", ""},
		{"all set", Limits{RequestsPerSecond: 0.5, Burst: 3, MaxConcurrent: 2}, "", ""},
		{"negative rate", Limits{RequestsPerSecond: -1}, "limits.requests_per_second", "-1 is not a rate"},
		{"huge rate", Limits{RequestsPerSecond: 1e9}, "limits.requests_per_second", "between 0 and 10000"},
		{"burst without rate", Limits{Burst: 5}, "limits.burst", "needs limits.requests_per_second"},
		{"negative burst", Limits{RequestsPerSecond: 1, Burst: -2}, "limits.burst", "-2 is not a whole number"},
		{"negative concurrency", Limits{MaxConcurrent: -1}, "limits.max_concurrent", "-1 is not a whole number"},
		{"huge concurrency", Limits{MaxConcurrent: 1 << 20}, "limits.max_concurrent", "between 1 and 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.limits
			wantOneProblem(t, Document{Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}, Limits: &l}, tt.path, tt.want)
		})
	}
}

// The registry keeps one budget per connection id across the Lives the
// catalog opens, and replaces it only when the limits change.
func TestBudgetRegistry(t *testing.T) {
	t.Parallel()
	open := func(id string, l *Limits) *Live {
		return New(Document{ID: id, Name: "x", Type: TypeHTTP, Auth: Auth{Type: AuthNone}, Limits: l}, Secrets{})
	}
	id := "budget-registry-test"
	first := open(id, &Limits{MaxConcurrent: 2}).Budget()
	if first == nil {
		t.Fatal("no budget for limits")
	}
	if again := open(id, &Limits{MaxConcurrent: 2}).Budget(); again != first {
		t.Error("same id and limits: a new budget, want the shared one")
	}
	if other := open(id+"-other", &Limits{MaxConcurrent: 2}).Budget(); other == first {
		t.Error("another connection shares the budget")
	}
	changed := open(id, &Limits{MaxConcurrent: 3}).Budget()
	if changed == first {
		t.Error("changed limits kept the old budget")
	}
	if back := open(id, &Limits{MaxConcurrent: 3}).Budget(); back != changed {
		t.Error("after the change, the new budget is not the shared one")
	}
	if b := open(id, nil).Budget(); b != nil {
		t.Error("no limits, yet a budget")
	}
	if b := open(id, &Limits{}).Budget(); b != nil {
		t.Error("empty limits, yet a budget")
	}
	// A Live keeps the budget it first used: one still finishing requests
	// under old limits does not swap the newer budget back out.
	old := open(id, &Limits{MaxConcurrent: 3})
	if old.Budget() != changed {
		t.Fatal("setup: not the shared budget")
	}
	newer := open(id, &Limits{MaxConcurrent: 4}).Budget()
	if old.Budget() != changed {
		t.Error("the old Live changed budget")
	}
	if open(id, &Limits{MaxConcurrent: 4}).Budget() != newer {
		t.Error("the old Live swapped the newer budget out")
	}
}

func TestBudgetConcurrency(t *testing.T) {
	t.Parallel()
	b := newBudget(Limits{MaxConcurrent: 2})
	var inFlight, most atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, _, err := b.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			inFlight.Add(-1)
			release()
		}()
	}
	wg.Wait()
	if m := most.Load(); m > 2 || m < 1 {
		t.Errorf("at most %d in flight, want 1..2", m)
	}
}

// Waiting respects the context: a full budget gives up when it ends,
// and the slot is not lost.
func TestBudgetWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	b := newBudget(Limits{MaxConcurrent: 1})
	release, _, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := b.Acquire(ctx)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "max_concurrent 1") {
		t.Errorf("waiting on a full budget after cancel: %v", err)
	}
	release()
	if r, _, err := b.Acquire(context.Background()); err != nil {
		t.Errorf("after release: %v", err)
	} else {
		r()
	}

	slow := newBudget(Limits{RequestsPerSecond: 0.001})
	if r, _, err := slow.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		r()
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, _, err := slow.Acquire(ctx2); err == nil || !strings.Contains(err.Error(), "requests per second") {
		t.Errorf("rate wait after cancel: %v", err)
	}
}

// N requests at R per second with burst 1 take at least (N-1)/R, and the
// wait is reported.
func TestBudgetRate(t *testing.T) {
	t.Parallel()
	const n, perSecond = 5, 20.0
	b := newBudget(Limits{RequestsPerSecond: perSecond})
	start := time.Now()
	var waited time.Duration
	for range n {
		release, w, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		waited += w
		release()
	}
	min := time.Duration(float64(n-1) / perSecond * float64(time.Second))
	if elapsed := time.Since(start); elapsed < min {
		t.Errorf("%d requests took %v, want at least %v", n, elapsed, min)
	}
	if waited <= 0 {
		t.Error("no wait reported")
	}
}

func TestNilBudgetLetsEverythingThrough(t *testing.T) {
	t.Parallel()
	var b *Budget
	release, waited, err := b.Acquire(context.Background())
	if err != nil || waited != 0 || release == nil {
		t.Fatalf("nil budget: %v %v", waited, err)
	}
	release()
}
