package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/trigger/poll"
)

// maxBackoff caps the wait between failing polls (or the interval, when
// that is longer).
const maxBackoff = 30 * time.Minute

// poll runs one poll of a polling trigger and completes it: new records
// become jobs oldest first, records seen before are skipped, the cursor
// moves on. A failed poll creates no job, keeps the cursor, records the
// failure as the trigger's health and backs off.
func (s *Scheduler) poll(ctx context.Context, r *catalog.Recipe, c store.TriggerClaim) error {
	t := r.Doc.Trigger
	interval := time.Duration(t.Interval)
	poller, err := poll.Compile(t)
	if err != nil {
		return s.pollFailed(ctx, r, c, interval, "request", err, nil, false)
	}
	var conn *connection.Live
	if t.Connection != "" {
		if conn, err = s.Catalog.Connection(ctx, t.Connection); err != nil {
			return s.pollFailed(ctx, r, c, interval, "connection", errors.New("connection "+t.Connection+" is not available"), nil, false)
		}
	}
	var from *poll.Resume
	if len(c.Resume) > 0 {
		from = new(poll.Resume)
		if json.Unmarshal(c.Resume, from) != nil {
			from = nil // a resume point this version cannot read: start over
		}
	}
	// During a read that spans several polls the stored cursor stays the
	// one the read asks with; the largest seen so far travels in the
	// resume point (Best) and is stored when the read ends.
	best := c.Cursor
	if from != nil && from.Best != "" {
		best = from.Best
	}
	started := time.Now()
	res, err := poller.PollFrom(ctx, s.Executor, conn, best, from)
	if s.Metrics != nil && ctx.Err() == nil {
		s.Metrics.PollDuration.Observe(time.Since(started).Seconds())
	}
	if ctx.Err() != nil {
		// Shutting down: hand the poll back untouched, for this or another
		// process to run once it is up, rather than wait out the lease.
		return s.release(c)
	}
	if err != nil {
		var pe *poll.Error
		if errors.As(err, &pe) {
			return s.pollFailed(ctx, r, c, interval, string(pe.Stage), pe, pe, from != nil)
		}
		return s.pollFailed(ctx, r, c, interval, "request", err, nil, from != nil)
	}
	now := s.Now()
	// Until the first full read of the list "since" decides which records
	// start jobs (the others are only remembered); a first read cut by
	// max_pages goes on over the next polls, which still count as first.
	toStart := res.Records
	if !c.Polled {
		toStart, _ = poller.FirstStartAfter(res.Records, c.ArmedAt)
	}
	startJob := make(map[string]bool, len(toStart))
	for _, rec := range toStart {
		startJob[rec.ID] = true
	}
	seen := make([]store.SeenRecord, len(res.Records))
	for i, rec := range res.Records {
		seen[i].ID = rec.ID
		if !startJob[rec.ID] {
			continue
		}
		body, err := json.Marshal(rec.Data)
		if err != nil {
			return err
		}
		seen[i].Job = &queue.NewJob{RecipeID: r.ID, Payload: body}
	}
	next := now.Add(interval)
	var resume []byte
	cursor := &res.Cursor
	if res.Resume != nil {
		res.Resume.Best = res.Cursor
		cursor = nil // kept: see best above
		// More pages than max_pages: go on at once from where this poll
		// stopped, rather than wait an interval (or never get there).
		resume, _ = json.Marshal(res.Resume)
		// Due now, but never at this poll's own due time: each poll is
		// recorded once per due time.
		next = now
		if !next.After(c.Due) {
			next = c.Due.Add(time.Microsecond)
		}
	}
	prev := previousHealth(ctx, s.Store, r.ID)
	health, _ := json.Marshal(Health{Status: HealthOK, LastRunAt: &now, NextRunAt: &next, Records: len(res.Records),
		Pages: res.Pages, Truncated: res.Truncated, LastFailure: prev.LastFailure})
	out, err := s.Store.CompleteTrigger(context.WithoutCancel(ctx), store.TriggerCompletion{
		RecipeID: r.ID, Owner: s.Owner, Due: c.Due, FiredAt: c.Due, Now: now, Next: next,
		Cursor: cursor, Resume: resume, Polled: c.Polled || res.Resume == nil, Records: seen, Health: health,
	})
	if err != nil {
		return err
	}
	if !out.LeaseLost && !out.AlreadyFired {
		s.counted("poll", "ok")
		if m := s.Metrics; m != nil {
			m.PollRecords.WithLabelValues("job").Add(float64(len(out.Jobs)))
			m.PollRecords.WithLabelValues("remembered").Add(float64(out.Seen - len(out.Jobs)))
			m.PollRecords.WithLabelValues("seen_before").Add(float64(out.Duplicates))
		}
	}
	if out.LeaseLost {
		s.Log.Warn("poll finished after its lease was lost; another process polls again", "recipe", r.ID)
	} else if len(out.Jobs) > 0 {
		s.Log.Info("poll started jobs", "recipe", r.ID, "jobs", len(out.Jobs), "records", len(res.Records), "pages", res.Pages)
	}
	return nil
}

// pollFailed records a failed poll and backs off: the interval doubled per
// consecutive failure, at most maxBackoff (or the interval if longer).
//
// A read resumed past max_pages that fails for good (a 4xx: the page token
// expired) or three times in a row starts again from its first page.
func (s *Scheduler) pollFailed(ctx context.Context, r *catalog.Recipe, c store.TriggerClaim, interval time.Duration, stage string, err error, pe *poll.Error, resumed bool) error {
	now := s.Now()
	failures := c.Failures + 1
	wait := interval << min(failures-1, 10)
	if ceiling := max(interval, maxBackoff); wait > ceiling || wait <= 0 {
		wait = ceiling
	}
	next := now.Add(wait)
	f := &Failure{At: now, Stage: stage, Error: err.Error()}
	if pe != nil {
		if pe.Exchange.Request != nil {
			f.Request = pe.Exchange.Request
		}
		if pe.Exchange.Response != nil {
			f.Response = pe.Exchange.Response
		}
	}
	health, _ := json.Marshal(Health{Status: HealthFailing, LastRunAt: &now, NextRunAt: &next, ConsecutiveFailures: failures, LastFailure: f})
	s.Log.Warn("poll failed", "recipe", r.ID, "stage", stage, "err", err.Error(), "failures", failures, "next", next)
	s.counted("poll", "failed")
	dropResume := resumed && (failures >= 3 || (pe != nil && !pe.Retryable))
	_, cerr := s.Store.CompleteTrigger(context.WithoutCancel(ctx), store.TriggerCompletion{
		RecipeID: r.ID, Owner: s.Owner, Due: c.Due, Now: now, Next: next, Polled: c.Polled,
		Failures: failures, Health: health, Failed: true, DropResume: dropResume,
	})
	return cerr
}

func previousHealth(ctx context.Context, st store.Store, recipeID string) Health {
	var h Health
	if ts, err := st.TriggerState(ctx, recipeID); err == nil && len(ts.Health) > 0 {
		_ = json.Unmarshal(ts.Health, &h)
	}
	return h
}

// release frees a claimed poll or tick without running it: same due
// time, cursor, resume point and failure count. A completion that already
// ran makes it a no-op (the lease is gone).
func (s *Scheduler) release(c store.TriggerClaim) error {
	_, err := s.Store.CompleteTrigger(context.Background(), store.TriggerCompletion{
		RecipeID: c.RecipeID, Owner: s.Owner, Due: c.Due, Now: s.Now(), Next: c.Due, Polled: c.Polled,
		Failures: c.Failures, Failed: true,
	})
	return err
}
