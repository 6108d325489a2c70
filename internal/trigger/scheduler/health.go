package scheduler

import "time"

// Health statuses of a trigger.
const (
	HealthOK      = "ok"
	HealthFailing = "failing"
)

// Health is what the recipe view shows about its polling or schedule
// trigger: when it last ran and will run next, and for a poll what it
// found or, while it fails, the failing exchange.
type Health struct {
	Status    string     `json:"status"`
	LastRunAt *time.Time `json:"last_run_at,omitempty"`
	NextRunAt *time.Time `json:"next_run_at,omitempty"`
	Schedule  string     `json:"schedule,omitempty"`
	// Poll results.
	Records   int  `json:"records,omitempty"`
	Pages     int  `json:"pages,omitempty"`
	Truncated bool `json:"truncated,omitempty"`
	// ConsecutiveFailures counts failed polls since the last success.
	ConsecutiveFailures int `json:"consecutive_failures,omitempty"`
	// LastFailure stays after a recovery, so a user can see what happened.
	LastFailure *Failure `json:"last_failure,omitempty"`
}

// Failure is a failed poll: where it failed, why, and the exchange.
type Failure struct {
	At       time.Time `json:"at"`
	Stage    string    `json:"stage"`
	Error    string    `json:"error"`
	Request  any       `json:"request,omitempty"`
	Response any       `json:"response,omitempty"`
}
