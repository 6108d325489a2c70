package pill

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestCursorPill covers the cursor root: its value when set, an empty
// string in text when the poll has no cursor yet, formulas over it, and
// the Ref that lets a validator tell it apart from trigger and steps.
func TestCursorPill(t *testing.T) {
	t.Parallel()
	set := Env{Cursor: "2024-05-01T10:00:00Z"}
	unset := Env{}
	cases := []struct {
		src  string
		env  Env
		want any
	}{
		{"{{cursor}}", set, "2024-05-01T10:00:00Z"},
		{"since={{ cursor }}&x=1", set, "since=2024-05-01T10:00:00Z&x=1"},
		{"since={{cursor}}", unset, "since="},
		{"{{cursor}}", unset, nil}, // a lone pill keeps its type: no cursor is null
		{`{{ cursor ?? "1970-01-01T00:00:00Z" }}`, unset, "1970-01-01T00:00:00Z"},
		{`{{ cursor ?? "1970-01-01T00:00:00Z" }}`, set, "2024-05-01T10:00:00Z"},
		{"{{ cursor + 1 }}", Env{Cursor: json.Number("41")}, 42},
	}
	for _, c := range cases {
		tmpl, err := Compile(c.src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.src, err)
		}
		got, err := tmpl.Render(c.env)
		if err != nil {
			t.Fatalf("Render(%q): %v", c.src, err)
		}
		if got != c.want {
			t.Errorf("Render(%q) = %#v, want %#v", c.src, got, c.want)
		}
		if _, err := tmpl.RenderString(c.env); err != nil {
			t.Errorf("RenderString(%q): %v", c.src, err)
		}
	}
}

func TestCursorRefs(t *testing.T) {
	t.Parallel()
	tmpl := MustCompile("{{cursor}} {{ upper(cursor) }} {{trigger.id}}")
	refs := tmpl.Refs()
	roots := []string{}
	for _, r := range refs {
		roots = append(roots, r.Root)
	}
	want := []string{"cursor", "cursor", "trigger"}
	if len(roots) != len(want) {
		t.Fatalf("roots = %v, want %v", roots, want)
	}
	for i := range want {
		if roots[i] != want[i] {
			t.Fatalf("roots = %v, want %v", roots, want)
		}
	}
	if refs[0].Text != "{{cursor}}" || refs[0].Path != "" {
		t.Errorf("first ref = %+v, want the bare cursor", refs[0])
	}
}

func TestCursorFieldOfScalarIsMissing(t *testing.T) {
	t.Parallel()
	_, err := MustCompile("{{cursor.at}}").Render(Env{Cursor: "abc"})
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a *MissingError", err)
	}
	if me.Path != "cursor.at" || me.Reason != "cursor is a string, not an object" {
		t.Errorf("MissingError = %+v", me)
	}
}

func TestCursorIsNotAVariableName(t *testing.T) {
	t.Parallel()
	_, err := Compile("{{ let cursor = 1; cursor }}")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Msg != "cannot use cursor as a variable name" {
		t.Fatalf("err = %v, want cannot use cursor as a variable name", err)
	}
}
