package httprequest

import (
	"context"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/pill"
)

// withFormulaBudget gives the attempt's pills one formula budget (unless
// the caller gave one) that stops at the step's timeout: the URL, query,
// headers and body together spend at most pill.FormulaByteBudget and
// pill.FormulaOpBudget, and a formula still running at the timeout stops
// there, as the request itself would. The timeout is the one Do gives the
// request (attemptTimeout). The deadline is the budget's own
// (pill.NewBudgetUntil), so an attempt costs no timer for it.
func withFormulaBudget(ctx context.Context, r *Request, env pill.Env, conn *connection.Live) pill.Env {
	if env.Budget != nil {
		return env
	}
	if timeout := r.attemptTimeout(conn); timeout > 0 {
		env.Budget = pill.NewBudgetUntil(ctx, time.Now().Add(timeout))
	} else {
		env.Budget = pill.NewBudget(ctx)
	}
	return env
}
