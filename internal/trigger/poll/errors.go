package poll

import (
	"errors"
	"fmt"
	"time"

	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// Stage says where a poll failed.
type Stage string

// The stages of a poll, in the order a page goes through them.
const (
	StageRequest    Stage = "request"    // the request could not be built: a pill, the URL, the connection
	StageTransport  Stage = "transport"  // no response: DNS, connect, TLS, timeout
	StageHTTP       Stage = "http"       // a response whose status is not 2xx
	StageParse      Stage = "parse"      // the body does not parse as response_type, or is too large
	StageItems      Stage = "items"      // no list of records at items_path
	StageID         Stage = "id"         // a record without a usable id at id_path
	StageCursor     Stage = "cursor"     // a record whose cursor is not a string or number
	StagePagination Stage = "pagination" // the next page cannot be followed
)

// Exchange is one page's request as sent and response as received, as the
// executor recorded them: secrets already masked. Response is nil when no
// response came.
type Exchange struct {
	Request  *httprequest.Input  `json:"request"`
	Response *httprequest.Output `json:"response,omitempty"`
}

// Error is a failed poll: what went wrong, at which stage and page, and
// the exchange that shows it, so that the caller can keep it as the
// trigger's health. Its text holds no secret: messages come from the
// redacted exchange and the trigger's own paths.
type Error struct {
	Stage    Stage    `json:"stage"`
	Message  string   `json:"message"`
	Page     int      `json:"page"` // 1 for the first page
	Exchange Exchange `json:"exchange"`
	// Retryable is true when a later poll may well succeed as it is
	// (network trouble, 429, 5xx); false when the trigger or the API's
	// answer needs a person (4xx, bad body, missing fields).
	Retryable bool `json:"retryable"`
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration `json:"-"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("poll page %d: %s: %s", e.Page, e.Stage, e.Message)
}

// outcomeError turns a failed attempt into a poll Error.
func outcomeError(o httprequest.Outcome, page int) *Error {
	e := &Error{
		Message:    o.Err.Error(),
		Page:       page,
		Exchange:   Exchange{Request: o.Input, Response: o.Output},
		Retryable:  o.Retryable,
		RetryAfter: o.RetryAfter,
	}
	var te *httprequest.TransportError
	switch {
	case o.Output != nil && (o.Output.Status < 200 || o.Output.Status > 299):
		e.Stage = StageHTTP
	case o.Output != nil:
		e.Stage = StageParse
	case errors.As(o.Err, &te):
		e.Stage = StageTransport
	default:
		e.Stage = StageRequest
	}
	return e
}

// pageError is a failure found in a page that arrived well.
func pageError(stage Stage, page int, o httprequest.Outcome, format string, args ...any) *Error {
	return &Error{
		Stage:    stage,
		Message:  fmt.Sprintf(format, args...),
		Page:     page,
		Exchange: Exchange{Request: o.Input, Response: o.Output},
	}
}
