package pill

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValueRender(t *testing.T) {
	env := testEnv(t)
	doc := decode(t, `{
		"url": "{{trigger.api_url}}/orders/{{trigger.order.id}}",
		"body": {
			"count": "{{trigger.count}}",
			"order": "{{trigger.order}}",
			"vip": "{{trigger.vip}}",
			"note": "{{trigger.note}}",
			"label": "Order {{trigger.order.id}}",
			"total": "{{ trigger.price * trigger.count }}",
			"emails": ["{{trigger.attendees[0].email}}", "static", 5, true, null],
			"{{trigger.first}}": "keys are not templates",
			"big": "{{trigger.big}}",
			"padded": " {{trigger.count}}"
		},
		"n": 1.25
	}`)
	v, err := CompileValue(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"url": "https://api.example.com/orders/7",
		"body": map[string]any{
			"count":             json.Number("3"),
			"order":             map[string]any{"id": json.Number("7"), "tags": []any{"a"}},
			"vip":               true,
			"note":              nil,
			"label":             "Order 7",
			"total":             7.5,
			"emails":            []any{"a@x.io", "static", json.Number("5"), true, nil},
			"{{trigger.first}}": "keys are not templates",
			"big":               json.Number("9007199254740993"),
			"padded":            " 3",
		},
		"n": json.Number("1.25"),
	}
	if !reflect.DeepEqual(got, want) {
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		t.Errorf("Render =\n%s\nwant\n%s", gotJSON, wantJSON)
	}

	// The result is a new tree: changing it must not change the next render.
	got.(map[string]any)["body"].(map[string]any)["emails"].([]any)[1] = "changed"
	got.(map[string]any)["url"] = "changed"
	again, err := v.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, want) {
		t.Errorf("second Render saw changes made to the first result: %v", again)
	}
}

func TestValueScalars(t *testing.T) {
	env := testEnv(t)
	for _, in := range []any{nil, true, 1.5, 7, int64(8), json.Number("9"), "plain", "{{trigger.count}}"} {
		v, err := CompileValue(in)
		if err != nil {
			t.Fatalf("CompileValue(%#v): %v", in, err)
		}
		got, err := v.Render(env)
		if err != nil {
			t.Fatalf("Render(%#v): %v", in, err)
		}
		want := in
		if in == "{{trigger.count}}" {
			want = json.Number("3")
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Render(%#v) = %#v", in, got)
		}
	}
}

func TestCompileValueErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"body": {"fields": {"summary": "abc{{"}}}`, `body.fields.summary: unclosed "{{" at offset 3`},
		{`{"items": [1, {"x": "{{ }}"}]}`, `items[1].x: pill {{ }}: nothing between the braces (offset 0)`},
		{`{"headers": {"content-type": "{{ nope }}"}}`, `headers["content-type"]: pill {{ nope }}: unknown name nope`},
		{`"{{ steps }}"`, `pill {{ steps }}: steps must be followed by a step id`},
	}
	for _, tt := range tests {
		_, err := CompileValue(decode(t, tt.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("CompileValue(%s) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("CompileValue(%s) error = %q, want %q", tt.in, err, tt.want)
		}
	}
	_, err := CompileValue(map[string]any{"bad": struct{}{}})
	if err == nil || err.Error() != "bad: unsupported value of type struct {}" {
		t.Errorf("CompileValue of a struct: %v", err)
	}
}

func TestValueRenderMissing(t *testing.T) {
	v, err := CompileValue(decode(t, `{"body": {"list": ["ok", "{{trigger.order.nope}}"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Render(testEnv(t))
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("Render = %v, want a *MissingError", err)
	}
	want := `body.list[1]: pill {{trigger.order.nope}}: trigger.order has no field "nope"`
	if err.Error() != want {
		t.Errorf("Render error = %q, want %q", err, want)
	}
	if me.Pill != "{{trigger.order.nope}}" || me.Path != "trigger.order.nope" {
		t.Errorf("MissingError = %+v", me)
	}
}

func TestValueRefs(t *testing.T) {
	v, err := CompileValue(decode(t, `{
		"b": ["{{steps.two.body.id}}", "{{ trigger.x + trigger.y }}"],
		"a": "{{trigger.first}}",
		"c": {"{{trigger.key}}": "static"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Ref{
		{Text: "{{trigger.first}}", Root: "trigger", Path: "first"},
		{Text: "{{steps.two.body.id}}", Root: "steps", Step: "two", Path: "body.id"},
		{Text: "{{ trigger.x + trigger.y }}", Root: "trigger", Path: "x"},
		{Text: "{{ trigger.x + trigger.y }}", Root: "trigger", Path: "y"},
	}
	if got := v.Refs(); !reflect.DeepEqual(got, want) {
		t.Errorf("Refs() =\n%+v\nwant\n%+v", got, want)
	}
}
