package httprequest

import (
	"context"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/pill"
)

// withFormulaBudget gives the attempt's pills one formula budget (unless
// the caller gave one), whose context ends at the step's timeout: the URL,
// query, headers and body together spend at most pill.FormulaByteBudget
// and pill.FormulaOpBudget, and a formula still running at the timeout
// stops there, as the request itself would. The timeout is the one Do
// gives the request (attemptTimeout). Call cancel once rendering is done.
func withFormulaBudget(ctx context.Context, r *Request, env pill.Env, conn *connection.Live) (pill.Env, context.CancelFunc) {
	if env.Budget != nil {
		return env, func() {}
	}
	timeout := r.attemptTimeout(conn)
	if timeout <= 0 {
		env.Budget = pill.NewBudget(ctx)
		return env, func() {}
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	env.Budget = pill.NewBudget(rctx)
	return env, cancel
}
