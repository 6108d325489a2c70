// Package store defines what patchbay keeps and the one interface every
// database backend implements. Domain packages (recipe, connection, job) own
// the meaning of the documents; the store keeps them as opaque JSON plus the
// few columns it must index.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
)

// Sentinel errors every backend returns for the same situations.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// Workspace is the account that owns everything; one per database for now.
type Workspace struct {
	ID           string
	Name         string
	WebhookToken string
	CreatedAt    time.Time
}

// Connection is a stored connection: its public document and its sealed
// (encrypted) secrets, kept apart so that no read of the document can leak them.
type Connection struct {
	ID        string
	Name      string
	Doc       []byte
	Secrets   []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Recipe is a stored recipe document with the columns intake needs.
type Recipe struct {
	ID          string
	Name        string
	TriggerType string
	Event       string // webhook event name; empty for other triggers
	State       string // started or stopped
	Capture     bool   // the next webhook request becomes the payload example
	Doc         []byte
	Secrets     []byte
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Job is one run of a recipe as stored.
type Job struct {
	ID         string
	RecipeID   string
	EventID    string
	Status     string
	Claims     int
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	Trigger    []byte // the event's payload: the trigger output, JSON
	Steps      []byte // JSON array of step records, as the job package writes them
	Error      string
}

// JobSummary is one row of a job list.
type JobSummary struct {
	ID         string
	RecipeID   string
	Status     string
	CreatedAt  time.Time
	FinishedAt *time.Time
	Error      string
}

// ListJobsParams selects a page of a recipe's jobs, newest first.
type ListJobsParams struct {
	RecipeID string
	Status   string // empty: any
	Limit    int
	Before   string // job id cursor: only jobs older than this one
}

// Store is everything patchbay keeps. Every method is safe for concurrent use.
type Store interface {
	queue.Queue

	// EnsureWorkspace returns the workspace, creating it with ws on first start.
	EnsureWorkspace(ctx context.Context, ws Workspace) (Workspace, error)
	Workspace(ctx context.Context) (Workspace, error)

	CreateAPIToken(ctx context.Context, id, name string, hash []byte) error
	// APITokenExists reports whether a token with this hash was created.
	APITokenExists(ctx context.Context, hash []byte) (bool, error)

	CreateConnection(ctx context.Context, c Connection) error
	UpdateConnection(ctx context.Context, c Connection) error
	DeleteConnection(ctx context.Context, id string) error
	// Connection finds a connection by id or, failing that, by name.
	Connection(ctx context.Context, idOrName string) (Connection, error)
	Connections(ctx context.Context) ([]Connection, error)

	CreateRecipe(ctx context.Context, r Recipe) error
	// UpdateRecipe replaces the document; State and Capture are left alone.
	UpdateRecipe(ctx context.Context, r Recipe) error
	SetRecipeState(ctx context.Context, id, state string) error
	// SetRecipeCapture arms or disarms capture of the next webhook request.
	SetRecipeCapture(ctx context.Context, id string, on bool) error
	// CaptureExample stores doc as the recipe's document and disarms capture,
	// only if capture is still armed; it reports whether it did.
	CaptureExample(ctx context.Context, id string, doc []byte) (bool, error)
	DeleteRecipe(ctx context.Context, id string) error
	Recipe(ctx context.Context, id string) (Recipe, error)
	Recipes(ctx context.Context) ([]Recipe, error)

	// ResealSecrets replaces every sealed secret (connections' and recipes')
	// with reseal(old), in one transaction: all or none. It returns how many
	// values it resealed; empty secrets are left alone.
	ResealSecrets(ctx context.Context, reseal func(old []byte) ([]byte, error)) (int, error)

	Job(ctx context.Context, id string) (Job, error)
	// Blob is a stored file of an event, by the hex SHA-256 of its content.
	Blob(ctx context.Context, sha256 string) ([]byte, error)
	// EventPayload is an event's stored payload (a job's trigger output).
	EventPayload(ctx context.Context, eventID string) ([]byte, error)
	Jobs(ctx context.Context, p ListJobsParams) ([]JobSummary, error)
	// CountEvents and CountJobs serve tests and metrics.
	CountEvents(ctx context.Context) (int, error)
	CountJobs(ctx context.Context) (int, error)

	// Ping says whether the database answers and its migrations are applied.
	Ping(ctx context.Context) error
	Close() error
}
