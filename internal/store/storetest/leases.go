package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/store"
)

// A named lease has one holder until it runs out, across two handles on
// one database (two processes).
func leaseHasOneHolderAcrossHandles(t *testing.T, open Opener) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	t0 := epoch
	take := func(s store.Store, owner string, now time.Time) bool {
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

// Leases of different names are independent, and releasing a lease never
// held is no error.
func leasesAreByName(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, name := range []string{"one", "two"} {
		ok, err := s.AcquireLease(ctx, name, "A", epoch, epoch.Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("lease %s: %v %v", name, ok, err)
		}
	}
	if ok, err := s.AcquireLease(ctx, "one", "B", epoch, epoch.Add(time.Minute)); err != nil || ok {
		t.Fatalf("B took A's lease: %v %v", ok, err)
	}
	must(t, s.ReleaseLease(ctx, "never-held", "B"))
	must(t, s.ReleaseLease(ctx, "one", "A"))
	if ok, err := s.AcquireLease(ctx, "one", "B", epoch, epoch.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("B could not take a released lease: %v %v", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "two", "B", epoch, epoch.Add(time.Minute)); err != nil || ok {
		t.Fatalf("releasing one lease freed another: %v %v", ok, err)
	}
}

var leaseTests = map[string]func(*testing.T, store.Store){
	"ByName": leasesAreByName,
}
