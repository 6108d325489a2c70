package api

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
)

// errNoOAuth answers OAuth2 routes of an API built without a manager.
var errNoOAuth = &httpx.Error{Status: http.StatusServiceUnavailable, Code: "oauth_unavailable", Message: "OAuth2 is not set up in this process"}

// authorizeConnection starts an authorization: 302 to the provider (or,
// for Accept: application/json, 200 {"authorize_url"} so the web UI can
// navigate itself), with a cookie that binds the state to this browser.
func (a *API) authorizeConnection(w http.ResponseWriter, r *http.Request) error {
	if a.OAuth == nil {
		return errNoOAuth
	}
	sc, live, err := a.openConnection(r)
	if err != nil {
		return err
	}
	if !live.IsOAuth2() {
		return httpx.Unprocessable("not_oauth2", "type: connection "+sc.Name+" is not an http_oauth2 connection; only those are authorized", nil)
	}
	if live.Doc.OAuth2.Grant != connection.GrantAuthorizationCode {
		return httpx.Unprocessable("no_authorization_needed", "oauth2.grant: connection "+sc.Name+" uses the client_credentials grant, which needs no authorization", nil)
	}
	auth, err := a.OAuth.Begin(background(r), live)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: auth.CookieName, Value: auth.CookieValue, Path: a.callbackPath(),
		Expires: auth.ExpiresAt, MaxAge: int(oauth.StateLifetime / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(a.BaseURL, "https://"),
	})
	w.Header().Set("Cache-Control", "no-store")
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpx.JSON(w, http.StatusOK, map[string]string{"authorize_url": auth.URL})
		return nil
	}
	http.Redirect(w, r, auth.URL, http.StatusFound)
	return nil
}

// oauthCallback is where the provider sends the browser back. It needs
// no API token: the state, bound to the browser by its cookie, is the
// proof that this browser's user asked for the authorization.
func (a *API) oauthCallback(w http.ResponseWriter, r *http.Request) {
	name, err := a.finishAuthorization(r)
	// The state is used up either way: drop its cookie.
	if state := r.URL.Query().Get("state"); state != "" {
		http.SetCookie(w, &http.Cookie{Name: oauth.CookieName(state), Value: "", Path: a.callbackPath(), MaxAge: -1,
			HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	if err == nil {
		renderCallback(w, http.StatusOK, name+" is connected", "You can close this page and go back to patchbay.")
		return
	}
	var fe *oauth.FlowError
	if !errors.As(err, &fe) {
		a.Log.Error("oauth callback failed", "err", err)
		fe = &oauth.FlowError{Status: http.StatusInternalServerError, Message: "internal error; see the server log"}
	}
	title := "The connection was not authorized"
	if name != "" {
		title = name + " was not connected"
	}
	renderCallback(w, fe.Status, title, fe.Message)
}

// finishAuthorization checks the state, reads the provider's answer and
// exchanges the code. It returns the connection's name once known.
func (a *API) finishAuthorization(r *http.Request) (string, error) {
	if a.OAuth == nil {
		return "", &oauth.FlowError{Status: errNoOAuth.Status, Message: errNoOAuth.Message}
	}
	q := r.URL.Query()
	// Not cancelled when the browser goes away (the state is used up and
	// the tokens must be saved), but bounded: a token endpoint that never
	// answers must not hold the request, or shutdown, for ever.
	ctx, cancel := context.WithTimeout(background(r), callbackTimeout)
	defer cancel()
	pending, err := a.OAuth.TakeState(ctx, q.Get("state"), func(name string) string {
		if c, err := r.Cookie(name); err == nil {
			return c.Value
		}
		return ""
	})
	if err != nil {
		return "", err
	}
	sc, err := a.Store.Connection(ctx, pending.ConnectionID)
	if errors.Is(err, store.ErrNotFound) {
		return "", &oauth.FlowError{Status: http.StatusNotFound, Message: "the connection was deleted during its authorization"}
	}
	if err != nil {
		return "", err
	}
	if e := q.Get("error"); e != "" {
		msg := "the provider answered " + e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return sc.Name, &oauth.FlowError{Status: http.StatusBadRequest, Message: msg}
	}
	live, err := catalog.OpenConnection(a.Box, sc)
	if err != nil {
		return sc.Name, err
	}
	if !live.IsOAuth2() {
		return sc.Name, &oauth.FlowError{Status: http.StatusBadRequest, Message: "the connection is no longer an http_oauth2 connection"}
	}
	client, err := live.HTTPClient(a.Executor.Client)
	if err != nil {
		return sc.Name, &oauth.FlowError{Status: http.StatusBadRequest, Message: "connection: " + err.Error()}
	}
	return sc.Name, a.OAuth.Exchange(ctx, live, client, q.Get("code"), pending.Verifier)
}

// callbackPage is the small page the browser lands on. html/template
// escapes what the provider or the user's naming put in it.
var callbackPage = template.Must(template.New("callback").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · patchbay</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Message}}</p><p><a href="/#/connections">Back to connections in patchbay</a></p></body></html>
`))

func renderCallback(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = callbackPage.Execute(w, struct{ Title, Message string }{title, message})
}

// diagnoseAuthorization says what a connection test that could not get a
// token should tell the user, or "" when err is something else.
func diagnoseAuthorization(err error) (stage, diagnosis string) {
	var ae *connection.AuthorizationError
	if errors.As(err, &ae) {
		if ae.Status == connection.OAuth2NotConnected {
			return httprequest.StageAuth, "the connection is not authorized yet: authorize it first (GET /api/v1/connections/{id}/authorize, or Connect in the web UI)"
		}
		return httprequest.StageAuth, "the provider no longer accepts the connection's grant (" + ae.Reason + "): authorize it again"
	}
	var te *connection.TokenError
	if errors.As(err, &te) {
		return httprequest.StageAuth, "no access token could be had from the token endpoint: check oauth2.token_url, client_id and client_secret"
	}
	return "", ""
}

// callbackTimeout bounds the code exchange of one callback.
const callbackTimeout = 30 * time.Second

// callbackPath is the path of <base-url>/oauth/callback, which the state
// cookie is scoped to (a base URL may carry a path of its own).
func (a *API) callbackPath() string {
	if u, err := url.Parse(a.BaseURL); err == nil && u.Path != "" && u.Path != "/" {
		return strings.TrimRight(u.Path, "/") + "/oauth/callback"
	}
	return "/oauth/callback"
}
