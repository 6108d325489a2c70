package job

import (
	"context"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
)

// Jobs enqueued by this process (webhook intake) are stored already
// claimed by it and handed to the runner in memory: no claim transaction
// and no read of the payload per job. The reservation bounds how many may
// wait here; past that, intake enqueues jobs for any worker instead.

// localFactor sizes the in-memory hand-off buffer as a multiple of workers.
const localFactor = 4

// Reserve asks for room for one job this process will enqueue claimed by
// itself. It reports false when the buffer is full or the runner stops.
func (r *Runner) Reserve() bool {
	if r.closing.Load() {
		return false
	}
	for {
		free := r.localFree.Load()
		if free <= 0 {
			return false
		}
		if r.localFree.CompareAndSwap(free, free-1) {
			return true
		}
	}
}

// Unreserve gives back a reservation whose enqueue failed.
func (r *Runner) Unreserve() { r.localFree.Add(1) }

// Dispatch hands over a job enqueued with Owner and Lease from this
// runner, after its transaction committed. It never blocks: Reserve made room.
func (r *Runner) Dispatch(c queue.Claimed) {
	r.mu.Lock()
	r.inflight[c.JobID] = true // its lease must be renewed while it waits
	r.mu.Unlock()
	r.local <- c
}

// OwnerName is the lease owner to enqueue local jobs with.
func (r *Runner) OwnerName() string { return r.Owner }

// LeaseDuration is the lease to enqueue local jobs with.
func (r *Runner) LeaseDuration() time.Duration { return r.Lease }

func (r *Runner) dispatchLoop() {
	defer close(r.dispatchDone)
	for {
		select {
		case <-r.stop:
			return
		case c := <-r.local:
			r.localFree.Add(1)
			if !r.startJob(c) {
				r.release(c)
				return
			}
		}
	}
}

// startJob waits for a free worker and runs c on it; false if the runner
// stopped first.
func (r *Runner) startJob(c queue.Claimed) bool {
	select {
	case r.slots <- struct{}{}:
	case <-r.stop:
		return false
	}
	r.mu.Lock()
	r.inflight[c.JobID] = true
	r.mu.Unlock()
	r.wg.Add(1)
	r.work <- c
	return true
}

// releaseLocal gives back, runnable at once, the jobs still waiting in the
// buffer when the runner stops, so the next process need not wait out
// their leases.
func (r *Runner) releaseLocal() {
	for {
		select {
		case c := <-r.local:
			r.release(c)
		default:
			return
		}
	}
}

func (r *Runner) release(c queue.Claimed) {
	r.mu.Lock()
	delete(r.inflight, c.JobID)
	r.mu.Unlock()
	if err := r.Store.RetryAt(context.Background(), r.Owner, c.JobID, r.Now(), c.Steps); err != nil {
		r.Log.Warn("release job on shutdown", "job", c.JobID, "err", err)
	}
}
