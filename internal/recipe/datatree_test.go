package recipe

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/patchbay/patchbay/internal/payload"
)

// leaf is the part of a payload.Field a test compares: samples are
// compared by their text, since numbers come back as json.Number.
type leaf struct {
	Path, Name, Type, Of, Format, Sample string
	Children                             int
}

func leafOf(f payload.Field) leaf {
	s := ""
	if f.Sample != nil {
		s = fmt.Sprint(f.Sample)
	}
	return leaf{Path: f.Path, Name: f.Name, Type: f.Type, Of: f.Of, Format: f.Format, Sample: s, Children: len(f.Fields)}
}

// flat lists every field of a tree, depth first.
func flat(fs []payload.Field) []leaf {
	var out []leaf
	for _, f := range fs {
		out = append(out, leafOf(f))
		out = append(out, flat(f.Fields)...)
	}
	return out
}

// find returns the field at path, searching the whole tree.
func find(fs []payload.Field, path string) (payload.Field, bool) {
	for _, f := range fs {
		if f.Path == path {
			return f, true
		}
		if g, ok := find(f.Fields, path); ok {
			return g, true
		}
	}
	return payload.Field{}, false
}

func TestBuildDatatreeEventbriteTrigger(t *testing.T) {
	t.Parallel()
	d := mustDecode(t, eventbriteRecipe(t))
	dt := d.BuildDatatree()
	want := []leaf{
		{Path: "config", Name: "config", Type: "object", Children: 4},
		{Path: "config.action", Name: "action", Type: "string", Sample: "order.placed"},
		{Path: "config.user_id", Name: "user_id", Type: "string", Sample: "144138753572"},
		{Path: "config.endpoint_url", Name: "endpoint_url", Type: "string", Format: "url",
			Sample: "https://www.workato.com/webhooks/rest/4c364864-e1f8-4c58-b6af-29127d1f6b60/order"},
		{Path: "config.webhook_id", Name: "webhook_id", Type: "string", Sample: "287968"},
		{Path: "api_url", Name: "api_url", Type: "string", Format: "url", Sample: "https://www.eventbriteapi.com/v3/orders/579759447/"},
	}
	if got := flat(dt.Trigger); !reflect.DeepEqual(got, want) {
		t.Errorf("trigger datatree:\n got  %+v\n want %+v", got, want)
	}
}

func TestBuildDatatreeEventbriteStep(t *testing.T) {
	t.Parallel()
	d := mustDecode(t, eventbriteRecipe(t))
	tree, ok := d.BuildDatatree().Steps["get_order"]
	if !ok {
		t.Fatal("no datatree for step get_order")
	}
	top := []leaf{leafOf(tree[0]), leafOf(tree[1])}
	wantTop := []leaf{
		{Path: "status", Name: "status", Type: "integer", Sample: "200"},
		{Path: "headers", Name: "headers", Type: "object"},
	}
	if !reflect.DeepEqual(top, wantTop) || len(tree) != 3 || tree[2].Path != "body" || tree[2].Type != "object" {
		t.Fatalf("step tree top level = %+v", flat(tree))
	}
	tests := []leaf{
		{Path: "body.costs", Name: "costs", Type: "object", Children: 5},
		{Path: "body.costs.base_price.display", Name: "display", Type: "string", Sample: "$0.00"},
		{Path: "body.costs.gross.value", Name: "value", Type: "integer", Sample: "0"},
		{Path: "body.id", Name: "id", Type: "string", Sample: "579759447"},
		{Path: "body.email", Name: "email", Type: "string", Format: "email", Sample: "huilin@workato.com"},
		{Path: "body.created", Name: "created", Type: "string", Format: "date-time", Sample: "2016-12-16T00:40:46Z"},
		{Path: "body.resource_uri", Name: "resource_uri", Type: "string", Format: "url", Sample: "https://www.eventbriteapi.com/v3/orders/579759447/"},
		{Path: "body.time_remaining", Name: "time_remaining", Type: "null"},
	}
	for _, want := range tests {
		f, ok := find(tree, want.Path)
		if !ok {
			t.Errorf("no field %s in %+v", want.Path, flat(tree))
			continue
		}
		if got := leafOf(f); got != want {
			t.Errorf("field %s = %+v, want %+v", want.Path, got, want)
		}
	}
	// The body's fields are listed in the example's order.
	var names []string
	for _, f := range tree[2].Fields {
		names = append(names, f.Name)
	}
	wantNames := []string{"costs", "resource_uri", "id", "changed", "created", "name", "first_name", "last_name", "email", "status", "time_remaining", "event_id"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("body fields %v, want %v", names, wantNames)
	}
}

func TestBuildDatatreeJIRAResponse(t *testing.T) {
	t.Parallel()
	d := mustDecode(t, jiraRecipe(t))
	dt := d.BuildDatatree()
	if len(dt.Trigger) != 0 || dt.Trigger == nil {
		t.Errorf("manual trigger without example: datatree %#v, want an empty list", dt.Trigger)
	}
	want := []leaf{
		{Path: "status", Name: "status", Type: "integer", Sample: "200"},
		{Path: "headers", Name: "headers", Type: "object"},
		{Path: "body", Name: "body", Type: "object", Children: 3},
		{Path: "body.self", Name: "self", Type: "string", Format: "url", Sample: "http://example/jira/rest/api/2/project/10042"},
		{Path: "body.id", Name: "id", Type: "integer", Sample: "10010"},
		{Path: "body.key", Name: "key", Type: "string", Sample: "EX"},
	}
	for _, id := range []string{"create_project", "get_project"} {
		if got := flat(dt.Steps[id]); !reflect.DeepEqual(got, want) {
			t.Errorf("step %s datatree:\n got  %+v\n want %+v", id, got, want)
		}
	}
	// The id keeps every digit of the example as a JSON number.
	f, _ := find(dt.Steps["create_project"], "body.id")
	if n, ok := f.Sample.(json.Number); !ok || n.String() != "10010" {
		t.Errorf("body.id sample = %#v, want json.Number 10010", f.Sample)
	}
}

func TestBuildDatatreeStepBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		step Step
		want []leaf // the body field and its descendants
	}{
		{
			name: "no example",
			step: Step{ID: "s", ResponseType: "json"},
			want: []leaf{{Path: "body", Name: "body", Type: "object"}},
		},
		{
			name: "raw response is text",
			step: Step{ID: "s", ResponseType: "raw", ResponseExample: `{"id": 1}`},
			want: []leaf{{Path: "body", Name: "body", Type: "string"}},
		},
		{
			name: "example that does not parse",
			step: Step{ID: "s", ResponseType: "json", ResponseExample: `{"id": `},
			want: []leaf{{Path: "body", Name: "body", Type: "object"}},
		},
		{
			name: "xml leaves are strings",
			step: Step{ID: "s", ResponseType: "xml", ResponseExample: `<order><id>7</id><email>a@example.com</email></order>`},
			want: []leaf{
				{Path: "body", Name: "body", Type: "object", Children: 1},
				{Path: "body.order", Name: "order", Type: "object", Children: 2},
				{Path: "body.order.id", Name: "id", Type: "string", Sample: "7"},
				{Path: "body.order.email", Name: "email", Type: "string", Format: "email", Sample: "a@example.com"},
			},
		},
		{
			name: "list inside an object",
			step: Step{ID: "s", ResponseType: "json", ResponseExample: `{"attendees": [{"email": "a@example.com"}]}`},
			want: []leaf{
				{Path: "body", Name: "body", Type: "object", Children: 1},
				{Path: "body.attendees", Name: "attendees", Type: "list", Of: "object", Children: 1},
				{Path: "body.attendees[].email", Name: "email", Type: "string", Format: "email", Sample: "a@example.com"},
			},
		},
		{
			// JIRA's GET /rest/api/2/project, the seed's connection test,
			// answers a list. The body is then a list, and its item fields
			// are at body[].<key> (DESIGN.md: "[]" for list items), which a
			// pill indexes as {{steps.s.body[0].key}}.
			name: "top-level list",
			step: Step{ID: "s", ResponseType: "json", ResponseExample: `[{"id": "10000", "key": "PPP"}]`},
			want: []leaf{
				{Path: "body", Name: "body", Type: "list", Of: "object", Children: 2},
				{Path: "body[].id", Name: "id", Type: "string", Sample: "10000"},
				{Path: "body[].key", Name: "key", Type: "string", Sample: "PPP"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Document{Steps: []Step{tt.step}}
			tree := d.BuildDatatree().Steps["s"]
			if len(tree) != 3 {
				t.Fatalf("step tree has %d fields, want status, headers, body", len(tree))
			}
			if got := flat(tree[2:]); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("body:\n got  %+v\n want %+v", got, tt.want)
			}
		})
	}
}

func TestBuildDatatreeTriggerFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, payloadType, example string
		want                       []leaf
	}{
		{
			name: "json object example", payloadType: "json", example: `{"id": 7, "price": 2.5, "vip": true}`,
			want: []leaf{
				{Path: "id", Name: "id", Type: "integer", Sample: "7"},
				{Path: "price", Name: "price", Type: "number", Sample: "2.5"},
				{Path: "vip", Name: "vip", Type: "boolean", Sample: "true"},
			},
		},
		{
			name: "xml", payloadType: "xml", example: `<order id="7"><email>a@example.com</email></order>`,
			want: nil, // checked below by path
		},
		{
			name: "form", payloadType: "form", example: `action=order.placed&id=7`,
			want: []leaf{
				{Path: "action", Name: "action", Type: "string", Sample: "order.placed"},
				{Path: "id", Name: "id", Type: "string", Sample: "7"},
			},
		},
		{
			name: "query string", payloadType: "query", example: `?action=order.placed&id=7`,
			want: []leaf{
				{Path: "action", Name: "action", Type: "string", Sample: "order.placed"},
				{Path: "id", Name: "id", Type: "string", Sample: "7"},
			},
		},
		{
			name: "query as JSON", payloadType: "query", example: `{"id": 7}`,
			want: []leaf{{Path: "id", Name: "id", Type: "integer", Sample: "7"}},
		},
		{
			name: "invalid example", payloadType: "json", example: `{"id": `,
			want: []leaf{},
		},
		{
			name: "blank example", payloadType: "json", example: " \n ",
			want: []leaf{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Document{Trigger: Trigger{Type: TriggerWebhook, Event: "e", PayloadType: tt.payloadType, PayloadExample: Example(tt.example)}}
			dt := d.BuildDatatree()
			if dt.Trigger == nil {
				t.Fatal("trigger datatree is nil, want a list")
			}
			if tt.want == nil {
				if _, ok := find(dt.Trigger, "order.email"); !ok {
					t.Errorf("no order.email in %+v", flat(dt.Trigger))
				}
				return
			}
			got := flat(dt.Trigger)
			if got == nil {
				got = []leaf{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("trigger datatree:\n got  %+v\n want %+v", got, tt.want)
			}
		})
	}
}

// The API returns the datatree as JSON: empty parts are [] and {}, never null.
func TestDatatreeJSON(t *testing.T) {
	t.Parallel()
	d := Document{Trigger: Trigger{Type: TriggerManual}}
	b, err := json.Marshal(d.BuildDatatree())
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"trigger":[],"steps":{}}` {
		t.Errorf("empty datatree = %s", b)
	}

	d = mustDecode(t, jiraRecipe(t))
	b, err = json.Marshal(d.BuildDatatree())
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Steps map[string][]struct {
			Path   string `json:"path"`
			Fields []struct {
				Path   string          `json:"path"`
				Type   string          `json:"type"`
				Sample json.RawMessage `json:"sample"`
			} `json:"fields"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	body := back.Steps["create_project"][2]
	if body.Path != "body" || len(body.Fields) != 3 || body.Fields[1].Path != "body.id" || string(body.Fields[1].Sample) != "10010" {
		t.Errorf("JSON datatree body = %+v", body)
	}
}
