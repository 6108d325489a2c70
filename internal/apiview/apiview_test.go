package apiview

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
)

// The names come from the struct, embedded structs followed, in order.
func TestServerFieldNames(t *testing.T) {
	t.Parallel()
	want := []string{"id", "state", "capture", "webhook_url", "datatree", "drift", "trigger_health", "created_at", "updated_at"}
	if got := RecipeServerFieldNames(); !slices.Equal(got, want) {
		t.Errorf("RecipeServerFieldNames() = %q, want %q", got, want)
	}
	want = []string{"created_at", "updated_at", "warnings", "test_result", "redirect_url", "oauth2_status", "oauth2_status_reason", "token_expires_at"}
	if got := ConnectionServerFieldNames(); !slices.Equal(got, want) {
		t.Errorf("ConnectionServerFieldNames() = %q, want %q", got, want)
	}
}

// Every member of a full recipe view is either the document's or a
// server field, never both: stripping the server fields leaves exactly
// the document.
func TestRecipeViewIsDocumentPlusServerFields(t *testing.T) {
	t.Parallel()
	u := "http://x/webhooks/rest/t/e"
	v := RecipeView{
		Document: recipe.Document{Name: "n", Trigger: recipe.Trigger{Type: "webhook", Event: "e"}, Steps: []recipe.Step{}},
		RecipeServerFields: RecipeServerFields{ID: "r1", State: "started", WebhookURL: &u, Datatree: &recipe.Datatree{},
			Drift: &Drift{Fields: []string{}}, TriggerHealth: &TriggerHealth{Status: "ok"}, CreatedAt: time.Now(), UpdatedAt: time.Now()},
	}
	full, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(full, &members); err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(v.Document)
	var docMembers map[string]json.RawMessage
	json.Unmarshal(doc, &docMembers)
	for _, name := range RecipeServerFieldNames() {
		if _, ok := docMembers[name]; ok {
			t.Errorf("%s is both a document field and a server field", name)
		}
		if _, ok := members[name]; !ok {
			t.Errorf("server field %s is missing from a full view: %s", name, full)
		}
	}
	var stripped map[string]json.RawMessage
	if err := json.Unmarshal(StripRecipeServerFields(full), &stripped); err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(stripped)), slices.Sorted(maps.Keys(docMembers)); !slices.Equal(got, want) {
		t.Errorf("stripped view has %q, want the document's %q", got, want)
	}
}

func TestStripLeavesOtherInputAlone(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"name": "x", "nmae": 1}`, `{"name": `, `[1]`, `null`, ``} {
		if got := string(StripRecipeServerFields([]byte(in))); got != in {
			t.Errorf("Strip(%q) = %q, want it unchanged", in, got)
		}
	}
}
