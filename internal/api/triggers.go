package api

import (
	"net/http"

	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/recipe"
)

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
