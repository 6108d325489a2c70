package httpx

import "net/http"

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
