package recipe

import (
	"strings"
	"testing"
)

func TestValidateSizeLimits(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 1<<20)
	tests := []struct {
		name     string
		mutate   func(d *Document)
		path     string
		contains string
	}{
		{"a 1 MB recipe name", func(d *Document) { d.Name = huge }, "name", "longer than 200 characters"},
		{"201 characters of a name", func(d *Document) { d.Name = strings.Repeat("é", 201) }, "name", "longer than 200 characters"},
		{"a long step name", func(d *Document) { d.Steps[1].Name = strings.Repeat("n", 201) }, "steps[1].name", "longer than 200"},
		{"a long step id", func(d *Document) { d.Steps[0].ID = strings.Repeat("a", 201) }, "steps[0].id", "longer than 200"},
		{"a long connection name", func(d *Document) { d.Steps[0].Connection = huge }, "steps[0].connection", "longer than 200"},
		{"a 1 MB url", func(d *Document) { d.Steps[0].URL = huge }, "steps[0].url", "more than the 8192 allowed"},
		{"a nested-formula url of 1.4 MB", func(d *Document) {
			d.Steps[0].URL = "{{" + strings.Repeat("(", 700_000) + strings.Repeat(")", 700_000) + "}}"
		}, "steps[0].url", "more than the 8192 allowed"},
		{"a 1 MB response example", func(d *Document) { d.Steps[1].ResponseExample = Example(huge) }, "steps[1].response_example", "more than the 262144 allowed"},
		{"a 1 MB payload example", func(d *Document) { d.Trigger.PayloadExample = Example(huge) }, "trigger.payload_example", "more than the 262144 allowed"},
		{"a 1 MB body", func(d *Document) { d.Steps[0].Body = []byte(`"` + huge + `"`) }, "steps[0].body", "more than the 262144 allowed"},
		{"a 1 MB header value", func(d *Document) { d.Steps[0].Headers = map[string]string{"X-Big": huge} }, "steps[0].headers.X-Big", "more than the 8192 allowed"},
		{"too many query entries", func(d *Document) {
			d.Steps[0].Query = map[string]string{}
			for i := range MaxEntries + 1 {
				d.Steps[0].Query[strings.Repeat("q", i+1)] = "v"
			}
		}, "steps[0].query", "101 entries, more than the 100 allowed"},
		{"2,001 pills", func(d *Document) {
			d.Steps[0].URL = "https://x.io/" + strings.Repeat("{{1}}", 1000)
			d.Steps[0].Headers = map[string]string{"X-A": strings.Repeat("{{2}}", 1001)}
		}, "", "has 2004 pills ({{), more than the 2000 a recipe may hold"},
		{"10,000 steps", func(d *Document) {
			s := d.Steps[1]
			for range 10_000 {
				d.Steps = append(d.Steps, s)
			}
		}, "steps", "more than the 1000 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := mustDecode(t, jiraRecipe(t))
			tt.mutate(&d)
			ps := d.Validate(nil)
			if len(ps) == 0 {
				t.Fatal("Validate found nothing wrong")
			}
			if ps[0].Path != tt.path || !strings.Contains(ps[0].Message, tt.contains) {
				t.Fatalf("Validate = %v, want %s: …%s…", ps, tt.path, tt.contains)
			}
			if len(ps[0].Message) > 200 {
				t.Errorf("the message is %d bytes; it must not repeat the value", len(ps[0].Message))
			}
		})
	}
}

func TestValidateSizeLimitsListAtMostTwenty(t *testing.T) {
	t.Parallel()
	d := mustDecode(t, jiraRecipe(t))
	s := d.Steps[1]
	s.Name = strings.Repeat("n", 300)
	for range MaxSteps - 2 {
		d.Steps = append(d.Steps, s)
	}
	ps := d.Validate(nil)
	if len(ps) != maxLimitProblems {
		t.Fatalf("%d problems, want %d", len(ps), maxLimitProblems)
	}
	if last := ps[len(ps)-1]; !strings.Contains(last.Message, "and 979 more fields over their size limits") {
		t.Fatalf("last problem = %v", last)
	}
}

func TestValidateAtTheLimits(t *testing.T) {
	t.Parallel()
	d := mustDecode(t, jiraRecipe(t))
	d.Name = strings.Repeat("é", MaxNameChars)
	d.Steps[1].Name = strings.Repeat("n", MaxNameChars)
	if ps := d.Validate(nil); len(ps) != 0 {
		t.Fatalf("Validate: %v", ps)
	}
}
