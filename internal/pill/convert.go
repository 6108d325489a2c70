package pill

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rewrite applies leaf to every value in the tree v that is not a
// map[string]any or []any. Only the containers on the way to a leaf that
// leaf changed are copied, so untouched data is shared, never mutated.
func rewrite(v any, leaf func(any) (any, bool, error)) (any, bool, error) {
	switch t := v.(type) {
	case map[string]any:
		var out map[string]any
		for k, e := range t {
			ne, changed, err := rewrite(e, leaf)
			if err != nil {
				return nil, false, err
			}
			if changed {
				if out == nil {
					out = maps.Clone(t)
				}
				out[k] = ne
			}
		}
		if out == nil {
			return v, false, nil
		}
		return out, true, nil
	case []any:
		var out []any
		for i, e := range t {
			ne, changed, err := rewrite(e, leaf)
			if err != nil {
				return nil, false, err
			}
			if changed {
				if out == nil {
					out = slices.Clone(t)
				}
				out[i] = ne
			}
		}
		if out == nil {
			return v, false, nil
		}
		return out, true, nil
	}
	return leaf(v)
}

// exprValue prepares data for expr, which does not know json.Number: each
// one becomes an int when it is written as an integer that fits, else a
// float64. Plain path pills never go through here, so they keep numbers
// exactly as decoded.
func exprValue(v any) any {
	out, _, _ := rewrite(v, numberLeaf)
	return out
}

func numberLeaf(v any) (any, bool, error) {
	n, ok := v.(json.Number)
	if !ok {
		return v, false, nil
	}
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, strconv.IntSize); err == nil {
			return int(i), true, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, true, nil
	}
	return s, true, nil // not a number at all; let expr see the text
}

// resultValue turns what a formula returned into a JSON-like tree, so a
// typed pill never hands callers a time.Time, a []string or a NaN.
func resultValue(v any) (any, error) {
	out, _, err := rewrite(v, resultLeaf)
	return out, err
}

var errNotFinite = errors.New("the result is not a finite number")

func resultLeaf(v any) (any, bool, error) {
	switch t := v.(type) {
	case nil, bool, string, int, int64, json.Number:
		return v, false, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, false, errNotFinite
		}
		return v, false, nil
	case time.Time:
		return t.Format(time.RFC3339Nano), true, nil
	case time.Duration:
		return t.String(), true, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint(), true, nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false, errNotFinite
		}
		return f, true, nil
	case reflect.String:
		return rv.String(), true, nil
	case reflect.Bool:
		return rv.Bool(), true, nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		tree, _, err := rewrite(out, resultLeaf)
		return tree, true, err
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			out[it.Key().String()] = it.Value().Interface()
		}
		tree, _, err := rewrite(out, resultLeaf)
		return tree, true, err
	}
	return nil, false, fmt.Errorf("the result is a %T, which is not data", v)
}

// writeText writes v as RenderString promises: strings as they are,
// numbers in JSON form (json.Number text unchanged), booleans as words,
// null as nothing, objects and lists as compact JSON.
func writeText(sb *strings.Builder, v any) error {
	var buf [32]byte
	switch t := v.(type) {
	case string:
		sb.WriteString(t)
	case nil:
	case bool:
		sb.WriteString(strconv.FormatBool(t))
	case json.Number:
		sb.WriteString(string(t))
	case int:
		sb.Write(strconv.AppendInt(buf[:0], int64(t), 10))
	case int64:
		sb.Write(strconv.AppendInt(buf[:0], t, 10))
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return errNotFinite
		}
		sb.Write(appendFloat(buf[:0], t))
	default:
		return writeJSON(sb, v)
	}
	return nil
}

// appendFloat formats f the way JSON encoders do: plain decimals for
// ordinary magnitudes, exponent form only for the very large or small.
func appendFloat(b []byte, f float64) []byte {
	a := math.Abs(f)
	if a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	// Go pads negative exponents to two digits (1e-07); JSON text does not.
	if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

// writeJSON writes v as compact JSON without HTML escaping, since the text
// lands in URLs and bodies, not in HTML.
func writeJSON(sb *strings.Builder, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	sb.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return nil
}
