package payload

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
)

// Field is one node of a datatree: the typed schema built from an example
// payload, each leaf a pill users can reference.
type Field struct {
	Path     string  `json:"path"`               // dotted from the root, "[]" for list items: "attendees[].email"
	Name     string  `json:"name"`               // last key
	Type     string  `json:"type"`               // string integer number boolean null object list
	Of       string  `json:"of,omitempty"`       // for lists: the item type, "mixed" when items differ
	Format   string  `json:"format,omitempty"`   // for strings: date-time, url, email when recognised
	Optional bool    `json:"optional,omitempty"` // in merged list items, a field some items lack
	Sample   any     `json:"sample,omitempty"`   // a sample leaf value (first seen); omitted for object/list
	Fields   []Field `json:"fields,omitempty"`   // object members; for a list of objects, the merged item's members
}

// Field types.
const (
	typeString  = "string"
	typeInteger = "integer"
	typeNumber  = "number"
	typeBoolean = "boolean"
	typeNull    = "null"
	typeObject  = "object"
	typeList    = "list"
	typeMixed   = "mixed"
)

// object is an object that remembers key order. Go maps forget it, but a
// datatree should list fields as the example did.
type object struct {
	keys []string
	vals map[string]any
}

// Infer builds the datatree of a tree whose top level is an object or a
// list; anything else yields nil. Map keys carry no order, so fields are
// sorted by name for determinism; use InferJSON or InferXML to keep
// document order. For a top-level list the merged item's fields are
// returned with paths starting "[]." (or a single "[]" field when items
// are not objects).
func Infer(v any) []Field {
	switch x := v.(type) {
	case map[string]any, *object:
		return inferValue("", "", x).Fields
	case []any:
		f := inferValue("", "", x)
		if f.Of == typeObject || f.Of == typeMixed && f.Fields != nil {
			return f.Fields
		}
		if f.Of == "" {
			return nil
		}
		return []Field{{Path: "[]", Name: "[]", Type: f.Of, Fields: f.Fields}}
	}
	return nil
}

// InferJSON infers the datatree of a JSON example, keeping the document's
// key order and typing numbers by their text (integer unless it has a
// fraction or exponent). Duplicate keys keep their first position and last
// value, as decoding into a map would.
func InferJSON(b []byte) ([]Field, error) {
	if err := ValidJSON(b, DefaultLimits()); err != nil {
		return nil, err
	}
	return Infer(buildJSON(b, true)), nil
}

// InferXML infers the datatree of an XML example in document order. All
// leaves are strings, since XML has no other scalar types.
func InferXML(b []byte) ([]Field, error) {
	v, err := decodeXML(b, DefaultLimits(), true)
	if err != nil {
		return nil, err
	}
	return Infer(v), nil
}

// members returns an object's keys in order (sorted for plain maps).
func members(v any) ([]string, map[string]any, bool) {
	switch x := v.(type) {
	case *object:
		return x.keys, x.vals, true
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return keys, x, true
	}
	return nil, nil, false
}

// inferValue builds the Field for one value at path.
func inferValue(path, name string, v any) Field {
	f := Field{Path: path, Name: name}
	switch x := v.(type) {
	case nil:
		f.Type = typeNull
	case bool:
		f.Type, f.Sample = typeBoolean, x
	case string:
		f.Type, f.Sample, f.Format = typeString, x, stringFormat(x)
	case json.Number:
		f.Type, f.Sample = numberType(string(x)), x
	case float64:
		f.Type, f.Sample = floatType(x), x
	case float32:
		f.Type, f.Sample = floatType(float64(x)), x
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		f.Type, f.Sample = typeInteger, x
	case []any:
		f.Type = typeList
		f.Of, f.Fields = inferItems(path+"[]", x)
	default:
		keys, vals, ok := members(v)
		if !ok {
			f.Type = typeString // an unknown Go type: show it as text
			break
		}
		f.Type = typeObject
		for _, k := range keys {
			f.Fields = append(f.Fields, inferValue(join(path, k), k, vals[k]))
		}
	}
	return f
}

// join appends a key to a dotted path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// numberType types a JSON number by its text, so 1.0 stays a number and
// an id like 144138753572 is an integer.
func numberType(s string) string {
	if strings.ContainsAny(s, ".eE") {
		return typeNumber
	}
	return typeInteger
}

// floatType types a float from a hand-built tree, where the text is gone:
// integral values are integers.
func floatType(f float64) string {
	if f == math.Trunc(f) && !math.IsInf(f, 0) {
		return typeInteger
	}
	return typeNumber
}
