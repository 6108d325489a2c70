package recipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Decode reads a recipe document from JSON. Unknown fields are problems (a
// misspelt "metod" must not silently become a GET), reported with their path.
func Decode(b []byte) (Document, []Problem) {
	var doc Document
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return doc, []Problem{{Path: "", Message: describeJSONError(b, err)}}
	}
	if ps := unknownFields(raw); len(ps) > 0 {
		return doc, ps
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		// Decode again field by field to say which field is wrong.
		if ps := locate(b); len(ps) > 0 {
			return doc, ps
		}
		return doc, []Problem{{Path: fieldOf(err), Message: describeJSONError(b, err)}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return doc, []Problem{{Path: "", Message: "unexpected data after the document"}}
	}
	return doc, nil
}

// locate decodes each field of the document on its own, so that a value of
// the wrong type (or a duration that does not parse) is reported at its
// path, e.g. steps[0].timeout.
func locate(b []byte) []Problem {
	var raw struct {
		Trigger map[string]json.RawMessage   `json:"trigger"`
		Steps   []map[string]json.RawMessage `json:"steps"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		var top map[string]json.RawMessage
		json.Unmarshal(b, &top)
		return fieldProblems("", top, &Document{})
	}
	// Objects inside the trigger are checked field by field too, so a
	// wrong value is reported at its own path (trigger.dedupe.window); one
	// that is not an object stays in the trigger, reported at its name.
	objects := []struct {
		name   string
		target any
	}{{"verify", &Verify{}}, {"dedupe", &Dedupe{}}, {"rate_limit", &RateLimit{}}}
	fields := make([]map[string]json.RawMessage, len(objects))
	for i, o := range objects {
		if v, ok := raw.Trigger[o.name]; ok && json.Unmarshal(v, &fields[i]) == nil {
			delete(raw.Trigger, o.name)
		}
	}
	ps := fieldProblems("trigger", raw.Trigger, &Trigger{})
	for i, o := range objects {
		ps = append(ps, fieldProblems("trigger."+o.name, fields[i], o.target)...)
	}
	for i, st := range raw.Steps {
		ps = append(ps, fieldProblems(fmt.Sprintf("steps[%d]", i), st, &Step{})...)
	}
	return ps
}

// fieldProblems unmarshals each raw field into the matching field of a
// fresh target struct and reports the ones that fail.
func fieldProblems(path string, fields map[string]json.RawMessage, target any) []Problem {
	var ps []Problem
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if err := json.Unmarshal(one, target); err != nil {
			msg := describeJSONError(one, err)
			ps = append(ps, Problem{Path: joinPath(path, k), Message: msg})
		}
	}
	return ps
}

var (
	// documentFields are the document's own; the API drops the fields its
	// view adds (package apiview) before a document reaches Decode.
	documentFields = set("name", "trigger", "steps", "retention", "store")
	triggerFields  = set("type", "event", "payload_type", "payload_example", "verify", "dedupe", "rate_limit",
		"connection", "method", "url", "query", "headers", "interval", "items_path", "id_path", "cursor_path",
		"pagination", "since", "order", "response_type", "response_example", "every", "cron", "timezone")
	paginationFields = set("type", "next_path", "token_path", "token_param", "param", "start", "page_size", "size_param", "max_pages")
	verifyFields     = set("scheme", "secret", "header", "username", "password", "tolerance")
	stepFields       = set("id", "name", "action", "connection", "method", "url", "query", "headers", "body_type", "body",
		"response_type", "response_example", "timeout", "max_attempts", "url_encoding")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func unknownFields(raw map[string]any) []Problem {
	var ps []Problem
	check := func(path string, v any, known map[string]bool) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !known[k] {
				ps = append(ps, Problem{Path: joinPath(path, k), Message: "unknown field"})
			}
		}
	}
	check("", raw, documentFields)
	check("retention", raw["retention"], retentionFields)
	if t, ok := raw["trigger"].(map[string]any); ok {
		check("trigger", t, triggerFields)
		check("trigger.verify", t["verify"], verifyFields)
		check("trigger.pagination", t["pagination"], paginationFields)
		check("trigger.dedupe", t["dedupe"], dedupeFields)
		check("trigger.rate_limit", t["rate_limit"], rateLimitFields)
	}
	if steps, ok := raw["steps"].([]any); ok {
		for i, s := range steps {
			check(fmt.Sprintf("steps[%d]", i), s, stepFields)
		}
	}
	return ps
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldOf names the field a json.UnmarshalTypeError is about.
func fieldOf(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

// describeJSONError says what is wrong, and where, in plain words.
func describeJSONError(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the offending one included.
		line, col := lineCol(b, max(se.Offset-1, 0))
		return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("want %s, got %s", te.Type.String(), te.Value)
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return msg
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
