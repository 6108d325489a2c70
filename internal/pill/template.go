package pill

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Env is what pills resolve against.
type Env struct {
	Trigger any            // trigger output tree
	Steps   map[string]any // step id -> output tree ({"status":..,"headers":..,"body":..})
	// Cursor is a polling trigger's cursor, read by {{cursor}} in the
	// poll's own request. nil means no cursor yet: {{cursor}} then renders
	// as an empty string inside text, and a formula can give a default
	// with cursor ?? "...".
	Cursor any
	// Budget is what the formulas of every render with this Env may spend
	// together, and the context whose deadline stops them (a step's
	// timeout). nil gives each Render a budget of its own, without a
	// deadline. See NewBudget.
	Budget *Budget
}

// Ref is one data reference found in a template.
type Ref struct {
	Text string // the whole pill as written, e.g. "{{steps.get_ordr.body.id}}"
	Root string // "trigger", "steps" or "cursor"
	Step string // step id when Root == "steps", else ""
	Path string // the rest, dotted, e.g. "body.id" or "attendees[0].email"
}

// Template is a compiled text field: literal text with pills in it. A
// Template is immutable and safe for concurrent use; compile it once and
// render it for every job.
type Template struct {
	src    string
	srcAny any    // src boxed once, so rendering a static template allocates nothing
	parts  []part // literal text and pills in order
	pills  int
	lone   bool // the source is exactly one pill
	size   int  // bytes of literal text, to size the output up front
	refs   []Ref
}

// part is a run of literal text, or a pill when pill is not nil.
type part struct {
	lit  string
	pill *pill
}

// pill is one compiled {{ }}: a plain path, or else a formula.
type pill struct {
	text    string
	path    *path
	formula *formula
}

// value is the pill's value, typed as the data or formula gives it. A
// formula charges *b, which it makes when the render has none yet.
func (p *pill) value(env Env, b **Budget) (any, error) {
	if p.path != nil {
		return p.path.resolve(env, p.text)
	}
	return p.formula.eval(env, p.text, b)
}

// Compile parses src. The error, a *SyntaxError, says what is wrong and at
// which character offset: an unclosed "{{", an empty pill, a formula that
// does not compile, or a name other than trigger, steps, cursor, a function
// or a variable the formula declares.
func Compile(src string) (*Template, error) {
	t := &Template{src: src, srcAny: src}
	done := 0 // bytes of src already turned into parts
	for {
		open := strings.Index(src[done:], "{{")
		if open < 0 {
			break
		}
		open += done
		end, inString := findClose(src, open+2)
		if end < 0 {
			msg := `unclosed "{{"`
			if inString {
				msg += " (a quoted string inside it is never closed)"
			}
			return nil, &SyntaxError{Offset: runeOffset(src, open), Msg: msg}
		}
		p, err := compilePill(src, open, end)
		if err != nil {
			return nil, err
		}
		t.addText(src[done:open])
		t.parts = append(t.parts, part{pill: p})
		t.pills++
		if p.path != nil {
			t.refs = append(t.refs, p.path.ref(p.text))
		} else {
			t.refs = append(t.refs, p.formula.refs...)
		}
		done = end + 2
	}
	t.addText(src[done:])
	t.lone = t.pills == 1 && len(t.parts) == 1
	return t, nil
}

func (t *Template) addText(s string) {
	if s != "" {
		t.parts = append(t.parts, part{lit: s})
		t.size += len(s)
	}
}

// MustCompile is Compile for templates known to be valid, such as those
// written in code; it panics on error.
func MustCompile(src string) *Template {
	t, err := Compile(src)
	if err != nil {
		panic("pill: " + err.Error())
	}
	return t
}

// findClose returns the index of the "}}" that ends the pill whose text
// starts at src[from]. Quoted strings are skipped and braces counted so a
// formula may hold "}}" in a string or build a map literal. inString
// reports that the search failed inside a string that never ends.
func findClose(src string, from int) (end int, inString bool) {
	depth := 0
	for i := from; i < len(src); i++ {
		switch src[i] {
		case '"', '\'', '`':
			j := closingQuote(src, i)
			if j < 0 {
				return -1, true
			}
			i = j
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			} else if i+1 < len(src) && src[i+1] == '}' {
				return i, false
			}
		}
	}
	return -1, false
}

// compilePill compiles the pill src[open:end+2]: a plain path when it is
// one, a formula otherwise.
func compilePill(src string, open, end int) (*pill, error) {
	text := src[open : end+2]
	inner := src[open+2 : end]
	code := strings.TrimSpace(inner)
	if code == "" {
		return nil, &SyntaxError{Offset: runeOffset(src, open), Pill: text, Msg: "nothing between the braces"}
	}
	codeAt := open + 2 + len(inner) - len(strings.TrimLeftFunc(inner, unicode.IsSpace))
	if err := checkFormulaShape(code); err != nil {
		err.Pill = shortPill(text)
		err.Offset += runeOffset(src, codeAt)
		return nil, err
	}
	if p, ok := parsePath(code); ok {
		return &pill{text: text, path: p}, nil
	}
	f, err := compileFormula(code, text)
	if err != nil {
		err.Offset += runeOffset(src, codeAt)
		return nil, err
	}
	return &pill{text: text, formula: f}, nil
}

func runeOffset(s string, byteOffset int) int {
	return utf8.RuneCountInString(s[:byteOffset])
}

// Render renders the template. A template that is exactly one pill gives
// the pill's value with its type (number, object, list, boolean, null or
// string); a plain path gives the data value itself, unchanged. Anything
// else gives a string, as RenderString.
func (t *Template) Render(env Env) (any, error) {
	b := env.Budget
	return t.render(env, &b)
}

func (t *Template) render(env Env, b **Budget) (any, error) {
	if t.pills == 0 {
		return t.srcAny, nil
	}
	if t.lone {
		return t.parts[0].pill.value(env, b)
	}
	s, err := t.renderString(env, b)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// RenderString renders the template as text. Pill values are written as
// strings as they are, numbers in JSON form (json.Number text unchanged),
// booleans as true or false, null as nothing and objects and lists as
// compact JSON.
func (t *Template) RenderString(env Env) (string, error) {
	b := env.Budget
	return t.renderString(env, &b)
}

func (t *Template) renderString(env Env, b **Budget) (string, error) {
	if t.pills == 0 {
		return t.src, nil
	}
	if t.lone {
		p := t.parts[0].pill
		v, err := p.value(env, b)
		if err != nil {
			return "", err
		}
		if s, ok := v.(string); ok {
			return s, nil
		}
		var sb strings.Builder
		if err := writeText(&sb, v); err != nil {
			return "", fmt.Errorf("pill %s: %w", p.text, err)
		}
		return sb.String(), nil
	}
	var sb strings.Builder
	sb.Grow(t.size + 16*t.pills)
	for _, part := range t.parts {
		if part.pill == nil {
			sb.WriteString(part.lit)
			continue
		}
		v, err := part.pill.value(env, b)
		if err != nil {
			return "", err
		}
		if err := writeText(&sb, v); err != nil {
			return "", fmt.Errorf("pill %s: %w", part.pill.text, err)
		}
	}
	return sb.String(), nil
}

// Refs returns every data reference in the template in written order: one
// per plain pill and one per reference inside each formula.
func (t *Template) Refs() []Ref {
	return slices.Clone(t.refs)
}

// Static reports whether the template has no pills at all.
func (t *Template) Static() bool {
	return t.pills == 0
}

// Source returns the text the template was compiled from.
func (t *Template) Source() string {
	return t.src
}
