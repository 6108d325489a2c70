package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
)

func (a *API) parseConnection(r *http.Request) (connection.Document, error) {
	b, err := readBody(r)
	if err != nil {
		return connection.Document{}, err
	}
	var d connection.Document
	return d, decodeConnection(b, &d)
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
	return a.answerSavedConnection(w, r, sc, http.StatusCreated)
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
	return a.answerSavedConnection(w, r, sc, http.StatusOK)
}

// answerConnection answers a connection's view with its version as the
// ETag, the value an If-Match of a later PUT or DELETE names.
func (a *API) answerConnection(w http.ResponseWriter, r *http.Request, sc store.Connection, status int) error {
	v, err := a.connectionView(r, sc)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(sc.Version))
	httpx.JSON(w, status, v)
	return nil
}

// answerSavedConnection answers a create or update with the row the write
// stored and, when the connection has a test request (and is not OAuth2,
// whose test needs a user's grant first), the result of running it. The
// connection stays saved whatever the test says: the result tells the
// user why it failed.
func (a *API) answerSavedConnection(w http.ResponseWriter, r *http.Request, sc store.Connection, status int) error {
	v, err := a.connectionView(r, sc)
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
			res = apiview.ConnectionTest{OK: false, Error: &msg, Stage: httprequest.StageRequest, Diagnosis: "the test request is not valid: " + msg}
		}
		v.TestResult = &res
	}
	w.Header().Set("ETag", etag(sc.Version))
	httpx.JSON(w, status, v)
	return nil
}

func (a *API) getConnection(w http.ResponseWriter, r *http.Request) error {
	sc, err := a.Store.Connection(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.answerConnection(w, r, sc, http.StatusOK)
}

func (a *API) listConnections(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.Store.Connections(r.Context())
	if err != nil {
		return err
	}
	out, err := viewsOf(cs, func(sc store.Connection) (apiview.ConnectionView, error) { return a.connectionView(r, sc) })
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, apiview.ConnectionList{Connections: out})
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
func (a *API) runConnectionTest(ctx context.Context, live *connection.Live) (apiview.ConnectionTest, error) {
	req, err := httprequest.Compile(recipe.Step{ID: "test", Action: recipe.ActionHTTPRequest, Method: live.Doc.Test.Method,
		URL: live.Doc.Test.URL, BodyType: "none", ResponseType: "raw"})
	if err != nil {
		return apiview.ConnectionTest{}, errors.New("test.url: " + err.Error())
	}
	start := time.Now()
	out := a.Executor.Do(ctx, req, pill.Env{}, live, "")
	// live was opened for this test alone: drop its own client's connections.
	live.CloseIdleConnections()
	res := apiview.ConnectionTest{OK: out.Err == nil, DurationMS: time.Since(start).Milliseconds()}
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
