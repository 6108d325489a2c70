package poll

import (
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

// A null at items_path is a list with no records (many APIs answer
// {"items": null} when there is nothing to list); an absent key is still
// an error that names the path.
func TestNullItemsIsNoRecords(t *testing.T) {
	t.Parallel()
	nullTop := newJSONServer(t, func() any { return map[string]any{"items": nil} })
	nullNested := newJSONServer(t, func() any { return map[string]any{"data": map[string]any{"items": nil}} })
	absent := newJSONServer(t, func() any { return map[string]any{"data": map[string]any{}} })

	for _, c := range []struct {
		name string
		tr   recipe.Trigger
	}{
		{"top-level null", recipe.Trigger{URL: nullTop.URL, ItemsPath: "items", IDPath: "id"}},
		{"nested null", recipe.Trigger{URL: nullNested.URL, ItemsPath: "data.items", IDPath: "id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := mustPoll(t, mustCompile(t, c.tr), "kept")
			if len(res.Records) != 0 || res.Cursor != "kept" || res.Pages != 1 {
				t.Fatalf("result %+v: want no records, the cursor kept, one page", res)
			}
		})
	}

	t.Run("absent key", func(t *testing.T) {
		t.Parallel()
		p := mustCompile(t, recipe.Trigger{URL: absent.URL, ItemsPath: "data.items", IDPath: "id"})
		_, pe := pollError(t, p, "")
		want := `trigger.items_path "data.items": body.data has no field "items"`
		if pe.Stage != StageItems || !strings.Contains(pe.Message, want) {
			t.Fatalf("error %v (stage %s), want stage items and %q", pe, pe.Stage, want)
		}
	})
}
