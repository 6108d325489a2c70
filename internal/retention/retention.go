// Package retention deletes old job history in the background: finished
// jobs older than a number of days or beyond the newest N of their recipe
// (a workspace default, overridden per recipe), with the events and blobs
// no job refers to any more.
//
// It works like River's job cleaner: a pass every Interval, each pass a
// loop of small batches with a pause between them, so that the deletes
// share the SQLite writer with webhook intake without holding it up. A
// pass is done by one process at a time (a lease), however many share
// the database. Pending and running jobs are never deleted.
package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
)

// Defaults of a Pruner.
const (
	DefaultInterval  = time.Minute
	DefaultBatchSize = 200
	DefaultPause     = 100 * time.Millisecond
)

// leaseName is the lease that makes one process prune at a time.
const leaseName = "retention"

// recipePage is how many recipe ids a pass reads at once.
const recipePage = 100

// Policy is how long jobs are kept. Zero in a field: no limit of that kind;
// both zero: keep forever.
type Policy struct {
	Days    int // finished jobs created more than Days days ago go
	MaxJobs int // only the newest MaxJobs finished jobs of a recipe stay
}

// Forever reports whether the policy keeps every job.
func (p Policy) Forever() bool { return p.Days <= 0 && p.MaxJobs <= 0 }

// Override is p with the fields a recipe sets replaced.
func (p Policy) Override(r *recipe.Retention) Policy {
	if r == nil {
		return p
	}
	if r.Days != nil {
		p.Days = *r.Days
	}
	if r.MaxJobs != nil {
		p.MaxJobs = *r.MaxJobs
	}
	return p
}

// Pruner is the background service. Set the fields, then Start; Stop
// waits for the batch under way.
type Pruner struct {
	Store store.Store
	Log   *slog.Logger
	// Now is the clock (tests move it on).
	Now func() time.Time
	// Default applies to recipes without a retention of their own (and to
	// jobs of deleted recipes).
	Default Policy
	// Owner names this process in the lease.
	Owner     string
	Interval  time.Duration
	BatchSize int
	// Pause between two batches: the writer's time for everyone else.
	Pause time.Duration

	cancel context.CancelFunc
	done   chan struct{}
}

func (p *Pruner) defaults() {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Interval <= 0 {
		p.Interval = DefaultInterval
	}
	if p.BatchSize <= 0 {
		p.BatchSize = DefaultBatchSize
	}
	if p.Pause < 0 {
		p.Pause = 0
	} else if p.Pause == 0 {
		p.Pause = DefaultPause
	}
}

// Start runs a pass at once and then every Interval, until Stop.
func (p *Pruner) Start(ctx context.Context) error {
	p.defaults()
	ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			start := p.Now()
			res, err := p.RunOnce(ctx)
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				p.Log.Error("retention: prune", "err", err)
			case res.Jobs > 0:
				p.Log.Info("retention: pruned", "jobs", res.Jobs, "events", res.Events, "blobs", res.Blobs,
					"took", p.Now().Sub(start).Round(time.Millisecond).String())
			}
			t.Reset(p.Interval)
		}
	}()
	return nil
}

// Stop ends the service after the batch under way.
func (p *Pruner) Stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	<-p.done
}

// RunOnce is one pass over every recipe that has jobs. It does nothing
// (and no error) while another process holds the lease.
func (p *Pruner) RunOnce(ctx context.Context) (store.PruneResult, error) {
	p.defaults()
	var total store.PruneResult
	held, err := p.lease(ctx)
	if err != nil || !held {
		return total, err
	}
	leasedAt := p.Now()
	policies, err := p.policies(ctx)
	if err != nil {
		return total, err
	}
	for after := ""; ; {
		ids, err := p.Store.JobRecipes(ctx, after, recipePage)
		if err != nil {
			return total, err
		}
		for _, id := range ids {
			if p.Now().Sub(leasedAt) > p.Interval/2 {
				// A long pass keeps its lease.
				if held, err = p.lease(ctx); err != nil || !held {
					return total, err
				}
				leasedAt = p.Now()
			}
			pol, ok := policies[id]
			if !ok {
				pol = p.Default
			}
			res, err := p.pruneRecipe(ctx, id, pol)
			total = total.Add(res)
			if err != nil {
				return total, fmt.Errorf("recipe %s: %w", id, err)
			}
		}
		if len(ids) < recipePage {
			return total, nil
		}
		after = ids[len(ids)-1]
	}
}

func (p *Pruner) lease(ctx context.Context) (bool, error) {
	now := p.Now()
	return p.Store.AcquireLease(ctx, leaseName, p.Owner, now, now.Add(2*p.Interval))
}

// policies reads the recipes that set a retention of their own.
func (p *Pruner) policies(ctx context.Context) (map[string]Policy, error) {
	recs, err := p.Store.Recipes(ctx)
	if err != nil {
		return nil, fmt.Errorf("read recipes: %w", err)
	}
	out := map[string]Policy{}
	for _, r := range recs {
		var doc struct {
			Retention *recipe.Retention `json:"retention"`
		}
		if err := json.Unmarshal(r.Doc, &doc); err != nil {
			// A document the store holds was validated when saved; one
			// that does not parse keeps the default rather than stopping
			// every other recipe's pruning.
			p.Log.Warn("retention: recipe document unreadable; the default applies", "recipe", r.ID, "err", err)
			continue
		}
		if doc.Retention != nil {
			out[r.ID] = p.Default.Override(doc.Retention)
		}
	}
	return out, nil
}

// pruneRecipe deletes a recipe's due jobs batch by batch.
func (p *Pruner) pruneRecipe(ctx context.Context, recipeID string, pol Policy) (store.PruneResult, error) {
	var total store.PruneResult
	if pol.Forever() {
		return total, nil
	}
	var before time.Time
	if pol.Days > 0 {
		before = p.Now().Add(-time.Duration(pol.Days) * 24 * time.Hour)
	}
	cutoff, err := p.Store.PruneCutoff(ctx, recipeID, before, pol.MaxJobs)
	if err != nil || cutoff == "" {
		return total, err
	}
	for {
		res, err := p.Store.PruneJobs(ctx, store.PruneJobsParams{RecipeID: recipeID, Below: cutoff, Limit: p.BatchSize})
		total = total.Add(res)
		if err != nil || res.Jobs < p.BatchSize {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(p.Pause):
		}
	}
}
