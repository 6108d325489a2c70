package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/patchbay/patchbay/internal/httpx"
)

// firstChunk is the buffer a body of unknown or large length starts with;
// the buffer doubles as bytes arrive, never past the declared length or
// the body limit.
const firstChunk = 64 << 10

// overloadedRetryAfter is the Retry-After of a 503 for a full intake
// budget, in seconds: bodies in flight finish in about that time.
const overloadedRetryAfter = 1

// IntakeBudget caps the bytes of webhook bodies held in memory at once by
// every request of the server together. A request takes bytes from it
// before it reads them and gives them back when it has answered; a request
// that cannot take what it needs is answered 503 with Retry-After rather
// than growing the process. Safe for concurrent use.
type IntakeBudget struct {
	capacity int64
	used     atomic.Int64
}

// NewIntakeBudget returns a budget of capacity bytes.
func NewIntakeBudget(capacity int64) *IntakeBudget {
	return &IntakeBudget{capacity: capacity}
}

// InUse is the bytes taken now (tests and metrics).
func (b *IntakeBudget) InUse() int64 { return b.used.Load() }

// take reserves n bytes, or reports false without waiting when they are
// not free. A nil budget is unbounded.
func (b *IntakeBudget) take(n int64) bool {
	if b == nil {
		return true
	}
	for {
		u := b.used.Load()
		if u+n > b.capacity {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

func (b *IntakeBudget) give(n int64) {
	if b != nil && n != 0 {
		b.used.Add(-n)
	}
}

// heldBody is a request body read into memory and the budget bytes that
// pay for it; release gives them back once the request is answered.
type heldBody struct {
	data   []byte
	held   int64
	budget *IntakeBudget
}

func (h *heldBody) release() {
	h.budget.give(h.held)
	h.held = 0
}

// readBody reads the request body within limit. Memory is never reserved
// by the declared Content-Length alone: the buffer grows as bytes arrive.
// A declared length is taken from the budget whole before reading (a
// request the budget cannot carry is refused before it costs anything); a
// body of unknown length takes budget for each larger buffer as it grows.
// The caller must release the returned body; on an error nothing is held.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, budget *IntakeBudget) (hb heldBody, e *httpx.Error) {
	declared := r.ContentLength
	hb.budget = budget
	defer func() {
		if e != nil {
			hb.release()
		}
	}()
	if declared > limit {
		return hb, tooLarge(limit)
	}
	// net/http never gives more than a declared length; only a body of
	// unknown length needs the limit enforced while reading.
	src := r.Body
	if declared >= 0 {
		if !budget.take(declared) {
			return hb, overloaded()
		}
		hb.held = declared
	} else {
		src = http.MaxBytesReader(w, r.Body, limit)
	}
	var buf []byte
	if declared >= 0 && declared <= firstChunk {
		// The usual webhook: small, declared, read in one allocation.
		buf = make([]byte, 0, declared)
	}
	for {
		if declared >= 0 && int64(len(buf)) == declared {
			break
		}
		if len(buf) == cap(buf) {
			next := grow(int64(cap(buf)), declared, limit)
			if next == int64(cap(buf)) {
				// At the limit with no length declared: one more byte means too large.
				var probe [1]byte
				n, err := src.Read(probe[:])
				if n > 0 || isTooLarge(err) {
					return hb, tooLarge(limit)
				}
				if err == nil {
					continue
				}
				if errors.Is(err, io.EOF) {
					break
				}
				return hb, unreadable(err)
			}
			if declared < 0 {
				// Charge the new buffer now; the old one is given back once copied.
				if !budget.take(next) {
					return hb, overloaded()
				}
				hb.held += next
			}
			nb := make([]byte, len(buf), next)
			copy(nb, buf)
			if declared < 0 {
				budget.give(int64(cap(buf)))
				hb.held -= int64(cap(buf))
			}
			buf = nb
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if isTooLarge(err) {
			return hb, tooLarge(limit)
		}
		return hb, unreadable(err)
	}
	hb.data = buf
	return hb, nil
}

// grow is the next buffer size: double, but no more than the declared
// length or the limit.
func grow(cur, declared, limit int64) int64 {
	next := max(cur*2, firstChunk)
	if declared >= 0 {
		next = min(next, declared)
	}
	return min(next, limit)
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func tooLarge(limit int64) *httpx.Error {
	return &httpx.Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
		Message: fmt.Sprintf("body is over the %d-byte limit", limit)}
}

func unreadable(err error) *httpx.Error {
	return &httpx.Error{Status: 400, Code: "unreadable_body", Message: "could not read the request body: " + err.Error()}
}

func overloaded() *httpx.Error {
	return &httpx.Error{Status: http.StatusServiceUnavailable, Code: "intake_overloaded",
		Message: "the server is reading as many webhook bodies as it may hold at once; retry shortly",
		Header:  http.Header{"Retry-After": {strconv.Itoa(overloadedRetryAfter)}}}
}
