package job

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// complete records a job's final status. For a recipe with `store:
// metadata` this is where its bodies go: the step records keep status,
// attempts, timings, errors, the method, the URL without its query and the
// response status; headers, bodies and query are dropped (any of them can
// carry the payload's data), and the event's payload (the trigger output)
// becomes null in the same transaction, unless a pending or running job
// (a rerun) still needs it. While the job
// runs, everything stays stored: a later step, a retry or another process
// after a crash reads it.
func (r *Runner) complete(c queue.Claimed, status string, steps []StepRecord, warnings []Warning, msg string) error {
	metadata := r.metadataOnly(c.RecipeID)
	ctx := context.WithoutCancel(r.runCtx)
	if metadata {
		b, err := json.Marshal(stepsBlob{Steps: withoutBodies(steps), Warnings: nonNilWarnings(warnings), Stored: recipe.StoreMetadata})
		if err != nil {
			return err
		}
		return r.Store.CompleteWithoutPayload(ctx, r.Owner, c.JobID, status, b, msg)
	}
	// Within the record limits: large bodies go to blobs first.
	saved, err := r.save(c.JobID, steps, warnings)
	if err != nil {
		return err
	}
	return r.Store.Complete(ctx, r.Owner, c.JobID, status, saved.steps, msg)
}

// metadataOnly is the one decision: does this recipe keep bodies? A
// recipe that no longer exists keeps them (nothing says otherwise).
func (r *Runner) metadataOnly(recipeID string) bool {
	rec, err := r.Catalog.Recipe(context.WithoutCancel(r.runCtx), recipeID)
	return err == nil && rec.Doc.MetadataOnly()
}

// withoutBodies is steps as `store: metadata` keeps them.
func withoutBodies(steps []StepRecord) []StepRecord {
	out := make([]StepRecord, len(steps))
	for i, s := range steps {
		if s.Input != nil {
			s.Input = &RecordedInput{Input: httprequest.Input{Method: s.Input.Method, URL: withoutQuery(s.Input.URL), WaitedMS: s.Input.WaitedMS}}
		}
		if s.Output != nil {
			s.Output = &RecordedOutput{Output: httprequest.Output{Status: s.Output.Status}}
		}
		out[i] = s
	}
	return out
}

// withoutQuery drops a URL's query and fragment (pill values land there).
func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User = "", "", "", nil
	return u.String()
}

func nonNilWarnings(ws []Warning) []Warning {
	if ws == nil {
		return []Warning{}
	}
	return ws
}
