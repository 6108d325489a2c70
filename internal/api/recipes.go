package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/trigger/poll"
)

// parseRecipe decodes, normalizes and validates a document; problems are a 422.
func (a *API) parseRecipe(r *http.Request) (recipe.Document, error) {
	b, err := readBody(r)
	if err != nil {
		return recipe.Document{}, err
	}
	doc, problems := decodeRecipe(b)
	if len(problems) > 0 {
		return doc, invalid("invalid_recipe", problems)
	}
	return doc, a.checkRecipe(r, &doc)
}

// checkRecipe normalizes and validates a decoded document; problems are a 422.
func (a *API) checkRecipe(r *http.Request, doc *recipe.Document) error {
	doc.Normalize()
	problems := doc.Validate(func(name string) bool {
		_, err := a.Store.Connection(r.Context(), name)
		return err == nil
	})
	if doc.Trigger.Type == recipe.TriggerPolling {
		problems = append(problems, pollProblems(doc.Trigger, problems)...)
	}
	if len(problems) > 0 {
		return invalid("invalid_recipe", problems)
	}
	return nil
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
	return a.replaceRecipe(w, r, old, doc)
}

// replaceRecipe stores a validated document over the recipe old, keeping
// secrets the document reads as "set", and answers the updated view. It is
// the one way a recipe's document is updated from the API.
func (a *API) replaceRecipe(w http.ResponseWriter, r *http.Request, old store.Recipe, doc recipe.Document) error {
	oldRecipe, err := catalog.CompileRecipe(a.Box, old)
	if err != nil {
		return err
	}
	_, secrets := doc.SplitSecrets()
	secrets.KeepSecrets(oldRecipe.Secrets)
	sr, err := a.stored(old.ID, doc, secrets)
	if err != nil {
		return err
	}
	if err := a.Store.UpdateRecipe(background(r), sr); err != nil {
		return eventConflict(err, doc)
	}
	a.Catalog.Invalidate()
	if old.State == recipe.StateStarted && a.Triggers != nil && triggerTimingChanged(oldRecipe.Doc.Trigger, doc.Trigger) {
		sr.State = old.State
		if err := a.Triggers.Replan(background(r), sr); err != nil {
			return err
		}
	}
	return a.respondRecipe(w, r, old.ID, http.StatusOK)
}

// triggerTimingChanged says whether an edit of a started recipe changes
// when or what its trigger polls: a poll edited polls again at once, a
// schedule edited runs on the new schedule from now.
func triggerTimingChanged(old, new recipe.Trigger) bool {
	if old.Type != new.Type {
		return true
	}
	switch new.Type {
	case recipe.TriggerSchedule:
		return old.Every != new.Every || old.Cron != new.Cron || old.Timezone != new.Timezone
	case recipe.TriggerPolling:
		a, _ := json.Marshal(old)
		b, _ := json.Marshal(new)
		return !bytes.Equal(a, b)
	}
	return false
}

// exampleFromJob makes a job's data a recipe's example: with step empty,
// the job's trigger output becomes trigger.payload_example; else that
// step's output body becomes the step's response_example (json or xml
// response types). The document then takes the update path of PUT.
func (a *API) exampleFromJob(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	old, err := a.Store.Recipe(r.Context(), id)
	if err != nil {
		return err
	}
	b, err := readBody(r)
	if err != nil {
		return err
	}
	var req struct {
		JobID string `json:"job_id"`
		Step  string `json:"step"`
	}
	if err := decodeStrict(b, &req); err != nil {
		return err
	}
	if req.JobID == "" {
		return httpx.Unprocessable("missing_job_id", "job_id: required", nil)
	}
	j, err := a.Store.Job(r.Context(), req.JobID)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound(fmt.Sprintf("job %q not found", req.JobID))
	}
	if err != nil {
		return err
	}
	if j.RecipeID != id {
		return httpx.Unprocessable("job_of_other_recipe", fmt.Sprintf("job_id: job %s belongs to recipe %s, not to this recipe", j.ID, j.RecipeID), nil)
	}
	var doc recipe.Document
	if err := json.Unmarshal(old.Doc, &doc); err != nil {
		return fmt.Errorf("recipe %s: stored document: %w", id, err)
	}
	if req.Step == "" {
		ex, err := exampleText(doc.Trigger.PayloadType, j.Trigger)
		if err != nil {
			return httpx.Unprocessable("unusable_example", "trigger.payload_example: the job's trigger output cannot be a "+doc.Trigger.PayloadType+" example: "+err.Error(), nil)
		}
		doc.Trigger.PayloadExample = recipe.Example(ex)
	} else {
		i := slices.IndexFunc(doc.Steps, func(s recipe.Step) bool { return s.ID == req.Step })
		if i < 0 {
			return httpx.Unprocessable("unknown_step", fmt.Sprintf("step: the recipe has no step %q", req.Step), nil)
		}
		s := &doc.Steps[i]
		rt := s.ResponseType
		if rt == "" {
			rt = payload.JSON
		}
		if rt != payload.JSON && rt != payload.XML {
			return httpx.Unprocessable("unusable_example", fmt.Sprintf("steps[%d].response_type: %s responses take no response_example; only json and xml do", i, rt), nil)
		}
		var recs []stepOutput
		if len(j.Steps) > 0 {
			if err := json.Unmarshal(j.Steps, &recs); err != nil {
				return fmt.Errorf("job %s: stored steps: %w", j.ID, err)
			}
		}
		k := slices.IndexFunc(recs, func(rec stepOutput) bool { return rec.ID == req.Step })
		if k < 0 || recs[k].Output == nil || len(recs[k].Output.Body) == 0 || string(recs[k].Output.Body) == "null" {
			return httpx.Unprocessable("no_step_output", fmt.Sprintf("step: step %q has no output in job %s", req.Step, j.ID), nil)
		}
		ex, err := exampleText(rt, recs[k].Output.Body)
		if err != nil {
			return httpx.Unprocessable("unusable_example", fmt.Sprintf("steps[%d].response_example: the output body of step %q cannot be a %s example: %v", i, req.Step, rt, err), nil)
		}
		s.ResponseExample = recipe.Example(ex)
	}
	if err := a.checkRecipe(r, &doc); err != nil {
		return err
	}
	return a.replaceRecipe(w, r, old, doc)
}

// stepOutput is the part of a job's step record an example is taken from.
type stepOutput struct {
	ID     string `json:"id"`
	Output *struct {
		Body json.RawMessage `json:"body"`
	} `json:"output"`
}

// exampleText spells data (JSON, as a job stores it) as an example of the
// given type: pretty JSON for json and query, XML for xml, urlencoded for form.
func exampleText(format string, data json.RawMessage) (string, error) {
	if format == payload.JSON || format == payload.Query || format == "" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, data, "", "  "); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return "", err
	}
	switch format {
	case payload.XML:
		b, err := payload.RenderXML(tree)
		return string(b), err
	case payload.Form:
		return payload.FormExample(tree)
	}
	return "", fmt.Errorf("unknown format %q", format)
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
	v, err := a.recipeView(sr, true)
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
	out, err := viewsOf(rs, func(sr store.Recipe) (apiview.RecipeView, error) { return a.recipeView(sr, false) })
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, apiview.RecipeList{Recipes: out})
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
	if state == recipe.StateStarted {
		sr, err := a.Store.Recipe(r.Context(), id)
		if err != nil {
			return err
		}
		// A polling or schedule recipe fires its first event when it
		// starts (not again when started twice): started and armed in one
		// transaction.
		timed := sr.TriggerType == recipe.TriggerPolling || sr.TriggerType == recipe.TriggerSchedule
		changed, err := a.Store.StartRecipe(background(r), id, timed, a.now())
		if err != nil {
			return err
		}
		a.Catalog.Invalidate()
		if changed && timed && a.Triggers != nil {
			a.Triggers.Wake()
		}
		return a.respondRecipe(w, r, id, http.StatusOK)
	}
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

// pollProblems adds what the poll package finds wrong with a polling
// trigger (it knows pagination and paths in detail; the recipe package
// cannot import it) at paths the recipe validation did not already report.
func pollProblems(t recipe.Trigger, known []recipe.Problem) []recipe.Problem {
	reported := map[string]bool{}
	for _, p := range known {
		reported[p.Path] = true
	}
	var out []recipe.Problem
	for _, p := range poll.Validate(t) {
		if !reported[p.Path] {
			reported[p.Path] = true
			out = append(out, p)
		}
	}
	return out
}
