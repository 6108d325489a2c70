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

// Tree returns a copy of a JSON-like tree with secrets masked in every
// string, keys included. It never changes its input: the tree may be the
// job's own data (a lone pill renders to the very value it names), which
// later steps must still read unmasked.
func (r *Redactor) Tree(v any) any {
	if r == nil || r.r == nil {
		return v
	}
	switch t := v.(type) {
	case string:
		return r.r.Replace(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[r.r.Replace(k)] = r.Tree(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = r.Tree(val)
		}
		return out
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
