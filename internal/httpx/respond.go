// Package httpx holds the HTTP edges shared by every surface: the one
// place where errors become status codes, and the guarded outbound client.
package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Error is an error meant for a client: a status, a stable code and a
// message safe to show. Anything else that reaches Fail is a 500 whose
// text stays in the log.
type Error struct {
	Status  int         `json:"-"`
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Details []Detail    `json:"details,omitempty"`
	Header  http.Header `json:"-"`
}

// Detail is one problem of a rejected document, at a path.
type Detail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Errorf-style constructors for the common statuses.

// BadRequest is a 400.
func BadRequest(code, msg string) *Error { return &Error{Status: 400, Code: code, Message: msg} }

// NotFound is a 404.
func NotFound(msg string) *Error { return &Error{Status: 404, Code: "not_found", Message: msg} }

// Unprocessable is a 422 with the problems listed.
func Unprocessable(code, msg string, details []Detail) *Error {
	return &Error{Status: 422, Code: code, Message: msg, Details: details}
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Fail answers err: an *Error as itself, anything else as a 500 whose
// details are logged once and never sent.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var he *Error
	if !errors.As(err, &he) {
		log.Error("request failed", "method", r.Method, "path", LoggedPath(r), "err", err)
		he = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the server log"}
	}
	for k, vs := range he.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	JSON(w, he.Status, map[string]any{"error": he})
}
