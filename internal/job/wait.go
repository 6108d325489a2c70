package job

import (
	"context"
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

// waiters lets API calls wait for a job this process runs, without
// polling the database in a tight loop.
type waiters struct {
	mu        sync.Mutex
	byJob     map[string][]chan struct{}
	slotFreed chan struct{}
}

func (w *waiters) init() {
	w.byJob = map[string][]chan struct{}{}
	w.slotFreed = make(chan struct{}, 1)
}

func (w *waiters) freed() {
	select {
	case w.slotFreed <- struct{}{}:
	default:
	}
}

func (w *waiters) add(id string) chan struct{} {
	ch := make(chan struct{})
	w.mu.Lock()
	w.byJob[id] = append(w.byJob[id], ch)
	w.mu.Unlock()
	return ch
}

func (w *waiters) remove(id string, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	list := w.byJob[id]
	for i, c := range list {
		if c == ch {
			w.byJob[id] = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(w.byJob[id]) == 0 {
		delete(w.byJob, id)
	}
}

func (w *waiters) finished(id string) {
	w.mu.Lock()
	list := w.byJob[id]
	delete(w.byJob, id)
	w.mu.Unlock()
	for _, ch := range list {
		close(ch)
	}
}

// Wait returns the job once it has finished, or as it is when ctx ends.
// It also polls (once a second) in case another process ran the job.
func (r *Runner) Wait(ctx context.Context, id string) (store.Job, error) {
	ch := r.waiters.add(id)
	defer r.waiters.remove(id, ch)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		j, err := r.Store.Job(context.WithoutCancel(ctx), id)
		if err != nil || j.Status == queue.StatusSucceeded || j.Status == queue.StatusFailed {
			return j, err
		}
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			return r.Store.Job(context.WithoutCancel(ctx), id)
		}
	}
}
