package payload

import (
	"encoding/json"
	"testing"
)

func TestCoerceListsFollowsTheDatatree(t *testing.T) {
	example := []byte(`<order id="7"><item><sku>a</sku></item><item><sku>b</sku></item><note>x</note></order>`)
	fields, err := InferXML(example)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, xml, want string }{
		{"one item becomes a list", `<order id="8"><item><sku>c</sku></item><note>y</note></order>`,
			`{"order":{"@id":"8","item":[{"sku":"c"}],"note":"y"}}`},
		{"several items stay a list", `<order id="9"><item><sku>c</sku></item><item><sku>d</sku></item></order>`,
			`{"order":{"@id":"9","item":[{"sku":"c"},{"sku":"d"}]}}`},
		{"fields the datatree lacks are left alone", `<order><extra>1</extra></order>`,
			`{"order":{"extra":"1"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := ParseXML([]byte(tc.xml), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(CoerceLists(tree, fields))
			if string(got) != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}
