package payload

import (
	"bytes"
	"encoding/json"
)

// jsonTree builds a tree from a document ValidJSON has accepted. Because
// the input is known to be valid, it needs no error handling, and it is
// several times faster than json.Decoder, whose Token method allocates an
// error for every scalar. With ordered set, objects become *object.
type jsonTree struct {
	b       []byte
	i       int
	ordered bool
}

// buildJSON returns the tree of a validated document.
func buildJSON(b []byte, ordered bool) any {
	p := jsonTree{b: b, ordered: ordered}
	return p.value()
}

// value reads the value at p.i.
func (p *jsonTree) value() any {
	p.space()
	switch p.b[p.i] {
	case '{':
		return p.object()
	case '[':
		return p.list()
	case '"':
		return p.str()
	case 't':
		p.i += len("true")
		return true
	case 'f':
		p.i += len("false")
		return false
	case 'n':
		p.i += len("null")
		return nil
	}
	start := p.i
	for p.i < len(p.b) && isNumberByte(p.b[p.i]) {
		p.i++
	}
	return json.Number(p.b[start:p.i])
}

// object reads an object; duplicate keys keep the last value (as
// encoding/json does) and, when ordered, their first position.
func (p *jsonTree) object() any {
	p.i++ // '{'
	m := make(map[string]any)
	var keys []string
	for {
		p.space()
		if p.b[p.i] == '}' {
			p.i++
			break
		}
		if p.b[p.i] == ',' {
			p.i++
			p.space()
		}
		k := p.str()
		p.space()
		p.i++ // ':'
		v := p.value()
		if _, dup := m[k]; !dup && p.ordered {
			keys = append(keys, k)
		}
		m[k] = v
	}
	if p.ordered {
		return &object{keys: keys, vals: m}
	}
	return m
}

// list reads an array.
func (p *jsonTree) list() any {
	p.i++ // '['
	l := []any{}
	for {
		p.space()
		switch p.b[p.i] {
		case ']':
			p.i++
			return l
		case ',':
			p.i++
		}
		l = append(l, p.value())
	}
}

// str reads a string. Escape-free strings (the common case) are copied
// directly; others are unquoted by encoding/json so escapes and surrogate
// pairs follow its rules exactly.
func (p *jsonTree) str() string {
	end := stringEnd(p.b, p.i)
	raw := p.b[p.i+1 : end]
	quoted := p.b[p.i : end+1]
	p.i = end + 1
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var s string
	_ = json.Unmarshal(quoted, &s) // valid by construction
	return s
}

// space skips JSON whitespace.
func (p *jsonTree) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// isNumberByte reports whether c can appear in a JSON number.
func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
