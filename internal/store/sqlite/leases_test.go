package sqlite_test

import (
	"context"
	"testing"
	"time"
)

func TestLeaseHasOneHolderUntilItRunsOut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openStore(t, dir), openStore(t, dir) // two processes' stores on one file
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	take := func(s interface {
		AcquireLease(context.Context, string, string, time.Time, time.Time) (bool, error)
	}, owner string, now time.Time) bool {
		t.Helper()
		ok, err := s.AcquireLease(ctx, "refresh:x", owner, now, now.Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take(a, "A", t0) {
		t.Fatal("A could not take a free lease")
	}
	if take(b, "B", t0.Add(10*time.Second)) {
		t.Fatal("B took a lease A holds")
	}
	if !take(a, "A", t0.Add(10*time.Second)) {
		t.Fatal("A could not renew its own lease")
	}
	if !take(b, "B", t0.Add(41*time.Second)) {
		t.Fatal("B could not take a lease that ran out")
	}
	if err := a.ReleaseLease(ctx, "refresh:x", "A"); err != nil { // not A's any more: no effect
		t.Fatal(err)
	}
	if take(a, "A", t0.Add(42*time.Second)) {
		t.Fatal("A's release of a lease it lost freed B's")
	}
	if err := b.ReleaseLease(ctx, "refresh:x", "B"); err != nil {
		t.Fatal(err)
	}
	if !take(a, "A", t0.Add(43*time.Second)) {
		t.Fatal("A could not take a released lease")
	}
}
