// Package webhook is webhook intake: find the recipe for a URL, limit and
// verify the request, parse it as the trigger's payload type, and store the
// event with its job durably before answering 2xx. A rejected request
// leaves nothing behind.
package webhook

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
)

// Local runs jobs this process enqueues, straight from memory.
type Local interface {
	Reserve() bool
	Unreserve()
	Dispatch(queue.Claimed)
	OwnerName() string
	LeaseDuration() time.Duration
}

// Captures is where a captured payload example is written.
type Captures interface {
	CaptureExample(ctx context.Context, recipeID string, doc recipe.Document) (bool, error)
}

// Handler serves /webhooks/rest/{token}/{event}.
type Handler struct {
	// Local, when set, takes the jobs intake creates without a round trip
	// through the queue (see job.Runner.Reserve).
	Local   Local
	Catalog *catalog.Catalog
	Store   store.Store
	// Captures stores a captured request as a recipe's payload example
	// (the workspace service: the one path of recipe writes).
	Captures     Captures
	WebhookToken string
	MaxBodyBytes int64
	// Intake caps the body bytes all webhook requests hold at once (nil:
	// no cap); a request over it is answered 503 with Retry-After.
	Intake *IntakeBudget
	// RateLimit is the server-wide default of every webhook event whose
	// trigger sets none; PerSecond 0 means no default limit.
	RateLimit recipe.RateLimit
	Metrics   *metrics.Metrics
	Log       *slog.Logger
	Now       func() time.Time

	rules rulesCache
}

// Accepted is the answer to a stored webhook.
type Accepted struct {
	ID    string `json:"id"`
	JobID string `json:"job_id"`
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request, reason string, e *httpx.Error) {
	h.Metrics.WebhooksRejected.WithLabelValues(reason).Inc()
	httpx.Fail(w, r, h.Log, e)
}

// ServeHTTP handles one webhook request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, event := r.PathValue("token"), r.PathValue("event")
	if subtle.ConstantTimeCompare([]byte(token), []byte(h.WebhookToken)) != 1 {
		h.reject(w, r, "unknown_token", &httpx.Error{Status: 404, Code: "unknown_webhook_token", Message: "no workspace has this webhook token"})
		return
	}
	rec, err := h.Catalog.RecipeByEvent(r.Context(), event)
	if errors.Is(err, store.ErrNotFound) {
		h.reject(w, r, "unknown_event", &httpx.Error{Status: 404, Code: "unknown_event", Message: fmt.Sprintf("no recipe listens to webhook event %q", event)})
		return
	}
	if err != nil {
		httpx.Fail(w, r, h.Log, err)
		return
	}
	trig := rec.Doc.Trigger
	if e := checkMethod(trig.PayloadType, r.Method); e != nil {
		h.reject(w, r, "method", e)
		return
	}
	if rec.State != recipe.StateStarted && !rec.Capture {
		h.reject(w, r, "stopped", &httpx.Error{Status: 503, Code: "recipe_stopped",
			Message: fmt.Sprintf("recipe %q is stopped; start it to accept webhooks", rec.Doc.Name),
			Header:  http.Header{"Retry-After": {"60"}}})
		return
	}
	rules := h.rules.get(rec, h.RateLimit)
	if ok, retry := rules.allow(h.now()); !ok {
		// Before the body is read: a flood costs no memory and stores nothing.
		h.reject(w, r, "rate_limited", rateLimited(event, retry))
		return
	}
	held, e := readBody(w, r, h.MaxBodyBytes, h.Intake)
	if e != nil {
		reason := "read"
		switch e.Status {
		case http.StatusRequestEntityTooLarge:
			reason = "too_large"
		case http.StatusServiceUnavailable:
			reason = "overloaded"
		}
		h.reject(w, r, reason, e)
		return
	}
	// The body's bytes stay charged until the event is stored and answered.
	defer held.release()
	body := held.data
	if err := verify(trig.Verify, rec.Secrets, r, body, h.now()); err != nil {
		h.reject(w, r, "verify", &httpx.Error{Status: 401, Code: "verification_failed", Message: "webhook verification failed: " + err.Error()})
		return
	}
	var blobs payload.Blobs // only multipart forms carry files
	if trig.PayloadType == payload.Form {
		blobs = payload.Blobs{}
	}
	out, err := toTriggerOutput(trig.PayloadType, body, r, rec.Datatree.Trigger, blobs)
	if err != nil {
		h.reject(w, r, "parse", &httpx.Error{Status: 400, Code: "invalid_payload", Message: describeParseError(trig.PayloadType, r.Header.Get("Content-Type"), err)})
		return
	}
	if rec.Capture && h.capture(w, r, rec, body, out) {
		return
	}
	if rec.State != recipe.StateStarted {
		// Capture was armed when we looked, but another request took it.
		h.reject(w, r, "stopped", &httpx.Error{Status: 503, Code: "recipe_stopped",
			Message: fmt.Sprintf("recipe %q is stopped; start it to accept webhooks", rec.Doc.Name),
			Header:  http.Header{"Retry-After": {"60"}}})
		return
	}
	nj := queue.NewJob{RecipeID: rec.ID, Payload: out}
	if len(blobs) > 0 {
		nj.Blobs = blobs
	}
	local := h.Local != nil && h.Local.Reserve()
	if local {
		nj.Owner, nj.Lease = h.Local.OwnerName(), h.Local.LeaseDuration()
	}
	ids, duplicate, err := h.store(r.Context(), nj, rules.dedupeKey(r, out), trig.Dedupe)
	if err != nil {
		if local {
			h.Local.Unreserve()
		}
		httpx.Fail(w, r, h.Log, fmt.Errorf("store webhook event: %w", err))
		return
	}
	if duplicate {
		// A repeat of a delivery taken within the window: answered as the
		// first was, and nothing new runs.
		if local {
			h.Local.Unreserve()
		}
		writeAccepted(w, ids.EventID, ids.JobID)
		return
	}
	if local {
		h.Local.Dispatch(queue.Claimed{JobID: ids.JobID, RecipeID: rec.ID, EventID: ids.EventID, Claims: 1, Payload: out})
	}
	h.Metrics.WebhooksAccepted.Inc()
	writeAccepted(w, ids.EventID, ids.JobID)
}

// store enqueues the event and its job, deduplicated by key when there is one.
func (h *Handler) store(ctx context.Context, nj queue.NewJob, key string, dd *recipe.Dedupe) (queue.Enqueued, bool, error) {
	if key == "" {
		ids, err := h.Store.Enqueue(ctx, nj)
		if err != nil {
			return queue.Enqueued{}, false, err
		}
		return ids[0], false, nil
	}
	return h.Store.EnqueueOnce(ctx, nj, store.DedupeKey{Key: key, Window: dd.WindowOrDefault()})
}

// writeAccepted answers {"id": …, "job_id": …} without reflection: this is
// the answer to every webhook, and ids are UUIDs that need no escaping.
func writeAccepted(w http.ResponseWriter, eventID, jobID string) {
	b := make([]byte, 0, 96)
	b = append(b, `{"id":"`...)
	b = append(b, eventID...)
	b = append(b, `","job_id":"`...)
	b = append(b, jobID...)
	b = append(b, "\"}\n"...)
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// checkMethod: query payloads come as GET; bodies as POST or PUT.
func checkMethod(payloadType, method string) *httpx.Error {
	allowed := "POST, PUT"
	ok := method == http.MethodPost || method == http.MethodPut
	if payloadType == payload.Query {
		allowed = "GET, POST"
		ok = method == http.MethodGet || method == http.MethodPost
	}
	if ok {
		return nil
	}
	return &httpx.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Message: fmt.Sprintf("this webhook takes %s for a %s payload, not %s", allowed, payloadType, method),
		Header:  http.Header{"Allow": {allowed}}}
}

// toTriggerOutput parses the request as declared and returns the trigger
// output as JSON. A JSON body is kept as sent (after validation), so
// numbers and key order survive exactly and nothing is re-encoded on the
// hot path.
func toTriggerOutput(payloadType string, body []byte, r *http.Request, datatree []payload.Field, blobs payload.Blobs) ([]byte, error) {
	lim := payload.DefaultLimits()
	switch payloadType {
	case payload.JSON:
		if len(bytes.TrimSpace(body)) == 0 { // bytes: no copy of the body
			return nil, errors.New("the body is empty")
		}
		if err := payload.ValidJSON(body, lim); err != nil {
			return nil, err
		}
		return body, nil
	case payload.Query:
		return json.Marshal(payload.ParseQuery(r.URL.Query()))
	case payload.Form:
		// urlencoded or, by Content-Type, multipart/form-data.
		v, err := payload.ParseFormBodyBlobs(r.Header.Get("Content-Type"), body, lim, blobs)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	default:
		v, err := payload.Parse(payloadType, body, lim)
		if err != nil {
			return nil, err
		}
		if payloadType == payload.XML {
			// One <item> where the example had several is still a list.
			v = payload.CoerceLists(v, datatree)
		}
		return json.Marshal(v)
	}
}

func describeParseError(payloadType, contentType string, err error) string {
	msg := fmt.Sprintf("payload is not valid %s: %v", payloadType, err)
	if contentType != "" {
		msg += fmt.Sprintf(" (Content-Type was %q)", contentType)
	}
	return msg
}

// capture stores the request as the recipe's payload example instead of
// running a job. It reports whether it answered the request; false means
// capture was no longer armed and the request takes the normal path.
func (h *Handler) capture(w http.ResponseWriter, r *http.Request, rec *catalog.Recipe, body, out []byte) bool {
	doc := rec.Doc
	example := string(body)
	if doc.Trigger.PayloadType == payload.Query {
		example = string(out)
	}
	if doc.Trigger.PayloadType == payload.Form && payload.IsMultipart(r.Header.Get("Content-Type")) {
		// A form example is urlencoded: spell the multipart text fields so.
		var tree any
		ex, err := "", json.Unmarshal(out, &tree)
		if err == nil {
			ex, err = payload.FormExample(tree)
		}
		if err != nil {
			httpx.Fail(w, r, h.Log, &httpx.Error{Status: 422, Code: "uncapturable_payload",
				Message: "cannot capture this multipart request as the payload example (capture stays armed): " + err.Error()})
			return true
		}
		example = ex
	}
	doc.Trigger.PayloadExample = recipe.Example(example)
	ok, err := h.Captures.CaptureExample(context.WithoutCancel(r.Context()), rec.ID, doc)
	if err != nil {
		httpx.Fail(w, r, h.Log, fmt.Errorf("capture payload example: %w", err))
		return true
	}
	if !ok {
		return false
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"captured": true, "recipe_id": rec.ID})
	return true
}
