package pill

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The names a data reference may start with. cursor is a polling
// trigger's cursor, offered to the poll's own request templates.
const (
	rootTrigger = "trigger"
	rootSteps   = "steps"
	rootCursor  = "cursor"
)

// isRoot reports whether name starts a data reference.
func isRoot(name string) bool {
	return name == rootTrigger || name == rootSteps || name == rootCursor
}

// segment is one step of a path after its root: a field name or a list index.
type segment struct {
	key   string // field name; unused when index >= 0
	index int    // list index, or -1 for a field name
	end   int    // length of path.text up to and including this segment
}

// path is a data reference with constant parts, split once at compile time
// so that resolving it is a plain walk with no parsing and no allocation.
type path struct {
	root string    // rootTrigger, rootSteps or rootCursor
	step string    // step id when root is rootSteps
	segs []segment // the parts after the root and step id
	text string    // canonical form, e.g. `steps.get_order.body["content-type"]`
	rest int       // where the parts after the root and step id begin in text
}

func newPath(root string) *path {
	return &path{root: root, text: root, rest: len(root)}
}

func (p *path) setStep(id string) {
	p.step = id
	p.text += keyText(id)
	p.rest = len(p.text)
}

func (p *path) addKey(key string) {
	p.text += keyText(key)
	p.segs = append(p.segs, segment{key: key, index: -1, end: len(p.text)})
}

func (p *path) addIndex(i int) {
	p.text += "[" + strconv.Itoa(i) + "]"
	p.segs = append(p.segs, segment{index: i, end: len(p.text)})
}

// needsStep reports whether p is rooted at steps but has no step id yet.
func (p *path) needsStep() bool {
	return p.root == rootSteps && p.rest == len(rootSteps)
}

// ref describes the path as a Ref found in the given pill.
func (p *path) ref(pill string) Ref {
	return Ref{
		Text: pill,
		Root: p.root,
		Step: p.step,
		Path: strings.TrimPrefix(p.text[p.rest:], "."),
	}
}

// keyText writes a field the way a formula would: dotted when it is a plain
// name, quoted in brackets otherwise, so the canonical text of every path is
// also a valid formula meaning the same thing.
func keyText(key string) string {
	if isName(key) {
		return "." + key
	}
	return "[" + strconv.Quote(key) + "]"
}

// isName reports whether s is an identifier as expr-lang lexes one.
func isName(s string) bool {
	return s != "" && scanName(s) == len(s)
}

// scanName returns the length in bytes of the identifier at the start of s,
// or 0 if s does not start with one.
func scanName(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		ok := r == '_' || r == '$' || unicode.IsLetter(r) || (n > 0 && unicode.IsDigit(r))
		if !ok {
			break
		}
		n += size
	}
	return n
}

// parsePath parses the text of a plain pill (already trimmed). It reports
// false for anything that is not exactly a root followed by constant field
// names and indexes; such text is then compiled as a formula instead.
func parsePath(s string) (*path, bool) {
	n := scanName(s)
	root := s[:n]
	if !isRoot(root) {
		return nil, false
	}
	p := newPath(root)
	s = s[n:]
	for s != "" {
		key, index, n := scanSegment(s)
		if n == 0 {
			return nil, false
		}
		s = s[n:]
		switch {
		case p.needsStep():
			if index >= 0 {
				return nil, false // steps[0] names no step
			}
			p.setStep(key)
		case index >= 0:
			p.addIndex(index)
		default:
			p.addKey(key)
		}
	}
	if p.needsStep() {
		return nil, false // bare "steps" names no step
	}
	return p, true
}

// scanSegment reads one `.name`, `[123]` or `["key"]` at the start of s. It
// returns the field name or the index (-1 for a name) and the bytes used,
// which is 0 when s does not start with a segment.
func scanSegment(s string) (key string, index, n int) {
	switch {
	case strings.HasPrefix(s, "."):
		n := scanName(s[1:])
		if n == 0 {
			return "", -1, 0
		}
		return s[1 : 1+n], -1, 1 + n
	case strings.HasPrefix(s, `["`):
		end := closingQuote(s, 1)
		if end < 0 || end+1 >= len(s) || s[end+1] != ']' {
			return "", -1, 0
		}
		key, err := strconv.Unquote(s[1 : end+1])
		if err != nil {
			return "", -1, 0
		}
		return key, -1, end + 2
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 2 {
			return "", -1, 0
		}
		for _, c := range []byte(s[1:end]) {
			if c < '0' || c > '9' {
				return "", -1, 0
			}
		}
		i, err := strconv.Atoi(s[1:end])
		if err != nil {
			return "", -1, 0
		}
		return "", i, end + 1
	}
	return "", -1, 0
}

// closingQuote returns the index of the quote that closes the string whose
// opening quote is at s[open], honouring backslash escapes, or -1.
func closingQuote(s string, open int) int {
	q := s[open]
	for i := open + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if q != '`' {
				i++
			}
		case q:
			return i
		}
	}
	return -1
}

// failure says why a lookup found nothing.
type failure int

const (
	found failure = iota
	noField
	noIndex
	notObject
	notList
)

// resolve walks the path through env. It never allocates unless it fails;
// pill is the pill text used in the error.
func (p *path) resolve(env Env, pill string) (any, error) {
	var cur any
	switch p.root {
	case rootTrigger:
		cur = env.Trigger
	case rootCursor:
		cur = env.Cursor
	default:
		v, ok := env.Steps[p.step]
		if !ok {
			return nil, &MissingError{
				Pill:   pill,
				Path:   p.text[:p.rest],
				Reason: fmt.Sprintf("steps has no step %q", p.step),
			}
		}
		cur = v
	}
	for i := range p.segs {
		next, f := lookup(cur, &p.segs[i])
		if f != found {
			return nil, p.missing(pill, i, f, cur)
		}
		cur = next
	}
	return cur, nil
}

// lookup applies one segment. JSON trees are handled without reflection;
// other maps with string keys and other slices (say http.Header or
// map[string]string in a step's output) fall back to reflect.
func lookup(cur any, s *segment) (any, failure) {
	if s.index < 0 {
		if m, ok := cur.(map[string]any); ok {
			v, ok := m[s.key]
			if !ok {
				return nil, noField
			}
			return v, found
		}
	} else if l, ok := cur.([]any); ok {
		if s.index >= len(l) {
			return nil, noIndex
		}
		return l[s.index], found
	}
	return lookupReflect(cur, s)
}

func lookupReflect(cur any, s *segment) (any, failure) {
	rv := reflect.ValueOf(cur)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		if s.index >= 0 {
			return nil, notList
		}
		v := rv.MapIndex(reflect.ValueOf(s.key).Convert(rv.Type().Key()))
		if !v.IsValid() {
			return nil, noField
		}
		return v.Interface(), found
	case reflect.Slice, reflect.Array:
		if s.index < 0 {
			return nil, notObject
		}
		if s.index >= rv.Len() {
			return nil, noIndex
		}
		return rv.Index(s.index).Interface(), found
	}
	if s.index < 0 {
		return nil, notObject
	}
	return nil, notList
}

// missing builds the error for segment i failing on value cur.
func (p *path) missing(pill string, i int, f failure, cur any) *MissingError {
	at := p.rest
	if i > 0 {
		at = p.segs[i-1].end
	}
	before := p.text[:at]
	s := p.segs[i]
	var reason string
	switch f {
	case noField:
		reason = fmt.Sprintf("%s has no field %q", before, s.key)
	case noIndex:
		reason = fmt.Sprintf("%s has no index %d (it has %d items)", before, s.index, lengthOf(cur))
	case notObject:
		reason = fmt.Sprintf("%s is %s, not an object", before, KindOf(cur))
	default:
		reason = fmt.Sprintf("%s is %s, not a list", before, KindOf(cur))
	}
	return &MissingError{Pill: pill, Path: p.text[:s.end], Reason: reason}
}

func lengthOf(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len()
	}
	return 0
}

// KindOf names the JSON kind of v ("a string", "an object", "null") for
// error messages. It is exported so that other packages that walk the same
// parsed trees (the poller's item and cursor paths) word their errors alike.
func KindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case json.Number:
		return "a number"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}
