package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of one benchmark run: where it ran, each figure,
// and anything that went wrong (non-2xx answers, errors, timeouts).
type Report struct {
	Sys      SysInfo
	Mode     string
	Rows     []Row
	Problems []string
}

// Row is one figure of the table.
type Row struct {
	Section string
	Figure  string
	Value   float64
	Unit    string  // "/s", "ms", "MB", "%", "B", "s", "" (a count)
	Target  *Target // nil: shown for context, nothing to meet
	Note    string
}

// Target is what a figure should reach: at least (">=") or at most ("<=") Value.
type Target struct {
	Op    string
	Value float64
}

func atLeast(v float64) *Target { return &Target{Op: ">=", Value: v} }
func atMost(v float64) *Target  { return &Target{Op: "<=", Value: v} }

// Met reports whether the row's value meets its target (true without one).
func (r Row) Met() bool {
	if r.Target == nil {
		return true
	}
	if r.Target.Op == ">=" {
		return r.Value >= r.Target.Value
	}
	return r.Value <= r.Target.Value
}

// Result is "met", "missed by N%" or "" for a figure without target.
func (r Row) Result() string {
	if r.Target == nil {
		return ""
	}
	if r.Met() {
		return "met"
	}
	t := r.Target.Value
	var miss float64
	if r.Target.Op == ">=" {
		miss = (t - r.Value) / t * 100
	} else {
		miss = (r.Value - t) / t * 100
	}
	return fmt.Sprintf("missed by %s%%", trimFloat(miss, 1))
}

func (r Row) measured() string { return formatValue(r.Value, r.Unit) }

func (r Row) target() string {
	if r.Target == nil {
		return ""
	}
	return r.Target.Op + " " + formatValue(r.Target.Value, r.Unit)
}

func (r *Report) add(section, figure string, value float64, unit string, target *Target, note string) {
	r.Rows = append(r.Rows, Row{Section: section, Figure: figure, Value: value, Unit: unit, Target: target, Note: note})
}

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

func (r *Report) header() []string {
	s := r.Sys
	return []string{
		fmt.Sprintf("date: %s", s.Date.Format("2006-01-02 15:04 UTC")),
		fmt.Sprintf("machine: %s, %d cores, %s; load average before the run: %s", s.CPU, s.Cores, s.OS, s.LoadAvg),
		fmt.Sprintf("go: %s; patchbay commit: %s", s.GoVersion, s.Commit),
		fmt.Sprintf("mode: %s", r.Mode),
	}
}

// sections is the order of the table; rows are added as phases run, which
// is not the order a reader wants.
var sections = []string{"Ingest", "End to end", "Footprint", "History"}

// ordered returns the rows grouped by section, each section's rows in the
// order they were added.
func (r *Report) ordered() []Row {
	rank := func(s string) int {
		for i, x := range sections {
			if x == s {
				return i
			}
		}
		return len(sections)
	}
	rows := slices.Clone(r.Rows)
	slices.SortStableFunc(rows, func(a, b Row) int { return rank(a.Section) - rank(b.Section) })
	return rows
}

// WriteText prints the table as aligned plain text.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString("patchbay benchmark\n")
	for _, h := range r.header() {
		b.WriteString(h + "\n")
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured\ttarget\tresult\tnotes")
	section := ""
	for _, row := range r.ordered() {
		if row.Section != section {
			section = row.Section
			fmt.Fprintf(tw, "%s\t\t\t\t\n", strings.ToUpper(section))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", row.Figure, row.measured(), row.target(), row.Result(), row.Note)
	}
	tw.Flush()
	r.writeProblems(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown prints the table as GitHub Markdown.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	for _, h := range r.header() {
		b.WriteString("- " + h + "\n")
	}
	b.WriteString("\n| | figure | measured | target | result | notes |\n|---|---|---:|---:|---|---|\n")
	section := ""
	for _, row := range r.ordered() {
		sec := ""
		if row.Section != section {
			section = row.Section
			sec = "**" + section + "**"
		}
		res := row.Result()
		if res != "" && !row.Met() {
			res = "**" + res + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", sec, mdEscape(row.Figure), row.measured(),
			mdEscape(row.target()), res, mdEscape(row.Note))
	}
	r.writeProblems(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writeProblems(b *strings.Builder) {
	if len(r.Problems) == 0 {
		b.WriteString("\nproblems: none (no non-2xx answers, no errors)\n")
		return
	}
	b.WriteString("\nproblems:\n")
	for _, p := range r.Problems {
		b.WriteString("- " + p + "\n")
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// formatValue prints v in its unit with the precision that matters.
func formatValue(v float64, unit string) string {
	switch unit {
	case "/s":
		if v < 100 {
			return trimFloat(v, 1) + "/s"
		}
		return thousands(v) + "/s"
	case "ms":
		switch {
		case v < 1:
			return trimFloat(v, 3) + " ms"
		case v < 10:
			return trimFloat(v, 2) + " ms"
		case v < 100:
			return trimFloat(v, 1) + " ms"
		}
		return thousands(v) + " ms"
	case "MB":
		return trimFloat(v, 1) + " MB"
	case "%":
		return trimFloat(v, 1) + "%"
	case "B":
		return thousands(v) + " B"
	case "s":
		return trimFloat(v, 1) + " s"
	}
	return thousands(v)
}

// thousands rounds v and groups its digits: 15234.6 -> "15,235".
func thousands(v float64) string {
	n := int64(math.Round(v))
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func trimFloat(v float64, decimals int) string {
	return fmt.Sprintf("%.*f", decimals, v)
}
