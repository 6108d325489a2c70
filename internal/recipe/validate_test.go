package recipe

import (
	"fmt"
	"testing"
)

func TestScratch(t *testing.T) {
	for _, s := range []string{
		`{"name":"x","trigger":{"type":"manual"},"steps":[{"id":"a","url":"http://x","timeout":"soon"}]}`,
		`{"name":"x","trigger":{"type":"manual"},"steps":[{"id":"a","url":"http://x","max_attempts":"five"}]}`,
		`{"name":"x","trigger":{"type":"manual"},"steps":[{"id":"a","url":"http://x","timeout":true}]}`,
		`{"name":"x","trigger":{"type":"manual"},"steps":[{"id":"a","url":"http://x"},{"id":"b","url":"http://x","query":{"a":1}}]}`,
		`{"name":"x","trigger":{"type":"webhook","event":"e","payload_example":"{bad"},"steps":[]}`,
		`{"name":"x","trigger":{"type":"webhook","event":"e","payload_example":{"a":[1,2]}},"steps":[]}`,
	} {
		d, ps := Decode([]byte(s))
		d.Normalize()
		fmt.Printf("%#v\n%q\n%#v\n", ps, d.Trigger.PayloadExample, d.Validate(nil))
	}
}
