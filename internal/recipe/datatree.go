package recipe

import (
	"strings"

	"github.com/patchbay/patchbay/internal/payload"
)

// Datatree is the typed schema of the trigger's and each step's output,
// built from the examples; its leaves are the pills a user maps.
type Datatree struct {
	Trigger []payload.Field            `json:"trigger"`
	Steps   map[string][]payload.Field `json:"steps"`

	// known are the trees' path sets for the drift check, built with the
	// datatree (a Datatree made otherwise builds them on each check).
	known struct {
		trigger knownPaths
		steps   map[string]knownPaths
	}
}

// BuildDatatree infers the datatree from the document's examples. An
// example that does not parse gives an empty tree (validation has said why).
func (d *Document) BuildDatatree() Datatree {
	dt := Datatree{Trigger: []payload.Field{}, Steps: map[string][]payload.Field{}}
	switch d.Trigger.Type {
	case TriggerSchedule:
		dt.Trigger = scheduleTree()
	case TriggerPolling:
		// A polling job's trigger output is one record of the response.
		dt.Trigger = recordTree(d.Trigger)
	default:
		if ex := strings.TrimSpace(string(d.Trigger.PayloadExample)); ex != "" {
			dt.Trigger = inferExample(d.Trigger.PayloadType, ex)
		}
	}
	for _, s := range d.Steps {
		dt.Steps[s.ID] = stepTree(s)
	}
	dt.known.trigger = pathsOf(dt.Trigger)
	dt.known.steps = make(map[string]knownPaths, len(dt.Steps))
	for id, fs := range dt.Steps {
		for _, f := range fs {
			if f.Path == "body" && len(f.Fields) > 0 {
				dt.known.steps[id] = pathsOf([]payload.Field{f})
			}
		}
	}
	return dt
}

func inferExample(format, example string) []payload.Field {
	var fs []payload.Field
	var err error
	switch format {
	case payload.JSON:
		fs, err = payload.InferJSON([]byte(example))
	case payload.XML:
		fs, err = payload.InferXML([]byte(example))
	default:
		var v any
		v, err = ParseExample(format, example)
		if err == nil {
			fs = payload.Infer(v)
		}
	}
	if err != nil || fs == nil {
		return []payload.Field{}
	}
	return fs
}

// stepTree is the output of an http_request step: status, headers, body.
func stepTree(s Step) []payload.Field {
	body := payload.Field{Path: "body", Name: "body", Type: "object"}
	switch {
	case s.ResponseType == payload.Raw:
		body.Type = "string"
	case strings.TrimSpace(string(s.ResponseExample)) != "":
		fs := inferExample(s.ResponseType, string(s.ResponseExample))
		if strings.HasPrefix(strings.TrimSpace(string(s.ResponseExample)), "[") {
			// A list response: its items' fields sit under body[].
			body.Type, body.Of = "list", "object"
			if len(fs) == 1 && fs[0].Path == "[]" {
				body.Of, fs = fs[0].Type, nil
			}
		}
		body.Fields = prefix(fs, "body")
	}
	return []payload.Field{
		{Path: "status", Name: "status", Type: "integer", Sample: 200},
		{Path: "headers", Name: "headers", Type: "object"},
		body,
	}
}

// prefix puts fields under a parent path.
func prefix(fs []payload.Field, parent string) []payload.Field {
	out := make([]payload.Field, len(fs))
	for i, f := range fs {
		if strings.HasPrefix(f.Path, "[]") {
			f.Path = parent + f.Path
		} else {
			f.Path = parent + "." + f.Path
		}
		f.Fields = prefix(f.Fields, parent)
		out[i] = f
	}
	return out
}

// recordTree is the datatree of one record of a polling trigger's
// response example: the item schema of the list at items_path (merged over
// every example record, in document order), rebased so that a record's
// fields are the trigger's top level.
func recordTree(t Trigger) []payload.Field {
	if strings.TrimSpace(string(t.ResponseExample)) == "" {
		return []payload.Field{}
	}
	format := t.ResponseType
	if format == "" {
		format = payload.JSON
	}
	fs := inferExample(format, string(t.ResponseExample))
	var sel *payload.Field // where items_path has led so far
	level := fs
	for _, st := range itemsPathSteps(t.ItemsPath) {
		if st.index {
			// data[0] or data.0: into the items of the list data.
			if sel == nil || sel.Type != "list" {
				return []payload.Field{}
			}
			level = sel.Fields
			sel = &payload.Field{Type: sel.Of, Path: sel.Path + "[]", Fields: sel.Fields}
			continue
		}
		var found *payload.Field
		for i := range level {
			if level[i].Name == st.name {
				found = &level[i]
				break
			}
		}
		if found == nil {
			return []payload.Field{}
		}
		sel, level = found, found.Fields
	}
	switch {
	case sel == nil: // the body itself is the list
		return rebase(fs, []string{"[]."})
	case sel.Type == "list":
		return rebase(sel.Fields, []string{sel.Path + "[]."})
	case sel.Type == "object": // XML: one element standing for a list of one
		return rebase(sel.Fields, []string{sel.Path + "."})
	}
	return []payload.Field{}
}

// itemsPathStep is one step of an items_path: a key, or a list index.
type itemsPathStep struct {
	name  string
	index bool
}

// itemsPathSteps reads "data.items", "data[0].items" and "data.0.items"
// alike (the poll package accepts all three).
func itemsPathSteps(path string) []itemsPathStep {
	var out []itemsPathStep
	if path == "" {
		return nil
	}
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		switch {
		case name != "" && strings.Trim(name, "0123456789") == "":
			out = append(out, itemsPathStep{index: true})
		case name != "":
			out = append(out, itemsPathStep{name: name})
		}
		for rest != "" {
			_, after, ok := strings.Cut(rest, "]")
			out = append(out, itemsPathStep{index: true})
			if !ok {
				break
			}
			_, rest, _ = strings.Cut(after, "[")
		}
	}
	return out
}

// rebase strips the first matching prefix from every field path.
func rebase(fs []payload.Field, prefixes []string) []payload.Field {
	out := make([]payload.Field, 0, len(fs))
	for _, f := range fs {
		for _, p := range prefixes {
			if p != "." && strings.HasPrefix(f.Path, p) {
				f.Path = strings.TrimPrefix(f.Path, p)
				break
			}
		}
		f.Fields = rebase(f.Fields, prefixes)
		out = append(out, f)
	}
	return out
}
