package recipe

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The seed's two worked examples (/work/shared/seed/http-connector.md),
// written as recipe documents.
const (
	eventbritePayload = `{
"config": {
"action":"order.placed",
"user_id":"144138753572",
"endpoint_url":"https://www.workato.com/webhooks/rest/4c364864-e1f8-4c58-b6af-29127d1f6b60/order",
"webhook_id":"287968"
},
"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/"
}`

	eventbriteOrder = `{"costs": {"base_price": {"display": "$0.00", "currency": "USD", "value": 0, "major_value": "0.00"}, "eventbrite_fee": {"display": "$0.00", "currency": "USD", "value": 0, "major_value": "0.00"}, "gross": {"display": "$0.00", "currency": "USD", "value": 0, "major_value": "0.00"}, "payment_fee": {"display": "$0.00", "currency": "USD", "value": 0, "major_value": "0.00"}, "tax": {"display": "$0.00", "currency": "USD", "value": 0, "major_value": "0.00"}}, "resource_uri": "https://www.eventbriteapi.com/v3/orders/579759447/", "id": "579759447", "changed": "2016-12-16T00:40:47Z", "created": "2016-12-16T00:40:46Z", "name": "hl y", "first_name": "hl", "last_name": "y", "email": "huilin@workato.com", "status": "placed", "time_remaining": null, "event_id": "30343163218"}`

	jiraProjectRequest = `{
    "key": "EX",
    "name": "Example",
    "projectTypeKey": "business",
    "projectTemplateKey": "com.atlassian.jira-core-project-templates:jira-core-project-management",
    "description": "Example Project description",
    "lead": "admin",
    "assigneeType": "PROJECT_LEAD"
}`

	jiraProjectResponse = `{
    "self": "http://example/jira/rest/api/2/project/10042",
    "id": 10010,
    "key": "EX"
}`
)

// eventbriteRecipe is DESIGN.md's example: the payload example given as a
// string, the step as the seed builds it.
func eventbriteRecipe(t testing.TB) []byte {
	t.Helper()
	doc := map[string]any{
		"name": "Eventbrite new order -> get order details",
		"trigger": map[string]any{
			"type":            "webhook",
			"event":           "order",
			"payload_type":    "json",
			"payload_example": eventbritePayload,
		},
		"steps": []any{map[string]any{
			"id":               "get_order",
			"name":             "Get order details",
			"action":           "http_request",
			"connection":       "eventbrite",
			"method":           "GET",
			"url":              "{{trigger.api_url}}",
			"query":            map[string]any{"expand": "attendees"},
			"headers":          map[string]any{"Accept": "application/json"},
			"body_type":        "none",
			"body":             nil,
			"response_type":    "json",
			"response_example": eventbriteOrder,
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jiraRecipe creates a JIRA project from a manual trigger (the seed uses a
// scheduler, which is not available yet), then reads it back by the id
// the first step returned. The body and the response example are JSON
// objects, not strings; the URLs are relative to the connection base_url.
func jiraRecipe(t testing.TB) []byte {
	t.Helper()
	return []byte(`{
  "name": "JIRA create project",
  "trigger": {"type": "manual"},
  "steps": [
    {
      "id": "create_project",
      "name": "Create project",
      "connection": "jira",
      "method": "post",
      "url": "/rest/api/2/project",
      "body": ` + strings.Replace(jiraProjectRequest, `"EX"`, `"{{trigger.key}}"`, 1) + `,
      "response_type": "json",
      "response_example": ` + jiraProjectResponse + `,
      "timeout": "20s",
      "max_attempts": 3
    },
    {
      "id": "get_project",
      "connection": "jira",
      "url": "/rest/api/2/project/{{steps.create_project.body.id}}",
      "headers": {"X-Project-Key": "{{steps.create_project.body.key}}"},
      "response_example": ` + jiraProjectResponse + `
    }
  ]
}`)
}

func knownConnections(names ...string) func(string) bool {
	return func(n string) bool {
		for _, m := range names {
			if m == n {
				return true
			}
		}
		return false
	}
}

// mustDecode decodes and normalizes a document that must decode cleanly.
func mustDecode(t testing.TB, b []byte) Document {
	t.Helper()
	d, ps := Decode(b)
	if len(ps) > 0 {
		t.Fatalf("Decode: %v", ps)
	}
	d.Normalize()
	return d
}

func TestValidateSeedRecipes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  func(testing.TB) []byte
	}{
		{"eventbrite", eventbriteRecipe},
		{"jira", jiraRecipe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := mustDecode(t, tt.doc(t))
			if ps := d.Validate(knownConnections("eventbrite", "jira")); len(ps) != 0 {
				t.Fatalf("Validate: %v", ps)
			}
			// Validating without a connection lookup is allowed too.
			if ps := d.Validate(nil); len(ps) != 0 {
				t.Fatalf("Validate(nil): %v", ps)
			}
		})
	}
}

func TestNormalizeDefaults(t *testing.T) {
	t.Parallel()
	d := mustDecode(t, jiraRecipe(t))
	s0, s1 := d.Steps[0], d.Steps[1]
	checks := []struct {
		what      string
		got, want any
	}{
		{"steps[0].method upper-cased", s0.Method, "POST"},
		{"steps[0].action", s0.Action, ActionHTTPRequest},
		{"steps[0].body_type from a body", s0.BodyType, "json"},
		{"steps[0].timeout", time.Duration(s0.Timeout), 20 * time.Second},
		{"steps[0].max_attempts", s0.MaxAttempts, 3},
		{"steps[1].method", s1.Method, "GET"},
		{"steps[1].action", s1.Action, ActionHTTPRequest},
		{"steps[1].body_type without a body", s1.BodyType, "none"},
		{"steps[1].response_type", s1.ResponseType, "json"},
		{"steps[1].timeout left for the executor", s1.Timeout, Duration(0)},
		{"trigger.type", d.Trigger.Type, TriggerManual},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}

	w := Document{Name: "  x  ", Trigger: Trigger{Type: " WebHook ", Verify: &Verify{}}, Steps: []Step{{Body: json.RawMessage("null")}}}
	w.Normalize()
	if w.Name != "x" || w.Trigger.Type != TriggerWebhook || w.Trigger.PayloadType != "json" || w.Trigger.Verify.Scheme != "none" {
		t.Errorf("Normalize webhook = %+v (verify %+v)", w.Trigger, *w.Trigger.Verify)
	}
	if w.Steps[0].BodyType != "none" {
		t.Errorf("a null body gives body_type %q, want none", w.Steps[0].BodyType)
	}
}

func TestValidateProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		base   func(testing.TB) []byte
		mutate func(d *Document)
		want   []Problem
	}{
		{
			name: "duplicate step id",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Steps[1].ID = "create_project"
				d.Steps[1].URL = "/rest/api/2/project/{{steps.create_project.body.id}}"
				d.Steps[1].Headers = nil
			},
			want: []Problem{{"steps[1].id", `duplicate step id "create_project" (also steps[0])`}},
		},
		{
			name:   "unknown step in a pill",
			base:   jiraRecipe,
			mutate: func(d *Document) { d.Steps[1].URL = "/rest/api/2/project/{{steps.get_ordr.body.id}}" },
			want:   []Problem{{"steps[1].url", `unknown step "get_ordr" in {{steps.get_ordr.body.id}}`}},
		},
		{
			name:   "pill to a later step",
			base:   jiraRecipe,
			mutate: func(d *Document) { d.Steps[0].URL = "/rest/api/2/project?after={{steps.get_project.body.id}}" },
			want:   []Problem{{"steps[0].url", `step "get_project" comes later (steps[1]) in {{steps.get_project.body.id}}`}},
		},
		{
			name: "pill to its own step, in a header",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Steps[1].Headers["X-Project-Key"] = "{{ steps.get_project.body.key }}"
			},
			want: []Problem{{"steps[1].headers.X-Project-Key", `step "get_project" cannot use its own output in {{ steps.get_project.body.key }}`}},
		},
		{
			name:   "unknown step in a query value",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].Query["expand"] = "{{steps.nope.body}}" },
			want:   []Problem{{"steps[0].query.expand", `unknown step "nope" in {{steps.nope.body}}`}},
		},
		{
			name: "unknown step inside a json body",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Steps[0].Body = json.RawMessage(`{"key": "EX", "lead": {"name": "{{steps.who.body.name}}"}}`)
			},
			want: []Problem{{"steps[0].body", `unknown step "who" in {{steps.who.body.name}}`}},
		},
		{
			name:   "unknown trigger type",
			base:   jiraRecipe,
			mutate: func(d *Document) { d.Trigger.Type = "email" },
			want:   []Problem{{"trigger.type", `unknown trigger type "email" (want webhook, polling, schedule or manual)`}},
		},
		{
			name:   "missing trigger type",
			base:   jiraRecipe,
			mutate: func(d *Document) { d.Trigger.Type = "" },
			want:   []Problem{{"trigger.type", "is required (webhook, polling, schedule or manual)"}},
		},
		{
			name: "polling trigger without url and id_path",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Trigger = Trigger{Type: TriggerPolling, ItemsPath: "data.items", Pagination: &Pagination{Type: "token", TokenPath: "next"}}
				d.Normalize()
			},
			want: []Problem{
				{"trigger.url", "is required for a polling trigger"},
				{"trigger.id_path", `is required: it is the field that makes a record new (e.g. "id")`},
				{"trigger.pagination.token_param", "is required for token pagination"},
			},
		},
		{
			name: "polling request that refers to the trigger",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Trigger = Trigger{Type: TriggerPolling, URL: "https://example.com/items?after={{cursor}}&x={{trigger.id}}", IDPath: "id", Connection: "nope"}
				d.Normalize()
			},
			want: []Problem{
				{"trigger.connection", `no connection named "nope"`},
				{"trigger.url", "{{trigger.id}}: a poll request can use only {{cursor}} (there is no trigger output or step before the poll)"},
			},
		},
		{
			name:   "schedule trigger with neither every nor cron",
			base:   jiraRecipe,
			mutate: func(d *Document) { d.Trigger = Trigger{Type: TriggerSchedule} },
			want:   []Problem{{"trigger", "a schedule trigger needs every or cron"}},
		},
		{
			name: "schedule trigger with a bad cron",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Trigger = Trigger{Type: TriggerSchedule, Cron: "0 25 * * *", Timezone: "Europe/Berlin"}
			},
			want: []Problem{{"trigger.cron", `hour field "25": end of range (25) above maximum (23): 25`}},
		},
		{
			name:   "manual trigger with an event",
			base:   jiraRecipe,
			mutate: func(d *Document) { d.Trigger.Event = "order" },
			want:   []Problem{{"trigger.event", "only webhook triggers have an event"}},
		},
		{
			name:   "webhook without an event",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Trigger.Event = "" },
			want:   []Problem{{"trigger.event", "is required for a webhook trigger (it is the last segment of the webhook URL)"}},
		},
		{
			name:   "webhook event with a slash",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Trigger.Event = "order/placed" },
			want:   []Problem{{"trigger.event", `"order/placed" must be letters, digits, '.', '_' or '-' (at most 128)`}},
		},
		{
			name:   "unknown payload type",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Trigger.PayloadType = "yaml" },
			want:   []Problem{{"trigger.payload_type", `unknown payload type "yaml" (want json, xml, form or query)`}},
		},
		{
			name:   "missing name",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Name = "" },
			want:   []Problem{{"name", "is required"}},
		},
		{
			name:   "unknown method",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].Method = "FETCH" },
			want:   []Problem{{"steps[0].method", `unknown method "FETCH" (want GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS)`}},
		},
		{
			name:   "unknown action",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].Action = "send_email" },
			want:   []Problem{{"steps[0].action", `unknown action "send_email" (want http_request)`}},
		},
		{
			name:   "bad body_type",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].BodyType = "yaml" },
			want:   []Problem{{"steps[0].body_type", `unknown body type "yaml" (want none, json, form, xml or raw)`}},
		},
		{
			name:   "bad response_type",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].ResponseType = "csv" },
			want:   []Problem{{"steps[0].response_type", `unknown response type "csv" (want json, xml or raw)`}},
		},
		{
			name:   "timeout over 10m",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].Timeout = Duration(11 * time.Minute) },
			want:   []Problem{{"steps[0].timeout", "must be between 0 (default 30s) and 10m"}},
		},
		{
			name:   "negative timeout",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].Timeout = Duration(-time.Second) },
			want:   []Problem{{"steps[0].timeout", "must be between 0 (default 30s) and 10m"}},
		},
		{
			name:   "max_attempts over the limit",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].MaxAttempts = 21 },
			want:   []Problem{{"steps[0].max_attempts", "must be between 1 and 20 (0 means the default, 5)"}},
		},
		{
			name:   "negative max_attempts",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].MaxAttempts = -1 },
			want:   []Problem{{"steps[0].max_attempts", "must be between 1 and 20 (0 means the default, 5)"}},
		},
		{
			name:   "unknown connection",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].Connection = "evenbrite" },
			want:   []Problem{{"steps[0].connection", `no connection named "evenbrite"`}},
		},
		{
			name:   "missing url",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].URL = "  " },
			want:   []Problem{{"steps[0].url", "is required"}},
		},
		{
			name:   "missing step id",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].ID = "" },
			want:   []Problem{{"steps[0].id", "is required"}},
		},
		{
			name:   "step id that a pill cannot name",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Steps[0].ID = "get-order" },
			want:   []Problem{{"steps[0].id", `"get-order" must be letters, digits and underscores, not starting with a digit (it is used in pills)`}},
		},
		{
			name:   "raw body that is not a string",
			base:   jiraRecipe,
			mutate: func(d *Document) { d.Steps[0].BodyType = "raw" },
			want:   []Problem{{"steps[0].body", "a raw body must be a string"}},
		},
		{
			name: "form body that is not an object",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Steps[0].BodyType = "form"
				d.Steps[0].Body = json.RawMessage(`["a", "b"]`)
			},
			want: []Problem{{"steps[0].body", "a form body must be an object of fields"}},
		},
		{
			name: "verify hmac without secret or header",
			base: eventbriteRecipe,
			mutate: func(d *Document) {
				d.Trigger.Verify = &Verify{Scheme: "hmac-sha256"}
			},
			want: []Problem{
				{"trigger.verify.secret", "is required for hmac-sha256"},
				{"trigger.verify.header", "is required for hmac-sha256"},
			},
		},
		{
			name:   "verify basic without password",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Trigger.Verify = &Verify{Scheme: "basic", Username: "u"} },
			want:   []Problem{{"trigger.verify", "basic needs username and password"}},
		},
		{
			name:   "verify unknown scheme",
			base:   eventbriteRecipe,
			mutate: func(d *Document) { d.Trigger.Verify = &Verify{Scheme: "md5"} },
			want:   []Problem{{"trigger.verify.scheme", `unknown scheme "md5" (want hmac-sha256, standard-webhooks, basic, header or none)`}},
		},
		{
			name: "several problems at once, in document order",
			base: jiraRecipe,
			mutate: func(d *Document) {
				d.Name = ""
				d.Steps[0].Method = "FETCH"
				d.Steps[1].MaxAttempts = 99
			},
			want: []Problem{
				{"name", "is required"},
				{"steps[0].method", `unknown method "FETCH" (want GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS)`},
				{"steps[1].max_attempts", "must be between 1 and 20 (0 means the default, 5)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := mustDecode(t, tt.base(t))
			tt.mutate(&d)
			got := d.Validate(knownConnections("eventbrite", "jira"))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate:\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

// Problems whose message carries a parser's own words: the path is exact,
// the message is checked by its stable parts.
func TestValidateParseProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		base     func(testing.TB) []byte
		mutate   func(d *Document)
		path     string
		contains []string
	}{
		{
			name:     "invalid payload_example",
			base:     eventbriteRecipe,
			mutate:   func(d *Document) { d.Trigger.PayloadExample = `{"config": {"action": "order.placed",}}` },
			path:     "trigger.payload_example",
			contains: []string{"does not parse as json", "line 1"},
		},
		{
			name:     "payload_example that is not XML",
			base:     eventbriteRecipe,
			mutate:   func(d *Document) { d.Trigger.PayloadType = "xml" },
			path:     "trigger.payload_example",
			contains: []string{"does not parse as xml"},
		},
		{
			name:     "invalid response_example",
			base:     eventbriteRecipe,
			mutate:   func(d *Document) { d.Steps[0].ResponseExample = `{"id": ` },
			path:     "steps[0].response_example",
			contains: []string{"does not parse as json"},
		},
		{
			name:     "unclosed pill",
			base:     eventbriteRecipe,
			mutate:   func(d *Document) { d.Steps[0].URL = "{{trigger.api_url" },
			path:     "steps[0].url",
			contains: []string{"unclosed", "{{"},
		},
		{
			name:     "body that is not JSON",
			base:     jiraRecipe,
			mutate:   func(d *Document) { d.Steps[0].Body = json.RawMessage(`{"key": `) },
			path:     "steps[0].body",
			contains: []string{"is not valid JSON"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := mustDecode(t, tt.base(t))
			tt.mutate(&d)
			got := d.Validate(nil)
			if len(got) != 1 || got[0].Path != tt.path {
				t.Fatalf("Validate = %q, want one problem at %s", got, tt.path)
			}
			for _, s := range tt.contains {
				if !strings.Contains(got[0].Message, s) {
					t.Errorf("message %q does not contain %q", got[0].Message, s)
				}
			}
		})
	}
}

// A query payload example may be a query string or JSON.
func TestValidateQueryPayloadExample(t *testing.T) {
	t.Parallel()
	for _, ex := range []string{"?action=order.placed&id=7", "action=order.placed", `{"action": "order.placed"}`} {
		d := mustDecode(t, eventbriteRecipe(t))
		d.Trigger.PayloadType = "query"
		d.Trigger.PayloadExample = Example(ex)
		d.Steps[0].URL = "https://example.com/{{trigger.action}}"
		if ps := d.Validate(nil); len(ps) != 0 {
			t.Errorf("example %q: %v", ex, ps)
		}
	}
}

func TestDecodeUnknownFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []Problem
	}{
		{
			name: "misspelt method",
			doc:  `{"name": "x", "trigger": {"type": "manual"}, "steps": [{"id": "a", "metod": "POST", "url": "https://example.com"}]}`,
			want: []Problem{{"steps[0].metod", "unknown field"}},
		},
		{
			name: "second step",
			doc:  `{"name": "x", "trigger": {"type": "manual"}, "steps": [{"id": "a", "url": "u"}, {"id": "b", "url": "u", "header": {}}]}`,
			want: []Problem{{"steps[1].header", "unknown field"}},
		},
		{
			name: "everywhere, sorted within each object",
			doc: `{"nmae": "x", "trigger": {"type": "webhook", "evnt": "e", "verify": {"scheme": "hmac-sha256", "secrett": "s"}},
			       "steps": [{"id": "a", "url": "u", "timout": "1s", "body_typ": "json"}]}`,
			want: []Problem{
				{"nmae", "unknown field"},
				{"trigger.evnt", "unknown field"},
				{"trigger.verify.secrett", "unknown field"},
				{"steps[0].body_typ", "unknown field"},
				{"steps[0].timout", "unknown field"},
			},
		},
		{
			// The API strips the fields its view adds (apiview) before
			// Decode; the document itself knows only its own.
			name: "fields of the API's view are not the document's",
			doc:  `{"id": "r1", "name": "x", "state": "started", "trigger": {"type": "manual"}, "steps": []}`,
			want: []Problem{{"id", "unknown field"}, {"state", "unknown field"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, got := Decode([]byte(tt.doc))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode problems:\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeInvalidJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, contains string
	}{
		{"syntax error with its line", "{\n  \"name\": \"x\",\n  \"trigger\": {\"type\": \"manual\"\n}", "invalid JSON at line 4"},
		{"not an object", `["a"]`, "want"},
		{"trailing data", `{"name": "x"} {"name": "y"}`, "invalid JSON"},
		{"empty", ``, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, ps := Decode([]byte(tt.doc))
			if len(ps) != 1 || ps[0].Path != "" || !strings.Contains(ps[0].Message, tt.contains) {
				t.Errorf("Decode(%q) = %q, want one problem at the root containing %q", tt.doc, ps, tt.contains)
			}
		})
	}
}

// A value of the wrong type must be reported at its path, in the same form
// as every other problem ("steps[0].timeout"), so the UI can put it next to
// the field.
func TestDecodeTypeErrorPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, path, contains string
		alsoPath                  string // a coarser path that is accepted too
	}{
		{
			name:     "max_attempts as text",
			doc:      `{"name": "x", "trigger": {"type": "manual"}, "steps": [{"id": "a", "url": "u", "max_attempts": "five"}]}`,
			path:     "steps[0].max_attempts",
			contains: "want int",
		},
		{
			name:     "query value as a number",
			doc:      `{"name": "x", "trigger": {"type": "manual"}, "steps": [{"id": "a", "url": "u"}, {"id": "b", "url": "u", "query": {"page": 2}}]}`,
			path:     "steps[1].query.page",
			alsoPath: "steps[1].query",
			contains: "want string",
		},
		{
			name:     "timeout that is not a duration",
			doc:      `{"name": "x", "trigger": {"type": "manual"}, "steps": [{"id": "a", "url": "u", "timeout": "soon"}]}`,
			path:     "steps[0].timeout",
			contains: `"soon" is not a duration`,
		},
		{
			name:     "tolerance of the wrong type",
			doc:      `{"name": "x", "trigger": {"type": "webhook", "event": "e", "verify": {"scheme": "standard-webhooks", "secret": "s", "tolerance": true}}, "steps": []}`,
			path:     "trigger.verify.tolerance",
			contains: "duration",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, ps := Decode([]byte(tt.doc))
			if len(ps) != 1 || (ps[0].Path != tt.path && (tt.alsoPath == "" || ps[0].Path != tt.alsoPath)) || !strings.Contains(ps[0].Message, tt.contains) {
				t.Errorf("Decode = %q, want one problem at %q containing %q", ps, tt.path, tt.contains)
			}
		})
	}
}

func TestExampleUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, json string
		want       Example
	}{
		{"string, as the seed's YAML block gives it", `"{\"api_url\": \"https://x.io/\"}"`, `{"api_url": "https://x.io/"}`},
		{"JSON object kept as its text", `{"api_url": "https://x.io/", "n": [1, 2.5]}`, `{"api_url": "https://x.io/", "n": [1, 2.5]}`},
		{"JSON list", `[{"id": 1}]`, `[{"id": 1}]`},
		{"XML in a string", `"<order><id>7</id></order>"`, `<order><id>7</id></order>`},
		{"number", `42`, `42`},
		{"null is no example", `null`, ``},
		{"empty string", `""`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s struct {
				E Example `json:"e"`
			}
			if err := json.Unmarshal([]byte(`{"e": `+tt.json+`}`), &s); err != nil {
				t.Fatal(err)
			}
			if s.E != tt.want {
				t.Errorf("Example = %q, want %q", s.E, tt.want)
			}
		})
	}

	// Either form of the same example gives the same document.
	a, _ := Decode([]byte(`{"name": "x", "trigger": {"type": "webhook", "event": "e", "payload_example": {"id": 1}}, "steps": []}`))
	b, _ := Decode([]byte(`{"name": "x", "trigger": {"type": "webhook", "event": "e", "payload_example": "{\"id\": 1}"}, "steps": []}`))
	if a.Trigger.PayloadExample != b.Trigger.PayloadExample {
		t.Errorf("object example %q != string example %q", a.Trigger.PayloadExample, b.Trigger.PayloadExample)
	}
	// It is written back as a string.
	out, err := json.Marshal(a.Trigger)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"payload_example":"{\"id\": 1}"`) {
		t.Errorf("Marshal = %s", out)
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		json    string
		want    time.Duration
		wantErr bool
	}{
		{`"30s"`, 30 * time.Second, false},
		{`"1m30s"`, 90 * time.Second, false},
		{`"250ms"`, 250 * time.Millisecond, false},
		{`30`, 30 * time.Second, false},
		{`1.5`, 1500 * time.Millisecond, false},
		{`0`, 0, false},
		{`"soon"`, 0, true},
		{`"30"`, 0, true}, // a string must carry its unit
		{`true`, 0, true},
		{`{}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			t.Parallel()
			var d Duration
			err := json.Unmarshal([]byte(tt.json), &d)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, wantErr %v", tt.json, err, tt.wantErr)
			}
			if !tt.wantErr && time.Duration(d) != tt.want {
				t.Errorf("Unmarshal(%s) = %v, want %v", tt.json, time.Duration(d), tt.want)
			}
		})
	}

	b, err := json.Marshal(Step{ID: "a", Timeout: Duration(90 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"timeout":"1m30s"`) {
		t.Errorf("Marshal = %s, want timeout \"1m30s\"", b)
	}
	b, _ = json.Marshal(Step{ID: "a"})
	if strings.Contains(string(b), "timeout") {
		t.Errorf("a zero timeout is written: %s", b)
	}
}

func TestSplitSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		verify      *Verify
		wantVerify  *Verify
		wantSecrets Secrets
	}{
		{
			name:        "no verify",
			verify:      nil,
			wantVerify:  nil,
			wantSecrets: Secrets{},
		},
		{
			name:        "hmac secret",
			verify:      &Verify{Scheme: "hmac-sha256", Secret: "whsec_abc", Header: "X-Signature"},
			wantVerify:  &Verify{Scheme: "hmac-sha256", Secret: "set", Header: "X-Signature"},
			wantSecrets: Secrets{VerifySecret: "whsec_abc"},
		},
		{
			name:        "basic password, username is not secret",
			verify:      &Verify{Scheme: "basic", Username: "hook", Password: "pa55"},
			wantVerify:  &Verify{Scheme: "basic", Username: "hook", Password: "set"},
			wantSecrets: Secrets{VerifyPassword: "pa55"},
		},
		{
			name:        "none set stays empty",
			verify:      &Verify{Scheme: "none"},
			wantVerify:  &Verify{Scheme: "none"},
			wantSecrets: Secrets{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var orig *Verify
			if tt.verify != nil {
				v := *tt.verify
				orig = &v
			}
			d := Document{Name: "x", Trigger: Trigger{Type: TriggerWebhook, Verify: tt.verify}}
			pub, sec := d.SplitSecrets()
			if !reflect.DeepEqual(pub.Trigger.Verify, tt.wantVerify) {
				t.Errorf("document verify = %+v, want %+v", pub.Trigger.Verify, tt.wantVerify)
			}
			if sec != tt.wantSecrets {
				t.Errorf("secrets = %+v, want %+v", sec, tt.wantSecrets)
			}
			// The caller's document keeps its secrets.
			if !reflect.DeepEqual(d.Trigger.Verify, orig) {
				t.Errorf("SplitSecrets changed its input: %+v", d.Trigger.Verify)
			}
			// Nothing secret is left in the JSON of the public document.
			b, _ := json.Marshal(pub)
			for _, s := range []string{sec.VerifySecret, sec.VerifyPassword} {
				if s != "" && strings.Contains(string(b), s) {
					t.Errorf("public document %s holds secret %q", b, s)
				}
			}
		})
	}
}

func TestKeepSecrets(t *testing.T) {
	t.Parallel()
	old := Secrets{VerifySecret: "old-secret", VerifyPassword: "old-pass"}
	tests := []struct {
		name      string
		new, want Secrets
	}{
		{"both read back as set", Secrets{VerifySecret: "set", VerifyPassword: "set"}, old},
		{"a new secret replaces", Secrets{VerifySecret: "new-secret", VerifyPassword: "set"}, Secrets{VerifySecret: "new-secret", VerifyPassword: "old-pass"}},
		{"an empty value clears", Secrets{}, Secrets{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.new
			s.KeepSecrets(old)
			if s != tt.want {
				t.Errorf("KeepSecrets = %+v, want %+v", s, tt.want)
			}
		})
	}

	// The round trip an API client makes: read back, edit a field, save.
	d := mustDecode(t, eventbriteRecipe(t))
	d.Trigger.Verify = &Verify{Scheme: "hmac-sha256", Secret: "whsec_abc", Header: "X-Signature"}
	pub, stored := d.SplitSecrets()
	pub.Trigger.Verify.Header = "X-Hub-Signature"
	_, edited := pub.SplitSecrets()
	edited.KeepSecrets(stored)
	if edited.VerifySecret != "whsec_abc" {
		t.Errorf("after a round trip the secret is %q", edited.VerifySecret)
	}
}
