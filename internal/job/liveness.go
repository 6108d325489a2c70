package job

import (
	"context"
	"time"
)

// beatInterval is how often a runner says it is alive and looks for dead
// processes whose jobs it can take back.
const beatInterval = 2 * time.Second

// staleAfter is how old a beat may be before its process counts as dead
// when its lock cannot tell (another host, no file locks): never sooner
// than its job leases would run out, so a live process that shares the
// database keeps its jobs.
func (r *Runner) staleAfter() time.Duration {
	return max(r.Lease, 3*beatInterval)
}

// register records this runner alive and takes back at once the jobs of
// processes that died (the earlier self of a restart, above all), before
// the first claim.
func (r *Runner) register(ctx context.Context) error {
	if err := r.Store.Register(ctx, r.Owner); err != nil {
		return err
	}
	r.releaseDead(ctx)
	return nil
}

// liveness beats and looks for dead processes until the workers are
// drained.
func (r *Runner) liveness() {
	defer close(r.livenessDone)
	r.every(beatInterval, r.beat)
}

func (r *Runner) beat() {
	ctx := context.Background()
	if err := r.Store.Beat(ctx, r.Owner); err != nil {
		r.Log.Error("liveness beat", "err", err)
	}
	r.releaseDead(ctx)
}

func (r *Runner) releaseDead(ctx context.Context) {
	released, err := r.Store.ReleaseDead(ctx, r.Owner, r.staleAfter())
	for _, x := range released {
		r.Log.Info("took back the jobs of a dead process", "owner", x.Owner, "jobs", x.Jobs, "why", x.Why)
	}
	if err != nil {
		r.Log.Error("release jobs of dead processes", "err", err)
	}
}

// unregister says this runner stopped cleanly: its jobs are finished or
// handed back, so no one need release them.
func (r *Runner) unregister() {
	<-r.livenessDone
	if err := r.Store.Unregister(context.Background(), r.Owner); err != nil {
		r.Log.Warn("unregister process", "err", err)
	}
}
