package queuetest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
)

// RunLiveness runs the liveness promises: the jobs of a process known to
// be dead run again at once; those of a live one wait for their lease.
func RunLiveness(t *testing.T, open Opener) {
	t.Run("DeadOwnersJobsRunAtOnce", func(t *testing.T) { deadOwnersJobsRunAtOnce(t, open) })
	t.Run("LiveOwnerKeepsItsJobs", func(t *testing.T) { liveOwnerKeepsItsJobs(t, open) })
	t.Run("StaleBeatCountsAsDead", func(t *testing.T) { staleBeatCountsAsDead(t, open) })
}

func register(t *testing.T, q queue.Queue, owner string) {
	t.Helper()
	if err := q.Register(context.Background(), owner); err != nil {
		t.Fatalf("register %s: %v", owner, err)
	}
}

func releaseDead(t *testing.T, q queue.Queue, self string, staleAfter time.Duration) []queue.Released {
	t.Helper()
	r, err := q.ReleaseDead(context.Background(), self, staleAfter)
	if err != nil {
		t.Fatalf("release dead: %v", err)
	}
	return r
}

func deadOwnersJobsRunAtOnce(t *testing.T, open Opener) {
	dir := t.TempDir()
	survivor := open(t, dir)
	// The process that dies: its own connection to the same database,
	// closed without unregistering (as a SIGKILL leaves it).
	dying := open(t, dir)
	register(t, dying, "dead")
	register(t, survivor, "next")
	enqueue(t, dying, 3)
	if got := claim(t, dying, "dead", 10, time.Hour); len(got) != 3 {
		t.Fatalf("claimed %d jobs, want 3", len(got))
	}
	closer, ok := dying.(io.Closer)
	if !ok {
		t.Fatal("the queue cannot be closed; the suite needs a Close to play a dying process")
	}
	closer.Close()
	released := releaseDead(t, survivor, "next", time.Hour)
	if len(released) != 1 || released[0].Owner != "dead" || released[0].Jobs != 3 {
		t.Fatalf("released %+v, want the 3 jobs of owner dead", released)
	}
	if got := claim(t, survivor, "next", 10, time.Hour); len(got) != 3 {
		t.Fatalf("after the release, claimed %d jobs at once, want 3 (not after their hour-long lease)", len(got))
	}
	if again := releaseDead(t, survivor, "next", time.Hour); len(again) != 0 {
		t.Errorf("a second release found %+v; a released owner is forgotten", again)
	}
}

func liveOwnerKeepsItsJobs(t *testing.T, open Opener) {
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	register(t, a, "a")
	register(t, b, "b")
	enqueue(t, a, 2)
	if got := claim(t, a, "a", 10, time.Hour); len(got) != 2 {
		t.Fatalf("claimed %d, want 2", len(got))
	}
	if r := releaseDead(t, b, "b", time.Hour); len(r) != 0 {
		t.Fatalf("released %+v from a live process", r)
	}
	if got := claim(t, b, "b", 10, time.Hour); len(got) != 0 {
		t.Fatalf("b claimed %d jobs that live a still holds", len(got))
	}
	// A clean stop unregisters: nothing left to release, and a's
	// own release never names itself.
	if err := a.Unregister(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if r := releaseDead(t, b, "b", time.Hour); len(r) != 0 {
		t.Fatalf("released %+v after a clean unregister", r)
	}
}

func staleBeatCountsAsDead(t *testing.T, open Opener) {
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	register(t, a, "a")
	register(t, b, "b")
	enqueue(t, a, 1)
	claim(t, a, "a", 10, time.Hour)
	time.Sleep(20 * time.Millisecond)
	// Its lock is held, but a beat older than staleAfter is as good as
	// an expired lease.
	r := releaseDead(t, b, "b", 10*time.Millisecond)
	if len(r) != 1 || r[0].Owner != "a" || r[0].Why != "heartbeat stale" {
		t.Fatalf("released %+v, want a for its stale beat", r)
	}
	// a beats again: it is registered again, and alive.
	if err := a.Beat(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if r := releaseDead(t, b, "b", time.Hour); len(r) != 0 {
		t.Fatalf("released %+v right after a beat", r)
	}
}
