package payload

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseXML maps an XML document to a data tree as described in the package
// documentation: {"root": value}, "@attr" keys, "#text" for text beside
// attributes or children, repeated siblings as lists, local names only.
// Any DTD or other <!...> directive is rejected, which is how XXE and
// entity-expansion attacks are refused; only the predefined entities and
// character references are understood.
func ParseXML(b []byte, lim Limits) (any, error) {
	return decodeXML(b, lim.norm(), false)
}

// utf8BOM is skipped at the start of XML documents; encoding/xml would
// otherwise see it as text before the root element.
const utf8BOM = "\xEF\xBB\xBF"

// xmlFrame is one open element while decoding.
type xmlFrame struct {
	name   string
	keys   []string // member order of first appearance; only when ordered
	vals   map[string]any
	nattr  int // members that are attributes, so "#text" can follow them
	text   []byte
	offset int64
}

// xmlBuilder turns the token stream into a tree. With ordered set, objects
// are *object values that remember document order (for inference);
// otherwise plain maps.
type xmlBuilder struct {
	src     []byte
	base    int64 // bytes skipped before decoding (BOM)
	lim     Limits
	ordered bool
	keys    int
	stack   []xmlFrame
	root    any
}

// decodeXML is the shared body of ParseXML and InferXML.
func decodeXML(src []byte, lim Limits, ordered bool) (any, error) {
	if off := invalidUTF8(src); off >= 0 {
		return nil, syntaxErr(XML, src, off, "invalid UTF-8")
	}
	body := src
	var base int64
	if len(body) >= len(utf8BOM) && string(body[:len(utf8BOM)]) == utf8BOM {
		body, base = body[len(utf8BOM):], int64(len(utf8BOM))
	}
	x := &xmlBuilder{src: src, base: base, lim: lim, ordered: ordered}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.Entity = nil // predefined entities only
	d.CharsetReader = utf8Compatible
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, x.syntax(d.InputOffset(), err)
		}
		if err := x.token(tok, start); err != nil {
			return nil, err
		}
	}
	if len(x.stack) > 0 {
		return nil, x.errAt(int64(len(body)), "unexpected EOF")
	}
	if x.root == nil {
		return nil, x.errAt(int64(len(body)), "no root element")
	}
	return x.root, nil
}

// token applies one token; start is its offset in the decoded body.
func (x *xmlBuilder) token(tok xml.Token, start int64) error {
	switch t := tok.(type) {
	case xml.StartElement:
		return x.open(t, start)
	case xml.EndElement:
		x.close()
	case xml.CharData:
		if len(x.stack) > 0 {
			top := &x.stack[len(x.stack)-1]
			top.text = append(top.text, t...)
		} else if !isXMLSpace(t) {
			return x.errAt(start, "text outside the root element")
		}
	case xml.Directive:
		if bytes.HasPrefix(t, []byte("DOCTYPE")) {
			return x.errAt(start, "DOCTYPE is not allowed")
		}
		return x.errAt(start, "<! directives are not allowed")
	}
	// Comments and processing instructions carry no data.
	return nil
}

// open pushes a frame for a start element, enforcing limits.
func (x *xmlBuilder) open(t xml.StartElement, start int64) error {
	if x.root != nil {
		return x.errAt(start, "more than one root element")
	}
	if len(x.stack)+1 > x.lim.MaxDepth {
		return limitErr(XML, x.src, x.base+start, depthMsg(x.lim))
	}
	// Prefixes are dropped, so the local part must be a name on its own:
	// "<A:0/>" passes encoding/xml but is not namespace-well-formed, and
	// "0" could never be written back as an element.
	if !renderableName(t.Name.Local) {
		return x.errAt(start, fmt.Sprintf("element name %q is not a valid XML name", t.Name.Local))
	}
	x.stack = append(x.stack, xmlFrame{name: t.Name.Local, offset: start})
	f := &x.stack[len(x.stack)-1]
	x.keys++
	for _, a := range t.Attr {
		// Namespace declarations are plumbing, not data. Any attribute whose
		// local name is xmlns is dropped too, so that "p:xmlns" cannot
		// render as a default namespace declaration and vanish later.
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		if !renderableName(a.Name.Local) {
			return x.errAt(start, fmt.Sprintf("attribute name %q is not a valid XML name", a.Name.Local))
		}
		x.keys++
		x.put(f, "@"+a.Name.Local, a.Value, true)
	}
	if x.keys > x.lim.MaxKeys {
		return limitErr(XML, x.src, x.base+start, keysMsg(x.lim))
	}
	return nil
}

// close pops the current element and stores its value in its parent (or
// as the root). encoding/xml has already checked that tags match.
func (x *xmlBuilder) close() {
	f := &x.stack[len(x.stack)-1]
	var v any
	if f.vals == nil {
		v = string(f.text) // a leaf: text kept exactly, even whitespace
	} else {
		// Beside attributes or children, surrounding whitespace is layout.
		if t := strings.Trim(string(f.text), xmlSpace); t != "" {
			x.put(f, "#text", t, true)
		}
		v = x.object(f)
	}
	name := f.name
	x.stack = x.stack[:len(x.stack)-1]
	if len(x.stack) == 0 {
		x.root = x.object(&xmlFrame{keys: []string{name}, vals: map[string]any{name: v}})
		return
	}
	x.put(&x.stack[len(x.stack)-1], name, v, false)
}

// put adds a member to f. A repeated child name turns the value into a
// list; element values are never lists otherwise, so a list means
// repetition. Attributes overwrite (duplicate local names after dropping
// prefixes are last-wins) and sort before children in ordered output.
func (x *xmlBuilder) put(f *xmlFrame, key string, v any, attr bool) {
	if f.vals == nil {
		f.vals = make(map[string]any)
	}
	old, seen := f.vals[key]
	switch {
	case !seen:
		f.vals[key] = v
		if x.ordered {
			if attr {
				f.keys = append(f.keys, "")
				copy(f.keys[f.nattr+1:], f.keys[f.nattr:])
				f.keys[f.nattr] = key
			} else {
				f.keys = append(f.keys, key)
			}
		}
		if attr {
			f.nattr++
		}
	case attr:
		f.vals[key] = v
	default:
		if l, ok := old.([]any); ok {
			f.vals[key] = append(l, v)
		} else {
			f.vals[key] = []any{old, v}
		}
	}
}

// object returns the finished value of a frame with members.
func (x *xmlBuilder) object(f *xmlFrame) any {
	if x.ordered {
		return &object{keys: f.keys, vals: f.vals}
	}
	return f.vals
}

// errAt builds a SyntaxError at an offset of the decoded body.
func (x *xmlBuilder) errAt(off int64, msg string) error {
	return syntaxErr(XML, x.src, x.base+off, msg)
}

// syntax converts a decoder error. encoding/xml reports only a line, so the
// position is recomputed from the decoder's offset, which has just passed
// the offending byte.
func (x *xmlBuilder) syntax(off int64, err error) error {
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
	} else {
		msg = strings.TrimPrefix(msg, "xml: ")
	}
	if off > 0 && msg != "unexpected EOF" {
		off--
	}
	return x.errAt(off, msg)
}

// xmlSpace lists the XML whitespace characters (narrower than Unicode's).
const xmlSpace = " \t\r\n"

// isXMLSpace reports whether b is only XML whitespace.
func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if strings.IndexByte(xmlSpace, c) < 0 {
			return false
		}
	}
	return true
}

// utf8Compatible accepts the encoding labels whose bytes read the same as
// UTF-8 (the input was already checked to be valid UTF-8); any other
// declared encoding is refused rather than misread.
func utf8Compatible(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported (send UTF-8)", label)
}
