package recipe

import (
	"fmt"
	"testing"
)

// The datatree of a polling trigger is one record's fields, whichever way
// items_path is written, and for a list at the top or one XML element.
func TestRecordTreeItemsPaths(t *testing.T) {
	for _, tc := range []struct{ items, format, ex string }{
		{"data.items", "json", `{"data":{"items":[{"id":1,"name":"a"}]}}`},
		{"data[0].items", "json", `{"data":[{"items":[{"id":1,"name":"a"}]}]}`},
		{"data.0.items", "json", `{"data":[{"items":[{"id":1,"name":"a"}]}]}`},
		{"", "json", `[{"id":1,"name":"a"}]`},
		{"feed.entry", "xml", `<feed><entry><id>1</id><name>a</name></entry></feed>`},
	} {
		tr := Trigger{Type: TriggerPolling, ItemsPath: tc.items, IDPath: "id", ResponseType: tc.format, ResponseExample: Example(tc.ex)}
		var paths []string
		for _, f := range recordTree(tr) {
			paths = append(paths, f.Path)
		}
		if fmt.Sprint(paths) != "[id name]" {
			t.Errorf("items_path %q (%s): datatree %v, want [id name]", tc.items, tc.format, paths)
		}
	}
}
