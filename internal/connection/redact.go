package connection

import (
	"slices"
	"strings"
	"sync"
)

// Redactor replaces secret values wherever they appear in a recorded tree:
// a server may echo a credential back in its response (httpbin does), and
// the job record must not keep it.
type Redactor struct {
	r *strings.Replacer
	// secrets lets String and Tree see, without allocating, that there is
	// nothing to mask: the usual case, and a Replacer allocates its result
	// even when it replaces nothing.
	secrets []string
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
	return &Redactor{r: strings.NewReplacer(pairs...), secrets: slices.Clone(secrets)}
}

// String masks secrets in s.
func (r *Redactor) String(s string) string {
	if !r.holds(s) {
		return s
	}
	return r.r.Replace(s)
}

// holds reports whether s contains a secret.
func (r *Redactor) holds(s string) bool {
	if r == nil || r.r == nil {
		return false
	}
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

// Tree returns a JSON-like tree with secrets masked in every string, keys
// included. It never changes its input: the tree may be the job's own data
// (a lone pill renders to the very value it names), which later steps must
// still read unmasked. A tree that holds no secret is returned as it is,
// as a nil Redactor returns every tree; one that does is copied.
func (r *Redactor) Tree(v any) any {
	if !r.treeHolds(v) {
		return v
	}
	return r.maskTree(v)
}

// treeHolds reports whether any string of the tree, key or value, contains
// a secret.
func (r *Redactor) treeHolds(v any) bool {
	if r == nil || r.r == nil {
		return false
	}
	switch t := v.(type) {
	case string:
		return r.holds(t)
	case map[string]any:
		for k, val := range t {
			if r.holds(k) || r.treeHolds(val) {
				return true
			}
		}
	case []any:
		for _, val := range t {
			if r.treeHolds(val) {
				return true
			}
		}
	case map[string]string:
		for k, val := range t {
			if r.holds(k) || r.holds(val) {
				return true
			}
		}
	}
	return false
}

// maskTree copies the tree with secrets masked.
func (r *Redactor) maskTree(v any) any {
	switch t := v.(type) {
	case string:
		return r.r.Replace(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[r.r.Replace(k)] = r.maskTree(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = r.maskTree(val)
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

// redactorMemo keeps a Live's Redactor: its secrets are fixed, and only the
// OAuth2 tokens it remembers (RememberTokens) change, so the Redactor is
// built again only when they have.
type redactorMemo struct {
	mu       sync.Mutex
	tokens   []string // the remembered tokens when built was made
	built    *Redactor
	hasBuilt bool
}

// Redactor masks every value of SecretValues. It is safe on a nil Live (a
// step without a connection), which has nothing to mask.
func (l *Live) Redactor() *Redactor {
	if l == nil {
		return nil
	}
	c := &l.redaction
	c.mu.Lock()
	defer c.mu.Unlock()
	l.memo.mu.Lock()
	same := c.hasBuilt && slices.Equal(c.tokens, l.memo.values)
	if !same {
		c.tokens = slices.Clone(l.memo.values)
	}
	l.memo.mu.Unlock()
	if !same {
		// SecretValues reads the tokens again: a token remembered
		// meanwhile is masked too, and makes the next call build anew.
		c.built, c.hasBuilt = NewRedactor(l.SecretValues()), true
	}
	return c.built
}
