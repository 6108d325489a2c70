package connection

import (
	"strings"
)

// Redactor replaces secret values wherever they appear in a recorded tree:
// a server may echo a credential back in its response (httpbin does), and
// the job record must not keep it.
type Redactor struct {
	r *strings.Replacer
}

// NewRedactor builds a redactor for the given secret values.
func NewRedactor(secrets []string) *Redactor {
	if len(secrets) == 0 {
		return &Redactor{}
	}
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, Masked)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// String masks secrets in s.
func (r *Redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// Tree masks secrets in every string (keys included) of a JSON-like tree,
// in place where it can and returning the result.
func (r *Redactor) Tree(v any) any {
	if r == nil || r.r == nil {
		return v
	}
	switch t := v.(type) {
	case string:
		return r.r.Replace(t)
	case map[string]any:
		for k, val := range t {
			nk := r.r.Replace(k)
			if nk != k {
				delete(t, k)
			}
			t[nk] = r.Tree(val)
		}
		return t
	case []any:
		for i, val := range t {
			t[i] = r.Tree(val)
		}
		return t
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[r.r.Replace(k)] = r.r.Replace(val)
		}
		return out
	default:
		return v
	}
}

// Active reports whether there is anything to mask.
func (r *Redactor) Active() bool { return r != nil && r.r != nil }
