// Package scheduler fires polling and schedule triggers. It keeps no timer
// of its own that matters: each started recipe's next poll or tick is a
// durable, leased row in the store (store.TriggerState), which any process
// may claim once it is due. The process that claims it polls (or ticks)
// and completes it in one transaction with the jobs it starts, so a poll or
// tick fires once however many processes share the database, and a
// process that dies mid-poll only delays it until its lease runs out.
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/trigger/schedule"
)

// Defaults.
const (
	// DefaultLease is how long a claimed poll or tick is held without a
	// sign of life: the claimer renews it every third of that while it
	// runs, so a long poll keeps it and a process that dies mid-poll
	// delays that poll by at most this much.
	DefaultLease = time.Minute
	// DefaultIdle is the longest the loop sleeps without looking: recipes
	// armed by another process are seen within it.
	DefaultIdle = time.Second
	// claimBatch is how many due triggers one RunDue pass takes (and runs
	// at once).
	claimBatch = 8
	// maxInFlight bounds the polls and ticks Run has under way at once.
	maxInFlight = 16
	// retryAfterError is when a poll or tick that could not run at all
	// (its recipe unreadable, the store failing) is tried again.
	retryAfterError = 10 * time.Second
)

// Scheduler claims and fires due polls and ticks.
type Scheduler struct {
	Store    store.Store
	Catalog  *catalog.Catalog
	Executor *httprequest.Executor
	Owner    string
	Log      *slog.Logger
	// Metrics may be nil (tests).
	Metrics *metrics.Metrics
	// Now is the clock; tests inject one.
	Now   func() time.Time
	Lease time.Duration
	Idle  time.Duration
	// RenewEvery is how often a running poll renews its lease (default a
	// third of Lease); tests on an injected clock set it.
	RenewEvery time.Duration

	wakeOnce sync.Once
	wake     chan struct{}
}

func (s *Scheduler) init() {
	s.wakeOnce.Do(func() {
		s.wake = make(chan struct{}, 1)
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Lease <= 0 {
			s.Lease = DefaultLease
		}
		if s.Idle <= 0 {
			s.Idle = DefaultIdle
		}
		if s.RenewEvery <= 0 {
			s.RenewEvery = s.Lease / 3
		}
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Arm makes a recipe's trigger fire now (the recipe was started): polling
// and schedule recipes fire their first event at once.
func (s *Scheduler) Arm(ctx context.Context, r store.Recipe) error {
	s.init()
	if r.TriggerType != recipe.TriggerPolling && r.TriggerType != recipe.TriggerSchedule {
		return nil
	}
	if err := s.Store.ArmTrigger(ctx, r.ID, s.Now()); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Replan follows an edit of a started recipe's trigger: a polling trigger
// polls at once (with its new request), a schedule runs on its new
// schedule from now on (without an event for the edit itself), and any
// other trigger has no row any more.
func (s *Scheduler) Replan(ctx context.Context, r store.Recipe) error {
	s.init()
	var doc recipe.Document
	if err := json.Unmarshal(r.Doc, &doc); err != nil {
		return err
	}
	due := s.Now()
	switch doc.Trigger.Type {
	case recipe.TriggerPolling:
	case recipe.TriggerSchedule:
		t := doc.Trigger
		sched, err := schedule.Parse(time.Duration(t.Every), t.Cron, t.Timezone)
		if err != nil {
			return err
		}
		due = sched.Next(due)
	default:
		return s.Store.DisarmTrigger(ctx, r.ID)
	}
	if err := s.Store.ArmTrigger(ctx, r.ID, due); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Wake makes the loop look for due work now.
func (s *Scheduler) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fires due triggers until ctx ends, then waits for those under way.
// Each poll or tick runs on its own (at most MaxInFlight at once), so a
// slow poll does not hold up the ticks and polls that fall due meanwhile.
func (s *Scheduler) Run(ctx context.Context) {
	s.init()
	var inflight sync.WaitGroup
	defer inflight.Wait()
	slots := make(chan struct{}, maxInFlight)
	for {
		busy, err := s.dispatch(ctx, slots, &inflight)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("trigger scheduler", "err", err)
		}
		wait := s.Idle
		if busy {
			// Every slot is taken: the next to finish wakes the loop.
			wait = time.Hour
		} else if next, err := s.Store.NextTriggerDue(ctx); err == nil && !next.IsZero() {
			if d := next.Sub(s.Now()); d < wait {
				wait = max(d, 10*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// dispatch claims as many due triggers as there are free slots and starts
// each in its own goroutine; a finished one wakes the loop. busy reports
// that every slot is taken.
func (s *Scheduler) dispatch(ctx context.Context, slots chan struct{}, inflight *sync.WaitGroup) (busy bool, err error) {
	free := cap(slots) - len(slots)
	if free == 0 {
		return true, nil
	}
	if next, err := s.Store.NextTriggerDue(ctx); err != nil || next.IsZero() || next.After(s.Now()) {
		return false, err
	}
	claims, err := s.Store.ClaimTriggers(ctx, s.Owner, s.Now(), free, s.Lease)
	if err != nil {
		return false, err
	}
	for _, c := range claims {
		slots <- struct{}{}
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			defer func() { <-slots; s.Wake() }()
			if err := s.fireClaimed(ctx, c); err != nil && ctx.Err() == nil {
				s.Log.Error("trigger", "recipe", c.RecipeID, "err", err)
			}
		}()
	}
	return len(claims) == free, nil
}

// fireClaimed runs one claimed poll or tick with its lease kept alive, and
// hands it back (a little later) if it could not run at all.
func (s *Scheduler) fireClaimed(ctx context.Context, c store.TriggerClaim) error {
	stop := s.keepLease(ctx, c)
	defer stop()
	err := s.fire(ctx, c)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		// Shutting down: hand it back at once, due as it was.
		s.release(c)
	default:
		// Keep its due time (a tick's scheduled time, an every-grid) and
		// hold it a little longer than the error: any process may try it
		// again once that runs out.
		s.Store.ExtendTrigger(context.WithoutCancel(ctx), c.RecipeID, s.Owner, c.Due, s.Now().Add(retryAfterError))
	}
	return err
}

// RunDue claims the triggers due now and fires them, concurrently, and
// waits for them; it returns how many it fired. Tests call it, with an
// injected clock, where Run would keep going.
func (s *Scheduler) RunDue(ctx context.Context) (int, error) {
	s.init()
	total := 0
	// A read first: most passes find nothing due, and a claim is a write.
	if next, err := s.Store.NextTriggerDue(ctx); err != nil || next.IsZero() || next.After(s.Now()) {
		return 0, err
	}
	for {
		claims, err := s.Store.ClaimTriggers(ctx, s.Owner, s.Now(), claimBatch, s.Lease)
		if err != nil || len(claims) == 0 {
			return total, err
		}
		var wg sync.WaitGroup
		errs := make([]error, len(claims))
		for i, c := range claims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.fireClaimed(ctx, c)
			}()
		}
		wg.Wait()
		total += len(claims)
		if err := errors.Join(errs...); err != nil {
			return total, err
		}
		if len(claims) < claimBatch {
			return total, nil
		}
	}
}

// keepLease renews the lease on c every RenewEvery until the returned
// stop is called.
func (s *Scheduler) keepLease(ctx context.Context, c store.TriggerClaim) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.RenewEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				err := s.Store.ExtendTrigger(context.WithoutCancel(ctx), c.RecipeID, s.Owner, c.Due, s.Now().Add(s.Lease))
				if errors.Is(err, queue.ErrLeaseLost) {
					// The poll finished meanwhile, or another process took
					// it over (and its completion wins).
					return
				}
				if err != nil {
					// A busy database: try again at the next tick.
					s.Log.Warn("could not renew a trigger's lease", "recipe", c.RecipeID, "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// fire runs one claimed poll or tick.
func (s *Scheduler) fire(ctx context.Context, c store.TriggerClaim) error {
	// A recipe started in another process a moment ago is read from the
	// store by the catalog itself.
	r, err := s.Catalog.Recipe(ctx, c.RecipeID)
	if err != nil {
		return err
	}
	switch r.Doc.Trigger.Type {
	case recipe.TriggerSchedule:
		return s.tick(ctx, r, c)
	case recipe.TriggerPolling:
		return s.poll(ctx, r, c)
	}
	// The recipe became a webhook or manual one while stopped (Replan
	// disarms a started one): its row is left over, and nothing is due.
	return s.Store.DisarmTrigger(context.WithoutCancel(ctx), c.RecipeID)
}

// counted records a poll or tick (kind) and how it went.
func (s *Scheduler) counted(kind, outcome string) {
	if s.Metrics != nil {
		s.Metrics.TriggerRuns.WithLabelValues(kind, outcome).Inc()
	}
}
