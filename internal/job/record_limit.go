package job

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"

	"github.com/patchbay/patchbay/internal/queue"
)

// What one job records is bounded twice. A request or response body whose
// recorded form is larger than MaxRecordedBody is kept as a content-addressed
// blob (the same table as multipart uploads, served by GET
// /api/v1/blobs/{sha256}) and the step record names it in body_blob; the
// body is not truncated, because a job that resumes after a retry or a crash
// reads earlier steps' outputs back from its record, and its pills must see
// what the first claim saw. Everything a job records (its steps column plus
// the blobs it names) is at most MaxJobRecord: past that, bodies are left out
// newest first, each marked body_omitted with its size.
const (
	// DefaultMaxRecordedBody is Runner.MaxRecordedBody's default (1 MiB).
	DefaultMaxRecordedBody = 1 << 20
	// DefaultMaxJobRecord is Runner.MaxJobRecord's default (32 MiB).
	DefaultMaxJobRecord = 32 << 20
)

func (r *Runner) maxRecordedBody() int64 {
	if r.MaxRecordedBody > 0 {
		return r.MaxRecordedBody
	}
	return DefaultMaxRecordedBody
}

func (r *Runner) maxJobRecord() int64 {
	if r.MaxJobRecord > 0 {
		return r.MaxJobRecord
	}
	return DefaultMaxJobRecord
}

// record is a job's progress ready to store.
type record struct {
	steps []byte
	// blobs are bodies moved out of the record, by hex SHA-256; they are
	// stored before the record that names them.
	blobs map[string][]byte
	// lost names the first succeeded step whose output body was left out:
	// a job whose record lost it cannot resume (its pills would miss it).
	lost string
}

// encodeRecord encodes steps for storage within the limits, moving large
// bodies out of the step records (the records are changed in place; the
// values pills read are not).
func (r *Runner) encodeRecord(steps []StepRecord, warnings []Warning) (record, error) {
	b, err := encodeSteps(steps, warnings)
	if err != nil {
		return record{}, err
	}
	maxBody, maxJob := r.maxRecordedBody(), r.maxJobRecord()
	// Fast path: no body can be larger than the whole record.
	if int64(len(b)) <= maxBody && int64(len(b))+blobBytes(steps) <= maxJob {
		return record{steps: b}, nil
	}
	rec := record{blobs: map[string][]byte{}}
	for i := range steps {
		if in := steps[i].Input; in != nil {
			rec.moveBody(&in.Body, &in.BodyBlob, maxBody)
		}
		if out := steps[i].Output; out != nil {
			rec.moveBody(&out.Body, &out.BodyBlob, maxBody)
		}
	}
	if b, err = encodeSteps(steps, warnings); err != nil {
		return record{}, err
	}
	if total := int64(len(b)) + blobBytes(steps); total > maxJob {
		rec.omit(steps, total-maxJob, maxJob)
		if b, err = encodeSteps(steps, warnings); err != nil {
			return record{}, err
		}
	}
	rec.steps = b
	return rec, nil
}

// moveBody moves a body larger than max into a blob.
func (rec *record) moveBody(body *any, ref **BodyBlob, max int64) {
	if *body == nil || *ref != nil {
		return
	}
	enc, format := encodeBody(*body)
	if int64(len(enc)) <= max {
		return
	}
	sum := sha256.Sum256(enc)
	key := hex.EncodeToString(sum[:])
	rec.blobs[key] = enc
	*ref, *body = &BodyBlob{SHA256: key, Size: int64(len(enc)), Format: format}, nil
}

// omit leaves bodies out of the record, newest step first (output before
// input), until excess bytes are gone.
func (rec *record) omit(steps []StepRecord, excess, maxJob int64) {
	reason := fmt.Sprintf("the job's record limit of %s was reached", byteSize(maxJob))
	drop := func(body *any, ref **BodyBlob, omitted **BodyOmitted) int64 {
		var size int64
		switch {
		case *ref != nil:
			size = (*ref).Size
		case *body != nil:
			enc, _ := encodeBody(*body)
			size = int64(len(enc))
		default:
			return 0
		}
		*body, *ref, *omitted = nil, nil, &BodyOmitted{Size: size, Reason: reason}
		return size
	}
	for i := len(steps) - 1; i >= 0 && excess > 0; i-- {
		sr := &steps[i]
		if out := sr.Output; out != nil {
			if n := drop(&out.Body, &out.BodyBlob, &out.BodyOmitted); n > 0 {
				excess -= n
				if sr.Status == queue.StatusSucceeded {
					rec.lost = stepError(i, sr.ID, "output body of "+byteSize(n)+" not kept")
				}
			}
		}
		if in := sr.Input; in != nil && excess > 0 {
			excess -= drop(&in.Body, &in.BodyBlob, &in.BodyOmitted)
		}
	}
	// Blobs no record names any more are not stored.
	named := map[string]bool{}
	for ref := range namedBlobs(steps) {
		named[ref.SHA256] = true
	}
	for k := range rec.blobs {
		if !named[k] {
			delete(rec.blobs, k)
		}
	}
}

// blobBytes is the size of the blobs the records name (a blob named twice
// counts twice: the bound stays simple and errs on the safe side).
func blobBytes(steps []StepRecord) int64 {
	var n int64
	for ref := range namedBlobs(steps) {
		n += ref.Size
	}
	return n
}

// namedBlobs yields every blob the step records name, inputs and outputs.
func namedBlobs(steps []StepRecord) iter.Seq[*BodyBlob] {
	return func(yield func(*BodyBlob) bool) {
		for _, sr := range steps {
			if sr.Input != nil && sr.Input.BodyBlob != nil && !yield(sr.Input.BodyBlob) {
				return
			}
			if sr.Output != nil && sr.Output.BodyBlob != nil && !yield(sr.Output.BodyBlob) {
				return
			}
		}
	}
}

// encodeBody is a body's recorded form: a raw response's text as it is,
// anything else as JSON.
func encodeBody(v any) ([]byte, string) {
	if s, ok := v.(string); ok {
		return []byte(s), "text"
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Bodies are parsed JSON, XML or text: they always encode. Should
		// one not, its error text stands in rather than the body.
		return []byte(err.Error()), "text"
	}
	return b, "json"
}

// outputTree is what pills read of an earlier step of a resumed job: its
// recorded output, the body read back from its blob.
func (r *Runner) outputTree(ctx context.Context, i int, sr *StepRecord) (map[string]any, error) {
	o := sr.Output.Output
	if om := sr.Output.BodyOmitted; om != nil {
		return nil, fmt.Errorf("%s", stepError(i, sr.ID, "output body was not kept ("+om.Reason+"); the job cannot resume without it"))
	}
	if ref := sr.Output.BodyBlob; ref != nil {
		b, err := r.Store.Blob(ctx, ref.SHA256)
		if err != nil {
			return nil, fmt.Errorf("%s", stepError(i, sr.ID, fmt.Sprintf("read output body from blob %s: %v", ref.SHA256, err)))
		}
		if ref.Format == "text" {
			o.Body = string(b)
		} else if o.Body, err = decodeTree(b); err != nil {
			return nil, fmt.Errorf("%s", stepError(i, sr.ID, fmt.Sprintf("output body in blob %s: %v", ref.SHA256, err)))
		}
	}
	return o.Tree(), nil
}

// byteSize spells a size for messages: "1 MiB", "1536 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
