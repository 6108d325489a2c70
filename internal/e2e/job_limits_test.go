package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/patchbay/patchbay/internal/config"
)

// recordedBody is the part of a step's recorded input or output that says
// where its body went.
type recordedBody struct {
	Body     json.RawMessage `json:"body"`
	BodyBlob *struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
		Format string `json:"format"`
	} `json:"body_blob"`
	BodyOmitted *struct {
		Size   int64  `json:"size"`
		Reason string `json:"reason"`
	} `json:"body_omitted"`
}

type recordedStep struct {
	ID       string       `json:"id"`
	Status   string       `json:"status"`
	Attempts int          `json:"attempts"`
	Error    *string      `json:"error"`
	Input    recordedBody `json:"input"`
	Output   recordedBody `json:"output"`
}

type recordedJob struct {
	ID     string         `json:"id"`
	Status string         `json:"status"`
	Error  *string        `json:"error"`
	Steps  []recordedStep `json:"steps"`
}

// recordedRun posts {} to the webhook of event, waits for the job to
// succeed, and returns its record.
func (s *server) recordedRun(event string) recordedJob {
	s.t.Helper()
	_, jobID := acceptWebhook(s.t, s.webhookBase()+"/"+event, "application/json", strings.NewReader(`{}`))
	s.waitJob(jobID)
	var j recordedJob
	s.mustCall(200, "GET", "/api/v1/jobs/"+jobID, nil, &j)
	if j.Status != "succeeded" {
		s.t.Fatalf("job %s: %s", j.Status, deref(j.Error))
	}
	return j
}

// rangeBody is what go-httpbin's /range/n answers: the alphabet, repeated.
func rangeBody(n int) string {
	const abc = "abcdefghijklmnopqrstuvwxyz"
	return strings.Repeat(abc, n/len(abc)+1)[:n]
}

// A 1.5 MB response is kept as a blob (the record names it and stays
// small), the next step's pill sees the whole body, also when that step is
// retried in a later claim (the body is read back from the blob), and the
// blob serves the body byte for byte.
func TestJobRecordKeepsLargeBodyAsBlob(t *testing.T) {
	big := httptest.NewServer(httpbin.New(httpbin.WithMaxBodySize(8 << 20)))
	defer big.Close()
	const size = 1_500_000
	// The sink fails its first attempt so that the job resumes from its
	// record in a second claim, then reports the length it received.
	var calls atomic.Int32
	var whole [2]atomic.Bool // per attempt: the body was the whole response
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		n := calls.Add(1)
		if n <= 2 {
			whole[n-1].Store(string(b) == rangeBody(size))
		}
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"received": %d}`, len(b))
	}))
	defer sink.Close()

	s := startServer(t)
	s.startRecipe(map[string]any{
		"name": "big", "trigger": map[string]any{"type": "webhook", "event": "big"},
		"steps": []any{
			map[string]any{"id": "fetch", "method": "GET", "url": fmt.Sprintf("%s/range/%d", big.URL, size), "response_type": "raw"},
			map[string]any{"id": "forward", "method": "POST", "url": sink.URL, "body_type": "raw", "body": "{{steps.fetch.body}}"},
		},
	})
	j := s.recordedRun("big")
	if calls.Load() != 2 || !whole[0].Load() || !whole[1].Load() {
		t.Fatalf("sink called %d times, whole body on the first attempt %v, on the retry (read back from the blob) %v; want 2 calls, both whole",
			calls.Load(), whole[0].Load(), whole[1].Load())
	}
	fetch, forward := j.Steps[0], j.Steps[1]
	if forward.Attempts != 2 {
		t.Errorf("forward made %d attempts, want 2 (the second in a new claim)", forward.Attempts)
	}
	for _, c := range []struct {
		what   string
		body   recordedBody
		format string
	}{{"fetch output", fetch.Output, "text"}, {"forward input", forward.Input, "text"}} {
		if c.body.BodyBlob == nil || string(c.body.Body) != "null" {
			t.Fatalf("%s: body %.60s, body_blob %v; want body null and a blob", c.what, c.body.Body, c.body.BodyBlob)
		}
		ref := c.body.BodyBlob
		if ref.Size != size || ref.Format != c.format {
			t.Errorf("%s: body_blob %+v, want size %d format %s", c.what, *ref, size, c.format)
		}
		status, raw := s.raw("GET", "/api/v1/blobs/"+ref.SHA256, nil, s.Token)
		if status != 200 || string(raw) != rangeBody(size) {
			t.Errorf("%s: GET blob = %d, %d bytes; want 200 and the body as received", c.what, status, len(raw))
		}
	}
	// The small output is kept inline.
	if forward.Output.BodyBlob != nil || !strings.Contains(string(forward.Output.Body), "1500000") {
		t.Errorf("forward output: body %s, blob %v; want the small body inline", forward.Output.Body, forward.Output.BodyBlob)
	}
	if n := countRows(t, s.DataDir, `SELECT length(steps) FROM jobs WHERE id = '`+j.ID+`'`); n > 64<<10 {
		t.Errorf("the job's steps column is %d bytes; the bodies should be out of it", n)
	}
}

// Everything one job records is bounded: past the job limit, bodies are
// left out of the record with their size, and the job says so.
func TestJobRecordIsBoundedPerJob(t *testing.T) {
	hb := httpbinServer(t)
	s := startServer(t, func(c *config.Config) {
		c.MaxRecordedBodyBytes = 16 << 10
		c.MaxJobRecordBytes = 100 << 10
	})
	var steps []any
	for i := 0; i < 4; i++ {
		steps = append(steps, map[string]any{"id": fmt.Sprintf("s%d", i), "method": "GET", "url": hb.URL + "/range/40000", "response_type": "raw"})
	}
	s.startRecipe(map[string]any{"name": "many", "trigger": map[string]any{"type": "webhook", "event": "many"}, "steps": steps})
	j := s.recordedRun("many")
	var kept, omitted int64
	for _, st := range j.Steps {
		switch o := st.Output; {
		case o.BodyBlob != nil:
			kept += o.BodyBlob.Size
		case o.BodyOmitted != nil:
			omitted++
			if o.BodyOmitted.Size != 40000 || !strings.Contains(o.BodyOmitted.Reason, "100 KiB") {
				t.Errorf("step %s: body_omitted %+v, want size 40000 and the limit named", st.ID, *o.BodyOmitted)
			}
		default:
			t.Errorf("step %s: a 40,000-byte body is inline over a 16 KiB limit", st.ID)
		}
	}
	steps0 := countRows(t, s.DataDir, `SELECT length(steps) FROM jobs WHERE id = '`+j.ID+`'`)
	if total := kept + int64(steps0); total > 100<<10 || omitted == 0 || kept == 0 {
		t.Errorf("recorded %d bytes of blobs + %d of steps with %d bodies left out; want at most 100 KiB, some kept, some left out", kept, steps0, omitted)
	}
}

// A job past its deadline fails with an error that says so, and the step
// that was running is cancelled rather than waited for.
func TestJobDeadlineCancelsRunningStep(t *testing.T) {
	hb := httpbinServer(t)
	s := startServer(t, func(c *config.Config) { c.JobDeadline = time.Second })
	s.startRecipe(map[string]any{
		"name": "slow", "trigger": map[string]any{"type": "webhook", "event": "slow"},
		"steps": []any{map[string]any{"id": "wait", "method": "GET", "url": hb.URL + "/delay/8", "timeout": "20s"}},
	})
	start := time.Now()
	_, jobID := acceptWebhook(t, s.webhookBase()+"/slow", "application/json", strings.NewReader(`{}`))
	j := s.waitJob(jobID)
	took := time.Since(start)
	if j.Status != "failed" || j.Error == nil || !strings.HasPrefix(*j.Error, "job deadline of 1s exceeded") {
		t.Fatalf("job %s, error %v; want failed with \"job deadline of 1s exceeded\"", j.Status, strPtrValue(j.Error))
	}
	if took > 4*time.Second {
		t.Errorf("the job took %s to fail; its running step should have been cancelled at the 1s deadline", took)
	}
	if st := j.Steps[0]; st.Status != "failed" || st.Error == nil || !strings.Contains(*st.Error, "job deadline of 1s exceeded") {
		t.Errorf("step: %s, %v; want failed naming the deadline", st.Status, strPtrValue(st.Error))
	}
}

// Retries stop at the deadline: a step that keeps failing does not wait
// for an attempt that would come after it.
func TestJobDeadlineEndsRetries(t *testing.T) {
	hb := httpbinServer(t)
	s := startServer(t, func(c *config.Config) {
		c.JobDeadline = 2 * time.Second
		c.RetryBase = 300 * time.Millisecond
	})
	s.startRecipe(map[string]any{
		"name": "flaky", "trigger": map[string]any{"type": "webhook", "event": "flaky"},
		"steps": []any{map[string]any{"id": "call", "method": "GET", "url": hb.URL + "/status/503", "max_attempts": 20}},
	})
	_, jobID := acceptWebhook(t, s.webhookBase()+"/flaky", "application/json", strings.NewReader(`{}`))
	j := s.waitJob(jobID)
	if j.Status != "failed" || j.Error == nil || !strings.HasPrefix(*j.Error, "job deadline of 2s exceeded") || !strings.Contains(*j.Error, "HTTP 503") {
		t.Fatalf("job %s, error %v; want failed with the deadline and the last error", j.Status, strPtrValue(j.Error))
	}
	if a := j.Steps[0].Attempts; a < 2 || a >= 20 {
		t.Errorf("%d attempts; want a few retries cut short by the deadline", a)
	}
}

func strPtrValue(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
