package queue

import (
	"context"
	"time"
)

// Liveness lets a process that restarts take back at once the jobs its
// dead predecessor held, instead of waiting out their leases, while the
// jobs of live processes sharing the database stay theirs until their
// leases run out. A process registers its owner name when it starts,
// beats while it lives, and unregisters when it stops cleanly; a process
// can tell another is dead when the other's liveness lock (held by its OS
// process for its life) is free, or its beat is older than staleAfter.
type Liveness interface {
	// Register records owner as alive until Unregister or until its
	// process dies.
	Register(ctx context.Context, owner string) error
	// Beat says owner is still alive (and registers it again if another
	// process had given it up for dead).
	Beat(ctx context.Context, owner string) error
	// ReleaseDead makes the running jobs of every owner known to be dead
	// (never self) runnable at once, hands back its trigger and named
	// leases, forgets it, and reports what it released.
	ReleaseDead(ctx context.Context, self string, staleAfter time.Duration) ([]Released, error)
	// Unregister forgets owner, after its jobs were finished or handed back.
	Unregister(ctx context.Context, owner string) error
}

// Released is what ReleaseDead took back from one dead owner.
type Released struct {
	Owner string
	Jobs  int
	// Why says how the owner was known to be dead: "lock free" or
	// "heartbeat stale".
	Why string
}
