package httprequest

import (
	"context"
	"errors"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
)

type budgetWaitKey struct{}

// WithBudgetWait bounds how long requests made with ctx wait for a
// connection's request budget: past maxWait, Do returns an Outcome with
// Deferred set instead of waiting (the job runner puts the job back on
// the queue rather than hold a worker). Without it, Do waits as long as
// ctx allows (polls, connection tests).
func WithBudgetWait(ctx context.Context, maxWait time.Duration) context.Context {
	return context.WithValue(ctx, budgetWaitKey{}, maxWait)
}

// acquireBudget waits for conn's request budget (its limits) and records
// the wait in the step input. The returned release must be called once
// the attempt is over. retryIn is set when the wait was cut short by
// WithBudgetWait (the error wraps connection.ErrBudgetBusy).
func acquireBudget(ctx context.Context, conn *connection.Live, recorded *Input) (release func(), retryIn time.Duration, err error) {
	var budget *connection.Budget
	if conn != nil {
		budget = conn.Budget()
	}
	if budget == nil {
		// No limits (or no connection): nothing to wait for, so the
		// context's wait bound need not be looked up.
		return func() {}, 0, nil
	}
	var waited time.Duration
	if maxWait, ok := ctx.Value(budgetWaitKey{}).(time.Duration); ok {
		release, waited, retryIn, err = budget.TryAcquire(ctx, maxWait)
	} else {
		release, waited, err = budget.Acquire(ctx)
	}
	recorded.WaitedMS = waited.Milliseconds()
	return release, retryIn, err
}

// budgetBusy reports whether err is a budget wait cut short.
func budgetBusy(err error) bool { return errors.Is(err, connection.ErrBudgetBusy) }
