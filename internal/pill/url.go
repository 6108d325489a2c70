package pill

import (
	"fmt"
	"net/url"
	"strings"
)

// urlPart is where in a URL template a pill sits, as the literal text
// before it says (never the values of earlier pills: data must not be able
// to move a later pill into another part).
type urlPart int

const (
	urlStart     urlPart = iota // nothing but pills so far: the pill leads the URL
	urlAuthority                // after "scheme://", before the path
	urlPath
	urlQuery
	urlFragment
)

// after returns where the URL is once lit has been written at p.
func (p urlPart) after(lit string) urlPart {
	if p == urlStart {
		if i := strings.Index(lit, "://"); i >= 0 {
			p, lit = urlAuthority, lit[i+3:]
		} else {
			p = urlPath
		}
	}
	for i := 0; i < len(lit); i++ {
		switch c := lit[i]; {
		case c == '#':
			return urlFragment
		case c == '?' && (p == urlAuthority || p == urlPath):
			p = urlQuery
		case c == '/' && p == urlAuthority:
			p = urlPath
		}
	}
	return p
}

// RenderURL renders the template as a URL, percent-encoding each pill's
// value for the part of the URL it sits in, so that data cannot change the
// URL's shape: in the path a value is one segment's worth of text ("/",
// "?", "#" and "%" encoded, and a value of only dots such as ".." encoded
// whole, so it is no dot segment); in the query and fragment it is
// query-escaped ("&", "=", "+", "#" encoded); in the host anything but
// letters, digits, "-", ".", "_", "~", ":", "[" and "]" is encoded (which
// makes such a URL fail to parse rather than reach another host).
//
// Left as they are: a template that is one pill (the whole URL), pills
// that lead the URL before any literal text (a base URL such as
// {{trigger.api_url}}/orders), and a formula whose outermost call is
// urlEncode(...) (escaped by the recipe's author already). RenderString is
// the way to render with no escaping at all.
func (t *Template) RenderURL(env Env) (string, error) {
	if t.pills == 0 || t.lone {
		return t.RenderString(env)
	}
	b := env.Budget // one budget for every pill of the URL, as RenderString has
	var sb, value strings.Builder
	sb.Grow(t.size + 16*t.pills)
	at := urlStart
	for _, part := range t.parts {
		if part.pill == nil {
			sb.WriteString(part.lit)
			at = at.after(part.lit)
			continue
		}
		v, err := part.pill.value(env, &b)
		if err != nil {
			return "", err
		}
		if at == urlStart || part.pill.escapesItself() {
			if err := writeText(&sb, v); err != nil {
				return "", wrapPill(part.pill, err)
			}
			continue
		}
		value.Reset()
		if err := writeText(&value, v); err != nil {
			return "", wrapPill(part.pill, err)
		}
		sb.WriteString(escapeURLPart(at, value.String()))
	}
	return sb.String(), nil
}

func wrapPill(p *pill, err error) error { return fmt.Errorf("pill %s: %w", p.text, err) }

// escapeURLPart escapes s for the part of a URL it is written in.
func escapeURLPart(at urlPart, s string) string {
	switch at {
	case urlAuthority:
		return escapeHost(s)
	case urlPath:
		if s != "" && strings.Trim(s, ".") == "" {
			// "." and ".." are dot segments, which a server or proxy
			// resolves away; encoded they are plain text.
			return strings.ReplaceAll(s, ".", "%2E")
		}
		return url.PathEscape(s)
	default:
		return url.QueryEscape(s)
	}
}

// escapeHost percent-encodes every byte that has no place in a host name
// or port.
func escapeHost(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~:[]", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// escapesItself reports whether the pill is a formula whose outermost
// call is urlEncode(...): its value is escaped already, and escaping it
// again would send "%2520" for a space.
func (p *pill) escapesItself() bool {
	if p.formula == nil {
		return false
	}
	code := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(p.text, "{{"), "}}"))
	rest, ok := strings.CutPrefix(code, "urlEncode")
	if rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "("); !ok {
		return false
	}
	// The "(" after urlEncode must close at the very end.
	depth := 1
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '"', '\'', '`':
			j := closingQuote(rest, i)
			if j < 0 {
				return false
			}
			i = j
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i == len(rest)-1
			}
		}
	}
	return false
}

// LiteralText returns the template's text outside its pills, joined: what
// every rendering contains whatever the data, for checks made on save.
func (t *Template) LiteralText() string {
	var sb strings.Builder
	for _, p := range t.parts {
		if p.pill == nil {
			sb.WriteString(p.lit)
		}
	}
	return sb.String()
}
