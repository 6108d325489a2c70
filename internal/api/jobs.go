package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/job"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/trigger/poll"
)

const (
	defaultJobPage = 50
	maxJobPage     = 500
)

var jobStatuses = map[string]bool{queue.StatusPending: true, queue.StatusRunning: true, queue.StatusSucceeded: true, queue.StatusFailed: true}

func (a *API) listJobs(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := a.Store.Recipe(r.Context(), id); err != nil {
		return err
	}
	q := r.URL.Query()
	p := store.ListJobsParams{RecipeID: id, Status: q.Get("status"), Limit: defaultJobPage, Before: q.Get("cursor")}
	if p.Status != "" && !jobStatuses[p.Status] {
		return httpx.BadRequest("invalid_status", "status: want pending, running, succeeded or failed, got "+strconv.Quote(p.Status))
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxJobPage {
			return httpx.BadRequest("invalid_limit", "limit: want a number from 1 to "+strconv.Itoa(maxJobPage))
		}
		p.Limit = n
	}
	// One more than asked for tells whether there is a next page.
	want := p.Limit
	p.Limit++
	rows, err := a.Store.Jobs(r.Context(), p)
	if err != nil {
		return err
	}
	var next *string
	if len(rows) > want {
		rows = rows[:want]
		c := rows[want-1].ID
		next = &c
	}
	out := make([]apiview.JobSummary, len(rows))
	for i, j := range rows {
		out[i] = job.SummaryFromStore(j)
	}
	httpx.JSON(w, http.StatusOK, apiview.JobList{Jobs: out, NextCursor: next})
	return nil
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request) error {
	return a.respondJob(w, r, r.PathValue("id"), http.StatusOK)
}

func (a *API) respondJob(w http.ResponseWriter, r *http.Request, id string, status int) error {
	j, err := a.Store.Job(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJob(w, j, status)
}

func writeJob(w http.ResponseWriter, j store.Job, status int) error {
	doc, err := job.FromStore(j)
	if err != nil {
		return err
	}
	httpx.JSON(w, status, doc)
	return nil
}

func (a *API) rerunJob(w http.ResponseWriter, r *http.Request) error {
	old, err := a.Store.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := a.Store.Recipe(r.Context(), old.RecipeID); err != nil {
		return err
	}
	ids, err := a.Store.Enqueue(background(r), queue.NewJob{RecipeID: old.RecipeID, EventID: old.EventID})
	if err != nil {
		return err
	}
	return a.respondJob(w, r, ids[0].JobID, http.StatusCreated)
}

// testRecipe runs one job now from the trigger's example, or from the
// payload given in the call, and waits for it unless ?wait=false.
func (a *API) testRecipe(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	sr, err := a.Store.Recipe(r.Context(), id)
	if err != nil {
		return err
	}
	rec, err := catalog.CompileRecipe(a.Box, sr)
	if err != nil {
		return err
	}
	b, err := readBody(r)
	if err != nil {
		return err
	}
	out, err := testPayload(rec.Doc.Trigger, b)
	if err != nil {
		return err
	}
	ids, err := a.Store.Enqueue(background(r), queue.NewJob{RecipeID: id, Payload: out})
	if err != nil {
		return err
	}
	if r.URL.Query().Get("wait") == "false" {
		return a.respondJob(w, r, ids[0].JobID, http.StatusAccepted)
	}
	ctx, cancel := context.WithTimeout(r.Context(), testTimeout(rec))
	defer cancel()
	j, err := a.Runner.Wait(ctx, ids[0].JobID)
	if err != nil {
		return err
	}
	return writeJob(w, j, http.StatusOK)
}

// testPayload picks the trigger output of a test job: {"payload": ...}
// from the call, else the trigger's example (for a polling trigger, its
// first record; for a schedule, the time now), else an empty object.
func testPayload(t recipe.Trigger, body []byte) ([]byte, error) {
	if s := strings.TrimSpace(string(body)); s != "" {
		var req struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := decodeStrict(body, &req); err != nil {
			return nil, err
		}
		if len(req.Payload) > 0 && string(req.Payload) != "null" {
			if err := payload.ValidJSON(req.Payload, payload.DefaultLimits()); err != nil {
				return nil, httpx.BadRequest("invalid_payload", "payload: "+err.Error())
			}
			return req.Payload, nil
		}
	}
	switch t.Type {
	case recipe.TriggerPolling:
		// A polling job's trigger output is one record.
		if strings.TrimSpace(string(t.ResponseExample)) == "" {
			return []byte(`{}`), nil
		}
		rec, err := poll.ExampleRecord(t)
		if err != nil {
			return nil, httpx.Unprocessable("invalid_example", "trigger.response_example: "+err.Error(), nil)
		}
		return json.Marshal(rec)
	case recipe.TriggerSchedule:
		now := time.Now().UTC()
		return json.Marshal(map[string]time.Time{"scheduled_time": now, "actual_time": now})
	}
	ex := strings.TrimSpace(string(t.PayloadExample))
	if ex == "" {
		return []byte(`{}`), nil
	}
	if t.PayloadType == payload.JSON || t.PayloadType == "" {
		return []byte(ex), nil
	}
	v, err := recipe.ParseExample(t.PayloadType, ex)
	if err != nil {
		return nil, httpx.Unprocessable("invalid_example", "trigger.payload_example: "+err.Error(), nil)
	}
	return json.Marshal(v)
}

// testTimeout is how long a test call waits: every attempt of every step
// at its timeout, within five minutes.
func testTimeout(rec *catalog.Recipe) time.Duration {
	var d time.Duration
	for _, s := range rec.Steps {
		d += s.Timeout + time.Second
	}
	if d > 5*time.Minute {
		d = 5 * time.Minute
	}
	if d < 10*time.Second {
		d = 10 * time.Second
	}
	return d
}
