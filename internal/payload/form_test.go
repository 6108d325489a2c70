package payload

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParseForm(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]any
	}{
		{name: "empty", in: ``, want: map[string]any{}},
		{name: "single and repeated", in: `a=1&b=x&a=2&a=3`, want: map[string]any{"a": []any{"1", "2", "3"}, "b": "x"}},
		{name: "decoding", in: `name=J%C3%B6rg+M&email=a%40b.c`, want: map[string]any{"name": "Jörg M", "email": "a@b.c"}},
		{name: "no value and empty pairs", in: `&flag&&k=&`, want: map[string]any{"flag": "", "k": ""}},
		{name: "semicolon is data", in: `a=1;b=2`, want: map[string]any{"a": "1;b=2"}},
		{name: "equals in value", in: `q=a=b`, want: map[string]any{"q": "a=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseForm([]byte(tt.in), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !deepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseFormErrors(t *testing.T) {
	tests := []struct {
		name, in string
		lim      Limits
		limit    bool
		col      int
	}{
		{name: "bad escape in value", in: `a=1&b=%zz`, col: 7},
		{name: "truncated escape in key", in: `ok=1&ab%4=1`, col: 8},
		{name: "too many pairs", in: `a=1&b=2&c=3`, lim: Limits{MaxKeys: 2}, limit: true, col: 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseForm([]byte(tt.in), tt.lim)
			var le *LimitError
			var se *SyntaxError
			switch {
			case tt.limit && errors.As(err, &le):
				if le.Column != tt.col {
					t.Errorf("%v: column %d, want %d", err, le.Column, tt.col)
				}
			case !tt.limit && errors.As(err, &se):
				if se.Column != tt.col || !strings.Contains(se.Msg, "percent-encoding") {
					t.Errorf("%v: column %d, want %d", err, se.Column, tt.col)
				}
			default:
				t.Fatalf("got %T %v", err, err)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	got := ParseQuery(url.Values{"a": {"1"}, "b": {"x", "y"}, "none": {}})
	want := map[string]any{"a": "1", "b": []any{"x", "y"}}
	if !deepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestRenderForm(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
		err  bool
	}{
		{name: "sorted and escaped", in: map[string]any{"b": "x y&z", "a": json.Number("144138753572"), "c": true, "d": nil},
			want: "a=144138753572&b=x+y%26z&c=true&d="},
		{name: "list repeats key", in: map[string]any{"t": []any{"1", 2.5}}, want: "t=1&t=2.5"},
		{name: "nested object", in: map[string]any{"a": map[string]any{}}, err: true},
		{name: "list of objects", in: map[string]any{"a": []any{map[string]any{}}}, err: true},
		{name: "not an object", in: []any{}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderForm(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFormRoundTrip(t *testing.T) {
	in := map[string]any{"a": []any{"1", "x y", "é&="}, "": "empty key", "k": ""}
	s, err := RenderForm(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseForm([]byte(s), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !deepEqual(got, in) {
		t.Errorf("%s: got %#v", s, got)
	}
}
