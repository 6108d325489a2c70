package recipe

// Storage modes of a recipe's jobs (Document.Store).
const (
	// StoreAll keeps everything a job saw: trigger output, each step's
	// request and response. The default.
	StoreAll = "all"
	// StoreMetadata keeps statuses, timings, attempts and errors only: once
	// a job finishes its trigger output becomes null and each step record
	// loses its headers, bodies and the URL's query (see job.MetadataOnly).
	StoreMetadata = "metadata"
)

// Bounds of a retention.
const (
	MaxRetentionDays = 36500
	MaxRetentionJobs = 100_000_000
)

// retentionFields are the fields of Retention (unknown others are problems).
var retentionFields = set("days", "max_jobs")

// Retention overrides the workspace's retention for one recipe. A field
// left out takes the workspace default; 0 means no limit of that kind.
type Retention struct {
	// Days: finished jobs created more than Days days ago are deleted.
	Days *int `json:"days,omitempty"`
	// MaxJobs: only the newest MaxJobs finished jobs are kept.
	MaxJobs *int `json:"max_jobs,omitempty"`
}

// MetadataOnly reports whether the recipe's jobs keep no bodies.
func (d *Document) MetadataOnly() bool { return d.Store == StoreMetadata }

// validateRetention checks retention and store.
func (d *Document) validateRetention(add func(string, string, ...any)) {
	switch d.Store {
	case "", StoreAll, StoreMetadata:
	default:
		add("store", "unknown value %q (want all or metadata)", d.Store)
	}
	r := d.Retention
	if r == nil {
		return
	}
	if r.Days != nil && (*r.Days < 0 || *r.Days > MaxRetentionDays) {
		add("retention.days", "%d is out of range (0 to %d; 0 keeps jobs of any age)", *r.Days, MaxRetentionDays)
	}
	if r.MaxJobs != nil && (*r.MaxJobs < 0 || *r.MaxJobs > MaxRetentionJobs) {
		add("retention.max_jobs", "%d is out of range (0 to %d; 0 keeps any number)", *r.MaxJobs, MaxRetentionJobs)
	}
}
