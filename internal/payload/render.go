package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxRenderDepth stops runaway recursion on hand-built (possibly cyclic)
// trees; it is far above anything a parser lets through.
const maxRenderDepth = 10000

// RenderXML renders a tree as XML by the mapping ParseXML uses, so
// ParseXML(RenderXML(x)) equals x for any tree ParseXML produced. The tree
// must be an object with a single key, the root element. Within an
// element, attributes come first, then "#text", then children; keys are
// sorted so output is deterministic. No XML declaration is written.
func RenderXML(v any) ([]byte, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, errors.New("xml: tree must be an object with exactly one key, the root element")
	}
	var buf bytes.Buffer
	for name, val := range m {
		if _, isList := val.([]any); isList {
			return nil, errors.New("xml: root element " + strconv.Quote(name) + " cannot be a list")
		}
		if err := renderElement(&buf, name, val, 1); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// renderElement writes one element (or, for a list, one per item).
func renderElement(buf *bytes.Buffer, name string, v any, depth int) error {
	if depth > maxRenderDepth {
		return errors.New("xml: tree nested too deeply")
	}
	if !renderableName(name) {
		return errors.New("xml: " + strconv.Quote(name) + " is not a valid element name")
	}
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			if _, nested := item.([]any); nested {
				return errors.New("xml: element " + strconv.Quote(name) + " holds a list inside a list")
			}
			if err := renderElement(buf, name, item, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		return renderObject(buf, name, x, depth)
	}
	s, ok := scalarString(v)
	if !ok {
		return errors.New("xml: element " + strconv.Quote(name) + " has unsupported value type")
	}
	buf.WriteString("<" + name + ">")
	escapeXML(buf, s, false)
	buf.WriteString("</" + name + ">")
	return nil
}

// renderObject writes an element with attributes, text and children.
func renderObject(buf *bytes.Buffer, name string, m map[string]any, depth int) error {
	keys := slices.Sorted(maps.Keys(m))
	buf.WriteString("<" + name)
	for _, k := range keys {
		attr, ok := strings.CutPrefix(k, "@")
		if !ok {
			continue
		}
		s, ok := scalarString(m[k])
		if !ok || !renderableName(attr) {
			return errors.New("xml: attribute " + strconv.Quote(k) + " of " + strconv.Quote(name) + " must be a named scalar")
		}
		buf.WriteString(" " + attr + `="`)
		escapeXML(buf, s, true)
		buf.WriteByte('"')
	}
	buf.WriteByte('>')
	if t, ok := m["#text"]; ok {
		s, ok := scalarString(t)
		if !ok {
			return errors.New("xml: #text of " + strconv.Quote(name) + " must be a scalar")
		}
		escapeXML(buf, s, false)
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "@") || k == "#text" {
			continue
		}
		if err := renderElement(buf, k, m[k], depth+1); err != nil {
			return err
		}
	}
	buf.WriteString("</" + name + ">")
	return nil
}

// renderableName rejects keys that would break the markup. It is
// deliberately looser than the XML name production for non-ASCII runes,
// so every name encoding/xml accepts (and so every key ParseXML yields)
// renders; for ASCII it follows the production exactly.
func renderableName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= utf8.RuneSelf:
			if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
				return false
			}
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == '_', r == ':':
		case '0' <= r && r <= '9', r == '-', r == '.':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// escapeXML writes s as character data or (attr) a double-quoted attribute
// value. Unlike xml.EscapeText it leaves newlines and tabs in text alone,
// keeping rendered documents readable; characters XML cannot carry become
// U+FFFD, as encoding/xml does.
func escapeXML(buf *bytes.Buffer, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			buf.WriteString("&amp;")
		case r == '<':
			buf.WriteString("&lt;")
		case r == '>':
			buf.WriteString("&gt;")
		case r == '\r':
			buf.WriteString("&#xD;") // a raw CR would be read back as LF
		case attr && r == '"':
			buf.WriteString("&quot;")
		case attr && r == '\n':
			buf.WriteString("&#xA;")
		case attr && r == '\t':
			buf.WriteString("&#x9;")
		case !xmlChar(r):
			buf.WriteRune(unicode.ReplacementChar)
		default:
			buf.WriteRune(r)
		}
	}
}

// xmlChar reports whether r is allowed in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// scalarString formats a leaf value as text: strings as is, numbers
// exactly (json.Number keeps its digits), booleans as true/false and nil
// as empty.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return formatFloat(x, 64), true
	case float32:
		return formatFloat(float64(x), 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint:
		return strconv.FormatUint(uint64(x), 10), true
	}
	return "", false
}

// formatFloat writes integral values without an exponent (1e+06 surprises
// people in form fields) and others in shortest form.
func formatFloat(f float64, bits int) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, bits)
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// RenderForm renders a flat object as application/x-www-form-urlencoded,
// keys sorted. Values must be scalars or lists of scalars (a list becomes
// a repeated key); nested objects cannot be form-encoded.
func RenderForm(v any) (string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", errors.New("form: tree must be an object")
	}
	q := make(url.Values, len(m))
	for k, val := range m {
		if l, isList := val.([]any); isList {
			for _, item := range l {
				s, ok := scalarString(item)
				if !ok {
					return "", errors.New("form: list " + strconv.Quote(k) + " must hold only scalars")
				}
				q[k] = append(q[k], s)
			}
			continue
		}
		s, ok := scalarString(val)
		if !ok {
			return "", errors.New("form: value of " + strconv.Quote(k) + " must be a scalar or a list of scalars")
		}
		q[k] = []string{s}
	}
	return q.Encode(), nil
}
