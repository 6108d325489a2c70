package connection

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits is a connection's request budget: how fast and how many at once
// requests may go out through it, across every recipe that uses it. A zero
// field sets no limit.
type Limits struct {
	// RequestsPerSecond may be fractional (0.5: one request every 2s).
	RequestsPerSecond float64 `json:"requests_per_second,omitempty"`
	// Burst is how many requests may go at once after a quiet spell
	// (default 1: never faster than the rate over any window).
	Burst         int `json:"burst,omitempty"`
	MaxConcurrent int `json:"max_concurrent,omitempty"`
}

// maxLimit bounds each field: higher values are surely a typo, and
// MaxConcurrent sizes a channel.
const maxLimit = 10000

func (l *Limits) active() bool {
	return l != nil && (l.RequestsPerSecond > 0 || l.MaxConcurrent > 0)
}

// problems lists what is wrong with the limits; nil l has none.
func (l *Limits) problems() []Problem {
	if l == nil {
		return nil
	}
	var ps []Problem
	add := func(path, format string, args ...any) { ps = append(ps, Problem{path, fmt.Sprintf(format, args...)}) }
	if l.RequestsPerSecond < 0 || l.RequestsPerSecond > maxLimit {
		add("limits.requests_per_second", "%v is not a rate between 0 and %d requests per second (e.g. 5, or 0.5 for one every 2s)", l.RequestsPerSecond, maxLimit)
	}
	switch {
	case l.Burst < 0 || l.Burst > maxLimit:
		add("limits.burst", "%d is not a whole number between 1 and %d", l.Burst, maxLimit)
	case l.Burst > 0 && l.RequestsPerSecond == 0:
		add("limits.burst", "needs limits.requests_per_second")
	}
	if l.MaxConcurrent < 0 || l.MaxConcurrent > maxLimit {
		add("limits.max_concurrent", "%d is not a whole number between 1 and %d", l.MaxConcurrent, maxLimit)
	}
	return ps
}

// Budget hands out permission to send a request: a slot among
// MaxConcurrent and a token of the rate. One Budget is shared by every
// request through a connection.
type Budget struct {
	limits Limits
	rate   *rate.Limiter // nil: no rate limit
	slots  chan struct{} // nil: no concurrency limit
}

func newBudget(l Limits) *Budget {
	b := &Budget{limits: l}
	if l.RequestsPerSecond > 0 {
		burst := l.Burst
		if burst <= 0 {
			burst = 1
		}
		b.rate = rate.NewLimiter(rate.Limit(l.RequestsPerSecond), burst)
	}
	if l.MaxConcurrent > 0 {
		b.slots = make(chan struct{}, l.MaxConcurrent)
	}
	return b
}

// Acquire waits until a request may go, or until ctx ends (shutdown, a
// deadline). It reports how long it waited. release frees the concurrency
// slot and must be called once the response has been read. A nil Budget
// lets everything through at once.
func (b *Budget) Acquire(ctx context.Context) (release func(), waited time.Duration, err error) {
	if b == nil {
		return func() {}, 0, nil
	}
	start := time.Now()
	release = func() {}
	if b.slots != nil {
		select {
		case b.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, time.Since(start), fmt.Errorf("waiting for the connection's request budget (max_concurrent %d): %w", b.limits.MaxConcurrent, ctx.Err())
		}
		release = func() { <-b.slots }
	}
	// The slot is taken first and held while waiting for the rate: taking
	// tokens first would let requests that got theirs pile up behind the
	// slots and then go out faster than the rate.
	if b.rate != nil {
		if err := b.rate.Wait(ctx); err != nil {
			release()
			return nil, time.Since(start), fmt.Errorf("waiting for the connection's request budget (%v requests per second): %w", b.limits.RequestsPerSecond, err)
		}
	}
	return release, time.Since(start), nil
}

// ErrBudgetBusy is returned by TryAcquire when the budget would make the
// caller wait longer than it is willing to.
var ErrBudgetBusy = errors.New("the connection's request budget is in use")

// TryAcquire is Acquire for a caller that would rather come back later
// than wait long (a job holding one of a fixed number of workers): it
// waits at most maxWait, and otherwise returns ErrBudgetBusy with when to
// try again.
func (b *Budget) TryAcquire(ctx context.Context, maxWait time.Duration) (release func(), waited, retryIn time.Duration, err error) {
	if b == nil {
		return func() {}, 0, 0, nil
	}
	start := time.Now()
	release = func() {}
	if b.slots != nil {
		t := time.NewTimer(maxWait)
		select {
		case b.slots <- struct{}{}:
			t.Stop()
		case <-t.C:
			return nil, time.Since(start), maxWait, fmt.Errorf("%w: all %d concurrent requests (max_concurrent) are taken", ErrBudgetBusy, b.limits.MaxConcurrent)
		case <-ctx.Done():
			t.Stop()
			return nil, time.Since(start), 0, fmt.Errorf("waiting for the connection's request budget (max_concurrent %d): %w", b.limits.MaxConcurrent, ctx.Err())
		}
		release = func() { <-b.slots }
	}
	if b.rate != nil {
		r := b.rate.Reserve()
		delay := r.Delay()
		if delay > maxWait-time.Since(start) { // maxWait in all, slot and rate together
			r.Cancel()
			release()
			return nil, time.Since(start), delay, fmt.Errorf("%w: %v requests per second", ErrBudgetBusy, b.limits.RequestsPerSecond)
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				r.Cancel()
				release()
				return nil, time.Since(start), 0, fmt.Errorf("waiting for the connection's request budget (%v requests per second): %w", b.limits.RequestsPerSecond, ctx.Err())
			}
		}
	}
	return release, time.Since(start), 0, nil
}

// budgetRegistry keeps one Budget per connection id for the life of the
// process. The catalog opens a new Live whenever a stored connection
// changes (and the API opens one per connection test), so the budget
// cannot live in the Live: it would start afresh on every reload.
type budgetRegistry struct {
	mu   sync.Mutex
	byID map[string]*Budget
}

var budgets = &budgetRegistry{byID: map[string]*Budget{}}

// get returns the connection's budget, replacing it only when its limits
// changed (requests holding a slot of the old one finish under it).
// Entries of deleted connections stay: a few bytes each, ids never reused.
func (r *budgetRegistry) get(id string, l Limits) *Budget {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.byID[id]; ok && b.limits == l {
		return b
	}
	b := newBudget(l)
	r.byID[id] = b
	return b
}

// Budget is the request budget shared by every request through this
// connection, or nil when it sets no limits. A Live made by New looks it
// up once and keeps it, so a Live still finishing requests after the
// limits changed never swaps the newer budget back out.
func (l *Live) Budget() *Budget {
	if !l.Doc.Limits.active() {
		return nil
	}
	lookup := func() *Budget {
		if l.Doc.ID == "" {
			// Not a stored connection (nothing to share with).
			return newBudget(*l.Doc.Limits)
		}
		return budgets.get(l.Doc.ID, *l.Doc.Limits)
	}
	if l.clients == nil {
		return lookup()
	}
	c := l.clients
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.budget == nil {
		c.budget = lookup()
	}
	return c.budget
}
