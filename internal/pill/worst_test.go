package pill

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// worstFormulas are the costliest formulas of each kind that stay within
// the budget with hostileEnv's data: at n each succeeds, and at twice n
// each fails with the budget error. n was found by bisection.
var worstFormulas = []struct {
	name, src string
	n         int
}{
	{"string doubling", `{{ len(reduce(1..@N@, #acc + #acc, "xxxxxxxxxxxxxxxx")) }}`, 18},
	{"nested loops", `{{ reduce(1..@N@, reduce(1..1000, #acc + 1, 0), 0) }}`, 284},
	{"nested loops over data", `{{ reduce(trigger.items[0:@N@], reduce(trigger.items, #acc + #.id, 0), 0) }}`, 19},
	{"nested reduce over split", `{{ reduce(split(trigger.text, ",")[0:@N@], reduce(split(trigger.text, ","), #acc + 1, 0), 0) }}`, 6},
	{"repeat in a loop", `{{ len(map(1..@N@, repeat("x", 100000))) }}`, 167},
	{"a range", `{{ sum(1..@N@) }}`, 1000000},
	{"map of map", `{{ len(map(1..@N@, map(1..1000, #))) }}`, 142},
	{"toJSON of a shared string", `{{ let s = repeat("x", 1000); len(toJSON(map(1..@N@, s))) }}`, 5500},
	{"matches in a loop", `{{ count(1..@N@, trigger.text matches "b") }}`, 1270},
	{"equality of lists in a loop", `{{ let l = map(trigger.items, #.name); count(1..@N@, l == l) }}`, 44},
	{"sortBy in a loop", `{{ len(map(1..@N@, sortBy(trigger.items, -#.id))) }}`, 9},
	{"reduce nesting its accumulator", `{{ len(reduce(1..@N@, [#acc], [])) }}`, 255},
	{"upper of a large input in a loop", `{{ len(map(1..@N@, upper(trigger.text))) }}`, 167},
}

func worstAt(src string, n int) *Template {
	return MustCompile(strings.ReplaceAll(src, "@N@", strconv.Itoa(n)))
}

// peakHeap runs f and returns the largest growth of the live heap seen
// while it ran (sampled every 100µs without stopping the world), and the
// bytes f allocated in all.
func peakHeap(f func()) (peak, allocated uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	base, allocBase := sample[0].Value.Uint64(), sample[1].Value.Uint64()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak {
				peak = v - base
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	metrics.Read(sample)
	if v := sample[0].Value.Uint64(); v > base && v-base > peak {
		peak = v - base
	}
	return peak, sample[1].Value.Uint64() - allocBase
}

// TestWorstFormulasWithinBudget shows the costliest formulas the budget
// lets through, with the heap and time each takes (logged with -v; the
// time is not asserted). The memory is: no formula's heap grows by more
// than four times the byte budget, nor allocates more than eight times it.
func TestWorstFormulasWithinBudget(t *testing.T) {
	env := hostileEnv(t)
	for _, w := range worstFormulas {
		t.Run(w.name, func(t *testing.T) {
			var out any
			var err error
			start := time.Now()
			peak, allocated := peakHeap(func() { out, err = worstAt(w.src, w.n).Render(env) })
			took := time.Since(start)
			if err != nil {
				t.Fatalf("at n=%d: %v", w.n, err)
			}
			t.Logf("n=%d → %.40v: peak heap +%.1f MB, %.1f MB allocated, %v", w.n, fmt.Sprint(out), mb(peak), mb(allocated), took.Round(time.Millisecond))
			// Sampled, the peak can only be under the true one; the bytes
			// allocated in all (garbage included) bound it from above.
			if peak > 4*FormulaByteBudget || allocated > 8*FormulaByteBudget {
				t.Errorf("peak heap +%.1f MB, allocated %.1f MB: over 4 and 8 × the byte budget", mb(peak), mb(allocated))
			}
			if _, err := worstAt(w.src, 2*w.n).Render(env); !errors.Is(err, ErrFormulaBudget) {
				t.Errorf("at n=%d: err = %v, want the budget error", 2*w.n, err)
			}
		})
	}
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// BenchmarkWorstFormulas reports the time, allocation and peak heap of each
// worst formula within the budget:
//
//	go test -run '^$' -bench WorstFormulas -benchmem ./internal/pill/
func BenchmarkWorstFormulas(b *testing.B) {
	env := hostileEnv(b)
	for _, w := range worstFormulas {
		b.Run(w.name, func(b *testing.B) {
			tmpl := worstAt(w.src, w.n)
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				p, _ := peakHeap(func() {
					if _, err := tmpl.Render(env); err != nil {
						b.Fatal(err)
					}
				})
				peak = max(peak, p)
			}
			b.ReportMetric(mb(peak), "peak-heap-MB")
		})
	}
}
