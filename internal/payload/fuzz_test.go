package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{eventbrite, `[1,2.5e3,"\u00e9\"",true,null,{}]`, `{"a":1} x`, "\"\xff\"", `[[[[`, `"\\\\"`, `{"a":"b\\"}`} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxDepth: 16, MaxKeys: 64}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseJSON(b, lim)
		verr := ValidJSON(b, lim)
		if (err == nil) != (verr == nil) || err != nil && err.Error() != verr.Error() {
			t.Fatalf("ParseJSON %v, ValidJSON %v", err, verr)
		}
		var le *LimitError
		if err != nil {
			if !errors.As(err, &le) && json.Valid(b) && invalidUTF8(b) < 0 {
				t.Fatalf("rejected valid JSON: %v", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("accepted invalid JSON")
		}
		// The hand-written tree builder must agree with encoding/json.
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var want any
		if err := d.Decode(&want); err != nil || !deepEqual(v, want) {
			t.Fatalf("tree %#v, encoding/json %#v (%v)", v, want, err)
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseJSON(out, lim)
		if err != nil || !deepEqual(v, again) {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
	})
}

func FuzzParseXML(f *testing.F) {
	for _, s := range []string{
		`<order id="7"><li>1</li><li>2</li><note/></order>`,
		`<p a="&quot;x&#xA;">Hello <b>w</b>!<![CDATA[x]]></p>`,
		`<ns:a xmlns:ns="urn:n" ns:xmlns="q" xmlns:="z"><ns:b ns:c="1" c="2">t</ns:b></ns:a>`,
		"<a>&#xD;\r\n x</a>",
		`<!DOCTYPE a><a/>`,
		`<a:><:b/></a:>`,
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxDepth: 16, MaxKeys: 256}
	f.Fuzz(func(t *testing.T, b []byte) {
		tree, err := ParseXML(b, lim)
		if err != nil {
			return
		}
		out, err := RenderXML(tree)
		if err != nil {
			t.Fatalf("render %#v: %v", tree, err)
		}
		again, err := ParseXML(out, lim)
		if err != nil {
			t.Fatalf("parse of rendered %q: %v", out, err)
		}
		if !deepEqual(tree, again) {
			t.Fatalf("round trip via %q:\n got %#v\nwant %#v", out, again, tree)
		}
	})
}

func FuzzParseForm(f *testing.F) {
	for _, s := range []string{`a=1&b=x&a=2`, `n=J%C3%B6rg+M`, `%zz`, `&&=&a`, `a=%`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseForm(b, Limits{MaxKeys: 64})
		if err != nil {
			return
		}
		s, err := RenderForm(v)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseForm([]byte(s), DefaultLimits())
		if err != nil || !deepEqual(v, again) {
			t.Fatalf("round trip via %q: %v", s, err)
		}
	})
}

func FuzzInferJSON(f *testing.F) {
	for _, s := range []string{eventbrite, `[{"a":1},{"a":"x","b":null},null,[]]`, `{"a":[[{"b":1}],[2]]}`, `{"a":1,"a":{"b":2}}`, `7`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, err := InferJSON(b)
		if err != nil {
			return
		}
		v, err := ParseJSON(b, DefaultLimits())
		if err != nil {
			t.Fatalf("InferJSON accepted what ParseJSON rejects: %v", err)
		}
		// Same schema as inferring from the (unordered) tree, up to order.
		if len(fields) != len(Infer(v)) {
			t.Fatalf("InferJSON and Infer disagree on %s", b)
		}
	})
}
