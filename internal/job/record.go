// Package job runs recipes: it claims jobs from the queue, runs their steps
// in order with retries, and records each step's input, output, attempts,
// timings and error. It also shapes the job document the API returns.
package job

import (
	"encoding/json"
	"time"

	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// StepRecord is one step of a job as kept.
type StepRecord struct {
	ID         string              `json:"id"`
	Status     string              `json:"status"`
	Attempts   int                 `json:"attempts"`
	Input      *httprequest.Input  `json:"input"`
	Output     *httprequest.Output `json:"output"`
	Error      *string             `json:"error"`
	DurationMS int64               `json:"duration_ms"`
	StartedAt  *time.Time          `json:"started_at,omitempty"`
	FinishedAt *time.Time          `json:"finished_at,omitempty"`
	// NextAttemptAt is set while the step waits to be retried.
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
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

func decodeSteps(b []byte) ([]StepRecord, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var steps []StepRecord
	dec := json.NewDecoder(bytesReader(b))
	// Numbers stay exact: a later step's pills read earlier outputs.
	dec.UseNumber()
	if err := dec.Decode(&steps); err != nil {
		return nil, err
	}
	return steps, nil
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
