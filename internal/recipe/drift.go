package recipe

import (
	"slices"

	"github.com/patchbay/patchbay/internal/payload"
)

// MaxNewFields caps the paths NewFields reports.
const MaxNewFields = 50

// NewFields returns the paths (Field.Path syntax, "[]" for list items) of
// fields present in real data but absent from the datatree tree, sorted and
// capped at MaxNewFields. Only the top of a new subtree is reported: when
// "extra" is new, "extra.a" is not listed as well. An empty tree (no
// example given) reports nothing: there is nothing to compare with.
func NewFields(tree []payload.Field, real any) []string {
	if len(tree) == 0 {
		return nil
	}
	known := map[string]bool{}
	var mark func(fs []payload.Field)
	mark = func(fs []payload.Field) {
		for _, f := range fs {
			known[f.Path] = true
			mark(f.Fields)
		}
	}
	mark(tree)
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
	out = slices.Compact(out)
	if len(out) > MaxNewFields {
		out = out[:MaxNewFields]
	}
	return out
}

// StepNewFields compares a step's real output body with the body fields of
// its datatree; paths read "body.…". A step whose datatree has no body
// fields (no response example, a raw response, a list of scalars) reports
// nothing.
func (dt Datatree) StepNewFields(stepID string, body any) []string {
	for _, f := range dt.Steps[stepID] {
		if f.Path != "body" {
			continue
		}
		if len(f.Fields) == 0 {
			return nil
		}
		return NewFields([]payload.Field{f}, map[string]any{"body": body})
	}
	return nil
}

// StepBodyFields are the fields of a step's output body in its datatree
// (nil without a response example).
func (dt Datatree) StepBodyFields(stepID string) []payload.Field {
	for _, f := range dt.Steps[stepID] {
		if f.Path == "body" {
			return f.Fields
		}
	}
	return nil
}
