package httprequest

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
	"time"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// DefaultMaxResponseBytes caps a response body kept in a job.
const DefaultMaxResponseBytes = 10 << 20

// Input is the request as sent, as recorded: secrets masked.
type Input struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
	// WaitedMS is how long the request waited for the connection's
	// request budget (limits), when it waited at all.
	WaitedMS int64 `json:"waited_ms,omitempty"`
}

// Output is the response as received: {status, headers, body}, the shape
// later pills read (steps.<id>.body.email).
type Output struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
}

// Tree returns the output as the data tree pills resolve against.
func (o *Output) Tree() map[string]any {
	h := make(map[string]any, len(o.Headers))
	for k, v := range o.Headers {
		h[k] = v
	}
	return map[string]any{"status": json.Number(strconv.Itoa(o.Status)), "headers": h, "body": o.Body}
}

// Outcome is one attempt.
type Outcome struct {
	Input  *Input
	Output *Output
	Err    error
	// Retryable: the attempt failed in a way another attempt may fix
	// (connection error, timeout, 429, 5xx).
	Retryable bool
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Deferred: nothing was sent, because the connection's request budget
	// was busy for longer than WithBudgetWait allows; try again after
	// RetryAfter. It is not a failed attempt.
	Deferred bool
}

// Executor sends requests.
type Executor struct {
	Client           *http.Client
	MaxResponseBytes int64
	// Tokens gives http_oauth2 connections their access tokens (oauth2.go).
	Tokens connection.TokenSource
}

// IdempotencyHeader carries a key that is the same on every attempt of
// one step of one job, so a target that honours it applies the step once.
const IdempotencyHeader = "Idempotency-Key"

// Do renders and sends one attempt. conn may be nil (no auth).
func (e *Executor) Do(ctx context.Context, r *Request, env pill.Env, conn *connection.Live, idempotencyKey string) Outcome {
	req, recorded, err := e.build(ctx, r, env, conn, idempotencyKey)
	if err != nil {
		return Outcome{Input: recorded, Err: err, Retryable: tokenRetryable(err)}
	}
	// One budget slot covers the whole attempt, resends included.
	release, retryIn, err := acquireBudget(ctx, conn, recorded)
	if err != nil {
		return Outcome{Input: recorded, Err: err, Retryable: true, RetryAfter: retryIn, Deferred: budgetBusy(err)}
	}
	defer release()
	// The Live keeps its Redactor (built again only when it remembers
	// new OAuth2 tokens), so asking for it per attempt costs a lookup.
	redact := conn.Redactor()
	client := e.Client
	if conn != nil {
		if client, err = conn.HTTPClient(e.Client); err != nil {
			return Outcome{Input: recorded, Err: fmt.Errorf("connection: %v", err)}
		}
	}
	timeout := r.attemptTimeout(conn)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sent := &sentHeaders{}
	ctx = sent.trace(ctx)
	resp, err := client.Do(req.WithContext(ctx))
	var digestErr error
	if err == nil && resp.StatusCode == http.StatusUnauthorized && conn != nil && conn.Doc.Auth.Type == connection.AuthDigest {
		resp, err, digestErr = e.answerDigest(ctx, client, req, resp, conn, recorded, sent)
	}
	var tokenErr error
	if err == nil && conn.IsOAuth2() {
		resp, err, tokenErr = e.renewAndResend(ctx, client, req, resp, conn, recorded, sent)
		redact = conn.Redactor() // the new token is masked too
	}
	// The record is what the transport wrote, when it wrote anything.
	sent.record(recorded, conn)
	if err != nil {
		return Outcome{Input: recorded, Err: describeTransportError(err, timeout, redact), Retryable: transportRetryable(err)}
	}
	defer resp.Body.Close()
	limit := e.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return Outcome{Input: recorded, Err: describeTransportError(err, timeout, redact), Retryable: true}
	}
	out := &Output{Status: resp.StatusCode, Headers: flatten(resp.Header, redact)}
	if int64(len(raw)) > limit {
		out.Body = nil
		return Outcome{Input: recorded, Output: out, Err: fmt.Errorf("response body is over the %d-byte limit", limit)}
	}
	body, parseErr := parseResponse(r.Step.ResponseType, raw)
	out.Body = redact.Tree(body)
	o := Outcome{Input: recorded, Output: out}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		o.Err = fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		o.Retryable = true
		o.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		o.Err = fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	case parseErr != nil:
		o.Err = fmt.Errorf("response is not %s: %v", r.Step.ResponseType, parseErr)
	}
	if digestErr != nil && o.Err != nil {
		o.Err = fmt.Errorf("%v (digest auth: %v)", o.Err, digestErr)
	}
	if tokenErr != nil {
		// "needs reauthorization", not the API's raw 401.
		o.Err, o.Retryable = tokenErr, tokenRetryable(tokenErr)
	}
	return o
}

// attemptTimeout is how long one attempt may take: the step's timeout,
// else the connection's, else the default. The connection's timeout stands
// in for the default, never for a timeout the step set itself.
func (r *Request) attemptTimeout(conn *connection.Live) time.Duration {
	if conn != nil && r.Step.Timeout == 0 {
		if t := conn.Doc.RequestTimeout(); t > 0 {
			return t
		}
	}
	return r.Timeout
}

// answerDigest answers a 401's Digest challenge and resends the request
// once, its body rebuilt by GetBody. The recorded headers become those of
// the resent request (Authorization: Digest ****). When the challenge
// cannot be answered it returns the 401 as it is, with the reason.
func (e *Executor) answerDigest(ctx context.Context, client *http.Client, req *http.Request, resp *http.Response, conn *connection.Live, recorded *Input, sent *sentHeaders) (*http.Response, error, error) {
	authz, err := conn.DigestAuthorization(req.Method, req.URL.RequestURI(), resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		return resp, nil, err
	}
	retry := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil, err
		}
		retry.Body = body
	}
	// Drain the challenge's body so its connection can carry the retry.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	retry.Header.Set("Authorization", authz)
	recorded.Headers = flatten(conn.MaskHeaders(retry.Header), nil)
	sent.reset()
	resp, err = client.Do(retry)
	return resp, err, nil
}

// build renders the request. The returned Input is what will be recorded
// even when rendering fails part-way (then it holds what was rendered).
func (e *Executor) build(ctx context.Context, r *Request, env pill.Env, conn *connection.Live, idempotencyKey string) (*http.Request, *Input, error) {
	in := &Input{Method: r.Step.Method, Headers: map[string]string{}}
	env = withFormulaBudget(ctx, r, env, conn)
	var u *url.URL
	if r.staticURL != nil {
		c := *r.staticURL
		u = &c
	} else {
		render := r.url.RenderURL
		if r.Step.URLEncoding == recipe.URLEncodingNone {
			render = r.url.RenderString
		}
		rawURL, err := render(env)
		if err != nil {
			return nil, in, fmt.Errorf("url: %w", err)
		}
		if u, err = resolveURL(rawURL, conn); err != nil {
			in.URL = rawURL
			return nil, in, fmt.Errorf("url: %w", err)
		}
	}
	if len(r.query) > 0 {
		q := u.Query()
		for _, f := range r.query {
			v, err := f.tmpl.RenderString(env)
			if err != nil {
				return nil, in, fmt.Errorf("query.%s: %w", f.name, err)
			}
			q.Add(f.name, v)
		}
		u.RawQuery = q.Encode()
	}
	in.URL = u.String()
	body, contentType, recordedBody, err := r.renderBody(env)
	if err != nil {
		return nil, in, fmt.Errorf("body: %w", err)
	}
	in.Body = recordedBody
	req, err := http.NewRequestWithContext(ctx, r.Step.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, in, fmt.Errorf("url: %w", err)
	}
	if body == nil {
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	req.Header.Set("User-Agent", "patchbay")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, f := range r.headers {
		v, err := f.tmpl.RenderString(env)
		if err != nil {
			return nil, in, fmt.Errorf("headers.%s: %w", f.name, err)
		}
		if err := httpx.CheckHeaderValue(v); err != nil {
			return nil, in, fmt.Errorf("headers.%s: %w", f.name, err)
		}
		req.Header.Set(f.name, v)
	}
	if idempotencyKey != "" && req.Header.Get(IdempotencyHeader) == "" {
		req.Header.Set(IdempotencyHeader, idempotencyKey)
	}
	if conn != nil {
		conn.Apply(req)
		if err := e.setAccessToken(ctx, req, conn); err != nil {
			return nil, in, err
		}
	}
	// A recipe or connection saved before such headers were refused may
	// still name one; the transport would not send it as written (Host
	// comes from the URL, Content-Length from the body, HTTP/2 sends no
	// connection headers), so it is neither sent nor recorded.
	for name := range req.Header {
		if httpx.IsTransportOwnedHeader(name) {
			req.Header.Del(name)
		}
	}
	if conn != nil {
		redact := conn.Redactor()
		// A secret may also sit in the URL's path (httpbin's /digest-auth
		// takes the password there): mask it wherever it appears.
		in.URL = redact.String(conn.MaskURL(req.URL))
		in.Headers = flatten(conn.MaskHeaders(req.Header), nil)
		in.Body = redact.Tree(in.Body)
	} else {
		in.Headers = flatten(req.Header, nil)
	}
	return req, in, nil
}

// renderBody renders the body: the bytes to send, their content type, and
// the body as recorded (a tree for json, text otherwise).
func (r *Request) renderBody(env pill.Env) ([]byte, string, any, error) {
	switch {
	case r.bodyText != nil:
		s, err := r.bodyText.RenderString(env)
		if err != nil {
			return nil, "", nil, err
		}
		ct := ""
		if r.Step.BodyType == "xml" {
			ct = "application/xml"
		}
		return []byte(s), ct, s, nil
	case r.bodyValue != nil:
		v, err := r.bodyValue.Render(env)
		if err != nil {
			return nil, "", nil, err
		}
		switch r.Step.BodyType {
		case "form":
			s, err := payload.RenderForm(v)
			if err != nil {
				return nil, "", nil, err
			}
			return []byte(s), "application/x-www-form-urlencoded", s, nil
		case "xml":
			b, err := payload.RenderXML(v)
			if err != nil {
				return nil, "", nil, err
			}
			return b, "application/xml", string(b), nil
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, "", nil, err
			}
			return b, "application/json", v, nil
		}
	}
	return nil, "", nil, nil
}

// resolveURL makes a relative URL absolute against the connection's base URL.
func resolveURL(raw string, conn *connection.Live) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if !u.IsAbs() && conn != nil && conn.Doc.BaseURL != "" {
		base, err := url.Parse(strings.TrimRight(conn.Doc.BaseURL, "/") + "/")
		if err != nil {
			return nil, fmt.Errorf("connection base_url: %v", err)
		}
		// RawPath keeps the path's escaping: a pill value's "%2F" or
		// "%2E%2E" must stay text, not become a separator or a dot segment.
		ref := &url.URL{Path: strings.TrimLeft(u.Path, "/"), RawPath: strings.TrimLeft(u.RawPath, "/"), RawQuery: u.RawQuery}
		u = base.ResolveReference(ref)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return u, nil
}

func parseResponse(format string, raw []byte) (any, error) {
	if format == payload.Raw || len(bytes.TrimSpace(raw)) == 0 {
		if len(raw) == 0 {
			return nil, nil
		}
		return string(raw), nil
	}
	v, err := payload.Parse(format, raw, payload.DefaultLimits())
	if err != nil {
		// Keep what came back, as text, so the job shows it.
		return string(raw), err
	}
	return v, nil
}

// flatten turns headers into one string per name, values joined by ", ",
// each passed through redact (nil: none).
func flatten(h http.Header, redact *connection.Redactor) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = redact.String(strings.Join(vs, ", "))
	}
	return out
}

func transportRetryable(err error) bool {
	var pe *connection.ProxyError
	if errors.As(err, &pe) {
		return pe.Retryable()
	}
	return !httpx.IsForbidden(err) && !errors.Is(err, context.Canceled)
}

// TransportError is a request that got no response. Its text is
// redacted; it unwraps to the cause (never record the cause's own text: it
// may hold a secret) so callers can tell DNS, dial and TLS failures apart.
type TransportError struct {
	msg   string
	cause error
}

func (e *TransportError) Error() string { return e.msg }
func (e *TransportError) Unwrap() error { return e.cause }

func describeTransportError(err error, timeout time.Duration, redact *connection.Redactor) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &TransportError{fmt.Sprintf("timed out after %s", timeout), cause}
	}
	var ne net.Error
	if errors.As(cause, &ne) && ne.Timeout() {
		return &TransportError{fmt.Sprintf("timed out after %s", timeout), cause}
	}
	// A TLS alert from the server (a client certificate it wants or
	// refuses) surfaces as a "remote error" once TLS 1.3's handshake has
	// ended on our side; say it is the handshake that failed.
	var opErr *net.OpError
	if errors.As(cause, &opErr) && opErr.Op == "remote error" && strings.HasPrefix(opErr.Err.Error(), "tls: ") {
		return &TransportError{"TLS handshake failed: " + redact.String(cause.Error()), cause}
	}
	return &TransportError{redact.String(cause.Error()), cause}
}

// parseRetryAfter reads seconds or an HTTP date; at most a day.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	if d > 24*time.Hour {
		d = 24 * time.Hour
	}
	return d
}
