package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
)

// authStyle maps client_auth onto x/oauth2's styles. It is never
// AutoDetect: a provider that refuses one style must not see the client
// secret sent the other way too.
func authStyle(o *connection.OAuth2) oauth2.AuthStyle {
	if o.ClientAuth == connection.ClientAuthBody {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// codeConfig is the authorization-code configuration of a connection.
func codeConfig(l *connection.Live, redirectURL string) *oauth2.Config {
	o := l.Doc.OAuth2
	return &oauth2.Config{
		ClientID:     o.ClientID,
		ClientSecret: l.Secrets.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: o.AuthorizeURL, TokenURL: o.TokenURL, AuthStyle: authStyle(o)},
		RedirectURL:  redirectURL,
		Scopes:       o.Scopes,
	}
}

// credentialsConfig is the client-credentials configuration of a connection.
func credentialsConfig(l *connection.Live) *clientcredentials.Config {
	o := l.Doc.OAuth2
	return &clientcredentials.Config{
		ClientID: o.ClientID, ClientSecret: l.Secrets.ClientSecret, TokenURL: o.TokenURL,
		Scopes: o.Scopes, AuthStyle: authStyle(o),
	}
}

// withClient makes x/oauth2 reach the token endpoint through client (the
// connection's, SSRF-guarded client).
func withClient(ctx context.Context, client *http.Client) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, client)
}

// AuthorizeURL is where the user's browser is sent: the connection's
// authorize_url with its own parameters kept, and response_type,
// client_id, redirect_uri, scope, state and the PKCE challenge set once
// each (x/oauth2's AuthCodeURL would append a second response_type to an
// authorize_url that already carries one).
func AuthorizeURL(o *connection.OAuth2, redirectURL, state, verifier string) (string, error) {
	u, err := url.Parse(o.AuthorizeURL)
	if err != nil {
		return "", fmt.Errorf("oauth2.authorize_url: %v", err)
	}
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", o.ClientID)
	q.Set("redirect_uri", redirectURL)
	if len(o.Scopes) > 0 {
		q.Set("scope", strings.Join(o.Scopes, " "))
	}
	q.Set("state", state)
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
	q.Set("code_challenge_method", "S256")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// describe turns a token endpoint failure into a message safe to record
// (never the response body, which a provider may fill with anything) and
// says whether the grant is gone for good (invalid_grant: the refresh
// token was revoked, expired or already used).
func describe(err error) (msg string, grantGone bool) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		msg = fmt.Sprintf("the token endpoint answered %d", status)
		if re.ErrorCode != "" {
			msg += " " + re.ErrorCode
			if re.ErrorDescription != "" {
				msg += " (" + re.ErrorDescription + ")"
			}
		}
		return msg, re.ErrorCode == "invalid_grant"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The URL is the token URL (no secret); the cause is a network error.
		return "the token endpoint could not be reached: " + ue.Err.Error(), false
	}
	return err.Error(), false
}

// retryable reports whether another attempt may get a token: the endpoint
// was unreachable or answered 5xx or 429. A token URL the address guard
// refuses, or an answer that is not a token, will not change by retrying.
func retryable(err error) bool {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.Response == nil || re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests
	}
	if httpx.IsForbidden(err) {
		return false
	}
	var ue *url.Error
	return errors.As(err, &ue) // a network error; anything else is the answer's fault
}
