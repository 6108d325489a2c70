package payload

import (
	"encoding/json"
	"testing"
)

const eventbrite = `{"config": {"action":"order.placed","user_id":"144138753572","endpoint_url":"https://www.workato.com/webhooks/rest/4c364864-e1f8-4c58-b6af-29127d1f6b60/order","webhook_id":"287968"},"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/"}`

func TestInferJSONEventbrite(t *testing.T) {
	got, err := InferJSON([]byte(eventbrite))
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{Path: "config", Name: "config", Type: "object", Fields: []Field{
			{Path: "config.action", Name: "action", Type: "string", Sample: "order.placed"},
			{Path: "config.user_id", Name: "user_id", Type: "string", Sample: "144138753572"},
			{Path: "config.endpoint_url", Name: "endpoint_url", Type: "string", Format: "url", Sample: "https://www.workato.com/webhooks/rest/4c364864-e1f8-4c58-b6af-29127d1f6b60/order"},
			{Path: "config.webhook_id", Name: "webhook_id", Type: "string", Sample: "287968"},
		}},
		{Path: "api_url", Name: "api_url", Type: "string", Format: "url", Sample: "https://www.eventbriteapi.com/v3/orders/579759447/"},
	}
	assertFields(t, got, want)
}

func TestInferJSONListMerge(t *testing.T) {
	in := `{"attendees":[
		{"email":"a@example.com","age":30,"tags":["x"],"addr":{"city":"Oslo"}},
		{"email":"b@example.com","age":null,"vip":true,"addr":{"city":"Rome","zip":"00100"}},
		null,
		{"email":"c@example.com","age":31.5,"tags":[1,"y"]}
	],"ids":[1,2.5],"when":"2024-05-01T10:00:00Z","none":null,"empty":[]}`
	got, err := InferJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{Path: "attendees", Name: "attendees", Type: "list", Of: "object", Fields: []Field{
			{Path: "attendees[].email", Name: "email", Type: "string", Format: "email", Sample: "a@example.com"},
			{Path: "attendees[].age", Name: "age", Type: "number", Sample: json.Number("30")},
			{Path: "attendees[].tags", Name: "tags", Type: "list", Of: "mixed", Optional: true},
			{Path: "attendees[].addr", Name: "addr", Type: "object", Optional: true, Fields: []Field{
				{Path: "attendees[].addr.city", Name: "city", Type: "string", Sample: "Oslo"},
				{Path: "attendees[].addr.zip", Name: "zip", Type: "string", Optional: true, Sample: "00100"},
			}},
			{Path: "attendees[].vip", Name: "vip", Type: "boolean", Optional: true, Sample: true},
		}},
		{Path: "ids", Name: "ids", Type: "list", Of: "number"},
		{Path: "when", Name: "when", Type: "string", Format: "date-time", Sample: "2024-05-01T10:00:00Z"},
		{Path: "none", Name: "none", Type: "null"},
		{Path: "empty", Name: "empty", Type: "list"},
	}
	assertFields(t, got, want)
}

func TestInferTypes(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want []Field
	}{
		{name: "scalar top level", in: "x", want: nil},
		{name: "sorted map keys and number text", in: map[string]any{"b": json.Number("1e3"), "a": json.Number("144138753572"), "c": 2.0, "d": 2.5},
			want: []Field{
				{Path: "a", Name: "a", Type: "integer", Sample: json.Number("144138753572")},
				{Path: "b", Name: "b", Type: "number", Sample: json.Number("1e3")},
				{Path: "c", Name: "c", Type: "integer", Sample: 2.0},
				{Path: "d", Name: "d", Type: "number", Sample: 2.5},
			}},
		{name: "top-level list of objects", in: []any{map[string]any{"id": "x"}, map[string]any{}},
			want: []Field{{Path: "[].id", Name: "id", Type: "string", Optional: true, Sample: "x"}}},
		{name: "top-level list of scalars", in: []any{"a", "b"}, want: []Field{{Path: "[]", Name: "[]", Type: "string"}}},
		{name: "list of lists", in: map[string]any{"m": []any{[]any{map[string]any{"v": true}}}},
			want: []Field{{Path: "m", Name: "m", Type: "list", Of: "list", Fields: []Field{
				{Path: "m[][].v", Name: "v", Type: "boolean", Sample: true},
			}}}},
		{name: "type of first non-null wins", in: []any{map[string]any{"x": nil}, map[string]any{"x": "s"}, map[string]any{"x": true}},
			want: []Field{{Path: "[].x", Name: "x", Type: "string", Sample: "s"}}},
		{name: "formats", in: map[string]any{"e": "Not Mail <a@b.c>", "u": "ftp://x", "d": "2024-13-01T00:00:00Z", "m": "ME@Example.COM"},
			want: []Field{
				{Path: "d", Name: "d", Type: "string", Sample: "2024-13-01T00:00:00Z"},
				{Path: "e", Name: "e", Type: "string", Sample: "Not Mail <a@b.c>"},
				{Path: "m", Name: "m", Type: "string", Format: "email", Sample: "ME@Example.COM"},
				{Path: "u", Name: "u", Type: "string", Sample: "ftp://x"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFields(t, Infer(tt.in), tt.want)
		})
	}
}

func TestInferXML(t *testing.T) {
	in := `<order id="7"><total currency="USD">12.50</total><item><sku>A</sku></item><item><sku>B</sku><qty>2</qty></item><created>2024-05-01T10:00:00+02:00</created></order>`
	got, err := InferXML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{{Path: "order", Name: "order", Type: "object", Fields: []Field{
		{Path: "order.@id", Name: "@id", Type: "string", Sample: "7"},
		{Path: "order.total", Name: "total", Type: "object", Fields: []Field{
			{Path: "order.total.@currency", Name: "@currency", Type: "string", Sample: "USD"},
			{Path: "order.total.#text", Name: "#text", Type: "string", Sample: "12.50"},
		}},
		{Path: "order.item", Name: "item", Type: "list", Of: "object", Fields: []Field{
			{Path: "order.item[].sku", Name: "sku", Type: "string", Sample: "A"},
			{Path: "order.item[].qty", Name: "qty", Type: "string", Optional: true, Sample: "2"},
		}},
		{Path: "order.created", Name: "created", Type: "string", Format: "date-time", Sample: "2024-05-01T10:00:00+02:00"},
	}}}
	assertFields(t, got, want)
}

func TestInferErrors(t *testing.T) {
	if _, err := InferJSON([]byte(`{"a":1}}`)); err == nil {
		t.Error("InferJSON accepted trailing data")
	}
	if _, err := InferXML([]byte(`<!DOCTYPE a><a/>`)); err == nil {
		t.Error("InferXML accepted a DOCTYPE")
	}
}

// assertFields compares datatrees through their JSON form, which is what
// clients see and what shows the difference most readably.
func assertFields(t *testing.T, got, want []Field) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) != string(w) {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}
