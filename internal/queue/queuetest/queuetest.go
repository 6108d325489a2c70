// Package queuetest is the conformance suite of the job queue: the promises
// in package queue's documentation, as tests that every backend runs
// against a real database.
package queuetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
)

// Opener opens a queue on a database. Called twice with the same dir it
// must reach the same data, as a restarted process would.
type Opener func(t *testing.T, dir string) queue.Queue

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("EnqueuedJobRuns", func(t *testing.T) { enqueuedJobRuns(t, open) })
	t.Run("ExpiredLeaseRunsAgain", func(t *testing.T) { expiredLeaseRunsAgain(t, open) })
	t.Run("CompletionRecordedOnce", func(t *testing.T) { completionRecordedOnce(t, open) })
	t.Run("RetryWaitsItsTime", func(t *testing.T) { retryWaitsItsTime(t, open) })
	t.Run("SurvivesReopen", func(t *testing.T) { survivesReopen(t, open) })
	t.Run("ConcurrentClaimsAreDisjoint", func(t *testing.T) { concurrentClaimsAreDisjoint(t, open) })
	t.Run("ExtendKeepsLease", func(t *testing.T) { extendKeepsLease(t, open) })
	t.Run("ClaimedOnEnqueue", func(t *testing.T) { claimedOnEnqueue(t, open) })
}

func enqueue(t *testing.T, q queue.Queue, n int) []queue.Enqueued {
	t.Helper()
	jobs := make([]queue.NewJob, n)
	for i := range jobs {
		jobs[i] = queue.NewJob{RecipeID: "r1", Payload: []byte(`{"n":1}`)}
	}
	out, err := q.Enqueue(context.Background(), jobs...)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if len(out) != n {
		t.Fatalf("enqueue returned %d ids, want %d", len(out), n)
	}
	return out
}

func claim(t *testing.T, q queue.Queue, owner string, max int, lease time.Duration) []queue.Claimed {
	t.Helper()
	c, err := q.Claim(context.Background(), owner, max, lease)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	return c
}

func enqueuedJobRuns(t *testing.T, open Opener) {
	q := open(t, t.TempDir())
	ids := enqueue(t, q, 3)
	got := claim(t, q, "w1", 10, time.Minute)
	if len(got) != 3 {
		t.Fatalf("claimed %d jobs, want 3", len(got))
	}
	seen := map[string]bool{}
	for _, c := range got {
		seen[c.JobID] = true
		if c.Claims != 1 {
			t.Errorf("job %s claims = %d, want 1", c.JobID, c.Claims)
		}
		if err := q.Complete(context.Background(), "w1", c.JobID, queue.StatusSucceeded, []byte(`[]`), ""); err != nil {
			t.Fatalf("complete: %v", err)
		}
	}
	for _, e := range ids {
		if !seen[e.JobID] {
			t.Errorf("enqueued job %s was not claimed", e.JobID)
		}
	}
	if again := claim(t, q, "w1", 10, time.Minute); len(again) != 0 {
		t.Fatalf("completed jobs claimed again: %d", len(again))
	}
}

func expiredLeaseRunsAgain(t *testing.T, open Opener) {
	q := open(t, t.TempDir())
	enqueue(t, q, 1)
	first := claim(t, q, "dead-worker", 10, 100*time.Millisecond)
	if len(first) != 1 {
		t.Fatalf("claimed %d, want 1", len(first))
	}
	if got := claim(t, q, "w2", 10, time.Minute); len(got) != 0 {
		t.Fatalf("job claimed by a second worker while its lease holds")
	}
	time.Sleep(200 * time.Millisecond)
	second := claim(t, q, "w2", 10, time.Minute)
	if len(second) != 1 || second[0].JobID != first[0].JobID {
		t.Fatalf("after the lease expired, claimed %v, want job %s", second, first[0].JobID)
	}
	if second[0].Claims != 2 {
		t.Errorf("claims = %d, want 2", second[0].Claims)
	}
}

func completionRecordedOnce(t *testing.T, open Opener) {
	q := open(t, t.TempDir())
	enqueue(t, q, 1)
	first := claim(t, q, "slow", 10, 100*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	second := claim(t, q, "fast", 10, time.Minute)
	if len(second) != 1 {
		t.Fatalf("claimed %d, want 1", len(second))
	}
	ctx := context.Background()
	if err := q.Complete(ctx, "fast", second[0].JobID, queue.StatusSucceeded, nil, ""); err != nil {
		t.Fatalf("complete by holder: %v", err)
	}
	err := q.Complete(ctx, "slow", first[0].JobID, queue.StatusFailed, nil, "late")
	if !errors.Is(err, queue.ErrLeaseLost) {
		t.Fatalf("complete by a worker that lost its lease: %v, want ErrLeaseLost", err)
	}
	if err := q.Complete(ctx, "fast", second[0].JobID, queue.StatusFailed, nil, "twice"); !errors.Is(err, queue.ErrLeaseLost) {
		t.Fatalf("second completion: %v, want ErrLeaseLost", err)
	}
	if err := q.RetryAt(ctx, "slow", first[0].JobID, time.Now(), nil); !errors.Is(err, queue.ErrLeaseLost) {
		t.Fatalf("retry by a worker that lost its lease: %v, want ErrLeaseLost", err)
	}
}

func retryWaitsItsTime(t *testing.T, open Opener) {
	q := open(t, t.TempDir())
	enqueue(t, q, 1)
	c := claim(t, q, "w", 1, time.Minute)
	at := time.Now().Add(300 * time.Millisecond)
	if err := q.RetryAt(context.Background(), "w", c[0].JobID, at, []byte(`["progress"]`)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := claim(t, q, "w", 1, time.Minute); len(got) != 0 {
		t.Fatalf("job claimed before its retry time")
	}
	time.Sleep(time.Until(at) + 20*time.Millisecond)
	got := claim(t, q, "w", 1, time.Minute)
	if len(got) != 1 {
		t.Fatalf("job not claimable after its retry time")
	}
	if string(got[0].Steps) != `["progress"]` {
		t.Errorf("progress saved with the retry = %q, want %q", got[0].Steps, `["progress"]`)
	}
}

func survivesReopen(t *testing.T, open Opener) {
	dir := t.TempDir()
	q := open(t, dir)
	ids := enqueue(t, q, 2)
	q2 := open(t, dir)
	got := claim(t, q2, "w", 10, time.Minute)
	if len(got) != len(ids) {
		t.Fatalf("after reopening, claimed %d jobs, want %d", len(got), len(ids))
	}
}

func concurrentClaimsAreDisjoint(t *testing.T, open Opener) {
	q := open(t, t.TempDir())
	const n = 200
	enqueue(t, q, n)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(owner string) {
			defer wg.Done()
			for {
				c, err := q.Claim(context.Background(), owner, 7, time.Minute)
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(c) == 0 {
					return
				}
				mu.Lock()
				for _, j := range c {
					seen[j.JobID]++
				}
				mu.Unlock()
			}
		}(string(rune('a' + w)))
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct jobs, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("job %s claimed %d times", id, k)
		}
	}
}

func extendKeepsLease(t *testing.T, open Opener) {
	q := open(t, t.TempDir())
	enqueue(t, q, 1)
	// Generous margins: on a loaded machine one write can take 100 ms.
	c := claim(t, q, "w", 1, time.Second)
	for i := 0; i < 4; i++ {
		time.Sleep(400 * time.Millisecond)
		if err := q.Extend(context.Background(), "w", []string{c[0].JobID}, time.Second); err != nil {
			t.Fatalf("extend: %v", err)
		}
	}
	if got := claim(t, q, "other", 1, time.Minute); len(got) != 0 {
		t.Fatalf("a job whose lease was extended was claimed by another worker")
	}
	if err := q.Complete(context.Background(), "w", c[0].JobID, queue.StatusSucceeded, nil, ""); err != nil {
		t.Fatalf("complete after extends: %v", err)
	}
}

func claimedOnEnqueue(t *testing.T, open Opener) {
	q := open(t, t.TempDir())
	ctx := context.Background()
	ids, err := q.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{}`), Owner: "me", Lease: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if got := claim(t, q, "other", 10, time.Minute); len(got) != 0 {
		t.Fatalf("a job claimed on enqueue was claimed by another worker while its lease holds")
	}
	// The enqueuer "dies": once the lease runs out, another worker runs it.
	time.Sleep(300 * time.Millisecond)
	got := claim(t, q, "other", 10, time.Minute)
	if len(got) != 1 || got[0].JobID != ids[0].JobID || got[0].Claims != 2 {
		t.Fatalf("after the lease ran out, claimed %+v, want job %s on its second claim", got, ids[0].JobID)
	}
	if err := q.Complete(ctx, "me", ids[0].JobID, queue.StatusSucceeded, nil, ""); err != queue.ErrLeaseLost {
		t.Fatalf("the first owner completed a job it lost: %v", err)
	}
}
