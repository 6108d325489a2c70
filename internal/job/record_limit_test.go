package job

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

func stepWithBody(id string, body any) (StepRecord, *httprequest.Output) {
	out := &httprequest.Output{Status: 200, Headers: map[string]string{}, Body: body}
	in, o := recorded(httprequest.Outcome{Input: &httprequest.Input{Method: "GET", URL: "http://x"}, Output: out})
	return StepRecord{ID: id, Status: queue.StatusSucceeded, Attempts: 1, Input: in, Output: o}, out
}

func TestEncodeRecordKeepsSmallBodiesInline(t *testing.T) {
	r := &Runner{MaxRecordedBody: 1024, MaxJobRecord: 4096}
	st, _ := stepWithBody("a", map[string]any{"x": "y"})
	rec, err := r.encodeRecord([]StepRecord{st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.blobs) != 0 || !strings.Contains(string(rec.steps), `"body":{"x":"y"}`) || strings.Contains(string(rec.steps), "body_blob") {
		t.Fatalf("record %s with %d blobs; want the body inline", rec.steps, len(rec.blobs))
	}
}

func TestEncodeRecordMovesLargeBodyToBlob(t *testing.T) {
	r := &Runner{MaxRecordedBody: 1024, MaxJobRecord: 1 << 20}
	big := strings.Repeat("z", 5000)
	st, live := stepWithBody("a", big)
	steps := []StepRecord{st}
	rec, err := r.encodeRecord(steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(big))
	key := hex.EncodeToString(sum[:])
	if string(rec.blobs[key]) != big {
		t.Fatalf("blobs %v; want the body under its SHA-256", len(rec.blobs))
	}
	ref := steps[0].Output.BodyBlob
	if ref == nil || ref.SHA256 != key || ref.Size != 5000 || ref.Format != "text" || steps[0].Output.Body != nil {
		t.Fatalf("record output %+v; want body null and body_blob naming it", steps[0].Output)
	}
	if len(rec.steps) > 1024 {
		t.Errorf("record is %d bytes; the body should be out of it", len(rec.steps))
	}
	// What pills read is untouched.
	if live.Body != big {
		t.Error("capping the record changed the live output")
	}
	// Saved again (a later claim), the blob is named, not stored again.
	again, err := r.encodeRecord(steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.blobs) != 0 || !strings.Contains(string(again.steps), key) {
		t.Errorf("second save: %d blobs, record %s", len(again.blobs), again.steps)
	}
}

func TestEncodeRecordBoundsTheJob(t *testing.T) {
	r := &Runner{MaxRecordedBody: 1024, MaxJobRecord: 8 << 10}
	var steps []StepRecord
	for _, id := range []string{"a", "b", "c"} {
		st, _ := stepWithBody(id, strings.Repeat(id, 3000))
		steps = append(steps, st)
	}
	rec, err := r.encodeRecord(steps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if steps[2].Output.BodyOmitted == nil || steps[2].Output.BodyOmitted.Size != 3000 || steps[2].Output.BodyBlob != nil {
		t.Fatalf("newest step output %+v; want it left out with its size", steps[2].Output)
	}
	if steps[0].Output.BodyBlob == nil || steps[1].Output.BodyBlob == nil {
		t.Errorf("older steps lost their blobs: %+v, %+v", steps[0].Output, steps[1].Output)
	}
	if len(rec.blobs) != 2 {
		t.Errorf("%d blobs to store, want 2 (the left-out body is not stored)", len(rec.blobs))
	}
	if !strings.Contains(rec.lost, "steps[2] c") || !strings.Contains(steps[2].Output.BodyOmitted.Reason, "8 KiB") {
		t.Errorf("lost %q, reason %q", rec.lost, steps[2].Output.BodyOmitted.Reason)
	}
	if total := int64(len(rec.steps)) + blobBytes(steps); total > 8<<10 {
		t.Errorf("the job records %d bytes, over its 8 KiB limit", total)
	}
}
