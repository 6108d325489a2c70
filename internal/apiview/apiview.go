// Package apiview is the shape of every answer of the JSON API under
// /api/v1: the server builds these types, and the Go client (package
// client), the CLI and the end-to-end tests decode them. One definition
// serves both sides, so the two cannot drift apart.
//
// A resource view is its document (what a user writes and the API takes)
// beside a struct of the fields the server owns (RecipeServerFields,
// ConnectionServerFields). Those structs are the one list of server-owned
// fields: the server ignores them in a document it is sent, `recipe
// export` leaves them out, and the web UI hides them from the document it
// edits (the page names them, from RecipeServerFieldNames).
package apiview

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/job"
	"github.com/patchbay/patchbay/internal/recipe"
)

// RecipeView is a recipe as the API returns it: the document (write-only
// secrets reading "set") and what the server knows of it.
type RecipeView struct {
	recipe.Document
	RecipeServerFields
}

// RecipeServerFields are the fields of a recipe view that the server owns.
// A document sent to the API may carry them (a view PUT back as it was
// read); they are ignored.
type RecipeServerFields struct {
	ID         string           `json:"id"`
	State      string           `json:"state"`
	Capture    bool             `json:"capture"`
	WebhookURL *string          `json:"webhook_url"`
	Datatree   *recipe.Datatree `json:"datatree,omitempty"`
	// Drift: fields that recent jobs' real payloads carried and the
	// datatree lacks (single-recipe views only).
	Drift *Drift `json:"drift,omitempty"`
	// TriggerHealth: polling and schedule recipes (single-recipe views).
	TriggerHealth *TriggerHealth `json:"trigger_health,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// Drift sums up the warnings of a recipe's newest jobs.
type Drift struct {
	NewFieldsSeen int      `json:"new_fields_seen"`
	Fields        []string `json:"fields"`      // pill paths: "trigger.config.extra", "steps.<id>.body.x"
	LastJobID     *string  `json:"last_job_id"` // the newest job with new fields
	Fix           string   `json:"fix,omitempty"`
}

// TriggerHealth is the recipe view's account of a polling or schedule
// trigger: when it runs next, how its last run went (for a poll: what it
// found, or the failing request and response), the cursor and how many
// records it remembers. Status is "ok", "failing", "waiting" (armed, not
// run yet), "stopped" or "never_started".
type TriggerHealth struct {
	NextRunAt   *time.Time      `json:"next_run_at,omitempty"`
	Cursor      string          `json:"cursor,omitempty"`
	SeenRecords *int            `json:"seen_records,omitempty"`
	Last        json.RawMessage `json:"last,omitempty"`
	Status      string          `json:"status"`
}

// ConnectionView is a connection as the API returns it: the document
// (secrets reading "set", id filled in) and what the server adds.
type ConnectionView struct {
	connection.Document
	ConnectionServerFields
}

// ConnectionServerFields are the fields of a connection view that the
// server owns; like a recipe's, they are ignored in a document sent.
type ConnectionServerFields struct {
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Warnings name risky settings (tls.insecure_skip_verify).
	Warnings []string `json:"warnings,omitempty"`
	// TestResult is set when a save ran the connection's test request.
	TestResult *ConnectionTest `json:"test_result,omitempty"`
	// OAuth2 connections: redirect_url, oauth2_status, ….
	*OAuth2Status
}

// OAuth2Status is what the view of an http_oauth2 connection adds: where
// the provider must send users back, and the state of the grant. Tokens
// are never shown.
type OAuth2Status struct {
	RedirectURL    string     `json:"redirect_url"`
	Status         string     `json:"oauth2_status"`
	StatusReason   string     `json:"oauth2_status_reason,omitempty"`
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
}

// ConnectionTest is the answer of a connection test.
type ConnectionTest struct {
	OK         bool    `json:"ok"`
	Status     int     `json:"status"`
	Error      *string `json:"error"`
	DurationMS int64   `json:"duration_ms"`
	// Stage is where the test failed (dns, connect, tls, http, auth, or
	// request when the test request itself is invalid); omitted on success.
	Stage     string `json:"stage,omitempty"`
	Diagnosis string `json:"diagnosis,omitempty"`
}

// JobView is the job document. The job package builds it from the stored
// job; it is the same type, named here so API users need one package.
type JobView = job.Document

// JobSummary is a job in a list.
type JobSummary = job.Summary

// WorkspaceView is GET /api/v1/workspace. WebhookBaseURL is
// <base-url>/webhooks/rest/<webhook_token>, to which /<event> is appended.
type WorkspaceView struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	WebhookToken   string `json:"webhook_token"`
	WebhookBaseURL string `json:"webhook_base_url"`
}

// RecipeList is GET /api/v1/recipes. List views carry no drift and no
// trigger health.
type RecipeList struct {
	Recipes []RecipeView `json:"recipes"`
}

// ConnectionList is GET /api/v1/connections.
type ConnectionList struct {
	Connections []ConnectionView `json:"connections"`
}

// JobList is a page of GET /api/v1/recipes/{id}/jobs, newest first;
// NextCursor is null on the last page.
type JobList struct {
	Jobs       []JobSummary `json:"jobs"`
	NextCursor *string      `json:"next_cursor"`
}

// Error is the body of an error answer's "error" member: a stable code, a
// message safe to show, and the problems of a rejected document by path.
type Error = httpx.Error

// Detail is one problem of a rejected document, at its path.
type Detail = httpx.Detail

// ErrorEnvelope is the body of every error answer: {"error": {...}}.
type ErrorEnvelope struct {
	Error *Error `json:"error"`
}

// The names are read from the types once: every recipe or connection
// write strips them.
var (
	recipeServerFieldNames     = jsonNames(reflect.TypeFor[RecipeServerFields]())
	connectionServerFieldNames = jsonNames(reflect.TypeFor[ConnectionServerFields]())
)

// RecipeServerFieldNames are the JSON names of RecipeServerFields, in
// order: the recipe fields the server owns.
func RecipeServerFieldNames() []string { return slices.Clone(recipeServerFieldNames) }

// ConnectionServerFieldNames are the JSON names of ConnectionServerFields
// (the embedded OAuth2 status included).
func ConnectionServerFieldNames() []string { return slices.Clone(connectionServerFieldNames) }

// jsonNames lists the JSON member names of a struct's fields, following
// embedded structs as encoding/json does.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			names = append(names, jsonNames(ft)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// StripRecipeServerFields removes the server-owned members from a recipe
// document given as a JSON object, so that a view sent back as it was read
// is taken as its document. Anything that is not a JSON object, or holds
// no server-owned member, is returned unchanged (the document decoder
// then reports what is wrong with it, with its line and column).
func StripRecipeServerFields(b []byte) []byte { return stripMembers(b, recipeServerFieldNames) }

// StripConnectionServerFields is StripRecipeServerFields for a connection
// document.
func StripConnectionServerFields(b []byte) []byte {
	return stripMembers(b, connectionServerFieldNames)
}

func stripMembers(b []byte, names []string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil || obj == nil {
		return b
	}
	found := false
	for _, name := range names {
		if _, ok := obj[name]; ok {
			delete(obj, name)
			found = true
		}
	}
	if !found {
		return b
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return b
	}
	return out
}
