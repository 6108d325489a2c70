// Package api is the JSON API under /api/v1. Routes lists every route;
// each resource has its own file.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apitoken"
	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/job"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/workspace"
)

// maxDocumentBytes bounds a recipe or connection document.
const maxDocumentBytes = 4 << 20

// API serves the JSON API.
type API struct {
	Store     store.Store
	Catalog   *catalog.Catalog
	Runner    *job.Runner
	Executor  *httprequest.Executor
	Box       *secret.Box
	Workspace store.Workspace
	BaseURL   string
	Log       *slog.Logger
	Now       func() time.Time
	// Writes is the one path of every recipe and connection write.
	Writes *workspace.Service
	// OAuth runs OAuth2 authorizations and reports their state (oauth.go).
	OAuth *oauth.Manager

	// tokens caches the API tokens found valid, for apitoken.CacheTTL.
	tokens apitoken.Cache
}

// Routes registers every route of the API on mux.
func (a *API) Routes(mux *http.ServeMux) {
	h := func(pattern string, fn func(http.ResponseWriter, *http.Request) error) {
		mux.Handle(pattern, a.authenticated(fn))
	}
	h("GET /api/v1/workspace", a.getWorkspace)

	h("GET /api/v1/tokens", a.listTokens)
	h("POST /api/v1/tokens", a.createToken)
	h("DELETE /api/v1/tokens/{id}", a.revokeToken)

	h("GET /api/v1/connections", a.listConnections)
	h("POST /api/v1/connections", a.createConnection)
	h("GET /api/v1/connections/{id}", a.getConnection)
	h("PUT /api/v1/connections/{id}", a.updateConnection)
	h("DELETE /api/v1/connections/{id}", a.deleteConnection)
	h("POST /api/v1/connections/{id}/test", a.testConnection)
	h("GET /api/v1/connections/{id}/authorize", a.authorizeConnection)
	// The provider sends the browser here: no API token (see oauth.go).
	mux.HandleFunc("GET /oauth/callback", a.oauthCallback)

	h("GET /api/v1/recipes", a.listRecipes)
	h("POST /api/v1/recipes", a.createRecipe)
	h("GET /api/v1/recipes/{id}", a.getRecipe)
	h("PUT /api/v1/recipes/{id}", a.updateRecipe)
	h("DELETE /api/v1/recipes/{id}", a.deleteRecipe)
	h("POST /api/v1/recipes/{id}/start", a.startRecipe)
	h("POST /api/v1/recipes/{id}/stop", a.stopRecipe)
	h("POST /api/v1/recipes/{id}/test", a.testRecipe)
	h("POST /api/v1/recipes/{id}/run", a.runRecipe)
	h("POST /api/v1/recipes/{id}/capture", a.captureRecipe)
	h("POST /api/v1/recipes/{id}/example-from-job", a.exampleFromJob)
	h("GET /api/v1/recipes/{id}/jobs", a.listJobs)

	h("GET /api/v1/jobs/{id}", a.getJob)
	h("GET /api/v1/blobs/{sha256}", a.getBlob)
	h("POST /api/v1/jobs/{id}/rerun", a.rerunJob)

	mux.Handle("/api/", a.authenticated(func(w http.ResponseWriter, r *http.Request) error {
		return httpx.NotFound(fmt.Sprintf("no API route %s %s", r.Method, r.URL.Path))
	}))
}

// authenticated checks the bearer token, then runs fn and answers its error.
func (a *API) authenticated(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Before the token check, so that refusals carry them too.
		httpx.NoStore(w.Header())
		if err := a.checkToken(r); err != nil {
			httpx.Fail(w, r, a.Log, err)
			return
		}
		if err := fn(w, r); err != nil {
			httpx.Fail(w, r, a.Log, mapStoreError(err))
		}
	})
}

// mapStoreError turns the store's and the workspace service's errors into
// client errors.
func mapStoreError(err error) error {
	var invalidDoc *workspace.Invalid
	var taken *workspace.TakenError
	var inUse *workspace.InUseError
	switch {
	case errors.As(err, &invalidDoc):
		return invalid(invalidDoc.Code, invalidDoc.Problems)
	case errors.As(err, &taken):
		code := "event_taken"
		if taken.Kind == workspace.ErrNameTaken {
			code = "name_taken"
		}
		return &httpx.Error{Status: 409, Code: code, Message: taken.Error()}
	case errors.As(err, &inUse):
		return &httpx.Error{Status: 409, Code: "connection_in_use", Message: inUse.Error()}
	case errors.Is(err, store.ErrNotFound):
		return httpx.NotFound("not found")
	case errors.Is(err, store.ErrStale):
		return &httpx.Error{Status: 412, Code: "stale_version",
			Message: "If-Match: the document changed since that version was read; read it again (its ETag) and apply your change to it"}
	case errors.Is(err, store.ErrConflict):
		return &httpx.Error{Status: 409, Code: "conflict", Message: err.Error()}
	}
	return err
}

// readBody reads a bounded request body.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, httpx.BadRequest("unreadable_body", "could not read the request body: "+err.Error())
	}
	if len(b) > maxDocumentBytes {
		return nil, &httpx.Error{Status: 413, Code: "body_too_large", Message: fmt.Sprintf("document is over the %d-byte limit", maxDocumentBytes)}
	}
	return b, nil
}

// decodeStrict decodes a JSON body into v, refusing unknown fields.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// Name the field by its path in the document, not by Go's
			// struct and type names.
			return httpx.BadRequest("invalid_json", fmt.Sprintf("%s: must be %s, not %s (at byte %d)", te.Field, jsonKind(te.Type), withArticle(te.Value), te.Offset))
		}
		return httpx.BadRequest("invalid_json", "request body: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// withArticle reads "array" as "an array", "string" as "a string".
func withArticle(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// jsonKind names a Go type as the JSON a user would write for it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	}
	return "a " + t.Kind().String()
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *API) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	httpx.JSON(w, http.StatusOK, a.workspaceView())
	return nil
}

func (a *API) webhookBaseURL() string {
	return a.BaseURL + "/webhooks/rest/" + a.Workspace.WebhookToken
}

// background is the context for work that must finish once started even
// if the client goes away (a write the client may retry).
func background(r *http.Request) context.Context { return context.WithoutCancel(r.Context()) }
