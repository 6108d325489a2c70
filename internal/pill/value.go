package pill

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Value is a compiled JSON-like value, as decoded from a recipe document
// (map[string]any, []any, string, numbers, bool, nil), whose strings may
// hold pills. Map keys are taken literally, never as templates. A Value is
// immutable and safe for concurrent use.
type Value struct {
	root node
	refs []Ref
}

// nodeKind says which field of a node is in use.
type nodeKind uint8

const (
	literalNode  nodeKind = iota // lit
	templateNode                 // tmpl
	objectNode                   // keys and elems
	listNode                     // elems
)

// node is one compiled part of a Value.
type node struct {
	kind  nodeKind
	lit   any
	tmpl  *Template
	keys  []string // sorted, so refs and errors come in a stable order
	elems []node
	at    string // JSON path, for errors
}

// CompileValue compiles every string in v as a Template. Errors name the
// JSON path of the string, e.g. `body.fields.summary: unclosed "{{" at
// offset 3`, and wrap the *SyntaxError.
func CompileValue(v any) (*Value, error) {
	out := &Value{}
	if err := out.compile(&out.root, v, ""); err != nil {
		return nil, err
	}
	return out, nil
}

func (val *Value) compile(n *node, v any, at string) error {
	n.at = at
	switch t := v.(type) {
	case string:
		tmpl, err := Compile(t)
		if err != nil {
			return atPath(at, err)
		}
		if tmpl.Static() {
			n.kind, n.lit = literalNode, tmpl.srcAny
			return nil
		}
		n.kind, n.tmpl = templateNode, tmpl
		val.refs = append(val.refs, tmpl.refs...)
	case map[string]any:
		n.kind = objectNode
		n.keys = slices.Sorted(maps.Keys(t))
		n.elems = make([]node, len(n.keys))
		for i, k := range n.keys {
			if err := val.compile(&n.elems[i], t[k], keyPath(at, k)); err != nil {
				return err
			}
		}
	case []any:
		n.kind = listNode
		n.elems = make([]node, len(t))
		for i, e := range t {
			if err := val.compile(&n.elems[i], e, at+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case nil, bool, json.Number, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		n.kind, n.lit = literalNode, v
	default:
		return atPath(at, fmt.Errorf("unsupported value of type %T", v))
	}
	return nil
}

func keyPath(at, key string) string {
	if at == "" && isName(key) {
		return key
	}
	return at + keyText(key)
}

func atPath(at string, err error) error {
	if at == "" {
		return err
	}
	return fmt.Errorf("%s: %w", at, err)
}

// Render builds a new tree from the value: every object and list is new,
// and each string is rendered with Template.Render, so a string that is
// exactly one pill takes the type of its value. Errors name the JSON path
// and wrap the pill's error (a *MissingError when a pill names nothing).
func (val *Value) Render(env Env) (any, error) {
	b := env.Budget // one budget for every pill of the value
	return val.root.render(env, &b)
}

func (n *node) render(env Env, b **Budget) (any, error) {
	switch n.kind {
	case templateNode:
		v, err := n.tmpl.render(env, b)
		if err != nil {
			return nil, atPath(n.at, err)
		}
		return v, nil
	case objectNode:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			v, err := n.elems[i].render(env, b)
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case listNode:
		l := make([]any, len(n.elems))
		for i := range n.elems {
			v, err := n.elems[i].render(env, b)
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return l, nil
	}
	return n.lit, nil
}

// Refs returns every data reference in the value: objects in key order,
// lists in index order, each string's references in written order.
func (val *Value) Refs() []Ref {
	return slices.Clone(val.refs)
}
