package httprequest

import (
	"context"

	"github.com/patchbay/patchbay/internal/connection"
)

// acquireBudget waits for conn's request budget (its limits) and records
// the wait in the step input. The returned release must be called once
// the attempt is over.
func acquireBudget(ctx context.Context, conn *connection.Live, recorded *Input) (func(), error) {
	if conn == nil {
		return func() {}, nil
	}
	release, waited, err := conn.Budget().Acquire(ctx)
	recorded.WaitedMS = waited.Milliseconds()
	return release, err
}
