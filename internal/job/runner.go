package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
)

// pollInterval is how often an idle runner looks for due work it was not
// told about (retries coming due, jobs enqueued by another process).
const pollInterval = 100 * time.Millisecond

// defaultBudgetWait is Runner.BudgetWait's default.
const defaultBudgetWait = time.Second

func (r *Runner) budgetWait() time.Duration {
	if r.BudgetWait > 0 {
		return r.BudgetWait
	}
	return defaultBudgetWait
}

// DefaultJobDeadline is DESIGN.md's job deadline.
const DefaultJobDeadline = time.Hour

func (r *Runner) jobDeadline() time.Duration {
	if r.JobDeadline > 0 {
		return r.JobDeadline
	}
	return DefaultJobDeadline
}

// deadlineError is the error of a job that ran out of time.
func (r *Runner) deadlineError() string {
	return fmt.Sprintf("job deadline of %s exceeded", r.jobDeadline())
}

// maxBackoff caps the delay between two attempts of a step.
const maxBackoff = 10 * time.Minute

// Runner claims jobs and runs them. Start it once; Stop drains it.
type Runner struct {
	Store    store.Store
	Catalog  *catalog.Catalog
	Executor *httprequest.Executor
	Log      *slog.Logger
	Metrics  *metrics.Metrics
	// Owner names this process in leases; unique per process.
	Owner           string
	Workers         int
	Lease           time.Duration
	RetryBase       time.Duration
	ShutdownTimeout time.Duration
	Now             func() time.Time
	// BudgetWait is the longest a job waits in its worker for a
	// connection's request budget before it goes back to the queue
	// (default 1s): a slow connection must not take every worker.
	BudgetWait time.Duration
	// JobDeadline bounds a job's wall-clock time from its first claim,
	// retries and waits included (default DefaultJobDeadline): past it the
	// running step is cancelled and the job fails.
	JobDeadline time.Duration
	// MaxRecordedBody and MaxJobRecord bound what a job records (see
	// record_limit.go); zero means the defaults.
	MaxRecordedBody int64
	MaxJobRecord    int64

	stop    chan struct{}
	done    chan struct{}   // closed when the claim loop has returned
	drained chan struct{}   // closed when every worker has returned
	runCtx  context.Context // cancelled when shutdown runs out of patience
	// stepCtx is runCtx bounding the wait for a connection's request
	// budget (BudgetWait), made once rather than for every step.
	stepCtx  context.Context
	cancel   context.CancelFunc // cancels runCtx
	wg       sync.WaitGroup
	mu       sync.Mutex
	inflight map[string]bool
	slots    chan struct{}      // one per worker: taken before a job is handed over
	work     chan queue.Claimed // to the long-lived worker goroutines
	waiters  waiters

	local        chan queue.Claimed // jobs enqueued claimed by this process
	localFree    atomic.Int64
	closing      atomic.Bool
	dispatchDone chan struct{}
	livenessDone chan struct{} // closed when the liveness loop has returned
}

// Start begins claiming and running jobs in the background.
func (r *Runner) Start(ctx context.Context) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Workers <= 0 {
		r.Workers = 1
	}
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	r.drained = make(chan struct{})
	r.livenessDone = make(chan struct{})
	if err := r.register(ctx); err != nil {
		return err
	}
	r.inflight = map[string]bool{}
	r.slots = make(chan struct{}, r.Workers)
	r.work = make(chan queue.Claimed)
	// Long-lived workers rather than a goroutine per job: a job's stack
	// grows to a few kilobytes, and growing a fresh one for every job
	// showed up in profiles.
	for i := 0; i < r.Workers; i++ {
		go func() {
			for c := range r.work {
				r.run(c)
			}
		}()
	}
	r.runCtx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	r.stepCtx = httprequest.WithBudgetWait(r.runCtx, r.budgetWait())
	r.waiters.init()
	r.local = make(chan queue.Claimed, localFactor*r.Workers)
	r.localFree.Store(int64(localFactor * r.Workers))
	r.dispatchDone = make(chan struct{})
	go r.dispatchLoop()
	go r.claimLoop()
	go r.heartbeat()
	go r.liveness()
	return nil
}

// Stop stops claiming, lets running jobs finish for up to ShutdownTimeout,
// then cancels them; a cancelled step is put back on the queue (not
// counted as an attempt) so that the next process runs it.
func (r *Runner) Stop() {
	r.closing.Store(true)
	close(r.stop)
	<-r.done
	<-r.dispatchDone
	r.releaseLocal()
	finished := make(chan struct{})
	go func() { r.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(r.ShutdownTimeout):
		r.Log.Warn("shutdown: cancelling running steps; they will be re-queued")
		r.cancel()
		<-finished
	}
	r.cancel()
	close(r.work)
	close(r.drained)
	r.unregister()
}

func (r *Runner) claimLoop() {
	defer close(r.done)
	timer := time.NewTimer(pollInterval)
	defer timer.Stop()
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		free := r.Workers - len(r.slots)
		if free <= 0 {
			select {
			case <-r.stop:
				return
			case <-r.waiters.slotFreed:
			}
			continue
		}
		if free > 256 {
			free = 256
		}
		claimed, err := r.Store.Claim(r.runCtx, r.Owner, free, r.Lease)
		if err != nil {
			r.Log.Error("claim jobs", "err", err)
		}
		for i, c := range claimed {
			if !r.startJob(c) {
				for _, rest := range claimed[i:] {
					r.release(rest)
				}
				return
			}
		}
		if len(claimed) > 0 && err == nil {
			continue
		}
		timer.Reset(pollInterval)
		select {
		case <-r.stop:
			return
		case <-r.Store.Ready():
		case <-timer.C:
		}
	}
}

// every calls fn every d until Stop has drained every worker: the shape
// of the runner's background loops (heartbeat, liveness).
func (r *Runner) every(d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-r.drained:
			return
		case <-t.C:
		}
		fn()
	}
}

// heartbeat renews the leases of running jobs well before they expire,
// until Stop has drained every worker.
func (r *Runner) heartbeat() {
	r.every(r.Lease/3, r.extendLeases)
}

func (r *Runner) extendLeases() {
	r.mu.Lock()
	ids := make([]string, 0, len(r.inflight))
	for id := range r.inflight {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	if err := r.Store.Extend(context.Background(), r.Owner, ids, r.Lease); err != nil {
		r.Log.Error("extend job leases", "err", err)
	}
}

func (r *Runner) run(c queue.Claimed) {
	defer func() {
		r.mu.Lock()
		delete(r.inflight, c.JobID)
		r.mu.Unlock()
		<-r.slots
		r.waiters.freed()
		r.wg.Done()
	}()
	status, err := r.execute(c)
	if err != nil {
		if errors.Is(err, queue.ErrLeaseLost) {
			r.Log.Warn("job lease lost; another worker owns it now", "job", c.JobID)
			return
		}
		r.Log.Error("run job", "job", c.JobID, "err", err)
		return
	}
	if status == queue.StatusSucceeded || status == queue.StatusFailed {
		r.Metrics.JobsFinished.WithLabelValues(status).Inc()
		r.waiters.finished(c.JobID)
	}
}

// execute runs the job's remaining steps and records the outcome. It
// returns the job's status after this claim.
func (r *Runner) execute(c queue.Claimed) (string, error) {
	ctx := r.runCtx
	rec, err := r.Catalog.Recipe(ctx, c.RecipeID)
	if errors.Is(err, store.ErrNotFound) {
		return r.fail(c, nil, nil, "recipe no longer exists")
	}
	if err != nil {
		return "", err
	}
	triggerJSON := c.Payload
	if triggerJSON == nil {
		if triggerJSON, err = r.Store.EventPayload(ctx, c.EventID); err != nil {
			return "", fmt.Errorf("read trigger output: %w", err)
		}
	}
	steps, warnings, err := decodeSteps(c.Steps)
	if err != nil {
		return r.fail(c, nil, nil, "stored progress is unreadable: "+err.Error())
	}
	trigger, err := decodeTree(triggerJSON)
	if err != nil {
		return r.fail(c, steps, warnings, "trigger output is unreadable: "+err.Error())
	}
	// Drift: fields the real payload carries that the datatree lacks.
	warnings = setWarning(warnings, "trigger", rec.Datatree.TriggerNewFields(trigger))
	steps = alignSteps(steps, rec)
	// The deadline counts from the job's first claim (a job claimed on
	// enqueue starts now), across retries and restarts.
	started := c.StartedAt
	if started.IsZero() {
		started = r.Now()
	}
	deadline := started.Add(r.jobDeadline())
	stepCtx, cancelSteps := context.WithDeadline(r.stepCtx, deadline)
	defer cancelSteps()
	env := newEnv(trigger, len(rec.Steps))
	for i, req := range rec.Steps {
		sr := &steps[i]
		if sr.Status == queue.StatusSucceeded && sr.Output != nil {
			tree, err := r.outputTree(ctx, i, sr)
			if err != nil {
				return r.fail(c, steps, warnings, err.Error())
			}
			env.Steps[sr.ID] = tree
			continue
		}
		if !r.Now().Before(deadline) {
			msg := r.deadlineError()
			if sr.Error != nil {
				msg += ": " + stepError(i, sr.ID, *sr.Error)
			}
			return r.fail(c, steps, warnings, msg)
		}
		conn, err := r.connectionFor(ctx, req)
		if err != nil {
			msg := err.Error()
			sr.Status, sr.Error = queue.StatusFailed, &msg
			return r.fail(c, steps, warnings, stepError(i, sr.ID, msg))
		}
		start := r.Now()
		sr.Attempts++
		sr.StartedAt, sr.NextAttemptAt = &start, nil
		out := r.Executor.Do(stepCtx, req, env, conn, c.JobID+"."+sr.ID)
		end := r.Now()
		sr.FinishedAt = &end
		sr.DurationMS = end.Sub(start).Milliseconds()
		sr.Input, sr.Output = recorded(out)
		r.Metrics.StepDuration.WithLabelValues(req.Step.Action).Observe(end.Sub(start).Seconds())
		if out.Err == nil {
			if req.Step.ResponseType == payload.XML {
				// One element where the example had several is still a list.
				out.Output.Body = payload.CoerceLists(out.Output.Body, rec.Datatree.StepBodyFields(sr.ID))
			}
			sr.Status, sr.Error = queue.StatusSucceeded, nil
			env.Steps[sr.ID] = out.Output.Tree()
			warnings = setWarning(warnings, "steps."+sr.ID, rec.Datatree.StepNewFields(sr.ID, out.Output.Body))
			r.Metrics.StepAttempts.WithLabelValues("succeeded").Inc()
			continue
		}
		msg := out.Err.Error()
		sr.Error = &msg
		if ctx.Err() != nil {
			// Shutdown cut this attempt short: it does not count, and the
			// job goes back to the queue for the next process.
			sr.Attempts--
			sr.Status = queue.StatusPending
			return r.retry(c, steps, warnings, r.Now())
		}
		if stepCtx.Err() != nil || !end.Before(deadline) {
			msg = "cancelled: " + r.deadlineError()
			sr.Status, sr.Error = queue.StatusFailed, &msg
			r.Metrics.StepAttempts.WithLabelValues("failed").Inc()
			return r.fail(c, steps, warnings, fmt.Sprintf("%s (steps[%d] %s was running)", r.deadlineError(), i, sr.ID))
		}
		if out.Deferred {
			// The connection's request budget is busy: nothing was sent.
			// The job waits on the queue, not in a worker, so jobs of
			// other connections keep running; it is not an attempt.
			sr.Attempts--
			at := end.Add(out.RetryAfter)
			sr.Status, sr.NextAttemptAt = queue.StatusPending, &at
			r.Metrics.StepAttempts.WithLabelValues("deferred").Inc()
			return r.retry(c, steps, warnings, at)
		}
		if out.Retryable && sr.Attempts < req.MaxAttempts {
			at := end.Add(r.backoff(sr.Attempts, out.RetryAfter))
			if !at.Before(deadline) {
				// Waiting would only end in the deadline: fail now.
				sr.Status = queue.StatusFailed
				r.Metrics.StepAttempts.WithLabelValues("failed").Inc()
				return r.fail(c, steps, warnings, fmt.Sprintf("%s before the next attempt: %s", r.deadlineError(), stepError(i, sr.ID, msg)))
			}
			sr.Status, sr.NextAttemptAt = queue.StatusPending, &at
			r.Metrics.StepAttempts.WithLabelValues("retry").Inc()
			return r.retry(c, steps, warnings, at)
		}
		r.Metrics.StepAttempts.WithLabelValues("failed").Inc()
		sr.Status = queue.StatusFailed
		if out.Retryable {
			msg = fmt.Sprintf("%s (gave up after %d attempts)", msg, sr.Attempts)
		}
		return r.fail(c, steps, warnings, stepError(i, sr.ID, msg))
	}
	return queue.StatusSucceeded, r.complete(c, queue.StatusSucceeded, steps, warnings, "")
}

// recorded is what a job keeps of an attempt: copies, so that capping the
// record never changes what later pills read.
func recorded(out httprequest.Outcome) (*RecordedInput, *RecordedOutput) {
	var in *RecordedInput
	var o *RecordedOutput
	if out.Input != nil {
		in = &RecordedInput{Input: *out.Input}
	}
	if out.Output != nil {
		o = &RecordedOutput{Output: *out.Output}
	}
	return in, o
}

// save encodes the job's progress within its limits and stores the bodies
// moved out of it, before the record that names them is written.
func (r *Runner) save(jobID string, steps []StepRecord, warnings []Warning) (record, error) {
	saved, err := r.encodeRecord(steps, warnings)
	if err != nil {
		return record{}, err
	}
	if len(saved.blobs) > 0 {
		// Referenced by the job: retention deletes them with it.
		if err := r.Store.PutBlobs(context.WithoutCancel(r.runCtx), jobID, saved.blobs); err != nil {
			return record{}, fmt.Errorf("store recorded bodies: %w", err)
		}
	}
	return saved, nil
}

func (r *Runner) connectionFor(ctx context.Context, req *httprequest.Request) (*connectionLive, error) {
	name := req.Step.Connection
	if name == "" {
		return nil, nil
	}
	l, err := r.Catalog.Connection(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("connection %q no longer exists", name)
	}
	return l, err
}

func (r *Runner) fail(c queue.Claimed, steps []StepRecord, warnings []Warning, msg string) (string, error) {
	return queue.StatusFailed, r.complete(c, queue.StatusFailed, steps, warnings, msg)
}

// retry saves progress and puts the job back on the queue until at; it
// returns the job's status after this claim.
func (r *Runner) retry(c queue.Claimed, steps []StepRecord, warnings []Warning, at time.Time) (string, error) {
	saved, err := r.save(c.JobID, steps, warnings)
	if err != nil {
		return "", err
	}
	if saved.lost != "" {
		// The record could not keep an output a later claim needs: end
		// the job here rather than resume it without that output.
		msg := fmt.Sprintf("job record limit of %s reached: %s", byteSize(r.maxJobRecord()), saved.lost)
		return queue.StatusFailed, r.Store.Complete(context.WithoutCancel(r.runCtx), r.Owner, c.JobID, queue.StatusFailed, saved.steps, msg)
	}
	return queue.StatusPending, r.Store.RetryAt(context.WithoutCancel(r.runCtx), r.Owner, c.JobID, at, saved.steps)
}

// backoff is exponential with full jitter over its upper half, and never
// shorter than the server's Retry-After.
func (r *Runner) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := r.RetryBase << (attempt - 1)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	if retryAfter > d {
		d = retryAfter
	}
	return d
}

func stepError(i int, id, msg string) string {
	return fmt.Sprintf("steps[%d] %s: %s", i, id, msg)
}

func nonNil(s []StepRecord) []StepRecord {
	if s == nil {
		return []StepRecord{}
	}
	return s
}

// alignSteps gives every step of the recipe a record, keeping progress of
// earlier claims.
func alignSteps(steps []StepRecord, rec *catalog.Recipe) []StepRecord {
	out := make([]StepRecord, len(rec.Steps))
	for i, req := range rec.Steps {
		if i < len(steps) && steps[i].ID == req.Step.ID {
			out[i] = steps[i]
			continue
		}
		out[i] = StepRecord{ID: req.Step.ID, Status: queue.StatusPending}
	}
	return out
}
