package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole benchmark in smoke mode against a patchbay built
// from this tree: every phase must run, every figure must be a positive
// number, and no run may see a non-2xx answer or an error. The figures
// themselves are not checked: a shared CI machine says nothing about them.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs patchbay under load for about a minute")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := BuildPatchbay(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	rep, err := run(ctx, Options{Smoke: true, Patchbay: bin, Progress: &progress}.withDefaults())
	if err != nil {
		t.Fatalf("benchmark: %v\nprogress:\n%s", err, progress.String())
	}
	for _, p := range rep.Problems {
		t.Errorf("problem: %s", p)
	}

	// Every figure of the issue is in the table, with a positive value.
	want := []string{
		"trivial handler req/s, 1 conn", "patchbay webhooks/s (2xx, stored), 1 conn", "patchbay / trivial, 1 conn",
		"latency p50, 1 conn", "latency p99, 1 conn", "latency max, 1 conn",
		"trivial handler req/s, 32 conns", "patchbay webhooks/s (2xx, stored), 32 conns", "patchbay / trivial, 32 conns",
		"latency p50, 32 conns", "latency p99, 32 conns", "latency max, 32 conns",
		"jobs/s completed", "webhooks/s accepted in that run", "exactly once: webhooks accepted",
		"accepted → sink p50, unsaturated", "accepted → sink p99, unsaturated",
		"RSS idle after start", "peak RSS under load", "start to /readyz 200, new data folder", "database bytes per job",
		"jobs of the recipe in the database", "restart to /readyz 200",
		"job list, status=failed, newest 50: p99", "job list, status=failed, 50 from a deep cursor: p99", "job detail, random job: p99",
	}
	// A job may reach the sink before its webhook's 2xx reaches the client
	// (intake hands it to a worker as it answers); that latency is recorded
	// as zero, so on a quiet machine the median can be exactly zero.
	mayBeZero := func(figure string) bool { return strings.HasPrefix(figure, "accepted → sink") }
	for _, name := range want {
		var found *Row
		for i := range rep.Rows {
			if strings.HasPrefix(rep.Rows[i].Figure, name) {
				found = &rep.Rows[i]
				break
			}
		}
		if found == nil {
			t.Errorf("no figure %q in the table", name)
			continue
		}
		if !(found.Value > 0) && !(mayBeZero(name) && found.Value == 0) {
			t.Errorf("figure %q = %v, want a positive number", name, found.Value)
		}
	}
	for _, r := range rep.Rows {
		if r.Target != nil && !(r.Value > 0) && !(mayBeZero(r.Figure) && r.Value == 0) {
			t.Errorf("figure %q with a target = %v, want a positive number", r.Figure, r.Value)
		}
	}

	// Both renderings carry the machine and every figure.
	var text, md bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), md.String()} {
		for _, s := range []string{"date:", "machine:", "cores", "go:", "patchbay commit:", "problems: none"} {
			if !strings.Contains(out, s) {
				t.Errorf("table lacks %q:\n%s", s, out)
			}
		}
		for _, r := range rep.Rows {
			if !strings.Contains(out, r.Figure) {
				t.Errorf("table lacks figure %q", r.Figure)
			}
		}
	}
	t.Logf("\n%s", text.String())
}

// TestHistogram checks the quantiles against exact ones within the
// histogram's stated precision.
func TestHistogram(t *testing.T) {
	h := NewHistogram()
	for i := 1; i <= 100000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := time.Duration(q*100000) * time.Microsecond
		got := h.Quantile(q)
		if diff := (got - exact).Seconds() / exact.Seconds(); diff > 0.01 || diff < -0.01 {
			t.Errorf("p%v = %v, want %v within 1%%", q*100, got, exact)
		}
	}
	if h.Max() != 100*time.Millisecond || h.Quantile(1) != 100*time.Millisecond {
		t.Errorf("max %v, p100 %v, want 100ms exactly", h.Max(), h.Quantile(1))
	}
	if h.Quantile(0) != time.Microsecond {
		t.Errorf("p0 = %v, want 1µs", h.Quantile(0))
	}
	for b := 0; b < numBuckets-1; b++ {
		if bucketOf(lowOf(b)) != b || bucketOf(highOf(b)) != b || highOf(b)+1 != lowOf(b+1) {
			t.Fatalf("bucket %d: [%d, %d] does not map back or is not contiguous", b, lowOf(b), highOf(b))
		}
	}
}

// TestRowResult checks the met/missed wording.
func TestRowResult(t *testing.T) {
	for _, c := range []struct {
		row  Row
		want string
	}{
		{Row{Value: 16000, Target: atLeast(15000)}, "met"},
		{Row{Value: 12000, Target: atLeast(15000)}, "missed by 20.0%"},
		{Row{Value: 12, Target: atMost(10)}, "missed by 20.0%"},
		{Row{Value: 8, Target: atMost(10)}, "met"},
		{Row{Value: 8}, ""},
	} {
		if got := c.row.Result(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.row, got, c.want)
		}
	}
}
