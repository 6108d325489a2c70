// Package web serves patchbay's browser UI: one HTML shell and the
// hand-written script and stylesheet it loads. The page is a single-page
// app that talks to the JSON API under /api/v1 with the user's API token;
// nothing here reads the store, so the UI can do only what the API allows.
package web

import (
	"log/slog"
	"net/http"
)

// Options configures Handler.
type Options struct {
	// Logger receives diagnostics such as requests for stale assets. Nil
	// means slog.Default().
	Logger *slog.Logger
}

// contentSecurityPolicy allows only same-origin script, style, images and
// fetches, and no inline script or style at all: the UI builds every
// element through DOM calls, so an injected <script> or onclick attribute
// would have nothing to run with even if one slipped through.
const contentSecurityPolicy = "default-src 'self'; " +
	"script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler returns the UI's routes. It is meant to be mounted at "/" after
// the API, webhook and health routes, and answers only "/" (the app shell)
// and "/static/{name}" (embedded assets under checksummed names); anything
// else is 404. It panics if the embedded files are broken, which is a
// build mistake the package tests catch.
func Handler(opts Options) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	static, err := loadAssets(staticFS)
	if err != nil {
		panic("web: " + err.Error())
	}
	page, err := renderIndex(static)
	if err != nil {
		panic("web: " + err.Error())
	}

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", page)
	mux.Handle("GET /static/{name}", static.handler(log))
	return securityHeaders(mux)
}

// securityHeaders sets the headers every response of the UI carries, 404s
// included, so no page of this origin can be framed or sniffed.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
