package poll

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/recipe"
)

func TestExampleRecord(t *testing.T) {
	t.Parallel()
	rec, err := ExampleRecord(recipe.Trigger{ItemsPath: "data.orders",
		ResponseExample: `{"data": {"orders": [{"id": 7, "total": 12.5}, {"id": 8}]}}`})
	if err != nil {
		t.Fatalf("ExampleRecord: %v", err)
	}
	m := rec.(map[string]any)
	if m["id"] != json.Number("7") || m["total"] != json.Number("12.5") {
		t.Fatalf("record = %v, want the first order with numbers kept exact", rec)
	}

	rec, err = ExampleRecord(recipe.Trigger{ResponseType: "xml", ItemsPath: "orders.order",
		ResponseExample: `<orders><order><id>7</id></order></orders>`})
	if err != nil {
		t.Fatalf("ExampleRecord xml: %v", err)
	}
	if rec.(map[string]any)["id"] != "7" {
		t.Fatalf("xml record = %v, want the single order", rec)
	}

	rec, err = ExampleRecord(recipe.Trigger{ResponseExample: `[{"id": "a"}]`})
	if err != nil || rec.(map[string]any)["id"] != "a" {
		t.Fatalf("bare list: %v, %v", rec, err)
	}
}

func TestExampleRecordErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tr   recipe.Trigger
		want string
	}{
		{recipe.Trigger{ItemsPath: "data"}, "there is no response example"},
		{recipe.Trigger{ItemsPath: "data", ResponseExample: `{"data": [`}, "does not parse as json"},
		{recipe.Trigger{ItemsPath: "data", ResponseExample: `{"items": []}`}, `trigger.items_path "data": body has no field "data"`},
		{recipe.Trigger{ItemsPath: "data", ResponseExample: `{"data": []}`}, "the list at body.data is empty"},
		{recipe.Trigger{ItemsPath: "data..x", ResponseExample: `{}`}, "trigger.items_path: "},
	}
	for _, c := range cases {
		_, err := ExampleRecord(c.tr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ExampleRecord(%+v) error = %v, want %q", c.tr, err, c.want)
		}
	}
}
