package recipe

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestScratch(t *testing.T) {
	d := Document{Steps: []Step{{ID: "a", ResponseType: "json", ResponseExample: `[{"id":1,"tags":["x"]},{"id":2}]`}, {ID: "b", ResponseType: "json", ResponseExample: `{"id": 10010, "n": {"a": [{"b": 1}]}}`}}}
	b, _ := json.MarshalIndent(d.BuildDatatree(), "", " ")
	fmt.Println(string(b))
	fmt.Printf("%T\n", d.BuildDatatree().Steps["b"][2].Fields[0].Sample)
}
