// Package client is the Go client of patchbay's JSON API: the CLI and the
// end-to-end tests talk to the server through it. Its answers are the
// API's own view types (package apiview); an error answer is an *Error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/patchbay/patchbay/internal/apiview"
)

// MaxResponseBytes caps how much of an answer the client reads, so that a
// base URL pointing at something that streams forever cannot exhaust
// memory.
const MaxResponseBytes = 64 << 20

// Client calls one patchbay server.
type Client struct {
	// BaseURL is scheme://host[:port][/prefix], without /api/v1.
	BaseURL string
	// Token is the API token sent as a bearer token.
	Token string
	// HTTP sends the requests; nil means http.DefaultClient. Its Timeout
	// bounds each call.
	HTTP *http.Client
	// UserAgent, if set, is sent as User-Agent.
	UserAgent string
}

// Error is an error answer of the server, decoded from its envelope
// {"error": {"code", "message", "details"}}.
type Error struct {
	Status  int
	Code    string
	Message string
	Details []apiview.Detail
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("server answered %d %s", e.Status, http.StatusText(e.Status))
}

// StatusOf is the HTTP status of an *Error in err's chain, 0 if none.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Do sends one API call. path starts with /api/v1 and may carry a query.
// body, unless nil, is sent as JSON (a []byte or json.RawMessage as is).
// A 2xx answer is decoded into out unless out is nil; numbers decoded
// into interface values stay json.Number, so documents pass through
// without losing precision. Any other answer is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	status, data, err := c.Raw(ctx, method, path, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return decodeError(status, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("unexpected answer from %s %s: %w", method, c.base()+path, err)
	}
	return nil
}

// Raw sends one API call as Do does and returns the status and body as
// they came, whatever the status; err is only for failing to talk to the
// server. Tests of error answers use it.
func (c *Client) Raw(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var reqBody io.Reader
	if body != nil {
		var b []byte
		switch v := body.(type) {
		case json.RawMessage:
			b = v
		case []byte:
			b = v
		case string:
			b = []byte(v)
		default:
			var err error
			if b, err = json.Marshal(body); err != nil {
				return 0, nil, fmt.Errorf("encoding request: %w", err)
			}
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base()+path, reqBody)
	if err != nil {
		return 0, nil, fmt.Errorf("building request: %w", err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("Accept", "application/json")
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	if err != nil {
		return 0, nil, c.transportError(ctx, err)
	}
	return resp.StatusCode, data, nil
}

func (c *Client) base() string { return strings.TrimRight(c.BaseURL, "/") }

// transportError turns a failure to talk to the server into a message that
// names the server: the usual cause is a wrong address or a server that is
// not running, and the raw net error does not say which.
func (c *Client) transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot connect to patchbay server at %s: connection refused (is it running? set --server or PATCHBAY_SERVER)", c.base())
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot connect to patchbay server at %s: unknown host %q (check --server or PATCHBAY_SERVER)", c.base(), dnsErr.Name)
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		limit := "its time limit"
		if c.HTTP != nil && c.HTTP.Timeout > 0 {
			limit = c.HTTP.Timeout.String()
		}
		return fmt.Errorf("patchbay server at %s did not answer within %s", c.base(), limit)
	}
	return fmt.Errorf("cannot talk to patchbay server at %s: %w", c.base(), err)
}

// decodeError reads the error envelope. An answer that is not the
// envelope (a proxy's HTML error page, say) still yields a readable error
// with the status and the start of the body.
func decodeError(status int, data []byte) *Error {
	var env apiview.ErrorEnvelope
	e := &Error{Status: status}
	if json.Unmarshal(data, &env) == nil && env.Error != nil && env.Error.Message != "" {
		e.Code, e.Message, e.Details = env.Error.Code, env.Error.Message, env.Error.Details
		return e
	}
	e.Message = fmt.Sprintf("server answered %d %s", status, http.StatusText(status))
	if snippet := strings.TrimSpace(string(data)); snippet != "" {
		const max = 200
		if len(snippet) > max {
			snippet = snippet[:max] + "..."
		}
		e.Message += ": " + snippet
	}
	return e
}

// call sends one API call with Do and returns its answer decoded as T.
// The answer is read after Do returns: in `return v, c.Do(…, &v)` Go
// leaves unspecified whether v is read before or after the call.
func call[T any](ctx context.Context, c *Client, method, path string, body any) (T, error) {
	var v T
	err := c.Do(ctx, method, path, body, &v)
	return v, err
}

func recipePath(id string) string     { return "/api/v1/recipes/" + url.PathEscape(id) }
func connectionPath(id string) string { return "/api/v1/connections/" + url.PathEscape(id) }
func jobPath(id string) string        { return "/api/v1/jobs/" + url.PathEscape(id) }

// Workspace reads the workspace: its webhook token and base URL.
func (c *Client) Workspace(ctx context.Context) (apiview.WorkspaceView, error) {
	return call[apiview.WorkspaceView](ctx, c, "GET", "/api/v1/workspace", nil)
}

// Recipes lists every recipe (list views: no datatree, drift or health).
func (c *Client) Recipes(ctx context.Context) ([]apiview.RecipeView, error) {
	l, err := call[apiview.RecipeList](ctx, c, "GET", "/api/v1/recipes", nil)
	return l.Recipes, err
}

// Recipe reads one recipe.
func (c *Client) Recipe(ctx context.Context, id string) (apiview.RecipeView, error) {
	return call[apiview.RecipeView](ctx, c, "GET", recipePath(id), nil)
}

// CreateRecipe stores a new recipe. doc is anything that encodes as the
// recipe document (a recipe.Document, a map, or JSON bytes sent as is).
func (c *Client) CreateRecipe(ctx context.Context, doc any) (apiview.RecipeView, error) {
	return call[apiview.RecipeView](ctx, c, "POST", "/api/v1/recipes", doc)
}

// UpdateRecipe replaces a recipe's document; secrets reading "set" keep
// their stored value.
func (c *Client) UpdateRecipe(ctx context.Context, id string, doc any) (apiview.RecipeView, error) {
	return call[apiview.RecipeView](ctx, c, "PUT", recipePath(id), doc)
}

// DeleteRecipe deletes a recipe.
func (c *Client) DeleteRecipe(ctx context.Context, id string) error {
	return c.Do(ctx, "DELETE", recipePath(id), nil, nil)
}

// StartRecipe starts a recipe.
func (c *Client) StartRecipe(ctx context.Context, id string) (apiview.RecipeView, error) {
	return call[apiview.RecipeView](ctx, c, "POST", recipePath(id)+"/start", nil)
}

// StopRecipe stops a recipe.
func (c *Client) StopRecipe(ctx context.Context, id string) (apiview.RecipeView, error) {
	return call[apiview.RecipeView](ctx, c, "POST", recipePath(id)+"/stop", nil)
}

// TestRecipe runs one job now and waits for it: from payload when it is
// not nil (sent as {"payload": …}), else from the trigger's example.
func (c *Client) TestRecipe(ctx context.Context, id string, payload any) (apiview.JobView, error) {
	var body any
	if payload != nil {
		body = map[string]any{"payload": payload}
	}
	return call[apiview.JobView](ctx, c, "POST", recipePath(id)+"/test", body)
}

// RunRecipe starts one job of a started manual recipe with input as its
// trigger output (nil: {}).
func (c *Client) RunRecipe(ctx context.Context, id string, input any) (apiview.JobView, error) {
	return call[apiview.JobView](ctx, c, "POST", recipePath(id)+"/run", input)
}

// JobsQuery filters and pages a recipe's jobs; zero values are the
// server's defaults.
type JobsQuery struct {
	Status string
	Limit  int
	Cursor string
}

// RecipeJobs reads one page of a recipe's jobs, newest first.
func (c *Client) RecipeJobs(ctx context.Context, recipeID string, q JobsQuery) (apiview.JobList, error) {
	v := url.Values{}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	path := recipePath(recipeID) + "/jobs"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	return call[apiview.JobList](ctx, c, "GET", path, nil)
}

// Job reads one job document.
func (c *Client) Job(ctx context.Context, id string) (apiview.JobView, error) {
	return call[apiview.JobView](ctx, c, "GET", jobPath(id), nil)
}

// RerunJob starts a new job from an old one's trigger output.
func (c *Client) RerunJob(ctx context.Context, id string) (apiview.JobView, error) {
	return call[apiview.JobView](ctx, c, "POST", jobPath(id)+"/rerun", nil)
}

// Connections lists every connection.
func (c *Client) Connections(ctx context.Context) ([]apiview.ConnectionView, error) {
	l, err := call[apiview.ConnectionList](ctx, c, "GET", "/api/v1/connections", nil)
	return l.Connections, err
}

// Connection reads one connection.
func (c *Client) Connection(ctx context.Context, id string) (apiview.ConnectionView, error) {
	return call[apiview.ConnectionView](ctx, c, "GET", connectionPath(id), nil)
}

// CreateConnection stores a new connection (doc as for CreateRecipe).
func (c *Client) CreateConnection(ctx context.Context, doc any) (apiview.ConnectionView, error) {
	return call[apiview.ConnectionView](ctx, c, "POST", "/api/v1/connections", doc)
}

// UpdateConnection replaces a connection's document.
func (c *Client) UpdateConnection(ctx context.Context, id string, doc any) (apiview.ConnectionView, error) {
	return call[apiview.ConnectionView](ctx, c, "PUT", connectionPath(id), doc)
}

// DeleteConnection deletes a connection no recipe uses.
func (c *Client) DeleteConnection(ctx context.Context, id string) error {
	return c.Do(ctx, "DELETE", connectionPath(id), nil, nil)
}

// TestConnection runs a connection's test request.
func (c *Client) TestConnection(ctx context.Context, id string) (apiview.ConnectionTest, error) {
	return call[apiview.ConnectionTest](ctx, c, "POST", connectionPath(id)+"/test", nil)
}
