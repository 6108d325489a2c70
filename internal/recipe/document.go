// Package recipe is the recipe document: its fields, defaults, validation
// (every problem with its path) and the datatree built from its examples.
package recipe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Trigger types.
const (
	TriggerWebhook  = "webhook"
	TriggerPolling  = "polling"
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
)

// States of a recipe.
const (
	StateStarted = "started"
	StateStopped = "stopped"
)

// ActionHTTPRequest is the one step action so far.
const ActionHTTPRequest = "http_request"

// Document is the recipe document of DESIGN.md: what the API takes and
// returns, what the CLI applies and exports.
type Document struct {
	Name    string  `json:"name"`
	Trigger Trigger `json:"trigger"`
	Steps   []Step  `json:"steps"`
	// Retention overrides the workspace's job retention (retention.go).
	Retention *Retention `json:"retention,omitempty"`
	// Store is StoreAll (default, also when empty) or StoreMetadata.
	Store string `json:"store,omitempty"`
}

// Trigger starts jobs.
type Trigger struct {
	Type           string  `json:"type"`
	Event          string  `json:"event,omitempty"`
	PayloadType    string  `json:"payload_type,omitempty"`
	PayloadExample Example `json:"payload_example,omitempty"`
	Verify         *Verify `json:"verify,omitempty"`
	// Dedupe says how a repeated delivery is recognised (webhook only;
	// nil: the first of the usual delivery-id headers that is present).
	Dedupe *Dedupe `json:"dedupe,omitempty"`
	// RateLimit bounds the deliveries accepted per second (webhook only;
	// nil: the server-wide default).
	RateLimit *RateLimit `json:"rate_limit,omitempty"`

	// Polling trigger: a request through Connection every Interval, whose
	// response lists records at ItemsPath, each known by IDPath. The
	// request's templates may use {{cursor}} (see CursorPath).
	Connection string            `json:"connection,omitempty"`
	Method     string            `json:"method,omitempty"`
	URL        string            `json:"url,omitempty"`
	Query      map[string]string `json:"query,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Interval   Duration          `json:"interval,omitempty"`
	ItemsPath  string            `json:"items_path,omitempty"`
	IDPath     string            `json:"id_path,omitempty"`
	// CursorPath is a field of each record (e.g. "updated_at"); the largest
	// value seen is the cursor, offered to the next poll as {{cursor}}.
	CursorPath string      `json:"cursor_path,omitempty"`
	Pagination *Pagination `json:"pagination,omitempty"`
	// Since is where a first start picks up records from: "now" (the
	// default: the first poll only records what exists), "all", or an
	// RFC 3339 date (records whose cursor is older are only recorded).
	Since string `json:"since,omitempty"`
	// Order says how the API lists records: "oldest_first" (default) or
	// "newest_first". Jobs are always created oldest first.
	Order           string  `json:"order,omitempty"`
	ResponseType    string  `json:"response_type,omitempty"`
	ResponseExample Example `json:"response_example,omitempty"`

	// Schedule trigger: Every (>= 1s) or a 5-field Cron in Timezone.
	Every    Duration `json:"every,omitempty"`
	Cron     string   `json:"cron,omitempty"`
	Timezone string   `json:"timezone,omitempty"`
}

// Pagination says how a poll finds the next page of records.
type Pagination struct {
	// Type is next_url (NextPath names the next page's URL in the body),
	// link_header (RFC 8288 Link: rel="next"), token (TokenPath in the body
	// is sent back as the TokenParam query parameter), page (Param counts
	// pages from Start, default 1) or offset (Param counts records from
	// Start, default 0). Page and offset stop at an empty or short page.
	Type       string `json:"type"`
	NextPath   string `json:"next_path,omitempty"`
	TokenPath  string `json:"token_path,omitempty"`
	TokenParam string `json:"token_param,omitempty"`
	Param      string `json:"param,omitempty"`
	Start      *int   `json:"start,omitempty"`
	// PageSize is what a full page holds (page and offset); a shorter page
	// is the last. With SizeParam it is also sent as that parameter.
	PageSize  int    `json:"page_size,omitempty"`
	SizeParam string `json:"size_param,omitempty"`
	// MaxPages bounds the pages read in one poll (default 10, at most 100);
	// the next poll goes on from where it stopped, at once.
	MaxPages int `json:"max_pages,omitempty"`
}

// Verify is the check of incoming webhooks. Secret and Password are write-only.
type Verify struct {
	Scheme   string `json:"scheme"`
	Secret   string `json:"secret,omitempty"`
	Header   string `json:"header,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Tolerance bounds the age of a standard-webhooks timestamp (default 5m).
	Tolerance Duration `json:"tolerance,omitempty"`
}

// Step is one action.
type Step struct {
	ID              string            `json:"id"`
	Name            string            `json:"name,omitempty"`
	Action          string            `json:"action"`
	Connection      string            `json:"connection,omitempty"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	Query           map[string]string `json:"query,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	BodyType        string            `json:"body_type,omitempty"`
	Body            json.RawMessage   `json:"body,omitempty"`
	ResponseType    string            `json:"response_type,omitempty"`
	ResponseExample Example           `json:"response_example,omitempty"`
	Timeout         Duration          `json:"timeout,omitempty"`
	MaxAttempts     int               `json:"max_attempts,omitempty"`
	// URLEncoding says how pill values are written into URL: "" (the
	// default) percent-encodes each for the part of the URL it sits in;
	// URLEncodingNone writes them as they are (see pill.RenderURL).
	URLEncoding string `json:"url_encoding,omitempty"`
}

// URLEncodingNone is Step.URLEncoding for pill values written into the
// URL as they are: the recipe's author vouches for the data.
const URLEncodingNone = "none"

// Example is a pasted example payload. The document may give it as a
// string (as the seed's YAML block does) or as a JSON value; either way it
// is kept as text.
type Example string

// UnmarshalJSON accepts a string or any JSON value.
func (e *Example) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = Example(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*e = ""
		return nil
	}
	*e = Example(b)
	return nil
}

// Duration is a time.Duration written as "30s" in documents.
type Duration time.Duration

// MarshalJSON writes "30s"; zero is omitted by the field's omitempty.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "30s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err2 := json.Unmarshal(b, &secs); err2 != nil {
			return fmt.Errorf("want a duration such as \"30s\"")
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"30s\"", s)
	}
	*d = Duration(v)
	return nil
}

// Secrets are a recipe's write-only values, sealed apart from the document.
type Secrets struct {
	VerifySecret   string `json:"verify_secret,omitempty"`
	VerifyPassword string `json:"verify_password,omitempty"`
}

// SetMarker is what a set write-only field reads as.
const SetMarker = "set"

// SplitSecrets returns the document with secrets replaced by "set".
func (d Document) SplitSecrets() (Document, Secrets) {
	var s Secrets
	if d.Trigger.Verify != nil {
		v := *d.Trigger.Verify
		s.VerifySecret, s.VerifyPassword = v.Secret, v.Password
		if v.Secret != "" {
			v.Secret = SetMarker
		}
		if v.Password != "" {
			v.Password = SetMarker
		}
		d.Trigger.Verify = &v
	}
	return d, s
}

// KeepSecrets carries over old secrets where the new document says "set".
func (s *Secrets) KeepSecrets(old Secrets) {
	if s.VerifySecret == SetMarker {
		s.VerifySecret = old.VerifySecret
	}
	if s.VerifyPassword == SetMarker {
		s.VerifyPassword = old.VerifyPassword
	}
}

// Markers lists the paths of the secrets that read "set": on a recipe
// that has no stored secrets yet they name nothing, and storing the word
// itself as the secret would break verification silently.
func (s Secrets) Markers() []string {
	var paths []string
	if s.VerifySecret == SetMarker {
		paths = append(paths, "trigger.verify.secret")
	}
	if s.VerifyPassword == SetMarker {
		paths = append(paths, "trigger.verify.password")
	}
	return paths
}
