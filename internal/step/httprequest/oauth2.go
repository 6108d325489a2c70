package httprequest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/patchbay/patchbay/internal/connection"
)

// setAccessToken puts an OAuth2 connection's access token on req (fetched
// or refreshed first when needed). It does nothing for other connections.
func (e *Executor) setAccessToken(ctx context.Context, req *http.Request, conn *connection.Live) error {
	if !conn.IsOAuth2() {
		return nil
	}
	if e.Tokens == nil {
		return fmt.Errorf("connection %q: OAuth2 tokens are not available in this process", conn.Doc.Name)
	}
	client, err := conn.HTTPClient(e.Client)
	if err != nil {
		return fmt.Errorf("connection: %v", err)
	}
	tok, err := e.Tokens.AccessToken(ctx, conn, client)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// renewAndResend handles a response that says the access token is no
// longer good (401, refresh_on_status, refresh_on_body): it gets a new
// token (one refresh however many requests ask at once) and resends the
// request once. When no new token can be had it returns the response as
// it was, with the reason (e.g. the connection needs reauthorization).
func (e *Executor) renewAndResend(ctx context.Context, client *http.Client, req *http.Request, resp *http.Response, conn *connection.Live, recorded *Input, sent *sentHeaders) (*http.Response, error, error) {
	var body []byte
	if conn.NeedsBodyForRefresh() {
		limit := e.MaxResponseBytes
		if limit <= 0 {
			limit = DefaultMaxResponseBytes
		}
		var err error
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return resp, err, nil
		}
	}
	if !conn.WantsTokenRefresh(resp.StatusCode, body) || e.Tokens == nil {
		return resp, nil, nil
	}
	rejected := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	tok, err := e.Tokens.Renew(ctx, conn, client, rejected)
	if err != nil {
		return resp, nil, err
	}
	retry := req.Clone(ctx)
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return resp, nil, err
		}
		retry.Body = b
	}
	// Drain the refused answer so its connection can carry the retry.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	retry.Header.Set("Authorization", "Bearer "+tok)
	recorded.Headers = flatten(conn.MaskHeaders(retry.Header), nil)
	sent.reset()
	resp, err = client.Do(retry)
	return resp, err, nil
}

// tokenRetryable reports whether a failure to get a token may pass on
// another attempt (the token endpoint was down); a connection that needs
// (re)authorization will not fix itself.
func tokenRetryable(err error) bool {
	var te *connection.TokenError
	return errors.As(err, &te) && te.Retryable
}
