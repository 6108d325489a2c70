package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
)

// triggerHealth is the recipe view's account of a polling or schedule
// trigger: when it runs next, how its last run went (for a poll: what it
// found, or the failing request and response), the cursor and how many
// records it remembers.
type triggerHealth struct {
	NextRunAt   *time.Time      `json:"next_run_at,omitempty"`
	Cursor      string          `json:"cursor,omitempty"`
	SeenRecords *int            `json:"seen_records,omitempty"`
	Last        json.RawMessage `json:"last,omitempty"`
	Status      string          `json:"status"`
}

// health reads a polling or schedule recipe's trigger state; nil for other
// triggers. Status is "ok", "failing", "waiting" (armed, not run yet),
// "stopped" or "never_started".
func (a *API) health(ctx context.Context, sr store.Recipe) (*triggerHealth, error) {
	if sr.TriggerType != recipe.TriggerPolling && sr.TriggerType != recipe.TriggerSchedule {
		return nil, nil
	}
	ts, err := a.Store.TriggerState(ctx, sr.ID)
	if errors.Is(err, store.ErrNotFound) {
		return &triggerHealth{Status: "never_started"}, nil
	}
	if err != nil {
		return nil, err
	}
	h := &triggerHealth{Cursor: ts.Cursor, Last: ts.Health, Status: "waiting"}
	if len(ts.Health) > 0 {
		var last struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(ts.Health, &last) == nil && last.Status != "" {
			h.Status = last.Status
		}
	}
	if sr.State == recipe.StateStarted {
		due := ts.NextDue
		h.NextRunAt = &due
	} else {
		h.Status = "stopped"
	}
	if sr.TriggerType == recipe.TriggerPolling {
		n, err := a.Store.CountSeenRecords(ctx, sr.ID)
		if err != nil {
			return nil, err
		}
		h.SeenRecords = &n
	}
	return h, nil
}

// runRecipe starts one job of a started manual-trigger recipe; the request
// body (JSON) is the trigger output. It answers 202 with the job.
func (a *API) runRecipe(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	sr, err := a.Store.Recipe(r.Context(), id)
	if err != nil {
		return err
	}
	if sr.TriggerType != recipe.TriggerManual {
		return httpx.Unprocessable("not_manual", "trigger.type: only a manual recipe is run from the API (this one is "+sr.TriggerType+"; POST .../test runs any recipe once)", nil)
	}
	if sr.State != recipe.StateStarted {
		return &httpx.Error{Status: http.StatusConflict, Code: "recipe_stopped", Message: "recipe " + sr.Name + " is stopped: start it to run jobs"}
	}
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	if err := payload.ValidJSON(b, payload.DefaultLimits()); err != nil {
		return httpx.BadRequest("invalid_json", "body: the trigger output must be JSON: "+err.Error())
	}
	ids, err := a.Store.Enqueue(background(r), queue.NewJob{RecipeID: id, Payload: b})
	if err != nil {
		return err
	}
	return a.respondJob(w, r, ids[0].JobID, http.StatusAccepted)
}
