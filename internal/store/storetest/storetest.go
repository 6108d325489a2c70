// Package storetest is the conformance suite of store.Store: the promises
// in package store's documentation (and, through queuetest, package
// queue's), as tests that every database backend runs against a real
// database. A promise is written here once; a backend's own tests keep
// only what is particular to it (files, locks, its migrations).
package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/queue/queuetest"
	"github.com/patchbay/patchbay/internal/store"
)

// Opener opens a store on a database named by dir. Called with a new
// t.TempDir() it gives a fresh, empty store; called twice with the same
// dir it must reach the same data, as a second or restarted process would
// (the queue's reopen and liveness promises need that). A backend without
// folders (PostgreSQL) maps dir to a database or schema of its own. The
// opener closes the store when t ends.
type Opener func(t *testing.T, dir string) store.Store

// Run runs the whole suite: every area of store.Store, and the queue's
// conformance and liveness suites on the same backend.
func Run(t *testing.T, open Opener) {
	fresh := func(t *testing.T) store.Store { return open(t, t.TempDir()) }
	area := func(name string, tests map[string]func(*testing.T, store.Store)) {
		t.Run(name, func(t *testing.T) {
			for sub, test := range tests {
				t.Run(sub, func(t *testing.T) {
					t.Parallel()
					test(t, fresh(t))
				})
			}
		})
	}
	area("Workspace", workspaceTests)
	area("APITokens", apiTokenTests)
	area("Connections", connectionTests)
	area("Recipes", recipeTests)
	area("Jobs", jobTests)
	area("Triggers", triggerTests)
	area("OAuth", oauthTests)
	area("Leases", leaseTests)
	area("Dedupe", dedupeTests)
	area("Retention", retentionTests)
	area("Reseal", resealTests)
	t.Run("LeasesAcrossHandles", func(t *testing.T) {
		t.Parallel()
		leaseHasOneHolderAcrossHandles(t, open)
	})
	asQueue := func(t *testing.T, dir string) queue.Queue { return open(t, dir) }
	t.Run("Queue", func(t *testing.T) { queuetest.Run(t, asQueue) })
	t.Run("QueueLiveness", func(t *testing.T) { queuetest.RunLiveness(t, asQueue) })
}

// epoch is a fixed time for promises that take the time as an argument,
// so that no test depends on the clock.
var epoch = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}
