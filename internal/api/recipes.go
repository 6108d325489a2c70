package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
)

// recipeView is a recipe as the API returns it: the document (secrets
// reading "set") plus what the server knows of it.
type recipeView struct {
	ID string `json:"id"`
	recipe.Document
	State      string           `json:"state"`
	Capture    bool             `json:"capture"`
	WebhookURL *string          `json:"webhook_url"`
	Datatree   *recipe.Datatree `json:"datatree,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

func (a *API) view(sr store.Recipe, withTree bool) (recipeView, error) {
	var doc recipe.Document
	if err := json.Unmarshal(sr.Doc, &doc); err != nil {
		return recipeView{}, fmt.Errorf("recipe %s: stored document: %w", sr.ID, err)
	}
	if doc.Steps == nil {
		doc.Steps = []recipe.Step{}
	}
	v := recipeView{ID: sr.ID, Document: doc, State: sr.State, Capture: sr.Capture, CreatedAt: sr.CreatedAt, UpdatedAt: sr.UpdatedAt}
	if doc.Trigger.Type == recipe.TriggerWebhook {
		u := a.webhookBaseURL() + "/" + doc.Trigger.Event
		v.WebhookURL = &u
	}
	if withTree {
		dt := doc.BuildDatatree()
		v.Datatree = &dt
	}
	return v, nil
}

// parseRecipe decodes, normalizes and validates a document; problems are a 422.
func (a *API) parseRecipe(r *http.Request) (recipe.Document, error) {
	b, err := readBody(r)
	if err != nil {
		return recipe.Document{}, err
	}
	doc, problems := recipe.Decode(b)
	if len(problems) == 0 {
		doc.Normalize()
		problems = doc.Validate(func(name string) bool {
			_, err := a.Store.Connection(r.Context(), name)
			return err == nil
		})
	}
	if len(problems) > 0 {
		return doc, invalid("invalid_recipe", problems)
	}
	return doc, nil
}

func invalid(code string, problems []recipe.Problem) error {
	details := make([]httpx.Detail, len(problems))
	for i, p := range problems {
		details[i] = httpx.Detail{Path: p.Path, Message: p.Message}
	}
	return httpx.Unprocessable(code, problems[0].Error(), details)
}

func (a *API) stored(id string, doc recipe.Document, secrets recipe.Secrets) (store.Recipe, error) {
	public, _ := doc.SplitSecrets()
	b, err := json.Marshal(public)
	if err != nil {
		return store.Recipe{}, err
	}
	sealed, err := catalog.SealJSON(a.Box, secrets)
	if err != nil {
		return store.Recipe{}, err
	}
	now := a.now()
	event := ""
	if doc.Trigger.Type == recipe.TriggerWebhook {
		event = doc.Trigger.Event
	}
	return store.Recipe{ID: id, Name: doc.Name, TriggerType: doc.Trigger.Type, Event: event,
		State: recipe.StateStopped, Doc: b, Secrets: sealed, CreatedAt: now, UpdatedAt: now}, nil
}

func (a *API) createRecipe(w http.ResponseWriter, r *http.Request) error {
	doc, err := a.parseRecipe(r)
	if err != nil {
		return err
	}
	_, secrets := doc.SplitSecrets()
	sr, err := a.stored(uuid.Must(uuid.NewV7()).String(), doc, secrets)
	if err != nil {
		return err
	}
	if err := a.Store.CreateRecipe(background(r), sr); err != nil {
		return eventConflict(err, doc)
	}
	a.Catalog.Invalidate()
	return a.respondRecipe(w, r, sr.ID, http.StatusCreated)
}

func (a *API) updateRecipe(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	old, err := a.Store.Recipe(r.Context(), id)
	if err != nil {
		return err
	}
	doc, err := a.parseRecipe(r)
	if err != nil {
		return err
	}
	oldRecipe, err := catalog.CompileRecipe(a.Box, old)
	if err != nil {
		return err
	}
	_, secrets := doc.SplitSecrets()
	secrets.KeepSecrets(oldRecipe.Secrets)
	sr, err := a.stored(id, doc, secrets)
	if err != nil {
		return err
	}
	if err := a.Store.UpdateRecipe(background(r), sr); err != nil {
		return eventConflict(err, doc)
	}
	a.Catalog.Invalidate()
	return a.respondRecipe(w, r, id, http.StatusOK)
}

func eventConflict(err error, doc recipe.Document) error {
	if me := mapStoreError(err); me != err {
		if he, ok := me.(*httpx.Error); ok && he.Status == 409 {
			return &httpx.Error{Status: 409, Code: "event_taken",
				Message: fmt.Sprintf("trigger.event: webhook event %q is already used by another recipe", doc.Trigger.Event)}
		}
		return me
	}
	return err
}

func (a *API) respondRecipe(w http.ResponseWriter, r *http.Request, id string, status int) error {
	sr, err := a.Store.Recipe(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := a.view(sr, true)
	if err != nil {
		return err
	}
	httpx.JSON(w, status, v)
	return nil
}

func (a *API) getRecipe(w http.ResponseWriter, r *http.Request) error {
	return a.respondRecipe(w, r, r.PathValue("id"), http.StatusOK)
}

func (a *API) listRecipes(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.Store.Recipes(r.Context())
	if err != nil {
		return err
	}
	out := make([]recipeView, 0, len(rs))
	for _, sr := range rs {
		v, err := a.view(sr, false)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"recipes": out})
	return nil
}

func (a *API) deleteRecipe(w http.ResponseWriter, r *http.Request) error {
	if err := a.Store.DeleteRecipe(background(r), r.PathValue("id")); err != nil {
		return err
	}
	a.Catalog.Invalidate()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) startRecipe(w http.ResponseWriter, r *http.Request) error {
	return a.setState(w, r, recipe.StateStarted)
}

func (a *API) stopRecipe(w http.ResponseWriter, r *http.Request) error {
	return a.setState(w, r, recipe.StateStopped)
}

func (a *API) setState(w http.ResponseWriter, r *http.Request, state string) error {
	id := r.PathValue("id")
	if err := a.Store.SetRecipeState(background(r), id, state); err != nil {
		return err
	}
	a.Catalog.Invalidate()
	return a.respondRecipe(w, r, id, http.StatusOK)
}

func (a *API) captureRecipe(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	sr, err := a.Store.Recipe(r.Context(), id)
	if err != nil {
		return err
	}
	if sr.TriggerType != recipe.TriggerWebhook {
		return httpx.Unprocessable("not_webhook", "trigger.type: only a webhook recipe can capture a request", nil)
	}
	if err := a.Store.SetRecipeCapture(background(r), id, true); err != nil {
		return err
	}
	a.Catalog.Invalidate()
	return a.respondRecipe(w, r, id, http.StatusOK)
}
