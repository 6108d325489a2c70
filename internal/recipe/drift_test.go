package recipe

import (
	"fmt"
	"slices"
	"testing"

	"github.com/patchbay/patchbay/internal/payload"
)

func tree(t *testing.T, example string) []payload.Field {
	t.Helper()
	fs, err := payload.InferJSON([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func real(t *testing.T, s string) any {
	t.Helper()
	v, err := payload.ParseJSON([]byte(s), payload.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNewFields(t *testing.T) {
	cases := []struct {
		name, example, real string
		want                []string
	}{
		{"extra nested field", `{"config": {"a": 1}, "b": "x"}`,
			`{"config": {"a": 1, "extra": {"deep": true}}, "b": "x", "c": null}`, []string{"c", "config.extra"}},
		{"extra list item field", `{"items": [{"id": 1}]}`,
			`{"items": [{"id": 1}, {"id": 2, "sku": "s"}]}`, []string{"items[].sku"}},
		{"top-level list", `[{"id": 1}]`, `[{"id": 1, "name": "n"}]`, []string{"[].name"}},
		{"equal", `{"config": {"a": 1}, "items": [{"id": 1}]}`,
			`{"config": {"a": 2}, "items": [{"id": 3}]}`, nil},
		{"missing is not new", `{"a": 1, "b": 2}`, `{"a": 1}`, nil},
		{"empty datatree", ``, `{"a": 1}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tr []payload.Field
			if c.example != "" {
				tr = tree(t, c.example)
			}
			got := NewFields(tr, real(t, c.real))
			if !slices.Equal(got, c.want) {
				t.Errorf("NewFields = %q, want %q", got, c.want)
			}
		})
	}
}

func TestNewFieldsCap(t *testing.T) {
	m := map[string]any{"known": 1}
	for i := 0; i < 80; i++ {
		m[fmt.Sprintf("f%02d", i)] = i
	}
	got := NewFields(tree(t, `{"known": 1}`), m)
	if len(got) != MaxNewFields || got[0] != "f00" || got[49] != "f49" {
		t.Errorf("NewFields = %d paths %q…, want the first %d sorted", len(got), got[:3], MaxNewFields)
	}
}

func TestStepNewFields(t *testing.T) {
	doc := Document{Steps: []Step{
		{ID: "obj", ResponseType: payload.JSON, ResponseExample: Example(`{"id": "1"}`)},
		{ID: "list", ResponseType: payload.JSON, ResponseExample: Example(`[{"id": "1"}]`)},
		{ID: "none", ResponseType: payload.JSON},
	}}
	dt := doc.BuildDatatree()
	if got := dt.StepNewFields("obj", real(t, `{"id": "2", "more": 1}`)); !slices.Equal(got, []string{"body.more"}) {
		t.Errorf("obj: %q", got)
	}
	if got := dt.StepNewFields("list", real(t, `[{"id": "2", "more": 1}]`)); !slices.Equal(got, []string{"body[].more"}) {
		t.Errorf("list: %q", got)
	}
	if got := dt.StepNewFields("none", real(t, `{"id": "2"}`)); got != nil {
		t.Errorf("no example: %q", got)
	}
}
