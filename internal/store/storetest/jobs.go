package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

func jobsEnqueueAndRead(t *testing.T, s store.Store) {
	ctx := context.Background()
	e, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{"order":1}`)})
	must(t, err)
	j, err := s.Job(ctx, e[0].JobID)
	if err != nil || j.ID != e[0].JobID || j.RecipeID != "r1" || j.EventID != e[0].EventID || j.Status != queue.StatusPending ||
		j.Claims != 0 || j.StartedAt != nil || j.FinishedAt != nil || string(j.Trigger) != `{"order":1}` || j.CreatedAt.IsZero() {
		t.Fatalf("pending job %+v %v", j, err)
	}
	if p, err := s.EventPayload(ctx, e[0].EventID); err != nil || string(p) != `{"order":1}` {
		t.Fatalf("event payload %q %v", p, err)
	}
	// A rerun reuses the event.
	rerun, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", EventID: e[0].EventID})
	must(t, err)
	if rerun[0].EventID != e[0].EventID || rerun[0].JobID == e[0].JobID {
		t.Fatalf("rerun %+v of %+v", rerun[0], e[0])
	}
	if n, _ := s.CountEvents(ctx); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
	if n, _ := s.CountJobs(ctx); n != 2 {
		t.Fatalf("%d jobs, want 2", n)
	}

	c, err := s.Claim(ctx, "w", 1, time.Minute)
	if err != nil || len(c) != 1 || c[0].JobID != e[0].JobID {
		t.Fatalf("claim %+v %v", c, err)
	}
	must(t, s.Complete(ctx, "w", c[0].JobID, queue.StatusFailed, []byte(`[{"step":"a"}]`), "boom"))
	j, err = s.Job(ctx, e[0].JobID)
	if err != nil || j.Status != queue.StatusFailed || j.Claims != 1 || j.StartedAt == nil || j.FinishedAt == nil ||
		string(j.Steps) != `[{"step":"a"}]` || j.Error != "boom" {
		t.Fatalf("finished job %+v %v", j, err)
	}
	_, err = s.Job(ctx, "nope")
	wantErr(t, "unknown job", err, store.ErrNotFound)
	_, err = s.EventPayload(ctx, "nope")
	wantErr(t, "unknown event", err, store.ErrNotFound)
}

// Jobs lists a recipe's jobs newest first, a page at a time: Before is the
// last id of the previous page, and Status filters.
func jobsPageNewestFirst(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ids []string // oldest first
	for i := range 7 {
		e, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(fmt.Sprintf(`{"n":%d}`, i))})
		must(t, err)
		ids = append(ids, e[0].JobID)
	}
	_, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r2", Payload: []byte(`{}`)})
	must(t, err)
	var got []string
	for before, pages := "", 0; ; pages++ {
		page, err := s.Jobs(ctx, store.ListJobsParams{RecipeID: "r1", Limit: 3, Before: before})
		must(t, err)
		for _, j := range page {
			if j.RecipeID != "r1" {
				t.Fatalf("a job of %s in r1's list", j.RecipeID)
			}
			got = append(got, j.ID)
		}
		if len(page) < 3 || pages > 10 {
			break
		}
		before = page[len(page)-1].ID
	}
	if len(got) != len(ids) {
		t.Fatalf("pages hold %d jobs, want %d: %v", len(got), len(ids), got)
	}
	for i := range got {
		if got[i] != ids[len(ids)-1-i] {
			t.Fatalf("pages %v, want newest first %v", got, ids)
		}
	}

	// Finish the two oldest: one succeeded, one failed.
	c, err := s.Claim(ctx, "w", 2, time.Minute)
	must(t, err)
	status := map[string]string{}
	for i, cl := range c {
		st := []string{queue.StatusSucceeded, queue.StatusFailed}[i%2]
		status[cl.JobID] = st
		must(t, s.Complete(ctx, "w", cl.JobID, st, []byte(`[]`), ""))
	}
	for _, st := range []string{queue.StatusSucceeded, queue.StatusFailed, queue.StatusPending} {
		page, err := s.Jobs(ctx, store.ListJobsParams{RecipeID: "r1", Status: st, Limit: 100})
		must(t, err)
		want := 1
		if st == queue.StatusPending {
			want = 5
		}
		if len(page) != want {
			t.Fatalf("%d %s jobs, want %d", len(page), st, want)
		}
		for _, j := range page {
			if j.Status != st {
				t.Fatalf("a %s job in the %s list", j.Status, st)
			}
			if st != queue.StatusPending && (status[j.ID] != st || j.FinishedAt == nil) {
				t.Fatalf("job %+v", j)
			}
		}
	}
	// A cursor and a filter together.
	page, err := s.Jobs(ctx, store.ListJobsParams{RecipeID: "r1", Status: queue.StatusPending, Limit: 100, Before: ids[4]})
	must(t, err)
	if len(page) != 2 || page[0].ID != ids[3] || page[1].ID != ids[2] {
		t.Fatalf("pending before %s: %+v, want %s and %s", ids[4], page, ids[3], ids[2])
	}
}

func jobsBlobs(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.Blob(ctx, "aa1")
	wantErr(t, "unknown blob", err, store.ErrNotFound)
	e, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{"f":"sha256:aa1"}`), Blobs: map[string][]byte{"aa1": []byte("upload")}})
	must(t, err)
	if b, err := s.Blob(ctx, "aa1"); err != nil || string(b) != "upload" {
		t.Fatalf("event blob %q %v", b, err)
	}
	must(t, s.PutBlobs(ctx, e[0].JobID, map[string][]byte{"bb2": []byte("response body"), "aa1": []byte("upload")}))
	// One already stored is kept.
	must(t, s.PutBlobs(ctx, e[0].JobID, map[string][]byte{"bb2": []byte("response body")}))
	for sha, want := range map[string]string{"aa1": "upload", "bb2": "response body"} {
		if b, err := s.Blob(ctx, sha); err != nil || string(b) != want {
			t.Fatalf("blob %s: %q %v", sha, b, err)
		}
	}
}

var jobTests = map[string]func(*testing.T, store.Store){
	"EnqueueAndRead":  jobsEnqueueAndRead,
	"PageNewestFirst": jobsPageNewestFirst,
	"Blobs":           jobsBlobs,
}
