// Package workspace is the one place recipes and connections are written.
// The API, the web UI (through the API) and the command line (through the
// API) all come here; each write validates, seals secrets, stores, puts
// the new version into this process's catalog and arms or re-plans
// triggers, in that order, before it returns. So what a call answered as
// done is what every later request of this process sees.
//
// Errors are the domain's: *Invalid (a 422 with paths), ErrEventTaken and
// ErrNameTaken (409), *InUseError (409), store.ErrNotFound (404) and
// store.ErrStale (412, an If-Match that no longer holds). The API turns
// them into answers.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
)

// Triggers is the scheduler: woken when a polling or schedule recipe
// starts (the store armed its trigger), and told to plan a started
// recipe's trigger again when an edit changes when or what it polls.
type Triggers interface {
	Wake()
	Replan(ctx context.Context, r store.Recipe) error
}

// Service writes recipes and connections.
type Service struct {
	Store   store.Store
	Catalog *catalog.Catalog
	Box     *secret.Box
	// Triggers may be nil (a process that runs no scheduler).
	Triggers Triggers
	Now      func() time.Time
}

// Invalid is a document that does not validate: every problem with its path.
type Invalid struct {
	Code     string // invalid_recipe, invalid_connection, not_webhook
	Problems []recipe.Problem
}

func (e *Invalid) Error() string { return e.Problems[0].Error() }

// InUseError refuses to delete a connection that recipes use.
type InUseError struct {
	Connection string
	Recipes    []string
}

func (e *InUseError) Error() string {
	return "connection " + e.Connection + " is used by recipes: " + strings.Join(e.Recipes, ", ")
}

// ErrEventTaken and ErrNameTaken wrap store.ErrConflict with what is taken.
var (
	ErrEventTaken = errors.New("webhook event is already used by another recipe")
	ErrNameTaken  = errors.New("a connection with this name already exists")
)

// TakenError names the taken event or name.
type TakenError struct {
	Kind  error // ErrEventTaken or ErrNameTaken
	Value string
}

func (e *TakenError) Error() string {
	if e.Kind == ErrEventTaken {
		return fmt.Sprintf("trigger.event: webhook event %q is already used by another recipe", e.Value)
	}
	return "name: a connection named " + e.Value + " already exists"
}

func (e *TakenError) Unwrap() error { return e.Kind }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// unsetSecrets refuses a new document whose secrets read "set": a read
// document sent back as a new one (another workspace, a copied export)
// has no stored secret for "set" to keep.
func unsetSecrets(code string, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	problems := make([]recipe.Problem, len(paths))
	for i, p := range paths {
		problems[i] = recipe.Problem{Path: p, Message: `"set" stands for a stored secret, and nothing is stored yet: write the secret itself`}
	}
	return &Invalid{Code: code, Problems: problems}
}

// retries is how often a write without If-Match reads and tries again
// when another write slipped in between its read and its write.
const retries = 5
