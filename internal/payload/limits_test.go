package payload

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestNumberDigitsLimit(t *testing.T) {
	d100 := strings.Repeat("7", 100)
	d101 := strings.Repeat("7", 101)
	cases := []struct {
		name, doc string
		lim       Limits
		err       string // "" means accepted
	}{
		{"100 digits", `{"big": ` + d100 + `}`, Limits{}, ""},
		{"negative 100 digits", `[-` + d100 + `]`, Limits{}, ""},
		{"101 digits", `{"big": ` + d101 + `}`, Limits{}, "json: number longer than 100 digits at line 1, column 9"},
		{"400 digits", `{"big": ` + strings.Repeat("1", 400) + `}`, DefaultLimits(), "json: number longer than 100 digits at line 1, column 9"},
		{"digits counted across fraction and exponent", "[1,\n  " + strings.Repeat("1", 50) + "." + strings.Repeat("2", 40) + "e" + strings.Repeat("3", 11) + "]", Limits{}, "json: number longer than 100 digits at line 2, column 3"},
		{"custom limit", `[12345]`, Limits{MaxNumberDigits: 4}, "json: number longer than 4 digits at line 1, column 2"},
		{"custom limit met", `[1234, -1.5e2]`, Limits{MaxNumberDigits: 4}, ""},
		{"digits in strings do not count", `{"` + d101 + `": "` + d101 + `"}`, Limits{}, ""},
		{"keywords are not numbers", `[true, false, null, 1e5]`, Limits{MaxNumberDigits: 2}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for fn, f := range map[string]func() error{
				"ValidJSON": func() error { return ValidJSON([]byte(c.doc), c.lim) },
				"ParseJSON": func() error { _, err := ParseJSON([]byte(c.doc), c.lim); return err },
			} {
				err := f()
				if c.err == "" {
					if err != nil {
						t.Errorf("%s: %v, want accepted", fn, err)
					}
					continue
				}
				var le *LimitError
				if !errors.As(err, &le) {
					t.Fatalf("%s: error %v (%T), want a *LimitError", fn, err, err)
				}
				if err.Error() != c.err {
					t.Errorf("%s: %q, want %q", fn, err, c.err)
				}
			}
		})
	}
}

func TestNumberDigitsLimitKeepsExactNumbers(t *testing.T) {
	v, err := ParseJSON([]byte(`{"id": 9007199254740993, "n": -`+strings.Repeat("9", 99)+`}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["id"] != json.Number("9007199254740993") {
		t.Errorf("id = %#v, want json.Number(9007199254740993)", m["id"])
	}
	if m["n"] != json.Number("-"+strings.Repeat("9", 99)) {
		t.Errorf("n = %#v", m["n"])
	}
}

func TestDefaultLimitsNumberDigits(t *testing.T) {
	if got := DefaultLimits().MaxNumberDigits; got != 100 {
		t.Errorf("DefaultLimits().MaxNumberDigits = %d, want 100", got)
	}
	if got := (Limits{}).norm().MaxNumberDigits; got != 100 {
		t.Errorf("Limits{}.norm().MaxNumberDigits = %d, want 100", got)
	}
}

func TestNumberDigitsScanAllocatesNothing(t *testing.T) {
	doc := []byte(`{"a": [1, -2.5e10, ` + strings.Repeat("9", 100) + `]}`)
	if n := testing.AllocsPerRun(100, func() {
		if err := ValidJSON(doc, Limits{}); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ValidJSON allocates %v times per call, want 0", n)
	}
}
