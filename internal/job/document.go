package job

import (
	"bytes"
	"fmt"
	"io"

	"github.com/patchbay/patchbay/internal/store"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// FromStore shapes a stored job as the API's job document.
func FromStore(j store.Job) (Document, error) {
	// One decode gives the steps, the warnings and the stored mode.
	rec, err := decodeRecord(j.Steps)
	if err != nil {
		return Document{}, fmt.Errorf("job %s: stored steps: %w", j.ID, err)
	}
	steps, warnings := rec.Steps, rec.Warnings
	if steps == nil {
		steps = []StepRecord{}
	}
	if warnings == nil {
		warnings = []Warning{}
	}
	return Document{
		ID: j.ID, RecipeID: j.RecipeID, EventID: j.EventID, Status: j.Status,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
		Trigger: Trigger{Output: j.Trigger}, Steps: steps, Error: strPtr(j.Error),
		Warnings: warnings, Stored: rec.Stored,
	}, nil
}

// SummaryFromStore shapes a job list row.
func SummaryFromStore(j store.JobSummary) Summary {
	return Summary{ID: j.ID, RecipeID: j.RecipeID, Status: j.Status, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt, Error: strPtr(j.Error)}
}
