package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
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
	return doc, nil
}

func invalid(code string, problems []recipe.Problem) error {
	details := make([]httpx.Detail, len(problems))
	for i, p := range problems {
		details[i] = httpx.Detail{Path: p.Path, Message: p.Message}
	}
	return httpx.Unprocessable(code, problems[0].Error(), details)
}

func (a *API) createRecipe(w http.ResponseWriter, r *http.Request) error {
	doc, err := a.parseRecipe(r)
	if err != nil {
		return err
	}
	sr, err := a.Writes.CreateRecipe(background(r), doc)
	if err != nil {
		return err
	}
	return a.answerRecipe(w, sr, http.StatusCreated)
}

func (a *API) updateRecipe(w http.ResponseWriter, r *http.Request) error {
	ifVersion, err := ifMatch(r)
	if err != nil {
		return err
	}
	doc, err := a.parseRecipe(r)
	if err != nil {
		return err
	}
	sr, err := a.Writes.UpdateRecipe(background(r), r.PathValue("id"), doc, ifVersion)
	if err != nil {
		return err
	}
	return a.answerRecipe(w, sr, http.StatusOK)
}

// exampleFromJob makes a job's data a recipe's example: with step empty,
// the job's trigger output becomes trigger.payload_example; else that
// step's output body becomes the step's response_example (json or xml
// response types). The document then takes the update path of PUT.
func (a *API) exampleFromJob(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := a.Store.Recipe(r.Context(), id); err != nil {
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
	sr, err := a.Writes.UpdateRecipeWith(background(r), id, func(doc *recipe.Document) error {
		return exampleInto(doc, j, req.Step, func(sum string) ([]byte, error) { return a.Store.Blob(r.Context(), sum) })
	})
	if err != nil {
		return err
	}
	return a.answerRecipe(w, sr, http.StatusOK)
}

// exampleInto puts a job's trigger output (step empty) or a step's output
// body into the document as its example.
// A body the job recorded as a blob (over the recorded-body limit) is read
// back with blob.
func exampleInto(doc *recipe.Document, j store.Job, step string, blob func(sha256 string) ([]byte, error)) error {
	if step == "" {
		ex, err := exampleText(doc.Trigger.PayloadType, j.Trigger)
		if err != nil {
			return httpx.Unprocessable("unusable_example", "trigger.payload_example: the job's trigger output cannot be a "+doc.Trigger.PayloadType+" example: "+err.Error(), nil)
		}
		doc.Trigger.PayloadExample = recipe.Example(ex)
		return nil
	}
	i := slices.IndexFunc(doc.Steps, func(s recipe.Step) bool { return s.ID == step })
	if i < 0 {
		return httpx.Unprocessable("unknown_step", fmt.Sprintf("step: the recipe has no step %q", step), nil)
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
	k := slices.IndexFunc(recs, func(rec stepOutput) bool { return rec.ID == step })
	if k >= 0 && recs[k].Output != nil && recs[k].Output.BodyBlob != nil && recs[k].Output.BodyBlob.Format == "json" {
		b, err := blob(recs[k].Output.BodyBlob.SHA256)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		recs[k].Output.Body = b
	}
	if k < 0 || recs[k].Output == nil || len(recs[k].Output.Body) == 0 || string(recs[k].Output.Body) == "null" {
		return httpx.Unprocessable("no_step_output", fmt.Sprintf("step: step %q has no output in job %s", step, j.ID), nil)
	}
	ex, err := exampleText(rt, recs[k].Output.Body)
	if err != nil {
		return httpx.Unprocessable("unusable_example", fmt.Sprintf("steps[%d].response_example: the output body of step %q cannot be a %s example: %v", i, step, rt, err), nil)
	}
	s.ResponseExample = recipe.Example(ex)
	return nil
}

// stepOutput is the part of a job's step record an example is taken from.
type stepOutput struct {
	ID     string `json:"id"`
	Output *struct {
		Body json.RawMessage `json:"body"`
		// BodyBlob names a body kept apart (job.BodyBlob); format "json"
		// means the blob is the body's JSON.
		BodyBlob *struct {
			SHA256 string `json:"sha256"`
			Format string `json:"format"`
		} `json:"body_blob"`
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

func (a *API) respondRecipe(w http.ResponseWriter, r *http.Request, id string, status int) error {
	sr, err := a.Store.Recipe(r.Context(), id)
	if err != nil {
		return err
	}
	return a.answerRecipe(w, sr, status)
}

// answerRecipe answers a recipe's view with its version as the ETag, the
// value an If-Match of a later PUT or DELETE names.
func (a *API) answerRecipe(w http.ResponseWriter, sr store.Recipe, status int) error {
	v, err := a.recipeView(sr, true)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(sr.Version))
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
	ifVersion, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := a.Writes.DeleteRecipe(background(r), r.PathValue("id"), ifVersion); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) startRecipe(w http.ResponseWriter, r *http.Request) error {
	sr, err := a.Writes.StartRecipe(background(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.answerRecipe(w, sr, http.StatusOK)
}

func (a *API) stopRecipe(w http.ResponseWriter, r *http.Request) error {
	sr, err := a.Writes.StopRecipe(background(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.answerRecipe(w, sr, http.StatusOK)
}

func (a *API) captureRecipe(w http.ResponseWriter, r *http.Request) error {
	sr, err := a.Writes.ArmCapture(background(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.answerRecipe(w, sr, http.StatusOK)
}
