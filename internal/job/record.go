// Package job runs recipes: it claims jobs from the queue, runs their steps
// in order with retries, and records each step's input, output, attempts,
// timings and error. It also shapes the job document the API returns.
package job

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// StepRecord is one step of a job as kept.
type StepRecord struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"`
	Attempts   int             `json:"attempts"`
	Input      *RecordedInput  `json:"input"`
	Output     *RecordedOutput `json:"output"`
	Error      *string         `json:"error"`
	DurationMS int64           `json:"duration_ms"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	// NextAttemptAt is set while the step waits to be retried.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// RecordedInput is a step's request as kept: the request as sent, with a
// body too large to keep inline moved to a blob (BodyBlob) or, past the
// job's record limit, left out (BodyOmitted).
type RecordedInput struct {
	httprequest.Input
	BodyBlob    *BodyBlob    `json:"body_blob,omitempty"`
	BodyOmitted *BodyOmitted `json:"body_omitted,omitempty"`
}

// RecordedOutput is a step's response as kept, its body capped like
// RecordedInput's. Pills of later steps read the full body: from memory
// while the claim runs, from the blob when the job resumes.
type RecordedOutput struct {
	httprequest.Output
	BodyBlob    *BodyBlob    `json:"body_blob,omitempty"`
	BodyOmitted *BodyOmitted `json:"body_omitted,omitempty"`
}

// BodyBlob names a body kept as a blob (GET /api/v1/blobs/{sha256}).
type BodyBlob struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Format is "json" (the blob is the body's JSON) or "text" (a raw
	// response's text as it came).
	Format string `json:"format"`
}

// BodyOmitted marks a body that was not kept because the job's record
// reached its limit.
type BodyOmitted struct {
	Size   int64  `json:"size"`
	Reason string `json:"reason"`
}

// Document is the job document of DESIGN.md.
type Document struct {
	ID         string       `json:"id"`
	RecipeID   string       `json:"recipe_id"`
	EventID    string       `json:"event_id"`
	Status     string       `json:"status"`
	CreatedAt  time.Time    `json:"created_at"`
	StartedAt  *time.Time   `json:"started_at"`
	FinishedAt *time.Time   `json:"finished_at"`
	Trigger    Trigger      `json:"trigger"`
	Steps      []StepRecord `json:"steps"`
	Error      *string      `json:"error"`
	// Warnings lists drift: real outputs carrying fields the datatree
	// lacks. Always present, [] when none.
	Warnings []Warning `json:"warnings"`
	// Stored is "metadata" when the recipe's `store: metadata` dropped the
	// job's trigger output and step headers and bodies; absent otherwise.
	Stored string `json:"stored,omitempty"`
}

// Warning is something about a job worth knowing that did not fail it.
type Warning struct {
	Where     string   `json:"where"` // "trigger" or "steps.<id>"
	Message   string   `json:"message"`
	NewFields []string `json:"new_fields"`
}

// stepsBlob is the stored steps column when the job has warnings; without
// warnings the column stays a plain JSON array of step records (the form
// every earlier version wrote, and the one readers of the column expect).
type stepsBlob struct {
	Steps    []StepRecord `json:"steps"`
	Warnings []Warning    `json:"warnings"`
	// Stored is recipe.StoreMetadata when the bodies were dropped.
	Stored string `json:"stored,omitempty"`
}

// Trigger holds what the trigger produced.
type Trigger struct {
	Output json.RawMessage `json:"output"`
}

// Summary is a job in a list.
type Summary struct {
	ID         string     `json:"id"`
	RecipeID   string     `json:"recipe_id"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Error      *string    `json:"error"`
}

// decodeSteps reads the stored steps column: a JSON array of step records
// (no warnings) or {"steps": [...], "warnings": [...]}.
func decodeSteps(b []byte) ([]StepRecord, []Warning, error) {
	blob, err := decodeRecord(b)
	return blob.Steps, blob.Warnings, err
}

// decodeRecord reads a steps column whole: a bare list of steps, or the
// stepsBlob with warnings and the `store: metadata` marker.
func decodeRecord(b []byte) (stepsBlob, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return stepsBlob{}, nil
	}
	dec := json.NewDecoder(bytesReader(b))
	// Numbers stay exact: a later step's pills read earlier outputs.
	dec.UseNumber()
	if b[0] == '{' {
		var blob stepsBlob
		if err := dec.Decode(&blob); err != nil {
			return stepsBlob{}, err
		}
		return blob, nil
	}
	var steps []StepRecord
	if err := dec.Decode(&steps); err != nil {
		return stepsBlob{}, err
	}
	return stepsBlob{Steps: steps}, nil
}

// encodeSteps is the inverse of decodeSteps.
func encodeSteps(steps []StepRecord, warnings []Warning) ([]byte, error) {
	steps = nonNil(steps)
	if len(warnings) == 0 {
		return json.Marshal(steps)
	}
	return json.Marshal(stepsBlob{Steps: steps, Warnings: warnings})
}

// setWarning records the new fields seen at where, replacing what an
// earlier claim recorded there; no fields removes the warning.
func setWarning(ws []Warning, where string, fields []string) []Warning {
	i := slices.IndexFunc(ws, func(w Warning) bool { return w.Where == where })
	if len(fields) == 0 {
		if i >= 0 {
			ws = slices.Delete(ws, i, i+1)
		}
		return ws
	}
	w := Warning{Where: where, Message: newFieldsMessage(len(fields)), NewFields: fields}
	if i >= 0 {
		ws[i] = w
		return ws
	}
	return append(ws, w)
}

func newFieldsMessage(n int) string {
	switch {
	case n == 1:
		return "1 field not in the datatree"
	case n >= recipe.MaxNewFields:
		return fmt.Sprintf("%d or more fields not in the datatree", n)
	}
	return fmt.Sprintf("%d fields not in the datatree", n)
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
