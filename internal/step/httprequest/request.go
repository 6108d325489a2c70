// Package httprequest is the http_request action: it renders a step's
// fields from the job's data, sends the request through the guarded
// client with the connection's auth, and records exactly what was sent
// (secrets masked) and what came back.
package httprequest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// Request is a step compiled once per recipe version and rendered per job.
type Request struct {
	Step        recipe.Step
	Timeout     time.Duration
	MaxAttempts int

	url       *pill.Template
	staticURL *url.URL // the URL parsed once, when it holds no pills and is absolute
	query     []field
	headers   []field
	bodyValue *pill.Value    // json and form bodies, and xml given as a tree
	bodyText  *pill.Template // raw bodies, and xml given as text
}

type field struct {
	name string
	tmpl *pill.Template
}

// Compile prepares a validated step for execution.
func Compile(s recipe.Step) (*Request, error) {
	r := &Request{Step: s, Timeout: time.Duration(s.Timeout), MaxAttempts: s.MaxAttempts}
	if r.Timeout <= 0 {
		r.Timeout = recipe.DefaultTimeout
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = recipe.DefaultMaxAttempts
	}
	var err error
	if r.url, err = pill.Compile(s.URL); err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if r.url.Static() {
		if u, err := url.Parse(strings.TrimSpace(s.URL)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			r.staticURL = u
		}
	}
	if r.query, err = compileFields("query", s.Query); err != nil {
		return nil, err
	}
	if r.headers, err = compileFields("headers", s.Headers); err != nil {
		return nil, err
	}
	if s.BodyType == "none" || len(s.Body) == 0 || string(s.Body) == "null" {
		return r, nil
	}
	var body any
	dec := json.NewDecoder(strings.NewReader(string(s.Body)))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if text, ok := body.(string); ok && (s.BodyType == "raw" || s.BodyType == "xml") {
		if r.bodyText, err = pill.Compile(text); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		return r, nil
	}
	if r.bodyValue, err = pill.CompileValue(body); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	return r, nil
}

func compileFields(what string, m map[string]string) ([]field, error) {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]field, 0, len(keys))
	for _, k := range keys {
		t, err := pill.Compile(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", what, k, err)
		}
		out = append(out, field{name: k, tmpl: t})
	}
	return out, nil
}
