package pill

import "testing"

// BenchmarkCompileFormula is what saving or loading a recipe pays for each
// formula pill.
func BenchmarkCompileFormula(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`{{ trigger.vip ? "VIP " + upper(trigger.first) : trigger.first }}`); err != nil {
			b.Fatal(err)
		}
	}
}
