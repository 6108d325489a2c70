package recipe

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/pill"
)

// Problem is one thing wrong with a document, at a path such as
// "steps[1].url".
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) Error() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Defaults of a step.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 5
	MaxAttemptsLimit   = 20
)

var (
	stepIDPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	eventPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
	methods       = set(http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions)
	payloadTypes  = set(payload.JSON, payload.XML, payload.Form, payload.Query)
	bodyTypes     = set("none", "json", "form", "xml", "raw")
	responseTypes = set(payload.JSON, payload.XML, payload.Raw)
	verifySchemes = set("none", "hmac-sha256", "standard-webhooks", "basic", "header")
)

// Normalize fills the defaults a user may leave out.
func (d *Document) Normalize() {
	d.Name = strings.TrimSpace(d.Name)
	t := &d.Trigger
	t.Type = strings.ToLower(strings.TrimSpace(t.Type))
	if (t.Type == TriggerWebhook || t.Type == TriggerManual) && t.PayloadType == "" {
		t.PayloadType = payload.JSON
	}
	if t.Type == TriggerPolling {
		t.normalizePolling()
	}
	if t.Verify != nil && t.Verify.Scheme == "" {
		t.Verify.Scheme = "none"
	}
	for i := range d.Steps {
		s := &d.Steps[i]
		if s.Action == "" {
			s.Action = ActionHTTPRequest
		}
		s.Method = strings.ToUpper(strings.TrimSpace(s.Method))
		if s.Method == "" {
			s.Method = http.MethodGet
		}
		if s.BodyType == "" {
			s.BodyType = "none"
			if len(s.Body) > 0 && string(s.Body) != "null" {
				s.BodyType = "json"
			}
		}
		if s.ResponseType == "" {
			s.ResponseType = payload.JSON
		}
	}
}

// Validate lists every problem of a normalized document. connectionExists
// says whether a step's connection reference names a connection.
func (d *Document) Validate(connectionExists func(string) bool) []Problem {
	if ps := d.limitProblems(); len(ps) > 0 {
		return ps
	}
	var ps []Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if d.Name == "" {
		add("name", "is required")
	}
	d.validateTrigger(add, connectionExists)
	d.validateRequests(add)
	d.validateRetention(add)
	seen := map[string]int{}
	for i := range d.Steps {
		s := &d.Steps[i]
		p := fmt.Sprintf("steps[%d]", i)
		switch {
		case s.ID == "":
			add(p+".id", "is required")
		case !stepIDPattern.MatchString(s.ID):
			add(p+".id", "%q must be letters, digits and underscores, not starting with a digit (it is used in pills)", s.ID)
		default:
			if j, dup := seen[s.ID]; dup {
				add(p+".id", "duplicate step id %q (also steps[%d])", s.ID, j)
			}
		}
		if s.Action != ActionHTTPRequest {
			add(p+".action", "unknown action %q (want http_request)", s.Action)
		}
		if !methods[s.Method] {
			add(p+".method", "unknown method %q (want GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS)", s.Method)
		}
		if strings.TrimSpace(s.URL) == "" {
			add(p+".url", "is required")
		}
		if !bodyTypes[s.BodyType] {
			add(p+".body_type", "unknown body type %q (want none, json, form, xml or raw)", s.BodyType)
		}
		if !responseTypes[s.ResponseType] {
			add(p+".response_type", "unknown response type %q (want json, xml or raw)", s.ResponseType)
		}
		if s.Timeout < 0 || time.Duration(s.Timeout) > 10*time.Minute {
			add(p+".timeout", "must be between 0 (default 30s) and 10m")
		}
		if s.MaxAttempts < 0 || s.MaxAttempts > MaxAttemptsLimit {
			add(p+".max_attempts", "must be between 1 and %d (0 means the default, %d)", MaxAttemptsLimit, DefaultMaxAttempts)
		}
		if s.Connection != "" && connectionExists != nil && !connectionExists(s.Connection) {
			add(p+".connection", "no connection named %q", s.Connection)
		}
		if s.ResponseExample != "" && responseTypes[s.ResponseType] && s.ResponseType != payload.Raw {
			if _, err := payload.Parse(s.ResponseType, []byte(s.ResponseExample), payload.DefaultLimits()); err != nil {
				add(p+".response_example", "does not parse as %s: %v", s.ResponseType, err)
			}
		}
		for _, f := range s.templateFields() {
			d.checkTemplate(add, p+"."+f.path, f.src, i)
		}
		if s.BodyType != "none" && len(s.Body) > 0 {
			d.checkBody(add, p+".body", s, i)
		}
		if s.ID != "" {
			if _, dup := seen[s.ID]; !dup {
				seen[s.ID] = i
			}
		}
	}
	return ps
}

func (d *Document) validateTrigger(add func(string, string, ...any), connectionExists func(string) bool) {
	t := d.Trigger
	d.validateIntake(add)
	switch t.Type {
	case TriggerWebhook:
		if t.Event == "" {
			add("trigger.event", "is required for a webhook trigger (it is the last segment of the webhook URL)")
		} else if !eventPattern.MatchString(t.Event) {
			add("trigger.event", "%q must be letters, digits, '.', '_' or '-' (at most 128)", t.Event)
		}
		if !payloadTypes[t.PayloadType] {
			add("trigger.payload_type", "unknown payload type %q (want json, xml, form or query)", t.PayloadType)
		} else if t.PayloadExample != "" {
			if _, err := ParseExample(t.PayloadType, string(t.PayloadExample)); err != nil {
				add("trigger.payload_example", "does not parse as %s: %v", t.PayloadType, err)
			}
		}
		if v := t.Verify; v != nil {
			if !verifySchemes[v.Scheme] {
				add("trigger.verify.scheme", "unknown scheme %q (want hmac-sha256, standard-webhooks, basic, header or none)", v.Scheme)
			}
			switch v.Scheme {
			case "hmac-sha256", "standard-webhooks", "header":
				if v.Secret == "" {
					add("trigger.verify.secret", "is required for %s", v.Scheme)
				}
			case "basic":
				if v.Username == "" || v.Password == "" {
					add("trigger.verify", "basic needs username and password")
				}
			}
			if (v.Scheme == "hmac-sha256" || v.Scheme == "header") && v.Header == "" {
				add("trigger.verify.header", "is required for %s", v.Scheme)
			}
		}
	case TriggerManual:
		if t.Event != "" {
			add("trigger.event", "only webhook triggers have an event")
		}
	case TriggerPolling:
		d.validatePolling(add, connectionExists)
	case TriggerSchedule:
		d.validateSchedule(add)
	case "":
		add("trigger.type", "is required (webhook, polling, schedule or manual)")
	default:
		add("trigger.type", "unknown trigger type %q (want webhook, polling, schedule or manual)", t.Type)
	}
}

// ParseExample parses a payload example; a query example may be written as
// a query string or as JSON.
func ParseExample(format, example string) (any, error) {
	if format == payload.Query {
		trimmed := strings.TrimSpace(example)
		if strings.HasPrefix(trimmed, "{") {
			return payload.ParseJSON([]byte(trimmed), payload.DefaultLimits())
		}
		return payload.ParseForm([]byte(strings.TrimPrefix(trimmed, "?")), payload.DefaultLimits())
	}
	return payload.Parse(format, []byte(example), payload.DefaultLimits())
}

type templateField struct{ path, src string }

// templateFields lists the text fields of a step that may hold pills.
func (s *Step) templateFields() []templateField {
	fs := []templateField{{"url", s.URL}}
	for _, k := range slices.Sorted(maps.Keys(s.Query)) {
		fs = append(fs, templateField{"query." + k, s.Query[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		fs = append(fs, templateField{"headers." + k, s.Headers[k]})
	}
	return fs
}

func (d *Document) checkTemplate(add func(string, string, ...any), path, src string, stepIndex int) {
	t, err := pill.Compile(src)
	if err != nil {
		add(path, "%v", err)
		return
	}
	d.checkRefs(add, path, t.Refs(), stepIndex)
}

func (d *Document) checkBody(add func(string, string, ...any), path string, s *Step, stepIndex int) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(s.Body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		add(path, "is not valid JSON: %v", err)
		return
	}
	switch s.BodyType {
	case "raw", "xml":
		if str, ok := v.(string); ok {
			d.checkTemplate(add, path, str, stepIndex)
			return
		}
		if s.BodyType == "raw" {
			add(path, "a raw body must be a string")
			return
		}
	case "form":
		if _, ok := v.(map[string]any); !ok {
			add(path, "a form body must be an object of fields")
			return
		}
	}
	cv, err := pill.CompileValue(v)
	if err != nil {
		add(path, "%v", err)
		return
	}
	d.checkRefs(add, path, cv.Refs(), stepIndex)
}

// checkRefs checks that every pill names the trigger or a step that comes
// earlier: data a job cannot have yet is a mistake to catch on save.
func (d *Document) checkRefs(add func(string, string, ...any), path string, refs []pill.Ref, stepIndex int) {
	for _, r := range refs {
		if r.Root == "cursor" {
			add(path, "%s: the cursor belongs to a polling trigger's request, not to a step", r.Text)
			continue
		}
		if r.Root != "steps" {
			continue
		}
		j := d.stepIndex(r.Step)
		switch {
		case j < 0:
			add(path, "unknown step %q in %s", r.Step, r.Text)
		case j == stepIndex:
			add(path, "step %q cannot use its own output in %s", r.Step, r.Text)
		case j > stepIndex:
			add(path, "step %q comes later (steps[%d]) in %s", r.Step, j, r.Text)
		}
	}
}

func (d *Document) stepIndex(id string) int {
	for i := range d.Steps {
		if d.Steps[i].ID == id {
			return i
		}
	}
	return -1
}
