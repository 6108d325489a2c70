package pill

import (
	"errors"
	"testing"
)

// FuzzCompileRender checks that no template text makes Compile or rendering
// panic, and that failures come back as the documented error types.
func FuzzCompileRender(f *testing.F) {
	for _, seed := range []string{
		"",
		"plain",
		"{{trigger.api_url}}/x",
		"{{ steps.get_order.body.items[0].sku }}",
		`{{steps.get_order.headers["content-type"]}}`,
		"{{ upper(trigger.name) + lower(trigger.first) }}",
		"{{ trigger.count + 1 }} {{ trigger.price * 2 }}",
		`{{ trigger.vip ? "a" : trigger.order?.id ?? "b" }}`,
		`{{ map(trigger.attendees, .email) }}`,
		`{{ {"a": {"b": "}}"}} }}`,
		"{{", "}}", "{{}}", "{{ }", "{{ ' }}", "{{ steps }}", "{{ $env }}",
		"{{ trigger.attendees[-1] }}", "{{ 1..10 }}", "{{ let x = trigger; x.count }}",
		"{{trigger.a[99999999999999999999]}}",
		"{{cursor}}", `{{ cursor ?? "0" }}`, "{{cursor.x[0]}}",
	} {
		f.Add(seed)
	}
	env := testEnv(f)
	f.Fuzz(func(t *testing.T, src string) {
		tmpl, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) error %v is not a *SyntaxError", src, err)
			}
			return
		}
		if tmpl.Source() != src {
			t.Fatalf("Source() = %q, want %q", tmpl.Source(), src)
		}
		_ = tmpl.Refs()
		if _, err := tmpl.Render(env); err == nil {
			if _, err := tmpl.RenderString(env); err != nil {
				t.Fatalf("Render(%q) succeeded but RenderString failed: %v", src, err)
			}
		}
		if v, err := CompileValue(map[string]any{"k": []any{src}}); err == nil {
			_, _ = v.Render(env)
		}
	})
}
