package storetest

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/queue"
	"github.com/patchbay/patchbay/internal/store"
)

func workspaceEnsureIsIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.Workspace(ctx)
	wantErr(t, "workspace before the first start", err, store.ErrNotFound)
	first, err := s.EnsureWorkspace(ctx, store.Workspace{ID: "w1", Name: "one", WebhookToken: "tok-1", CreatedAt: epoch})
	must(t, err)
	if first.ID != "w1" || first.Name != "one" || first.WebhookToken != "tok-1" {
		t.Fatalf("created workspace %+v", first)
	}
	again, err := s.EnsureWorkspace(ctx, store.Workspace{ID: "w2", Name: "two", WebhookToken: "tok-2", CreatedAt: epoch.Add(time.Hour)})
	must(t, err)
	if again.ID != "w1" || again.WebhookToken != "tok-1" || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("a second start made %+v; want the first workspace %+v", again, first)
	}
	read, err := s.Workspace(ctx)
	if err != nil || read.ID != "w1" || read.WebhookToken != "tok-1" {
		t.Fatalf("workspace read %+v, %v", read, err)
	}
}

var workspaceTests = map[string]func(*testing.T, store.Store){
	"EnsureIsIdempotent": workspaceEnsureIsIdempotent,
	"PingAnswers":        pingAnswers,
}

func apiTokensLifecycle(t *testing.T, s store.Store) {
	ctx := context.Background()
	if list, err := s.APITokens(ctx); err != nil || len(list) != 0 {
		t.Fatalf("tokens of a new store: %v %v", list, err)
	}
	must(t, s.CreateAPIToken(ctx, "t1", "ci", []byte("hash-1")))
	must(t, s.CreateAPIToken(ctx, "t2", "laptop", []byte("hash-2")))
	got, err := s.APITokenByHash(ctx, []byte("hash-2"))
	if err != nil || got.ID != "t2" || got.Name != "laptop" || got.LastUsedAt != nil {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	_, err = s.APITokenByHash(ctx, []byte("hash-3"))
	wantErr(t, "unknown hash", err, store.ErrNotFound)

	used := epoch.Add(5 * time.Minute)
	must(t, s.TouchAPIToken(ctx, "t1", used))
	list, err := s.APITokens(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != "t1" || list[1].ID != "t2" {
		t.Fatalf("list %+v, want t1 then t2 (oldest first)", list)
	}
	if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(used) || list[1].LastUsedAt != nil {
		t.Fatalf("last used: %v, %v; want %v and never", list[0].LastUsedAt, list[1].LastUsedAt, used)
	}

	must(t, s.DeleteAPIToken(ctx, "t1"))
	wantErr(t, "delete again", s.DeleteAPIToken(ctx, "t1"), store.ErrNotFound)
	_, err = s.APITokenByHash(ctx, []byte("hash-1"))
	wantErr(t, "revoked token by hash", err, store.ErrNotFound)
	if list, _ := s.APITokens(ctx); len(list) != 1 || list[0].ID != "t2" {
		t.Fatalf("after revoking t1: %+v", list)
	}
}

var apiTokenTests = map[string]func(*testing.T, store.Store){
	"Lifecycle": apiTokensLifecycle,
}

func connection(id, name string) store.Connection {
	return store.Connection{ID: id, Name: name, Doc: []byte(`{"name":"` + name + `"}`), Secrets: []byte("sealed-" + id), CreatedAt: epoch, UpdatedAt: epoch}
}

func connectionsCreateAndLookUp(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateConnection(ctx, connection("c1", "crm")))
	must(t, s.CreateConnection(ctx, connection("c2", "mail")))
	wantErr(t, "a taken name", s.CreateConnection(ctx, connection("c3", "crm")), store.ErrConflict)
	for _, key := range []string{"c1", "crm"} {
		c, err := s.Connection(ctx, key)
		if err != nil || c.ID != "c1" || c.Name != "crm" || c.Version != 1 || string(c.Secrets) != "sealed-c1" || !bytes.Equal(c.Doc, []byte(`{"name":"crm"}`)) {
			t.Fatalf("connection %q: %+v %v", key, c, err)
		}
	}
	_, err := s.Connection(ctx, "nope")
	wantErr(t, "unknown connection", err, store.ErrNotFound)
	list, err := s.Connections(ctx)
	must(t, err)
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"c1", "c2"}) {
		t.Fatalf("connections %v", ids)
	}
	v, err := s.ConnectionVersions(ctx)
	if err != nil || len(v) != 2 || v["c1"] != 1 || v["c2"] != 1 {
		t.Fatalf("versions %v %v", v, err)
	}
}

func connectionsUpdateWithVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateConnection(ctx, connection("c1", "crm")))
	must(t, s.CreateConnection(ctx, connection("c2", "mail")))
	c := connection("c1", "crm-2")
	c.Version = 1
	must(t, s.UpdateConnection(ctx, c))
	got, err := s.Connection(ctx, "c1")
	if err != nil || got.Name != "crm-2" || got.Version != 2 {
		t.Fatalf("after update: %+v %v", got, err)
	}
	c.Version = 1 // read before the update above
	c.Name = "crm-3"
	wantErr(t, "update from a stale version", s.UpdateConnection(ctx, c), store.ErrStale)
	c.Version = 0 // no If-Match: whatever is stored
	must(t, s.UpdateConnection(ctx, c))
	if got, _ := s.Connection(ctx, "c1"); got.Name != "crm-3" || got.Version != 3 {
		t.Fatalf("after an unconditional update: %+v", got)
	}
	taken := connection("c1", "mail")
	wantErr(t, "rename to a taken name", s.UpdateConnection(ctx, taken), store.ErrConflict)
	wantErr(t, "update of an unknown id", s.UpdateConnection(ctx, connection("nope", "x")), store.ErrNotFound)
	if v, _ := s.ConnectionVersions(ctx); v["c1"] != 3 {
		t.Fatalf("versions %v, want c1 at 3", v)
	}
}

func connectionsDeleteWithVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateConnection(ctx, connection("c1", "crm")))
	c := connection("c1", "crm")
	must(t, s.UpdateConnection(ctx, c))
	wantErr(t, "delete from a stale version", s.DeleteConnection(ctx, "c1", 1), store.ErrStale)
	must(t, s.DeleteConnection(ctx, "c1", 2))
	_, err := s.Connection(ctx, "c1")
	wantErr(t, "deleted connection", err, store.ErrNotFound)
	wantErr(t, "delete again", s.DeleteConnection(ctx, "c1", 0), store.ErrNotFound)
	// The name is free again.
	must(t, s.CreateConnection(ctx, connection("c2", "crm")))
	if v, _ := s.ConnectionVersions(ctx); len(v) != 1 || v["c2"] != 1 {
		t.Fatalf("versions %v, want c2 only", v)
	}
}

var connectionTests = map[string]func(*testing.T, store.Store){
	"CreateAndLookUp":   connectionsCreateAndLookUp,
	"UpdateWithVersion": connectionsUpdateWithVersion,
	"DeleteWithVersion": connectionsDeleteWithVersion,
}

func recipe(id, event string) store.Recipe {
	trigger := "manual"
	if event != "" {
		trigger = "webhook"
	}
	return store.Recipe{ID: id, Name: id, TriggerType: trigger, Event: event, State: "stopped",
		Doc: []byte(`{"id":"` + id + `"}`), Secrets: []byte("sealed-" + id), CreatedAt: epoch, UpdatedAt: epoch}
}

func recipesCreateAndRead(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateRecipe(ctx, recipe("r1", "order.created")))
	must(t, s.CreateRecipe(ctx, recipe("r2", "")))
	wantErr(t, "a taken webhook event", s.CreateRecipe(ctx, recipe("r3", "order.created")), store.ErrConflict)
	wantErr(t, "a taken id", s.CreateRecipe(ctx, recipe("r1", "other")), store.ErrConflict)
	r, err := s.Recipe(ctx, "r1")
	if err != nil || r.Event != "order.created" || r.TriggerType != "webhook" || r.State != "stopped" || r.Capture || r.Version != 1 ||
		string(r.Doc) != `{"id":"r1"}` || string(r.Secrets) != "sealed-r1" {
		t.Fatalf("recipe %+v %v", r, err)
	}
	_, err = s.Recipe(ctx, "nope")
	wantErr(t, "unknown recipe", err, store.ErrNotFound)
	list, err := s.Recipes(ctx)
	must(t, err)
	var ids []string
	for _, r := range list {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"r1", "r2"}) {
		t.Fatalf("recipes %v", ids)
	}
	if v, err := s.RecipeVersions(ctx); err != nil || len(v) != 2 || v["r1"] != 1 || v["r2"] != 1 {
		t.Fatalf("versions %v %v", v, err)
	}
}

func recipesUpdateWithVersion(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateRecipe(ctx, recipe("r1", "a")))
	must(t, s.CreateRecipe(ctx, recipe("r2", "b")))
	must(t, s.SetRecipeState(ctx, "r1", "started"))
	must(t, s.SetRecipeCapture(ctx, "r1", true))
	r, _ := s.Recipe(ctx, "r1")
	if r.Version != 3 || r.State != "started" || !r.Capture {
		t.Fatalf("after start and capture: %+v; want version 3", r)
	}
	up := recipe("r1", "a2")
	up.Doc = []byte(`{"v":2}`)
	up.State = "stopped" // UpdateRecipe leaves state and capture alone
	up.Version = 3
	must(t, s.UpdateRecipe(ctx, up))
	r, _ = s.Recipe(ctx, "r1")
	if r.Version != 4 || r.Event != "a2" || string(r.Doc) != `{"v":2}` || r.State != "started" || !r.Capture {
		t.Fatalf("after update: %+v", r)
	}
	wantErr(t, "update from a stale version", s.UpdateRecipe(ctx, up), store.ErrStale)
	up.Event = "b"
	up.Version = 0
	wantErr(t, "update to a taken event", s.UpdateRecipe(ctx, up), store.ErrConflict)
	wantErr(t, "update of an unknown id", s.UpdateRecipe(ctx, recipe("nope", "")), store.ErrNotFound)
	wantErr(t, "state of an unknown id", s.SetRecipeState(ctx, "nope", "started"), store.ErrNotFound)
	wantErr(t, "capture of an unknown id", s.SetRecipeCapture(ctx, "nope", true), store.ErrNotFound)
	if v, _ := s.RecipeVersions(ctx); v["r1"] != 4 || v["r2"] != 1 {
		t.Fatalf("versions %v", v)
	}
}

func recipesCaptureOnlyWhileArmed(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateRecipe(ctx, recipe("r1", "a")))
	if ok, err := s.CaptureExample(ctx, "r1", []byte(`{"x":1}`)); err != nil || ok {
		t.Fatalf("capture while disarmed: %v %v", ok, err)
	}
	must(t, s.SetRecipeCapture(ctx, "r1", true))
	if ok, err := s.CaptureExample(ctx, "r1", []byte(`{"captured":1}`)); err != nil || !ok {
		t.Fatalf("capture while armed: %v %v", ok, err)
	}
	if ok, err := s.CaptureExample(ctx, "r1", []byte(`{"captured":2}`)); err != nil || ok {
		t.Fatalf("a second capture: %v %v", ok, err)
	}
	r, _ := s.Recipe(ctx, "r1")
	if r.Capture || string(r.Doc) != `{"captured":1}` || r.Version != 3 {
		t.Fatalf("after capture: %+v; want disarmed, the first request's document, version 3", r)
	}
	must(t, s.SetRecipeCapture(ctx, "r1", true))
	must(t, s.SetRecipeCapture(ctx, "r1", false))
	if ok, err := s.CaptureExample(ctx, "r1", []byte(`{"captured":3}`)); err != nil || ok {
		t.Fatalf("capture after disarming: %v %v", ok, err)
	}
	if r, _ := s.Recipe(ctx, "r1"); r.Capture || string(r.Doc) != `{"captured":1}` {
		t.Fatalf("after disarming: %+v", r)
	}
}

func recipesDeleteTakesJobsAndEvents(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateRecipe(ctx, recipe("r1", "a")))
	must(t, s.CreateRecipe(ctx, recipe("r2", "b")))
	mine, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r1", Payload: []byte(`{}`)}, queue.NewJob{RecipeID: "r1", Payload: []byte(`{}`)})
	must(t, err)
	theirs, err := s.Enqueue(ctx, queue.NewJob{RecipeID: "r2", Payload: []byte(`{}`)})
	must(t, err)
	wantErr(t, "delete from a stale version", s.DeleteRecipe(ctx, "r1", 7), store.ErrStale)
	must(t, s.DeleteRecipe(ctx, "r1", 1))
	wantErr(t, "delete again", s.DeleteRecipe(ctx, "r1", 0), store.ErrNotFound)
	_, err = s.Recipe(ctx, "r1")
	wantErr(t, "deleted recipe", err, store.ErrNotFound)
	for _, e := range mine {
		_, err := s.Job(ctx, e.JobID)
		wantErr(t, "job of a deleted recipe", err, store.ErrNotFound)
		_, err = s.EventPayload(ctx, e.EventID)
		wantErr(t, "event of a deleted recipe", err, store.ErrNotFound)
	}
	if _, err := s.Job(ctx, theirs[0].JobID); err != nil {
		t.Fatalf("another recipe's job: %v", err)
	}
	if n, _ := s.CountJobs(ctx); n != 1 {
		t.Fatalf("%d jobs, want 1", n)
	}
	if n, _ := s.CountEvents(ctx); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
	if v, _ := s.RecipeVersions(ctx); len(v) != 1 || v["r2"] != 1 {
		t.Fatalf("versions %v", v)
	}
	// The event is free again.
	must(t, s.CreateRecipe(ctx, recipe("r3", "a")))
}

// Every write of a recipe or a connection moves CatalogChanges.
func catalogChangesMoveOnEveryWrite(t *testing.T, s store.Store) {
	ctx := context.Background()
	last, err := s.CatalogChanges(ctx)
	must(t, err)
	writes := []struct {
		what  string
		write func() error
	}{
		{"create recipe", func() error { return s.CreateRecipe(ctx, recipe("r1", "a")) }},
		{"update recipe", func() error { return s.UpdateRecipe(ctx, recipe("r1", "a")) }},
		{"set state", func() error { return s.SetRecipeState(ctx, "r1", "started") }},
		{"set capture", func() error { return s.SetRecipeCapture(ctx, "r1", true) }},
		{"capture example", func() error {
			ok, err := s.CaptureExample(ctx, "r1", []byte(`{}`))
			if err == nil && !ok {
				err = errors.New("not captured")
			}
			return err
		}},
		{"delete recipe", func() error { return s.DeleteRecipe(ctx, "r1", 0) }},
		{"create stopped recipe", func() error { return s.CreateRecipe(ctx, recipe("r2", "")) }},
		{"start recipe", func() error {
			ok, err := s.StartRecipe(ctx, "r2", false, epoch)
			if err == nil && !ok {
				err = errors.New("not started")
			}
			return err
		}},
		{"create connection", func() error { return s.CreateConnection(ctx, connection("c1", "crm")) }},
		{"update connection", func() error { return s.UpdateConnection(ctx, connection("c1", "crm")) }},
		{"delete connection", func() error { return s.DeleteConnection(ctx, "c1", 0) }},
	}
	for _, w := range writes {
		must(t, w.write())
		now, err := s.CatalogChanges(ctx)
		must(t, err)
		if now == last {
			t.Fatalf("%s left CatalogChanges at %d", w.what, now)
		}
		last = now
	}
}

var recipeTests = map[string]func(*testing.T, store.Store){
	"CreateAndRead":                  recipesCreateAndRead,
	"UpdateWithVersion":              recipesUpdateWithVersion,
	"CaptureOnlyWhileArmed":          recipesCaptureOnlyWhileArmed,
	"DeleteTakesJobsAndEvents":       recipesDeleteTakesJobsAndEvents,
	"CatalogChangesMoveOnEveryWrite": catalogChangesMoveOnEveryWrite,
}

// ResealSecrets rewrites every non-empty sealed value, all or none.
func resealAllOrNone(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(t, s.CreateConnection(ctx, connection("c1", "crm")))
	empty := connection("c2", "mail")
	empty.Secrets = nil
	must(t, s.CreateConnection(ctx, empty))
	must(t, s.CreateRecipe(ctx, recipe("r1", "")))
	failing := func(old []byte) ([]byte, error) {
		if string(old) == "sealed-r1" {
			return nil, errors.New("cannot open")
		}
		return append([]byte("new:"), old...), nil
	}
	if n, err := s.ResealSecrets(ctx, failing); err == nil {
		t.Fatalf("a failing reseal reported %d values and no error", n)
	}
	if c, _ := s.Connection(ctx, "c1"); string(c.Secrets) != "sealed-c1" {
		t.Fatalf("a failed reseal changed %q", c.Secrets)
	}
	n, err := s.ResealSecrets(ctx, func(old []byte) ([]byte, error) { return append([]byte("new:"), old...), nil })
	if err != nil || n != 2 {
		t.Fatalf("resealed %d, %v; want the connection's and the recipe's", n, err)
	}
	c1, _ := s.Connection(ctx, "c1")
	c2, _ := s.Connection(ctx, "c2")
	r1, _ := s.Recipe(ctx, "r1")
	if string(c1.Secrets) != "new:sealed-c1" || len(c2.Secrets) != 0 || string(r1.Secrets) != "new:sealed-r1" {
		t.Fatalf("after reseal: %q, %q, %q", c1.Secrets, c2.Secrets, r1.Secrets)
	}
}

var resealTests = map[string]func(*testing.T, store.Store){
	"AllOrNone":                     resealAllOrNone,
	"CoversOAuthTokensAndVerifiers": resealCoversOAuthTokensAndVerifiers,
}
