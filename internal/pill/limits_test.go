package pill

import (
	"errors"
	"strings"
	"testing"
)

func nested(depth int, inner string) string {
	return strings.Repeat("(", depth) + inner + strings.Repeat(")", depth)
}

// TestHugeNestedFormulaRefusedBeforeParsing is the crash of issue 10: a
// pill of ~700,000 nested parentheses overflowed the parser's stack (a
// fatal error), and ~300,000 took 44 s to compile. Both are refused by
// the shape check, which the error kind shows: expr's parser never saw
// them.
func TestHugeNestedFormulaRefusedBeforeParsing(t *testing.T) {
	for _, depth := range []int{700_000, 300_000} {
		src := "https://x.io/{{ " + nested(depth, "trigger.count") + " }}"
		_, err := Compile(src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("depth %d: err = %v, want a *SyntaxError", depth, err)
		}
		if !errors.Is(err, ErrFormulaTooLong) {
			t.Fatalf("depth %d: err = %v, want ErrFormulaTooLong", depth, err)
		}
		if len(err.Error()) > 300 {
			t.Errorf("depth %d: the error is %d bytes; it must not repeat the whole pill", depth, len(err.Error()))
		}
		if !strings.Contains(err.Error(), "pill {{ ((((") || !strings.Contains(err.Error(), "more than the 4096 allowed") {
			t.Errorf("depth %d: error %q does not name the pill and the limit", depth, err)
		}
	}
}

func TestFormulaNestingLimit(t *testing.T) {
	ok := "{{ " + nested(MaxFormulaNesting, "trigger.count + 1") + " }}"
	tmpl, err := Compile(ok)
	if err != nil {
		t.Fatalf("%d levels must compile: %v", MaxFormulaNesting, err)
	}
	if got, err := tmpl.Render(testEnv(t)); err != nil || got != 4 {
		t.Fatalf("Render = %v, %v; want 4", got, err)
	}

	for _, src := range []string{
		"{{ " + nested(MaxFormulaNesting+1, "1") + " }}",
		"{{ " + nested(1500, "1") + " }}", // under 4 KiB, far too deep
		"{{ " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + " }}",
		"{{ " + strings.Repeat("{a: ", 40) + "1" + strings.Repeat("}", 40) + " }}",
	} {
		_, err := Compile(src)
		if !errors.Is(err, ErrFormulaTooDeep) {
			t.Errorf("Compile(%.30q…) err = %v, want ErrFormulaTooDeep", src, err)
			continue
		}
		if !strings.Contains(err.Error(), "brackets nest more than 32 deep") {
			t.Errorf("error %q does not say what is wrong", err)
		}
	}

	// Brackets inside quoted strings are text, not nesting.
	quoted := `{{ "` + strings.Repeat("(", 200) + `" + '` + strings.Repeat("[", 200) + `' }}`
	if _, err := Compile(quoted); err != nil {
		t.Fatalf("brackets in strings must not count: %v", err)
	}
}

func TestFormulaLengthLimit(t *testing.T) {
	longest := "{{ " + strings.Repeat("1+", (MaxFormulaBytes-1)/2) + "1 }}"
	// The node limit refuses this one, but not the length check.
	if _, err := Compile(longest); errors.Is(err, ErrFormulaTooLong) {
		t.Fatalf("a formula of %d bytes is within the limit: %v", MaxFormulaBytes-1, err)
	}
	_, err := Compile("{{ '" + strings.Repeat("x", MaxFormulaBytes) + "' }}")
	if !errors.Is(err, ErrFormulaTooLong) {
		t.Fatalf("err = %v, want ErrFormulaTooLong", err)
	}
}
