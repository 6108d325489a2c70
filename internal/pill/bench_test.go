package pill

import "testing"

func benchRender(b *testing.B, src string) {
	env := testEnv(b)
	tmpl := MustCompile(src)
	if _, err := tmpl.Render(env); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Render(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderStatic(b *testing.B) {
	benchRender(b, "https://api.example.com/v1/orders?status=open")
}

func BenchmarkRenderPath(b *testing.B) {
	b.Run("lone", func(b *testing.B) {
		benchRender(b, "{{steps.get_order.body.items[0].sku}}")
	})
	b.Run("in text", func(b *testing.B) {
		benchRender(b, "{{trigger.api_url}}/orders/{{trigger.order.id}}?email={{steps.get_order.body.email}}")
	})
}

func BenchmarkRenderFormula(b *testing.B) {
	b.Run("upper", func(b *testing.B) {
		benchRender(b, "{{ upper(trigger.name) }}")
	})
	b.Run("arithmetic", func(b *testing.B) {
		benchRender(b, "{{ trigger.count + 1 }}")
	})
	b.Run("ternary in text", func(b *testing.B) {
		benchRender(b, `Dear {{ trigger.vip ? "VIP " + trigger.first : trigger.first }},`)
	})
}

func BenchmarkValueRender(b *testing.B) {
	env := testEnv(b)
	v, err := CompileValue(decode(b, `{
		"fields": {
			"summary": "Order {{trigger.order.id}} for {{trigger.first}}",
			"email": "{{steps.get_order.body.email}}",
			"quantity": "{{steps.get_order.body.items[0].qty}}",
			"labels": ["patchbay", "{{trigger.order.tags[0]}}"],
			"priority": {"name": "High"},
			"total": "{{ trigger.price * trigger.count }}"
		}
	}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Render(env); err != nil {
			b.Fatal(err)
		}
	}
}
