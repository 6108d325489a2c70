package pill

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// decode parses JSON the way the engine does: numbers stay json.Number.
func decode(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func testEnv(t testing.TB) Env {
	return Env{
		Trigger: decode(t, `{
			"api_url": "https://api.example.com",
			"first": "Ada", "last": "Lovelace", "name": "Ada",
			"count": 3, "price": 2.5, "ratio": "1.50",
			"amount": 1.50,
			"big": 9007199254740993,
			"vip": true, "note": null,
			"order": {"id": 7, "tags": ["a"]},
			"attendees": [{"email": "a@x.io"}, {"email": "b@x.io"}],
			"weird keys": {"content-type": "text/plain"}
		}`),
		Steps: map[string]any{
			"get_order": decode(t, `{
				"status": 200,
				"headers": {"content-type": "application/json"},
				"body": {"email": "c@x.io", "items": [{"sku": "k1", "qty": 2}]}
			}`),
			"typed": map[string]any{
				"headers": map[string][]string{"X-Id": {"42"}},
				"tags":    []string{"x", "y"},
			},
		},
	}
}

func TestRender(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		name, src string
		want      any
	}{
		{"static", "https://example.com/v1", "https://example.com/v1"},
		{"empty", "", ""},
		{"plain", "{{trigger.api_url}}", "https://api.example.com"},
		{"whitespace in braces", "{{  trigger.api_url\t}}", "https://api.example.com"},
		{"lone number keeps type", "{{trigger.count}}", json.Number("3")},
		{"lone object keeps type", "{{trigger.order}}", map[string]any{"id": json.Number("7"), "tags": []any{"a"}}},
		{"lone list keeps type", "{{trigger.order.tags}}", []any{"a"}},
		{"lone bool keeps type", "{{trigger.vip}}", true},
		{"lone null keeps type", "{{trigger.note}}", nil},
		{"whole trigger", "{{trigger}}", env.Trigger},
		{"text around gives string", "n={{trigger.count}}", "n=3"},
		{"space around gives string", " {{trigger.count}}", " 3"},
		{"two pills give string", "{{trigger.count}}{{trigger.count}}", "33"},
		{"list index", "{{trigger.attendees[1].email}}", "b@x.io"},
		{"step output", "{{steps.get_order.body.email}}", "c@x.io"},
		{"step list index", "{{ steps.get_order.body.items[0].sku }}", "k1"},
		{"quoted key", `{{steps.get_order.headers["content-type"]}}`, "application/json"},
		{"quoted key with space", `{{trigger["weird keys"]["content-type"]}}`, "text/plain"},
		{"quoted step id", `{{steps["get_order"].status}}`, json.Number("200")},
		{"typed header", `{{steps.typed.headers["X-Id"][0]}}`, "42"},
		{"typed slice", "{{steps.typed.tags[1]}}", "y"},
		{"object in text", "o={{trigger.order}}", `o={"id":7,"tags":["a"]}`},
		{"bool in text", "vip={{trigger.vip}}", "vip=true"},
		{"null in text", "x{{trigger.note}}y", "xy"},
		{"json number text unchanged", "{{trigger.amount}}!", "1.50!"},
		{"big number exact typed", "{{trigger.big}}", json.Number("9007199254740993")},
		{"big number exact in text", "id={{trigger.big}}", "id=9007199254740993"},
		{"big number exact in formula", "{{ trigger.big + 0 }}", 9007199254740993},
		{"upper", "{{ upper(trigger.name) }}", "ADA"},
		{"lower", "{{lower(trigger.name)}}", "ada"},
		{"arithmetic on json.Number", "{{ trigger.count + 1 }}", 4},
		{"float arithmetic", "{{ trigger.price * 2 }}", 5.0},
		{"float in text", "total: {{ trigger.price * 2 }}", "total: 5"},
		{"concat", `{{ trigger.first + " " + trigger.last }}`, "Ada Lovelace"},
		{"ternary", `{{ trigger.count > 2 ? "many" : "few" }}`, "many"},
		{"formula on step", "{{ upper(steps.get_order.body.email) }}", "C@X.IO"},
		{"formula gives list", "{{ map(steps.get_order.body.items, .qty * 10) }}", []any{20}},
		{"formula map literal", `{{ {"a": {"b": 1}} }}`, map[string]any{"a": map[string]any{"b": 1}}},
		{"braces in formula string", `{{ "}}" }}`, "}}"},
		{"dynamic index", "{{ trigger.attendees[trigger.count - 2].email }}", "b@x.io"},
		{"optional access", "{{ trigger?.missing ?? \"none\" }}", "none"},
		{"optional after present", "{{ trigger.order?.nope }}", nil},
		{"null is not missing in formula", "{{ trigger.note == nil }}", true},
		{"url encode", "q={{ urlEncode(trigger.first + \" & co\") }}", "q=Ada+%26+co"},
		{"date", `{{ date("2024-01-02") }}`, "2024-01-02T00:00:00Z"},
		{"stray closing braces are text", "a }} b", "a }} b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.src, err)
			}
			got, err := tmpl.Render(env)
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.src, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Render(%q) = %#v (%T), want %#v (%T)", tt.src, got, got, tt.want, tt.want)
			}
		})
	}
}

func TestRenderString(t *testing.T) {
	env := testEnv(t)
	tests := []struct{ src, want string }{
		{"plain text", "plain text"},
		{"{{trigger.first}}", "Ada"},
		{"{{trigger.count}}", "3"},
		{"{{trigger.amount}}", "1.50"},
		{"{{trigger.big}}", "9007199254740993"},
		{"{{trigger.vip}}", "true"},
		{"{{trigger.note}}", ""},
		{"{{trigger.order}}", `{"id":7,"tags":["a"]}`},
		{"{{trigger.attendees}}", `[{"email":"a@x.io"},{"email":"b@x.io"}]`},
		{"{{ trigger.count + 1 }}", "4"},
		{"{{ trigger.price / 4 }}", "0.625"},
		{"{{ 1e21 * 1.0 }}", "1e+21"},
		{"{{ 0.0000001 * 1.0 }}", "1e-7"},
		{"{{ trigger.count > 5 }}", "false"},
		{`{{ "<a&b>" }}`, "<a&b>"},
		{`{{ {"html": "<b>"} }}`, `{"html":"<b>"}`},
		{"{{ split(\"a,b\", \",\") }}", `["a","b"]`},
		{"{{steps.typed.headers}}", `{"X-Id":["42"]}`},
	}
	for _, tt := range tests {
		got, err := MustCompile(tt.src).RenderString(env)
		if err != nil {
			t.Errorf("RenderString(%q): %v", tt.src, err)
			continue
		}
		if got != tt.want {
			t.Errorf("RenderString(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestMissing(t *testing.T) {
	env := testEnv(t)
	tests := []struct{ src, path, want string }{
		{"{{trigger.order.nope}}", "trigger.order.nope",
			`pill {{trigger.order.nope}}: trigger.order has no field "nope"`},
		{"id: {{ trigger.order.id.x }}", "trigger.order.id.x",
			`pill {{ trigger.order.id.x }}: trigger.order.id is a number, not an object`},
		{"{{trigger.attendees[5].email}}", "trigger.attendees[5]",
			`pill {{trigger.attendees[5].email}}: trigger.attendees has no index 5 (it has 2 items)`},
		{"{{trigger.order[0]}}", "trigger.order[0]",
			`pill {{trigger.order[0]}}: trigger.order is an object, not a list`},
		{"{{trigger.note.x}}", "trigger.note.x",
			`pill {{trigger.note.x}}: trigger.note is null, not an object`},
		{"{{trigger.first[0]}}", "trigger.first[0]",
			`pill {{trigger.first[0]}}: trigger.first is a string, not a list`},
		{"{{steps.get_ordr.body.id}}", "steps.get_ordr",
			`pill {{steps.get_ordr.body.id}}: steps has no step "get_ordr"`},
		{`{{steps.typed.headers["X-Nope"]}}`, `steps.typed.headers["X-Nope"]`,
			`pill {{steps.typed.headers["X-Nope"]}}: steps.typed.headers has no field "X-Nope"`},
		{"{{ upper(trigger.nme) }}", "trigger.nme",
			`pill {{ upper(trigger.nme) }}: trigger has no field "nme"`},
		{"{{ trigger.vip ? 1 : trigger.order.nope }}", "trigger.order.nope",
			`pill {{ trigger.vip ? 1 : trigger.order.nope }}: trigger.order has no field "nope"`},
		{"{{ trigger.nope ?? 1 }}", "trigger.nope",
			`pill {{ trigger.nope ?? 1 }}: trigger has no field "nope"`},
		{"{{ steps.nope.body }}", "steps.nope",
			`pill {{ steps.nope.body }}: steps has no step "nope"`},
	}
	for _, tt := range tests {
		tmpl := MustCompile(tt.src)
		for name, render := range map[string]func(Env) (any, error){
			"Render": tmpl.Render,
			"RenderString": func(env Env) (any, error) {
				return tmpl.RenderString(env)
			},
		} {
			got, err := render(env)
			var me *MissingError
			if !errors.As(err, &me) {
				t.Errorf("%s(%q) = %#v, %v; want a *MissingError", name, tt.src, got, err)
				continue
			}
			if err.Error() != tt.want {
				t.Errorf("%s(%q) error = %q, want %q", name, tt.src, err, tt.want)
			}
			if me.Path != tt.path {
				t.Errorf("%s(%q) error path = %q, want %q", name, tt.src, me.Path, tt.path)
			}
			if !strings.HasPrefix(me.Pill, "{{") || !strings.HasSuffix(me.Pill, "}}") || !strings.Contains(tt.src, me.Pill) {
				t.Errorf("%s(%q) error pill = %q, not the pill as written", name, tt.src, me.Pill)
			}
		}
	}
}

func TestNilEnv(t *testing.T) {
	got, err := MustCompile("{{trigger}}").Render(Env{})
	if err != nil || got != nil {
		t.Errorf("Render({{trigger}}) on empty env = %#v, %v; want nil, nil", got, err)
	}
	_, err = MustCompile("{{trigger.x}}").Render(Env{})
	if err == nil || err.Error() != `pill {{trigger.x}}: trigger is null, not an object` {
		t.Errorf("Render({{trigger.x}}) on empty env: %v", err)
	}
}

func TestFormulaErrors(t *testing.T) {
	env := testEnv(t)
	tests := []struct{ src, want string }{
		{"{{ 1 / 0 }}", "pill {{ 1 / 0 }}: the result is not a finite number"},
		{`{{ trigger.first + trigger.count }}`, "pill {{ trigger.first + trigger.count }}: invalid operation"},
		{`{{ repeat(repeat("x", 999999), 999999) }}`, "formula budget exceeded: repeat would produce more than 16777216 bytes"},
		{"{{ 1..100000000 }}", "formula budget exceeded: the range 1..100000000 has more than"},
		{`{{ urlDecode("%zz") }}`, "invalid URL escape"},
	}
	for _, tt := range tests {
		_, err := MustCompile(tt.src).Render(env)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Render(%q) error = %v, want it to contain %q", tt.src, err, tt.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		want   string
	}{
		{"a {{ trigger.x", 2, `unclosed "{{" at offset 2`},
		{`{{ trigger["x }}`, 0, `unclosed "{{" (a quoted string inside it is never closed) at offset 0`},
		{"x {{ }} y", 2, "pill {{ }}: nothing between the braces (offset 2)"},
		{"{{}}", 0, "pill {{}}: nothing between the braces (offset 0)"},
		{"héé {{ foo.bar }}", 7, "pill {{ foo.bar }}: unknown name foo (data references start with trigger, steps or cursor) (offset 7)"},
		{"{{ upper(trigger.x }}", 17, "pill {{ upper(trigger.x }}: unexpected token EOF (offset 17)"},
		{"{{ steps }}", 3, "pill {{ steps }}: steps must be followed by a step id, as in steps.my_step.body (offset 3)"},
		{"{{ steps[0].body }}", 3, "pill {{ steps[0].body }}: steps must be followed by a step id, as in steps.my_step.body (offset 3)"},
		{"{{ $env.trigger }}", 3, "pill {{ $env.trigger }}: $env is not available; data references start with trigger, steps or cursor (offset 3)"},
		{"{{ let steps = 1; steps }}", 7, "pill {{ let steps = 1; steps }}: cannot use steps as a variable name (offset 7)"},
		{`{{ timezone("UTC") }}`, 3, "unknown name timezone"},
		{`{{ date("2024-01-02", "2006-01-02", "Europe/Paris") }}`, 3, "too many arguments"},
		{"{{steps.typed.headers.X-Id}}", 24, "unknown name Id"}, // dashed keys need ["X-Id"],
		{"{{ " + strings.Repeat("1+", 1000) + "1 }}", 0, "exceeds maximum allowed nodes"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q) = %v, want a *SyntaxError", tt.src, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%q) error = %q, want %q", tt.src, err, tt.want)
		}
		if tt.offset > 0 && se.Offset != tt.offset {
			t.Errorf("Compile(%q) error offset = %d, want %d", tt.src, se.Offset, tt.offset)
		}
	}
}

func TestMustCompilePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustCompile of a bad template did not panic")
		}
	}()
	MustCompile("{{")
}

func TestRefs(t *testing.T) {
	tmpl := MustCompile(`{{trigger.api_url}}/orders/{{ steps.get_order.body.items[0].sku }}?q={{ upper(steps.search.body["query"]) + trigger.attendees[trigger.count].email }}&all={{trigger}}`)
	formula := `{{ upper(steps.search.body["query"]) + trigger.attendees[trigger.count].email }}`
	want := []Ref{
		{Text: "{{trigger.api_url}}", Root: "trigger", Path: "api_url"},
		{Text: "{{ steps.get_order.body.items[0].sku }}", Root: "steps", Step: "get_order", Path: "body.items[0].sku"},
		{Text: formula, Root: "steps", Step: "search", Path: "body.query"},
		{Text: formula, Root: "trigger", Path: "attendees"},
		{Text: formula, Root: "trigger", Path: "count"},
		{Text: "{{trigger}}", Root: "trigger", Path: ""},
	}
	if got := tmpl.Refs(); !reflect.DeepEqual(got, want) {
		t.Errorf("Refs() =\n%+v\nwant\n%+v", got, want)
	}
	got := MustCompile(`{{ trigger["content-type"] }}`).Refs()
	if len(got) != 1 || got[0].Path != `["content-type"]` {
		t.Errorf("Refs() of a quoted key = %+v", got)
	}
	if got := MustCompile("no pills").Refs(); len(got) != 0 {
		t.Errorf("Refs() of static text = %+v", got)
	}
}

func TestStaticAndSource(t *testing.T) {
	for src, static := range map[string]bool{
		"":                   true,
		"https://x.io/a":     true,
		"a }} b { c":         true,
		"{{trigger.x}}":      false,
		"a {{ 1 + 1 }} b":    false,
		"{{ \"constant\" }}": false,
	} {
		tmpl := MustCompile(src)
		if tmpl.Static() != static {
			t.Errorf("Static(%q) = %v, want %v", src, tmpl.Static(), static)
		}
		if tmpl.Source() != src {
			t.Errorf("Source() = %q, want %q", tmpl.Source(), src)
		}
	}
}

func TestAllocations(t *testing.T) {
	env := testEnv(t)
	for src, max := range map[string]float64{
		"https://example.com/v1/orders":  0,
		"{{steps.get_order.body.email}}": 0,
		"{{trigger.attendees[1].email}}": 0,
	} {
		tmpl := MustCompile(src)
		if n := testing.AllocsPerRun(100, func() { _, _ = tmpl.Render(env) }); n > max {
			t.Errorf("Render(%q) allocates %v times, want at most %v", src, n, max)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = tmpl.RenderString(env) }); n > max {
			t.Errorf("RenderString(%q) allocates %v times, want at most %v", src, n, max)
		}
	}
}

func TestConcurrentRender(t *testing.T) {
	env := testEnv(t)
	tmpl := MustCompile("{{ upper(trigger.name) }}-{{ trigger.count + 1 }}-{{steps.get_order.body.email}}")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				got, err := tmpl.RenderString(env)
				if err != nil || got != "ADA-4-c@x.io" {
					t.Errorf("RenderString = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestFormulaDoesNotMutateData(t *testing.T) {
	env := testEnv(t)
	before, _ := json.Marshal(env.Trigger)
	if _, err := MustCompile("{{ map(trigger.attendees, .email) }} {{ trigger.order }}").Render(env); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(env.Trigger)
	if string(before) != string(after) {
		t.Errorf("data changed:\n%s\n%s", before, after)
	}
	order := env.Trigger.(map[string]any)["order"].(map[string]any)
	if _, ok := order["id"].(json.Number); !ok {
		t.Errorf("json.Number in data was replaced by %T", order["id"])
	}
}
