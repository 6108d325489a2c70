package payload

import (
	"net/url"
	"strings"
)

// ParseForm parses an application/x-www-form-urlencoded body into a flat
// object: a key given once maps to its string value, a repeated key to a
// []any of strings in order. Pairs are split on '&' only (as browsers do;
// ';' is data). Invalid percent-encoding is a SyntaxError. The pair count
// is checked against lim.MaxKeys before each pair is decoded, so a huge
// body is refused without first being fully parsed.
func ParseForm(b []byte, lim Limits) (any, error) {
	lim = lim.norm()
	out := make(map[string]any)
	s := string(b)
	pairs := 0
	for off := 0; off <= len(s); {
		end := strings.IndexByte(s[off:], '&')
		if end < 0 {
			end = len(s)
		} else {
			end += off
		}
		pair := s[off:end]
		if pair != "" {
			pairs++
			if pairs > lim.MaxKeys {
				return nil, limitErr(Form, b, int64(off), keysMsg(lim))
			}
			k, v, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(k)
			if err != nil {
				return nil, formErr(b, off, k, err)
			}
			val, err := url.QueryUnescape(v)
			if err != nil {
				return nil, formErr(b, off+len(k)+1, v, err)
			}
			addValue(out, key, val)
		}
		off = end + 1
	}
	return out, nil
}

// ParseQuery turns URL query values into the same shape as ParseForm.
// Keys without values are left out.
func ParseQuery(q url.Values) any {
	out := make(map[string]any, len(q))
	for k, vs := range q {
		switch len(vs) {
		case 0:
		case 1:
			out[k] = vs[0]
		default:
			l := make([]any, len(vs))
			for i, v := range vs {
				l[i] = v
			}
			out[k] = l
		}
	}
	return out
}

// addValue stores a form value, promoting a repeated key to a list.
func addValue(m map[string]any, k, v string) {
	switch old := m[k].(type) {
	case nil:
		m[k] = v
	case string:
		m[k] = []any{old, v}
	case []any:
		m[k] = append(old, v)
	}
}

// formErr points at the bad escape within the field that starts at off.
func formErr(b []byte, off int, field string, err error) error {
	at := off
	if i := badEscape(field); i >= 0 {
		at += i
	}
	msg := "invalid percent-encoding"
	if e, ok := err.(url.EscapeError); ok {
		msg += " " + `"` + string(e) + `"`
	}
	return syntaxErr(Form, b, int64(at), msg)
}

// badEscape returns the index of the first '%' not followed by two hex
// digits, or -1.
func badEscape(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return i
		}
	}
	return -1
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
