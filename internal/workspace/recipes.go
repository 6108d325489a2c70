package workspace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/trigger/poll"
)

// CheckRecipe normalizes and validates a decoded document.
func (s *Service) CheckRecipe(ctx context.Context, doc *recipe.Document) error {
	doc.Normalize()
	problems := doc.Validate(func(name string) bool {
		_, err := s.Catalog.Connection(ctx, name)
		return err == nil
	})
	if doc.Trigger.Type == recipe.TriggerPolling {
		problems = append(problems, pollProblems(doc.Trigger, problems)...)
	}
	if len(problems) > 0 {
		return &Invalid{Code: "invalid_recipe", Problems: problems}
	}
	return nil
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

// CreateRecipe validates and stores a new, stopped recipe.
func (s *Service) CreateRecipe(ctx context.Context, doc recipe.Document) (store.Recipe, error) {
	if err := s.CheckRecipe(ctx, &doc); err != nil {
		return store.Recipe{}, err
	}
	_, secrets := doc.SplitSecrets()
	if err := unsetSecrets("invalid_recipe", secrets.Markers()); err != nil {
		return store.Recipe{}, err
	}
	sr, err := s.row(uuid.Must(uuid.NewV7()).String(), doc, secrets)
	if err != nil {
		return store.Recipe{}, err
	}
	if err := s.Store.CreateRecipe(ctx, sr); err != nil {
		return store.Recipe{}, eventTaken(err, doc)
	}
	return s.Catalog.ReloadRecipe(ctx, sr.ID)
}

// UpdateRecipe validates doc and stores it over recipe id, keeping the
// secrets the document reads as "set". A non-zero ifVersion must be the
// stored version (store.ErrStale otherwise).
func (s *Service) UpdateRecipe(ctx context.Context, id string, doc recipe.Document, ifVersion int64) (store.Recipe, error) {
	return s.update(ctx, id, ifVersion, func(d *recipe.Document) error {
		*d = doc
		return nil
	})
}

// UpdateRecipeWith applies edit to the stored document of recipe id and
// stores the result like UpdateRecipe.
func (s *Service) UpdateRecipeWith(ctx context.Context, id string, edit func(*recipe.Document) error) (store.Recipe, error) {
	return s.update(ctx, id, 0, edit)
}

// update reads recipe id, applies edit to its document, validates the
// result and writes it over the version it read, keeping the secrets the
// document reads as "set". With ifVersion the version read must be that
// one; without, another write that came in between makes it read, edit
// and write again, so no secret or edit is lost.
func (s *Service) update(ctx context.Context, id string, ifVersion int64, edit func(*recipe.Document) error) (store.Recipe, error) {
	for attempt := 0; ; attempt++ {
		old, err := s.Store.Recipe(ctx, id)
		if err != nil {
			return store.Recipe{}, err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return store.Recipe{}, store.ErrStale
		}
		oldRecipe, err := catalog.CompileRecipe(s.Box, old)
		if err != nil {
			return store.Recipe{}, err
		}
		var doc recipe.Document // decoded again: the edit must not change oldRecipe's
		if err := json.Unmarshal(old.Doc, &doc); err != nil {
			return store.Recipe{}, err
		}
		if err := edit(&doc); err != nil {
			return store.Recipe{}, err
		}
		if err := s.CheckRecipe(ctx, &doc); err != nil {
			return store.Recipe{}, err
		}
		_, secrets := doc.SplitSecrets()
		secrets.KeepSecrets(oldRecipe.Secrets)
		sr, err := s.row(id, doc, secrets)
		if err != nil {
			return store.Recipe{}, err
		}
		sr.Version = old.Version
		err = s.Store.UpdateRecipe(ctx, sr)
		if errors.Is(err, store.ErrStale) && ifVersion == 0 && attempt < retries {
			continue
		}
		if err != nil {
			return store.Recipe{}, eventTaken(err, doc)
		}
		updated, err := s.Catalog.ReloadRecipe(ctx, id)
		if err != nil {
			return store.Recipe{}, err
		}
		if old.State == recipe.StateStarted && s.Triggers != nil && triggerTimingChanged(oldRecipe.Doc.Trigger, doc.Trigger) {
			if err := s.Triggers.Replan(ctx, updated); err != nil {
				return store.Recipe{}, err
			}
		}
		return updated, nil
	}
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

// DeleteRecipe removes a recipe with its jobs and events.
func (s *Service) DeleteRecipe(ctx context.Context, id string, ifVersion int64) error {
	if err := s.Store.DeleteRecipe(ctx, id, ifVersion); err != nil {
		return err
	}
	s.Catalog.RemoveRecipe(id)
	return nil
}

// StartRecipe starts a recipe. A polling or schedule recipe fires its
// first event when it starts (not again when started twice): started and
// armed in one transaction.
func (s *Service) StartRecipe(ctx context.Context, id string) (store.Recipe, error) {
	sr, err := s.Store.Recipe(ctx, id)
	if err != nil {
		return store.Recipe{}, err
	}
	timed := sr.TriggerType == recipe.TriggerPolling || sr.TriggerType == recipe.TriggerSchedule
	changed, err := s.Store.StartRecipe(ctx, id, timed, s.now())
	if err != nil {
		return store.Recipe{}, err
	}
	started, err := s.Catalog.ReloadRecipe(ctx, id)
	if err != nil {
		return store.Recipe{}, err
	}
	if changed && timed && s.Triggers != nil {
		s.Triggers.Wake()
	}
	return started, nil
}

// StopRecipe stops a recipe: its webhook answers 503, its trigger no
// longer fires.
func (s *Service) StopRecipe(ctx context.Context, id string) (store.Recipe, error) {
	if err := s.Store.SetRecipeState(ctx, id, recipe.StateStopped); err != nil {
		return store.Recipe{}, err
	}
	return s.Catalog.ReloadRecipe(ctx, id)
}

// ArmCapture makes the next request to a webhook recipe's URL its
// payload example.
func (s *Service) ArmCapture(ctx context.Context, id string) (store.Recipe, error) {
	sr, err := s.Store.Recipe(ctx, id)
	if err != nil {
		return store.Recipe{}, err
	}
	if sr.TriggerType != recipe.TriggerWebhook {
		return store.Recipe{}, &Invalid{Code: "not_webhook", Problems: []recipe.Problem{{Path: "trigger.type", Message: "only a webhook recipe can capture a request"}}}
	}
	if err := s.Store.SetRecipeCapture(ctx, id, true); err != nil {
		return store.Recipe{}, err
	}
	return s.Catalog.ReloadRecipe(ctx, id)
}

// CaptureExample stores doc (a document whose payload example is the
// captured request) if capture is still armed, and reports whether it was.
func (s *Service) CaptureExample(ctx context.Context, id string, doc recipe.Document) (bool, error) {
	public, _ := doc.SplitSecrets()
	b, err := json.Marshal(public)
	if err != nil {
		return false, err
	}
	ok, err := s.Store.CaptureExample(ctx, id, b)
	if err != nil {
		return false, err
	}
	if _, err := s.Catalog.ReloadRecipe(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return ok, err
	}
	return ok, nil
}

// row builds the stored form of a document: public JSON and sealed secrets.
func (s *Service) row(id string, doc recipe.Document, secrets recipe.Secrets) (store.Recipe, error) {
	public, _ := doc.SplitSecrets()
	b, err := json.Marshal(public)
	if err != nil {
		return store.Recipe{}, err
	}
	sealed, err := catalog.SealJSON(s.Box, secrets)
	if err != nil {
		return store.Recipe{}, err
	}
	now := s.now()
	event := ""
	if doc.Trigger.Type == recipe.TriggerWebhook {
		event = doc.Trigger.Event
	}
	return store.Recipe{ID: id, Name: doc.Name, TriggerType: doc.Trigger.Type, Event: event,
		State: recipe.StateStopped, Doc: b, Secrets: sealed, CreatedAt: now, UpdatedAt: now}, nil
}

func eventTaken(err error, doc recipe.Document) error {
	if errors.Is(err, store.ErrConflict) {
		return &TakenError{Kind: ErrEventTaken, Value: doc.Trigger.Event}
	}
	return err
}
