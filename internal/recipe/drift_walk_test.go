package recipe

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/patchbay/patchbay/internal/payload"
)

// The drift check walks real data directly; it must find the paths that
// comparing the data's inferred schema with the datatree finds (the way it
// was done before, kept here as the reference).
func TestNewFieldsWalkMatchesInferredSchema(t *testing.T) {
	reference := func(tree []payload.Field, real any) []string {
		known := pathsOf(tree)
		var out []string
		var walk func(fs []payload.Field)
		walk = func(fs []payload.Field) {
			for _, f := range fs {
				if !known[f.Path] {
					out = append(out, f.Path)
					continue
				}
				walk(f.Fields)
			}
		}
		walk(payload.Infer(real))
		slices.Sort(out)
		return slices.Compact(out)
	}
	example := `{"id": 1, "config": {"a": 1}, "attendees": [{"email": "x", "tags": ["t"]}], "matrix": [[{"v": 1}]]}`
	tree, err := payload.InferJSON([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	for _, real := range []string{
		example,
		`{"id": 1, "config": {"a": 1, "b": {"c": 2}}, "extra": null}`,
		`{"attendees": [{"email": "x", "phone": "1"}, {"name": "n", "tags": [{"k": 1}]}]}`,
		`{"matrix": [[{"v": 1, "w": 2}], []], "attendees": []}`,
		`{"id": {"nested": true}, "config": [1, 2]}`,
		`[{"id": 1}]`,
	} {
		var v any
		if err := json.Unmarshal([]byte(real), &v); err != nil {
			t.Fatal(err)
		}
		got, want := NewFields(tree, v), reference(tree, v)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: NewFields %v, the inferred schema gives %v", real, got, want)
		}
	}
}
