package httpx

import (
	"net/http"
	"strings"
)

// NoSniff sets X-Content-Type-Options: nosniff on every answer of next, so
// that no browser runs an answer (a webhook reply, a recorded body served
// back, an error) as a type other than the one it was sent as.
func NoSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// NoStore marks an answer as not to be kept by browsers or proxies: API
// answers hold secrets (the workspace's webhook token, job payloads).
func NoStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// LoggedPath is the request's path as logs may show it: the segment that
// fills a route wildcard named {token} (the webhook token in
// /webhooks/rest/{token}/{event}) is a credential and is shown as ****.
func LoggedPath(r *http.Request) string {
	pattern := r.Pattern
	if !strings.Contains(pattern, "{token}") {
		return r.URL.Path
	}
	// The pattern may start with a method and a host: its path starts at
	// the first slash. The mux matched segment by segment on the escaped
	// path, so the two split alike.
	pattern = pattern[strings.Index(pattern, "/"):]
	want := strings.Split(pattern, "/")
	segs := strings.Split(r.URL.EscapedPath(), "/")
	for i, w := range want {
		if w == "{token}" && i < len(segs) {
			segs[i] = "****"
		}
	}
	return strings.Join(segs, "/")
}
