package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

func jobExists(t *testing.T, s store.Store, id string) bool {
	t.Helper()
	_, err := s.Job(context.Background(), id)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

func pruneByAgeDeletesOnlyOldFinishedJobs(t *testing.T, s store.Store) {
	ctx := context.Background()
	old := EnqueueJobs(t, s, "r1", 5)
	FinishAll(t, s)
	// An old job left pending and one left running: never pruned.
	EnqueueJobs(t, s, "r1", 2)
	claimed, err := s.Claim(ctx, "w", 2, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	running, waiting := claimed[0].JobID, claimed[1].JobID
	// waiting goes back to pending, due in an hour (a retry).
	if err := s.RetryAt(ctx, "w", waiting, time.Now().Add(time.Hour), []byte(`[]`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // ids are by the millisecond
	cutoff := time.Now()
	time.Sleep(5 * time.Millisecond)
	recent := EnqueueJobs(t, s, "r1", 3)
	other := EnqueueJobs(t, s, "r2", 2) // another recipe: not this call's business
	FinishAll(t, s)

	res := PruneAll(t, s, "r1", cutoff, 0, 2)
	if res.Jobs != 5 || res.Events != 5 {
		t.Fatalf("pruned %+v, want the 5 old finished jobs and their events", res)
	}
	for _, e := range old {
		if jobExists(t, s, e.JobID) {
			t.Errorf("old finished job %s survived", e.JobID)
		}
		if _, err := s.EventPayload(ctx, e.EventID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("event %s of a pruned job: %v, want deleted", e.EventID, err)
		}
	}
	for _, id := range []string{running, waiting} {
		if !jobExists(t, s, id) {
			t.Errorf("old unfinished job %s was pruned", id)
		}
	}
	for _, e := range append(recent, other...) {
		if !jobExists(t, s, e.JobID) {
			t.Errorf("recent job %s was pruned", e.JobID)
		}
	}
	// The running job is still running, and can still complete.
	if err := s.Complete(ctx, "w", running, queue.StatusSucceeded, []byte(`[]`), ""); err != nil {
		t.Fatalf("complete the running job after pruning: %v", err)
	}
}

func pruneByCountKeepsNewestFinished(t *testing.T, s store.Store) {
	jobs := EnqueueJobs(t, s, "r1", 10)
	FinishAll(t, s)
	pending := EnqueueJobs(t, s, "r1", 1)[0] // newest, unfinished: not counted, not pruned

	res := PruneAll(t, s, "r1", time.Time{}, 4, 3)
	if res.Jobs != 6 {
		t.Fatalf("pruned %d jobs, want 6", res.Jobs)
	}
	for i, e := range jobs {
		if got, want := jobExists(t, s, e.JobID), i >= 6; got != want {
			t.Errorf("job %d exists = %v, want %v", i, got, want)
		}
	}
	if !jobExists(t, s, pending.JobID) {
		t.Error("the pending job was pruned")
	}
	// Fewer finished jobs than keep: nothing due.
	cutoff, err := s.PruneCutoff(context.Background(), "r1", time.Time{}, 100)
	if err != nil || cutoff != "" {
		t.Fatalf("cutoff with keep 100 = %q, %v; want none", cutoff, err)
	}
}

func pruneAgeAndCountTogether(t *testing.T, s store.Store) {
	jobs := EnqueueJobs(t, s, "r1", 6)
	FinishAll(t, s)
	// Age alone would keep all six (none is old); count keeps the newest two.
	res := PruneAll(t, s, "r1", time.Now().Add(-time.Hour), 2, 100)
	if res.Jobs != 4 || !jobExists(t, s, jobs[5].JobID) || !jobExists(t, s, jobs[4].JobID) || jobExists(t, s, jobs[3].JobID) {
		t.Fatalf("pruned %+v; want the 4 oldest gone", res)
	}
	// Age deletes everything older whatever count would keep.
	res = PruneAll(t, s, "r1", time.Now().Add(time.Hour), 2, 100)
	if res.Jobs != 2 {
		t.Fatalf("pruned %+v, want the last 2 by age", res)
	}
}

func pruneDeletesOrphanEventsAndBlobs(t *testing.T, s store.Store) {
	ctx := context.Background()
	shared, own := "aa"+fmt.Sprint(1), "bb"+fmt.Sprint(2)
	// Job A's event names two blobs; job C's event names the shared one too.
	a, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{"f":"sha256:aa1","g":"sha256:bb2"}`),
		Blobs: map[string][]byte{shared: []byte("shared"), own: []byte("own")}})
	if err != nil {
		t.Fatal(err)
	}
	FinishAll(t, s)
	// B reruns A's event (the rerun API): the event must outlive A.
	b, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", EventID: a[0].EventID})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{"f":"sha256:aa1"}`),
		Blobs: map[string][]byte{shared: []byte("shared")}})
	if err != nil {
		t.Fatal(err)
	}
	FinishAll(t, s)

	// Keep the newest 2 (B and C): A goes, its event stays for B.
	res := PruneAll(t, s, "r1", time.Time{}, 2, 100)
	if res != (store.PruneResult{Jobs: 1}) {
		t.Fatalf("pruned %+v, want job A only", res)
	}
	if _, err := s.EventPayload(ctx, a[0].EventID); err != nil {
		t.Fatalf("the event B reruns was deleted: %v", err)
	}
	// Keep the newest 1 (C): B goes, and with it the event and its own blob;
	// the shared blob stays for C's event.
	res = PruneAll(t, s, "r1", time.Time{}, 1, 100)
	if res != (store.PruneResult{Jobs: 1, Events: 1, Blobs: 1}) {
		t.Fatalf("pruned %+v, want job B, its event and one blob", res)
	}
	if jobExists(t, s, b[0].JobID) || !jobExists(t, s, c[0].JobID) {
		t.Fatal("wrong job pruned")
	}
	if _, err := s.Blob(ctx, own); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("blob only the deleted event named: %v, want deleted", err)
	}
	if got, err := s.Blob(ctx, shared); err != nil || string(got) != "shared" {
		t.Errorf("blob C still names: %q %v", got, err)
	}
	// Everything: the last blob goes with the last event.
	res = PruneAll(t, s, "r1", time.Now().Add(time.Hour), 0, 100)
	if res != (store.PruneResult{Jobs: 1, Events: 1, Blobs: 1}) {
		t.Fatalf("pruned %+v", res)
	}
	if n, _ := s.CountEvents(ctx); n != 0 {
		t.Errorf("%d events left", n)
	}
}

func jobRecipesListsEveryRecipeWithJobs(t *testing.T, s store.Store) {
	for _, r := range []string{"c", "a", "b", "a"} {
		EnqueueJobs(t, s, r, 1)
	}
	var got []string
	for after := ""; ; {
		ids, err := s.JobRecipes(context.Background(), after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids...)
		if len(ids) < 2 {
			break
		}
		after = ids[len(ids)-1]
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("recipes = %v", got)
	}
}

func completeWithoutPayload(t *testing.T, s store.Store) {
	ctx := context.Background()
	e, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{"f":"sha256:cc3"}`), Blobs: map[string][]byte{"cc3": []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := s.Claim(ctx, "w", 1, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	// A rerun of the same event is pending: the payload stays for it.
	rerun, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", EventID: e[0].EventID})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteWithoutPayload(ctx, "other", e[0].JobID, queue.StatusSucceeded, []byte(`[]`), ""); !errors.Is(err, queue.ErrLeaseLost) {
		t.Fatalf("complete by a non-owner: %v, want ErrLeaseLost", err)
	}
	if err := s.CompleteWithoutPayload(ctx, "w", e[0].JobID, queue.StatusSucceeded, []byte(`[]`), ""); err != nil {
		t.Fatal(err)
	}
	if p, err := s.EventPayload(ctx, e[0].EventID); err != nil || string(p) == "null" {
		t.Fatalf("payload a pending rerun needs: %q %v", p, err)
	}
	claimed, err = s.Claim(ctx, "w", 1, time.Minute)
	if err != nil || len(claimed) != 1 || claimed[0].JobID != rerun[0].JobID {
		t.Fatalf("claim the rerun: %v %v", claimed, err)
	}
	if err := s.CompleteWithoutPayload(ctx, "w", rerun[0].JobID, queue.StatusFailed, []byte(`[]`), "boom"); err != nil {
		t.Fatal(err)
	}
	j, err := s.Job(ctx, rerun[0].JobID)
	if err != nil || string(j.Trigger) != "null" || j.Status != queue.StatusFailed || j.Error != "boom" || j.FinishedAt == nil {
		t.Fatalf("job after: %+v %v; want failed, its error, trigger null", j, err)
	}
	if _, err := s.Blob(ctx, "cc3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("blob of a dropped payload: %v, want deleted", err)
	}
}

// A body a job recorded as a blob goes with the job when it is pruned, and
// every file of a recipe goes with the recipe when it is deleted, unless
// something else still refers to it.
func jobRecordBlobsGoWithTheirJobAndRecipe(t *testing.T, s store.Store) {
	ctx := context.Background()
	jobs := EnqueueJobs(t, s, "r1", 2)
	FinishAll(t, s)
	if err := s.PutBlobs(ctx, jobs[0].JobID, map[string][]byte{"cc3": []byte("old job's body")}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBlobs(ctx, jobs[1].JobID, map[string][]byte{"dd4": []byte("new job's body")}); err != nil {
		t.Fatal(err)
	}
	// An event of another recipe names the new job's blob too.
	if _, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r2", Payload: []byte(`{"f":"sha256:dd4"}`),
		Blobs: map[string][]byte{"dd4": []byte("new job's body")}}); err != nil {
		t.Fatal(err)
	}
	res := PruneAll(t, s, "r1", time.Time{}, 1, 100)
	if res.Jobs != 1 || res.Blobs != 1 {
		t.Fatalf("pruned %+v, want the old job and its blob", res)
	}
	if _, err := s.Blob(ctx, "cc3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the pruned job's blob: %v, want deleted", err)
	}
	if err := s.CreateRecipe(ctx, store.Recipe{ID: "r1", Name: "r1", TriggerType: "manual", State: "stopped", Doc: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecipe(ctx, "r1", 0); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Blob(ctx, "dd4"); err != nil || string(got) != "new job's body" {
		t.Fatalf("a blob another recipe's event names went with the deleted recipe: %q %v", got, err)
	}
	if err := s.CreateRecipe(ctx, store.Recipe{ID: "r2", Name: "r2", TriggerType: "manual", State: "stopped", Doc: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecipe(ctx, "r2", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Blob(ctx, "dd4"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the last recipe's blob: %v, want deleted with it", err)
	}
}

var retentionTests = map[string]func(*testing.T, store.Store){
	"PruneByAgeDeletesOnlyOldFinishedJobs":  pruneByAgeDeletesOnlyOldFinishedJobs,
	"PruneByCountKeepsNewestFinished":       pruneByCountKeepsNewestFinished,
	"PruneAgeAndCountTogether":              pruneAgeAndCountTogether,
	"PruneDeletesOrphanEventsAndBlobs":      pruneDeletesOrphanEventsAndBlobs,
	"JobRecipesListsEveryRecipeWithJobs":    jobRecipesListsEveryRecipeWithJobs,
	"CompleteWithoutPayload":                completeWithoutPayload,
	"JobRecordBlobsGoWithTheirJobAndRecipe": jobRecordBlobsGoWithTheirJobAndRecipe,
}
