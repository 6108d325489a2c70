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
	// ErrStale: a write named the version it read (If-Match) and the
	// stored row has moved on since.
	ErrStale = errors.New("changed since it was read")
)

// Workspace is the account that owns everything; one per database for now.
type Workspace struct {
	ID           string
	Name         string
	WebhookToken string
	CreatedAt    time.Time
}

// APIToken is what is shown of an API token: never the token or its hash.
type APIToken struct {
	ID        string
	Name      string
	CreatedAt time.Time
	// LastUsedAt is when it was last accepted, to within a minute (see
	// api.lastUsedResolution); nil if never.
	LastUsedAt *time.Time
}

// Connection is a stored connection: its public document and its sealed
// (encrypted) secrets, kept apart so that no read of the document can leak them.
type Connection struct {
	ID      string
	Name    string
	Doc     []byte
	Secrets []byte
	// Version counts the writes of this connection (1 when created). On
	// UpdateConnection a non-zero Version is the version the write expects
	// to replace (ErrStale otherwise).
	Version   int64
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
	// Version counts the writes of this recipe (1 when created, and every
	// update, start, stop and capture adds one). On UpdateRecipe a non-zero
	// Version is the version the write expects to replace (ErrStale otherwise).
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Versions is the version of every recipe or connection, by id: what a
// catalog compares with its compiled copies to find what another process
// changed.
type Versions map[string]int64

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
	// APITokenByHash finds the token with this hash, or ErrNotFound when
	// none was created or it was revoked.
	APITokenByHash(ctx context.Context, hash []byte) (APIToken, error)
	// APITokens lists the tokens, oldest first (never their hashes).
	APITokens(ctx context.Context) ([]APIToken, error)
	// TouchAPIToken records that the token was used at at.
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	// DeleteAPIToken revokes a token: ErrNotFound when there is none.
	DeleteAPIToken(ctx context.Context, id string) error

	CreateConnection(ctx context.Context, c Connection) error
	UpdateConnection(ctx context.Context, c Connection) error
	// DeleteConnection removes a connection; a non-zero version must be
	// the stored one (ErrStale otherwise).
	DeleteConnection(ctx context.Context, id string, version int64) error
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
	// DeleteRecipe removes a recipe with its jobs and events; a non-zero
	// version must be the stored one (ErrStale otherwise).
	DeleteRecipe(ctx context.Context, id string, version int64) error
	// CatalogChanges is a counter that every write of a recipe or a
	// connection moves, by any process: cheap to read once a second.
	CatalogChanges(ctx context.Context) (int64, error)
	// RecipeVersions and ConnectionVersions list every id with its version.
	RecipeVersions(ctx context.Context) (Versions, error)
	ConnectionVersions(ctx context.Context) (Versions, error)
	Recipe(ctx context.Context, id string) (Recipe, error)
	Recipes(ctx context.Context) ([]Recipe, error)

	// ResealSecrets replaces every sealed secret (connections' and recipes')
	// with reseal(old), in one transaction: all or none. It returns how many
	// values it resealed; empty secrets are left alone.
	ResealSecrets(ctx context.Context, reseal func(old []byte) ([]byte, error)) (int, error)

	// EnqueueOnce stores j (and its event) as Enqueue does, unless the
	// recipe took key.Key within its window: then it stores nothing and
	// returns the first delivery's ids with duplicate true. The key is
	// written in the job's transaction, so of two concurrent copies one
	// makes the job and the other gets its ids.
	EnqueueOnce(ctx context.Context, j queue.NewJob, key DedupeKey) (ids queue.Enqueued, duplicate bool, err error)

	Job(ctx context.Context, id string) (Job, error)
	// Blob is a stored file of an event, by the hex SHA-256 of its content.
	Blob(ctx context.Context, sha256 string) ([]byte, error)
	// PutBlobs stores files by the hex SHA-256 of their content (a job's
	// recorded bodies too large to keep inline), referenced by refID (the
	// job): retention deletes a blob with its last reference. One already
	// stored is kept.
	PutBlobs(ctx context.Context, refID string, blobs map[string][]byte) error
	// EventPayload is an event's stored payload (a job's trigger output).
	EventPayload(ctx context.Context, eventID string) ([]byte, error)
	Jobs(ctx context.Context, p ListJobsParams) ([]JobSummary, error)
	// CountEvents and CountJobs serve tests and metrics.
	CountEvents(ctx context.Context) (int, error)
	CountJobs(ctx context.Context) (int, error)

	// Triggers: a started polling or schedule recipe has one durable,
	// leased unit of work, "the poll or tick due at NextDue" (TriggerState).
	// ArmTrigger (re)sets it when a trigger is edited; StartRecipe starts a
	// recipe and arms its trigger in one transaction; ClaimTriggers leases
	// those due to one process; CompleteTrigger, in one transaction, checks
	// the lease is still held, creates the jobs, records seen records and
	// the cursor, and moves NextDue on.
	ArmTrigger(ctx context.Context, recipeID string, due time.Time) error
	// DisarmTrigger removes a recipe's trigger row (its trigger is no longer
	// polling or schedule); the seen set and fired ticks go with it.
	DisarmTrigger(ctx context.Context, recipeID string) error
	// StartRecipe sets a stopped recipe started and, with arm, arms its
	// trigger due at armAt, in one transaction; it reports whether the
	// recipe was stopped (a second start changes and arms nothing).
	StartRecipe(ctx context.Context, id string, arm bool, armAt time.Time) (bool, error)
	// NextTriggerDue is the earliest NextDue of started recipes (zero: none).
	NextTriggerDue(ctx context.Context) (time.Time, error)
	ClaimTriggers(ctx context.Context, owner string, now time.Time, max int, lease time.Duration) ([]TriggerClaim, error)
	CompleteTrigger(ctx context.Context, c TriggerCompletion) (TriggerOutcome, error)
	// ExtendTrigger renews owner's lease on a claimed poll or tick until
	// until; ErrLeaseLost when owner no longer holds it.
	ExtendTrigger(ctx context.Context, recipeID, owner string, due, until time.Time) error
	// TriggerState is a recipe's trigger state, or ErrNotFound before its first start.
	TriggerState(ctx context.Context, recipeID string) (TriggerState, error)
	// CountSeenRecords serves tests and the recipe view.
	CountSeenRecords(ctx context.Context, recipeID string) (int, error)

	// OAuth2 (issue 4): the tokens of an OAuth2 connection live apart
	// from its document, so a refresh never rewrites the document; the
	// states of authorizations under way live in the database, so a
	// callback that reaches another process still finds its state.
	//
	// OAuthToken is a connection's token row, or ErrNotFound before its
	// first authorization (or first client-credentials token).
	OAuthToken(ctx context.Context, connectionID string) (OAuthToken, error)
	// SaveOAuthToken writes t whatever is stored (a new authorization);
	// the row's Version goes up by one.
	SaveOAuthToken(ctx context.Context, t OAuthToken) error
	// SwapOAuthToken writes t only if the row is still at version (a
	// refresh: access and rotated refresh token together, and only if no
	// one else has refreshed or reauthorized meanwhile); it reports
	// whether it did.
	SwapOAuthToken(ctx context.Context, t OAuthToken, version int64) (bool, error)
	// DeleteOAuthToken forgets a connection's tokens (its provider or
	// client changed: the grant was for another one); a missing row is
	// not an error.
	DeleteOAuthToken(ctx context.Context, connectionID string) error
	// CreateOAuthState records an authorization under way and drops
	// states that have expired.
	CreateOAuthState(ctx context.Context, s OAuthState) error
	// TakeOAuthState deletes a state and returns it (single use), or
	// ErrNotFound when it is unknown or already used.
	TakeOAuthState(ctx context.Context, state string) (OAuthState, error)

	// AcquireLease takes a named lease for owner until until: true if it was
	// free, had run out by now, or owner held it already. Leases are how
	// processes sharing the database agree that one of them does a thing.
	AcquireLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error)
	// ReleaseLease gives up owner's hold on a lease (no error if not held).
	ReleaseLease(ctx context.Context, name, owner string) error

	// Retention (issue 10, item 16): see retention.go.
	RetentionStore

	// Ping says whether the database answers and its migrations are applied.
	Ping(ctx context.Context) error
	Close() error
}

// OAuthToken is the token row of one OAuth2 connection. Sealed is the
// secret.Box-sealed token set (package oauth reads it); the other fields
// are not secret and serve the connection view.
type OAuthToken struct {
	ConnectionID string
	Sealed       []byte
	Status       string // connected or needs_reauthorization
	Reason       string // why it needs reauthorization
	ExpiresAt    *time.Time
	Version      int64
	UpdatedAt    time.Time
	// GrantKey names the grant the tokens were given for
	// (connection.Document.GrantKey).
	GrantKey string
}

// OAuthState is one authorization under way: the state sent to the
// provider, the browser it was started from (the SHA-256 of a cookie),
// the sealed PKCE verifier, and when it stops being accepted.
type OAuthState struct {
	State        string
	ConnectionID string
	CookieHash   []byte
	Verifier     []byte // sealed
	ExpiresAt    time.Time
	CreatedAt    time.Time
}

// TriggerState is the durable state of a polling or schedule trigger.
type TriggerState struct {
	RecipeID   string
	NextDue    time.Time
	LeaseOwner string
	LeaseUntil *time.Time
	Cursor     string
	Polled     bool
	Failures   int
	Health     []byte // JSON, as the trigger package writes it
	UpdatedAt  time.Time
}

// TriggerClaim is a due poll or tick leased to a process.
type TriggerClaim struct {
	RecipeID string
	Due      time.Time
	// ArmedAt is when the recipe last started (or its trigger was edited).
	ArmedAt time.Time
	Cursor  string
	// Resume is where the previous poll, cut short by max_pages, stopped
	// (JSON, as the poll package writes it); nil to start at the first page.
	Resume   []byte
	Polled   bool
	Failures int
}

// SeenRecord is a record a poll found: remembered by ID, and started as a
// job when Job is set and the ID was not seen before.
type SeenRecord struct {
	ID  string
	Job *queue.NewJob
}

// TriggerCompletion ends a claimed poll or tick.
type TriggerCompletion struct {
	RecipeID string
	Owner    string
	Due      time.Time // the claimed NextDue: the lease is checked against it
	// FiredAt keys the fired tick (unique by recipe and FiredAt); a
	// schedule's catch-up fires for a later due time than the claimed one.
	FiredAt time.Time
	Now     time.Time
	Next    time.Time // the new NextDue
	// Cursor, when set, replaces the stored cursor.
	Cursor *string
	// Resume replaces the stored resume point on success (nil clears it);
	// a failed poll keeps the stored one unless DropResume.
	Resume     []byte
	DropResume bool
	Polled     bool
	Records    []SeenRecord
	// Jobs are started unconditionally (a schedule tick's one job).
	Jobs     []queue.NewJob
	Failures int
	Health   []byte
	// Failed marks a failed poll: no tick is recorded, so the same due time
	// may fire again after the backoff.
	Failed bool
	// MaxSeen bounds the seen records kept for the recipe (default 50,000).
	MaxSeen int
}

// TriggerOutcome says what a completion did.
type TriggerOutcome struct {
	Jobs       []queue.Enqueued
	Seen       int // records new to the seen set (with or without a job)
	Duplicates int // records seen before
	LeaseLost  bool
	// AlreadyFired: this due time had fired already; nothing was created.
	AlreadyFired bool
}
