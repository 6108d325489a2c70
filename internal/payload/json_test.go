package payload

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseJSONExactNumbers(t *testing.T) {
	for _, in := range []string{
		`9007199254740993`,
		`144138753572`,
		`{"exp":1e400,"id":9007199254740993,"price":12.50,"user":144138753572}`,
		`[18446744073709551617,-0,0.1]`,
	} {
		t.Run(in, func(t *testing.T) {
			v, err := ParseJSON([]byte(in), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != in {
				t.Errorf("round trip: got %s, want %s", out, in)
			}
		})
	}
}

func TestParseJSONTree(t *testing.T) {
	v, err := ParseJSON([]byte(`{"a":[1,"x",true,null,{"b":2.5}]}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{json.Number("1"), "x", true, nil, map[string]any{"b": json.Number("2.5")}}}
	if !deepEqual(v, want) {
		t.Errorf("got %#v, want %#v", v, want)
	}
}

func TestParseJSONStrings(t *testing.T) {
	in := ` { "k\u00e9" : [ "plain" , "esc\"\\\/\b\f\n\r\t" , "\ud83d\ude00" , "\ud800" , "" , -1.5E+3 ] , "k\u00e9" : false } `
	v, err := ParseJSON([]byte(in), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"ké": false}
	if !deepEqual(v, want) {
		t.Errorf("got %#v, want %#v", v, want)
	}
	fields, err := InferJSON([]byte(in))
	if err != nil || len(fields) != 1 || fields[0].Name != "ké" || fields[0].Type != "boolean" {
		t.Errorf("duplicate key: got %+v, %v", fields, err)
	}
	v, err = ParseJSON([]byte(in[:strings.LastIndex(in, ",")]+"}"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]any{"ké": []any{"plain", "esc\"\\/\b\f\n\r\t", "😀", "\ufffd", "", json.Number("-1.5E+3")}}
	if !deepEqual(v, want) {
		t.Errorf("got %#v, want %#v", v, want)
	}
}

func TestJSONErrors(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	tests := []struct {
		name, in  string
		lim       Limits
		limit     bool // want *LimitError rather than *SyntaxError
		line, col int
		msg       string
	}{
		{name: "trailing garbage", in: `{"a":1} x`, line: 1, col: 9, msg: "after top-level value"},
		{name: "second value", in: "{}\n{}", line: 2, col: 1, msg: "after top-level value"},
		{name: "bad key", in: "{\n  \"a\": 1,\n  \"b\": 2,}", line: 3, col: 10, msg: `invalid character '}' looking for beginning of object key string`},
		{name: "unexpected end", in: `{"a":`, line: 1, col: 6, msg: "unexpected end of JSON input"},
		{name: "empty", in: ``, line: 1, col: 1, msg: "unexpected end"},
		{name: "invalid utf-8 in string", in: "{\"a\":\"\xff\"}", line: 1, col: 7, msg: "invalid UTF-8"},
		{name: "invalid utf-8 column counts runes", in: "[\"é\", \"\xc3\"]", line: 1, col: 8, msg: "invalid UTF-8"},
		{name: "depth over limit", in: strings.Repeat("[", 65) + strings.Repeat("]", 65), limit: true, line: 1, col: 65, msg: "nesting deeper than 64 levels"},
		{name: "depth counts objects", in: `{"a":{"b":{"c":1}}}`, lim: Limits{MaxDepth: 2}, limit: true, line: 1, col: 11, msg: "nesting deeper than 2 levels"},
		{name: "brackets in strings ignored", in: `["[[[[", "\"[[[["]`, lim: Limits{MaxDepth: 1}},
		{name: "100000 deep", in: deep, limit: true, line: 1, col: 65, msg: "nesting deeper than 64 levels"},
		{name: "keys over limit", in: `{"a":1,"b":{"c":2}}`, lim: Limits{MaxKeys: 2}, limit: true, line: 1, col: 13, msg: "more than 2 keys"},
		{name: "colons in strings ignored", in: `{"a:b:c":"d:e"}`, lim: Limits{MaxKeys: 1}},
		{name: "at depth limit", in: strings.Repeat("[", 64) + strings.Repeat("]", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, perr := ParseJSON([]byte(tt.in), tt.lim)
			verr := ValidJSON([]byte(tt.in), tt.lim)
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			if tt.msg == "" {
				if perr != nil || verr != nil {
					t.Fatalf("unexpected errors: %v / %v", perr, verr)
				}
				return
			}
			if perr == nil || verr == nil || perr.Error() != verr.Error() {
				t.Fatalf("ParseJSON and ValidJSON disagree: %v / %v", perr, verr)
			}
			var line, col int
			if tt.limit {
				var le *LimitError
				if !errors.As(perr, &le) {
					t.Fatalf("got %T %v, want *LimitError", perr, perr)
				}
				line, col = le.Line, le.Column
			} else {
				var se *SyntaxError
				if !errors.As(perr, &se) {
					t.Fatalf("got %T %v, want *SyntaxError", perr, perr)
				}
				line, col = se.Line, se.Column
			}
			if line != tt.line || col != tt.col || !strings.Contains(perr.Error(), tt.msg) {
				t.Errorf("got %q at %d:%d, want %q at %d:%d", perr, line, col, tt.msg, tt.line, tt.col)
			}
		})
	}
}

func TestJSONErrorText(t *testing.T) {
	in := "{\n  \"a\": 1,\n  \"b\": 2,}"
	_, err := ParseJSON([]byte(in), DefaultLimits())
	want := `json: line 3, column 10: invalid character '}' looking for beginning of object key string`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = ParseJSON([]byte(strings.Repeat(" [", 70)), DefaultLimits())
	want = `json: nesting deeper than 64 levels at line 1, column 130`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestValidJSONNoAllocs(t *testing.T) {
	b := benchJSON()
	allocs := testing.AllocsPerRun(100, func() {
		if err := ValidJSON(b, DefaultLimits()); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ValidJSON allocated %v times per run", allocs)
	}
}

func TestParseDispatch(t *testing.T) {
	tests := []struct {
		format, in string
		want       any
		err        bool
	}{
		{format: JSON, in: `{"a":1}`, want: map[string]any{"a": json.Number("1")}},
		{format: XML, in: `<a>1</a>`, want: map[string]any{"a": "1"}},
		{format: Form, in: `a=1&a=2`, want: map[string]any{"a": []any{"1", "2"}}},
		{format: Raw, in: "any\x00thing", want: "any\x00thing"},
		{format: Query, in: `a=1`, err: true},
		{format: "yaml", in: `a: 1`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got, err := Parse(tt.format, []byte(tt.in), DefaultLimits())
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			if !tt.err && !deepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// deepEqual compares trees exactly, json.Number and string apart.
func deepEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
