package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/job"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
)

// This file builds the API's answers; their types are package apiview.

// viewsOf turns stored rows into their API views for a list answer,
// stopping at the first row whose view cannot be built.
func viewsOf[Row, View any](rows []Row, view func(Row) (View, error)) ([]View, error) {
	out := make([]View, 0, len(rows))
	for _, row := range rows {
		v, err := view(row)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// decodeRecipe reads a recipe document sent to the API. The fields the
// server owns (apiview.RecipeServerFields) are dropped first: a view sent
// back as it was read is taken as its document.
func decodeRecipe(b []byte) (recipe.Document, []recipe.Problem) {
	return recipe.Decode(apiview.StripRecipeServerFields(b))
}

// decodeConnection reads a connection document sent to the API, less the
// fields the server owns (apiview.ConnectionServerFields), refusing
// unknown fields.
func decodeConnection(b []byte, d *connection.Document) error {
	return decodeStrict(apiview.StripConnectionServerFields(b), d)
}

// driftJobs is how many of a recipe's newest jobs its drift looks at.
const driftJobs = 20

// recipeView shapes a stored recipe for the API; withTree adds what only
// the single-recipe view carries (datatree, trigger health, drift).
func (a *API) recipeView(sr store.Recipe, withTree bool) (apiview.RecipeView, error) {
	var doc recipe.Document
	if err := json.Unmarshal(sr.Doc, &doc); err != nil {
		return apiview.RecipeView{}, fmt.Errorf("recipe %s: stored document: %w", sr.ID, err)
	}
	if doc.Steps == nil {
		doc.Steps = []recipe.Step{}
	}
	v := apiview.RecipeView{Document: doc, RecipeServerFields: apiview.RecipeServerFields{
		ID: sr.ID, State: sr.State, Capture: sr.Capture, CreatedAt: sr.CreatedAt, UpdatedAt: sr.UpdatedAt}}
	if doc.Trigger.Type == recipe.TriggerWebhook {
		u := a.webhookBaseURL() + "/" + doc.Trigger.Event
		v.WebhookURL = &u
	}
	if !withTree {
		return v, nil
	}
	dt := doc.BuildDatatree()
	v.Datatree = &dt
	ctx := context.Background()
	h, err := a.health(ctx, sr)
	if err != nil {
		return apiview.RecipeView{}, err
	}
	v.TriggerHealth = h
	if v.Drift, err = a.drift(ctx, sr.ID); err != nil {
		return apiview.RecipeView{}, err
	}
	return v, nil
}

// drift sums up the new-field warnings of a recipe's newest driftJobs jobs.
func (a *API) drift(ctx context.Context, recipeID string) (*apiview.Drift, error) {
	drift := &apiview.Drift{Fields: []string{}}
	seen := map[string]bool{}
	list, err := a.Store.Jobs(ctx, store.ListJobsParams{RecipeID: recipeID, Limit: driftJobs})
	if err != nil {
		return nil, err
	}
	for _, js := range list { // newest first
		j, err := a.Store.Job(ctx, js.ID)
		if err != nil {
			continue // deleted meanwhile
		}
		jd, err := job.FromStore(j)
		if err != nil {
			continue
		}
		for _, w := range jd.Warnings {
			if drift.LastJobID == nil && len(w.NewFields) > 0 {
				id := j.ID
				drift.LastJobID = &id
			}
			for _, f := range w.NewFields {
				if p := w.Where + "." + f; !seen[p] {
					seen[p] = true
					drift.Fields = append(drift.Fields, p)
				}
			}
		}
	}
	slices.Sort(drift.Fields)
	drift.NewFieldsSeen = len(drift.Fields)
	if drift.LastJobID != nil {
		drift.Fix = fmt.Sprintf(`POST /api/v1/recipes/%s/example-from-job {"job_id": %q}`, recipeID, *drift.LastJobID)
	}
	return drift, nil
}

// health reads a polling or schedule recipe's trigger state; nil for other
// triggers.
func (a *API) health(ctx context.Context, sr store.Recipe) (*apiview.TriggerHealth, error) {
	if sr.TriggerType != recipe.TriggerPolling && sr.TriggerType != recipe.TriggerSchedule {
		return nil, nil
	}
	ts, err := a.Store.TriggerState(ctx, sr.ID)
	if errors.Is(err, store.ErrNotFound) {
		return &apiview.TriggerHealth{Status: "never_started"}, nil
	}
	if err != nil {
		return nil, err
	}
	h := &apiview.TriggerHealth{Cursor: ts.Cursor, Last: ts.Health, Status: "waiting"}
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

// connectionView shapes a stored connection for the API, with its OAuth2
// status when it is an http_oauth2 connection.
func (a *API) connectionView(r *http.Request, sc store.Connection) (apiview.ConnectionView, error) {
	var d connection.Document
	if err := json.Unmarshal(sc.Doc, &d); err != nil {
		return apiview.ConnectionView{}, err
	}
	d.ID = sc.ID
	v := apiview.ConnectionView{Document: d, ConnectionServerFields: apiview.ConnectionServerFields{
		CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt, Warnings: d.Warnings()}}
	return v, a.addOAuth2View(r, &v)
}

// addOAuth2View fills the OAuth2 part of a connection view.
func (a *API) addOAuth2View(r *http.Request, v *apiview.ConnectionView) error {
	if v.Type != connection.TypeHTTPOAuth2 || a.OAuth == nil {
		return nil
	}
	status, reason, expires, err := a.OAuth.Status(r.Context(), &v.Document)
	if err != nil {
		return err
	}
	v.OAuth2Status = &apiview.OAuth2Status{RedirectURL: a.OAuth.RedirectURL, Status: status, StatusReason: reason, TokenExpiresAt: expires}
	return nil
}

// workspaceView is GET /api/v1/workspace.
func (a *API) workspaceView() apiview.WorkspaceView {
	return apiview.WorkspaceView{ID: a.Workspace.ID, Name: a.Workspace.Name,
		WebhookToken: a.Workspace.WebhookToken, WebhookBaseURL: a.webhookBaseURL()}
}
