package httprequest

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"

	"github.com/patchbay/patchbay/internal/connection"
)

// sentHeaders captures the header fields the transport wrote on the wire,
// through httptrace, so that the job records what was sent rather than
// what was asked for: the transport adds Host, Content-Length and
// Accept-Encoding, and drops what it owns. It keeps the first request
// written since the last reset: a redirect's later hops do not replace it,
// and a deliberate resend (digest, a renewed OAuth2 token) calls reset
// first so that the resend is what is recorded.
type sentHeaders struct {
	mu      sync.Mutex
	current http.Header
	first   http.Header
}

// trace returns ctx with the capture attached.
func (s *sentHeaders) trace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaderField: s.field,
		WroteHeaders:     s.done,
	})
}

func (s *sentHeaders) field(key string, values []string) {
	if strings.HasPrefix(key, ":") {
		// HTTP/2 pseudo-headers: only :authority is a header of HTTP/1.
		if key != ":authority" {
			return
		}
		key = "Host"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		s.current = http.Header{}
	}
	k := http.CanonicalHeaderKey(key)
	s.current[k] = append(s.current[k], values...)
}

func (s *sentHeaders) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.first == nil {
		s.first = s.current
	}
	s.current = nil
}

// reset forgets what was captured: the next request written is recorded.
func (s *sentHeaders) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.first, s.current = nil, nil
}

// record replaces in.Headers with the headers written, masked as the
// request's own are, when a request was written at all (a request that
// failed before it was written keeps the headers it was built with).
func (s *sentHeaders) record(in *Input, conn *connection.Live) {
	s.mu.Lock()
	h := s.first
	s.mu.Unlock()
	if h == nil {
		return
	}
	if v := h.Get("Proxy-Authorization"); v != "" {
		// The proxy's credentials, added by the transport.
		scheme, _, _ := strings.Cut(v, " ")
		h.Set("Proxy-Authorization", scheme+" "+connection.Masked)
	}
	if conn != nil {
		h = conn.MaskHeaders(h)
	}
	in.Headers = flatten(h, conn.Redactor())
}
