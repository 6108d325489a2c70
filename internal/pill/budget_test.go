package pill

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostileEnv has data as large as a webhook may bring: a 100 KB string
// and a 10,000-item list.
func hostileEnv(t testing.TB) Env {
	items := make([]any, 10_000)
	for i := range items {
		items[i] = map[string]any{"id": i, "name": "item"}
	}
	return Env{Trigger: map[string]any{
		"text":  strings.Repeat("a,", 50_000),
		"items": items,
		"seed":  "xxxxxxxx",
	}}
}

func letDoubling(n int) string {
	var sb strings.Builder
	sb.WriteString(`{{ let s0 = "xxxxxxxxxxxxxxxx"; `)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "let s%d = s%d + s%d; ", i, i-1, i-1)
	}
	fmt.Fprintf(&sb, "len(s%d) }}", n)
	return sb.String()
}

// hostileFormulas each try to take unbounded memory or time; issue 10
// measured the first kinds at 2.1 GB and 17 s.
var hostileFormulas = []struct{ name, src string }{
	{"string doubling with let", letDoubling(40)},
	{"string doubling in reduce", `{{ reduce(1..64, #acc + #acc, trigger.seed) }}`},
	{"nested reduce over split", `{{ reduce(split(trigger.text, ","), reduce(split(trigger.text, ","), #acc + 1, 0), 0) }}`},
	{"triple nested loops", `{{ sum(map(1..1000, sum(map(1..1000, sum(1..1000))))) }}`},
	{"repeat of a billion", `{{ repeat("x", 1000000000) }}`},
	{"repeat in a loop", `{{ len(map(1..1000, repeat("x", 1000000))) }}`},
	{"a huge range", `{{ len(1..1000000000) }}`},
	{"map of map", `{{ len(map(1..10000, map(1..10000, #))) }}`},
	{"replace of the empty string", `{{ replace(trigger.text, "", repeat("y", 10000)) }}`},
	{"join with a long separator", `{{ join(map(1..100000, "x"), repeat(",", 1000)) }}`},
	{"toJSON of one string shared", `{{ let s = repeat("x", 1000000); toJSON(map(1..1000, s)) }}`},
	{"string() of one string shared", `{{ let s = repeat("x", 1000000); string(map(1..1000, s)) }}`},
	{"flatten of one list shared", `{{ let l = 1..10000; len(flatten(map(1..10000, l))) }}`},
	{"concat of one list", `{{ let l = 1..100000; len(concat(l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l)) }}`},
	{"upper of a large input in a loop", `{{ len(map(1..10000, upper(trigger.text))) }}`},
	{"matches over a large string in a loop", `{{ count(1..100000, trigger.text matches "b") }}`},
	{"a pattern compiled in a loop", `{{ count(1..100000, "x" matches "(a|b|c)*x" + string(#)) }}`},
	{"equality of large lists in a loop", `{{ let l = map(trigger.items, #.name); count(1..10000, l == l) }}`},
	{"a reduce nesting its accumulator", `{{ let d = reduce(1..100000, [#acc], []); d == d }}`},
	{"a result too large to write", `{{ let s = repeat("x", 100000); map(1..1000, s) }}`},
	{"sortBy of a large list in a loop", `{{ len(map(1..1000, sortBy(trigger.items, -#.id))) }}`},
}

// TestHostileFormulasStopAtTheBudget: each hostile formula fails with the
// budget error naming its pill, and the test as a whole allocates a
// bounded amount (not a timing assertion: bytes allocated are counted).
func TestHostileFormulasStopAtTheBudget(t *testing.T) {
	env := hostileEnv(t)
	for _, h := range hostileFormulas {
		t.Run(h.name, func(t *testing.T) {
			tmpl, err := Compile(h.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err = tmpl.Render(env)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%v; %.1f MB allocated in %v", err, float64(allocated)/(1<<20), took)
			if !errors.Is(err, ErrFormulaBudget) {
				t.Fatalf("Render error = %v, want the formula budget error", err)
			}
			if !strings.HasPrefix(err.Error(), "pill {{") {
				t.Errorf("error %q does not name the pill", err)
			}
			if allocated > 4*FormulaByteBudget {
				t.Errorf("allocated %d bytes, more than 4 × the %d-byte budget", allocated, FormulaByteBudget)
			}
		})
	}
}

func TestFormulaStopsAtTheDeadline(t *testing.T) {
	env := hostileEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env.Budget = NewBudget(ctx)
	tmpl := MustCompile(`{{ sum(map(1..100000, # * 2)) }}`)
	_, err := tmpl.Render(env)
	if !errors.Is(err, ErrFormulaBudget) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the budget error wrapping context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "stopped by the step's deadline") {
		t.Errorf("error %q does not say the deadline stopped it", err)
	}
}

// TestFormulaStopsAtTheBudgetsOwnDeadline: NewBudgetUntil stops a formula
// at its deadline as a context's deadline would, and not before it.
func TestFormulaStopsAtTheBudgetsOwnDeadline(t *testing.T) {
	env := hostileEnv(t)
	// Some 40,000 operations: past deadlineEvery, within FormulaOpBudget.
	tmpl := MustCompile(`{{ sum(map(1..10000, # * 2)) }}`)
	env.Budget = NewBudgetUntil(context.Background(), time.Now().Add(-time.Second))
	_, err := tmpl.Render(env)
	if !errors.Is(err, ErrFormulaBudget) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the budget error wrapping context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "stopped by the step's deadline") {
		t.Errorf("error %q does not say the deadline stopped it", err)
	}
	env.Budget = NewBudgetUntil(context.Background(), time.Now().Add(time.Hour))
	if _, err := tmpl.Render(env); err != nil {
		t.Fatalf("a deadline an hour away stopped the formula: %v", err)
	}
}

// TestBudgetIsSharedByARender: a step's pills share the Env's budget, so
// several pills cannot each spend a whole budget.
func TestBudgetIsSharedByARender(t *testing.T) {
	env := hostileEnv(t)
	env.Budget = NewBudget(context.Background())
	half := `{{ len(repeat("x", 9000000)) }}`
	if _, err := MustCompile(half).Render(env); err != nil {
		t.Fatalf("the first half: %v", err)
	}
	_, err := MustCompile(half).Render(env)
	if !errors.Is(err, ErrFormulaBudget) {
		t.Fatalf("the second half: err = %v, want the budget error", err)
	}
	// Without a shared budget each render has its own.
	env.Budget = nil
	for range 2 {
		if _, err := MustCompile(half).Render(env); err != nil {
			t.Fatalf("own budget: %v", err)
		}
	}
}

// TestOrdinaryFormulasStayWithinTheBudget: the work real recipes do is far
// from the bounds.
func TestOrdinaryFormulasStayWithinTheBudget(t *testing.T) {
	env := hostileEnv(t)
	for _, src := range []string{
		`{{ join(map(trigger.items, #.name + "-" + string(#.id)), ",") }}`,
		`{{ len(filter(split(trigger.text, ","), # == "a")) }}`,
		`{{ toJSON(map(trigger.items[0:100], [#.id, #.name])) }}`,
		`{{ reduce(trigger.items, #acc + #.id, 0) }}`,
		`{{ upper(trigger.seed) + lower(trigger.seed) }}`,
		`{{ sortBy(trigger.items, -#.id)[0].id }}`,
		`{{ reduce(1..200, [#acc], [])[0][0][0] }}`,
	} {
		if _, err := MustCompile(src).Render(env); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}
