package store

import (
	"context"
	"time"
)

// RetentionStore is what the retention pruner and `store: metadata` need.
// Only finished jobs (succeeded or failed) are ever deleted; an event goes
// with the last job that names it, and a blob with the last event (or
// job) that refers to it.
type RetentionStore interface {
	// JobRecipes lists, in order, up to max distinct recipe ids that have
	// jobs, after the id after ("" from the start). Jobs of deleted
	// recipes are listed too: they fall under the workspace default.
	JobRecipes(ctx context.Context, after string, max int) ([]string, error)
	// PruneCutoff is the job id below which a recipe's finished jobs are
	// due for deletion: those created before before (zero: any age is
	// kept) or older than its newest keep finished jobs (0: any number is
	// kept). "" when none is due.
	PruneCutoff(ctx context.Context, recipeID string, before time.Time, keep int) (string, error)
	// PruneJobs deletes up to p.Limit finished jobs of one recipe whose id
	// is below p.Below, oldest first, in one short transaction, with the
	// events and blobs left without a reference. Fewer than p.Limit
	// deleted means nothing more is due.
	PruneJobs(ctx context.Context, p PruneJobsParams) (PruneResult, error)
	// CompleteWithoutPayload is queue.Queue's Complete for a job of a
	// `store: metadata` recipe: in the same transaction, its event's
	// payload becomes JSON null (and the blobs it named are let go) unless
	// a pending or running job still needs it. No reader sees the job
	// finished with its payload still there.
	CompleteWithoutPayload(ctx context.Context, owner, id, status string, steps []byte, errMsg string) error
}

// PruneJobsParams selects one batch of a recipe's jobs to delete.
type PruneJobsParams struct {
	RecipeID string
	// Below is a job id (from PruneCutoff): older jobs go.
	Below string
	// Limit bounds the jobs deleted in this call (default 100).
	Limit int
}

// PruneResult counts what pruning deleted.
type PruneResult struct {
	Jobs   int
	Events int
	Blobs  int
}

// Add sums two results.
func (r PruneResult) Add(o PruneResult) PruneResult {
	return PruneResult{Jobs: r.Jobs + o.Jobs, Events: r.Events + o.Events, Blobs: r.Blobs + o.Blobs}
}
