package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
)

type connectionView struct {
	connection.Document
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Warnings name risky settings (tls.insecure_skip_verify).
	Warnings []string `json:"warnings,omitempty"`
	// TestResult is set when a save ran the connection's test request.
	TestResult *testResult `json:"test_result,omitempty"`
	// OAuth2 connections: redirect_url, oauth2_status, … (oauth.go).
	*oauth2View
}

func connView(sc store.Connection) (connectionView, error) {
	var d connection.Document
	if err := json.Unmarshal(sc.Doc, &d); err != nil {
		return connectionView{}, err
	}
	d.ID = sc.ID
	return connectionView{Document: d, CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt, Warnings: d.Warnings()}, nil
}

func (a *API) parseConnection(r *http.Request) (connection.Document, error) {
	b, err := readBody(r)
	if err != nil {
		return connection.Document{}, err
	}
	var d connection.Document
	return d, decodeStrict(b, &d)
}

func (a *API) createConnection(w http.ResponseWriter, r *http.Request) error {
	d, err := a.parseConnection(r)
	if err != nil {
		return err
	}
	sc, err := a.Writes.CreateConnection(background(r), d)
	if err != nil {
		return err
	}
	return a.respondSavedConnection(w, r, sc.ID, http.StatusCreated)
}

func (a *API) updateConnection(w http.ResponseWriter, r *http.Request) error {
	ifVersion, err := ifMatch(r)
	if err != nil {
		return err
	}
	d, err := a.parseConnection(r)
	if err != nil {
		return err
	}
	sc, err := a.Writes.UpdateConnection(background(r), r.PathValue("id"), d, ifVersion)
	if err != nil {
		return err
	}
	return a.respondSavedConnection(w, r, sc.ID, http.StatusOK)
}

func (a *API) respondConnection(w http.ResponseWriter, r *http.Request, id string, status int) error {
	sc, v, err := a.storedView(r, id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(sc.Version))
	httpx.JSON(w, status, v)
	return nil
}

// storedView reads a connection and shapes it for the API.
func (a *API) storedView(r *http.Request, id string) (store.Connection, connectionView, error) {
	sc, err := a.Store.Connection(r.Context(), id)
	if err != nil {
		return sc, connectionView{}, err
	}
	v, err := connView(sc)
	if err != nil {
		return sc, v, err
	}
	return sc, v, a.addOAuth2View(r, &v)
}

// respondSavedConnection answers a create or update: the stored document
// and, when the connection has a test request (and is not OAuth2, whose
// test needs a user's grant first), the result of running it. The
// connection stays saved whatever the test says: the result tells the
// user why it failed.
func (a *API) respondSavedConnection(w http.ResponseWriter, r *http.Request, id string, status int) error {
	sc, v, err := a.storedView(r, id)
	if err != nil {
		return err
	}
	if v.Test != nil && v.Type != connection.TypeHTTPOAuth2 {
		live, err := catalog.OpenConnection(a.Box, sc)
		if err != nil {
			return err
		}
		res, err := a.runConnectionTest(r.Context(), live)
		if err != nil {
			msg := err.Error()
			res = testResult{OK: false, Error: &msg, Stage: httprequest.StageRequest, Diagnosis: "the test request is not valid: " + msg}
		}
		v.TestResult = &res
	}
	w.Header().Set("ETag", etag(sc.Version))
	httpx.JSON(w, status, v)
	return nil
}

func (a *API) getConnection(w http.ResponseWriter, r *http.Request) error {
	return a.respondConnection(w, r, r.PathValue("id"), http.StatusOK)
}

func (a *API) listConnections(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.Store.Connections(r.Context())
	if err != nil {
		return err
	}
	out, err := viewsOf(cs, func(sc store.Connection) (connectionView, error) {
		v, err := connView(sc)
		if err != nil {
			return v, err
		}
		return v, a.addOAuth2View(r, &v)
	})
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"connections": out})
	return nil
}

// deleteConnection refuses while recipes use the connection, naming them.
func (a *API) deleteConnection(w http.ResponseWriter, r *http.Request) error {
	ifVersion, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := a.Writes.DeleteConnection(background(r), r.PathValue("id"), ifVersion); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testResult is the answer of a connection test.
type testResult struct {
	OK         bool    `json:"ok"`
	Status     int     `json:"status"`
	Error      *string `json:"error"`
	DurationMS int64   `json:"duration_ms"`
	// Stage is where the test failed (dns, connect, tls, http, auth, or
	// request when the test request itself is invalid); omitted on success.
	Stage     string `json:"stage,omitempty"`
	Diagnosis string `json:"diagnosis,omitempty"`
}

// testConnection runs the connection's test request with its auth.
func (a *API) testConnection(w http.ResponseWriter, r *http.Request) error {
	_, live, err := a.openConnection(r)
	if err != nil {
		return err
	}
	if live.Doc.Test == nil {
		return httpx.Unprocessable("no_test_request", "test: this connection has no test request", nil)
	}
	res, err := a.runConnectionTest(r.Context(), live)
	if err != nil {
		return httpx.Unprocessable("invalid_test_request", err.Error(), nil)
	}
	httpx.JSON(w, http.StatusOK, res)
	return nil
}

// runConnectionTest sends live's test request with its auth; it is the one
// path behind POST /connections/{id}/test and the test run on save. The
// error is only for a test request that does not compile.
func (a *API) runConnectionTest(ctx context.Context, live *connection.Live) (testResult, error) {
	req, err := httprequest.Compile(recipe.Step{ID: "test", Action: recipe.ActionHTTPRequest, Method: live.Doc.Test.Method,
		URL: live.Doc.Test.URL, BodyType: "none", ResponseType: "raw"})
	if err != nil {
		return testResult{}, errors.New("test.url: " + err.Error())
	}
	start := time.Now()
	out := a.Executor.Do(ctx, req, pill.Env{}, live, "")
	// live was opened for this test alone: drop its own client's connections.
	live.CloseIdleConnections()
	res := testResult{OK: out.Err == nil, DurationMS: time.Since(start).Milliseconds()}
	if out.Output != nil {
		res.Status = out.Output.Status
	}
	if out.Err != nil {
		msg := out.Err.Error()
		res.Error = &msg
		res.Stage, res.Diagnosis = httprequest.Diagnose(out)
		if stage, d := diagnoseAuthorization(out.Err); stage != "" {
			res.Stage, res.Diagnosis = stage, d
		}
	}
	return res, nil
}

// openConnection reads the connection named by the path's {id} and opens
// its secrets.
func (a *API) openConnection(r *http.Request) (store.Connection, *connection.Live, error) {
	sc, err := a.Store.Connection(r.Context(), r.PathValue("id"))
	if err != nil {
		return sc, nil, err
	}
	live, err := catalog.OpenConnection(a.Box, sc)
	return sc, live, err
}
