// Package queue defines the durable job queue every backend implements, and
// the promises it keeps (written down as the conformance suite in queuetest):
//
//   - a job enqueued by a committed Enqueue runs;
//   - a job claimed by a process that dies runs again once its lease expires,
//     or at once when another process can tell it died (Liveness);
//   - completion is recorded once: a worker whose lease was lost cannot
//     complete, retry or release the job;
//   - a job scheduled to retry is not claimed before its time.
package queue

import (
	"context"
	"errors"
	"time"
)

// ErrLeaseLost is returned when a worker acts on a job it no longer holds.
var ErrLeaseLost = errors.New("job lease lost")

// Job statuses.
const (
	StatusPending   = "pending"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// NewJob is a job to enqueue. With EventID empty, Payload is stored as a new
// event in the same transaction as the job (webhook intake, test runs); with
// EventID set, the job reuses that event's payload (rerun).
//
// With Owner set, the job is stored already claimed by Owner for Lease: the
// process that enqueues it will run it from memory, which spares a claim
// and a read per job. If that process dies, the lease runs out and any
// worker takes the job, as with any claim.
type NewJob struct {
	RecipeID string
	EventID  string
	Payload  []byte
	Owner    string
	Lease    time.Duration
	// Blobs are files of the event too large to keep inline (multipart
	// uploads), by the hex SHA-256 of their content; stored in the same
	// transaction as the event.
	Blobs map[string][]byte
}

// Enqueued names what Enqueue created.
type Enqueued struct {
	EventID string
	JobID   string
}

// Claimed is a job handed to a worker.
type Claimed struct {
	JobID    string
	RecipeID string
	EventID  string
	Claims   int    // how many times the job has been claimed, this one included
	Steps    []byte // step records saved by earlier attempts (nil on the first)
	// Payload is the trigger output when the claimer already has it in
	// memory (a job claimed on enqueue); nil means read it from the event.
	Payload []byte
	// StartedAt is when the job was first claimed: its deadline counts
	// from here. Zero for a job claimed on enqueue (it starts now).
	StartedAt time.Time
}

// Queue is the durable job queue.
type Queue interface {
	// Enqueue stores the jobs (and their events) in one transaction, durably,
	// before it returns.
	Enqueue(ctx context.Context, jobs ...NewJob) ([]Enqueued, error)
	// Claim leases up to max runnable jobs to owner until now+lease.
	Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]Claimed, error)
	// Extend renews owner's leases on the given jobs; ids no longer held are skipped.
	Extend(ctx context.Context, owner string, ids []string, lease time.Duration) error
	// Complete records the final status (succeeded or failed) once.
	Complete(ctx context.Context, owner, id, status string, steps []byte, errMsg string) error
	// RetryAt saves progress and makes the job runnable again at at.
	RetryAt(ctx context.Context, owner, id string, at time.Time, steps []byte) error
	// Ready is signalled (without blocking) when this process enqueued or
	// rescheduled work, so that idle workers need not wait for their poll.
	Ready() <-chan struct{}
	// Liveness: jobs of a process known dead run again at once.
	Liveness
}
