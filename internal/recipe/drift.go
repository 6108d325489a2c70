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
	return pathsOf(tree).newFields(real)
}

// knownPaths is the set of a datatree's field paths. A compiled recipe
// keeps its sets (Datatree.known), so a job's drift check only walks its
// own data.
type knownPaths map[string]bool

func pathsOf(tree []payload.Field) knownPaths {
	known := knownPaths{}
	var mark func(fs []payload.Field)
	mark = func(fs []payload.Field) {
		for _, f := range fs {
			known[f.Path] = true
			mark(f.Fields)
		}
	}
	mark(tree)
	return known
}

// newFields walks real data and lists the paths the set lacks, as
// payload.Infer would path them (keys joined by ".", list items "[]").
func (k knownPaths) newFields(real any) []string {
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for key, val := range x {
				p := key
				if path != "" {
					p = path + "." + key
				}
				if !k[p] {
					out = append(out, p)
					continue
				}
				walk(p, val)
			}
		case []any:
			for _, item := range x {
				walk(path+"[]", item)
			}
		}
	}
	switch real.(type) {
	case map[string]any, []any:
		walk("", real)
	default:
		// Another object type (the ordered objects of the payload
		// package): its inferred schema has the same paths.
		var fromSchema func(fs []payload.Field)
		fromSchema = func(fs []payload.Field) {
			for _, f := range fs {
				if !k[f.Path] {
					out = append(out, f.Path)
					continue
				}
				fromSchema(f.Fields)
			}
		}
		fromSchema(payload.Infer(real))
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxNewFields {
		out = out[:MaxNewFields]
	}
	return out
}

// TriggerNewFields is NewFields for the trigger output, with the set of
// known paths built once per datatree.
func (dt Datatree) TriggerNewFields(real any) []string {
	if len(dt.Trigger) == 0 {
		return nil
	}
	known := dt.known.trigger
	if known == nil {
		known = pathsOf(dt.Trigger)
	}
	return known.newFields(real)
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
		known := dt.known.steps[stepID]
		if known == nil {
			known = pathsOf([]payload.Field{f})
		}
		return known.newFields(map[string]any{"body": body})
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
