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
	listPath := ""
	if t.ItemsPath != "" {
		for _, seg := range strings.Split(t.ItemsPath, ".") {
			found := false
			for _, f := range fs {
				if f.Name == seg {
					fs, found = f.Fields, true
					listPath = f.Path
					break
				}
			}
			if !found {
				return []payload.Field{}
			}
		}
	}
	// List items are pathed "<list>[].<field>"; a single XML element
	// standing for a list of one is pathed "<list>.<field>".
	return rebase(fs, []string{listPath + "[].", listPath + ".", "[]."})
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
