package payload

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseXML(t *testing.T) {
	tests := []struct {
		name, in string
		want     any
	}{
		{name: "leaf text", in: `<order>42</order>`, want: map[string]any{"order": "42"}},
		{name: "leaf keeps whitespace", in: "<a> x \n</a>", want: map[string]any{"a": " x \n"}},
		{name: "empty", in: `<a/>`, want: map[string]any{"a": ""}},
		{name: "declaration, comments, BOM", in: "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi --><a>1</a>\n", want: map[string]any{"a": "1"}},
		{name: "attributes", in: `<order id="7" status="paid"/>`, want: map[string]any{"order": map[string]any{"@id": "7", "@status": "paid"}}},
		{name: "attribute and text", in: `<total currency="USD"> 12.50 </total>`, want: map[string]any{"total": map[string]any{"@currency": "USD", "#text": "12.50"}}},
		{name: "children", in: "<order>\n  <id>1</id>\n  <note></note>\n</order>", want: map[string]any{"order": map[string]any{"id": "1", "note": ""}}},
		{name: "repeated elements", in: `<o><li>1</li><x>y</x><li>2</li><li><b>3</b></li></o>`, want: map[string]any{"o": map[string]any{
			"li": []any{"1", "2", map[string]any{"b": "3"}}, "x": "y"}}},
		{name: "mixed content", in: `<p>Hello <b>world</b>!</p>`, want: map[string]any{"p": map[string]any{"#text": "Hello !", "b": "world"}}},
		{name: "namespaces", in: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:x"><s:Body s:mustUnderstand="1"><Ping>ok</Ping></s:Body></s:Envelope>`,
			want: map[string]any{"Envelope": map[string]any{"Body": map[string]any{"@mustUnderstand": "1", "Ping": "ok"}}}},
		{name: "entities and cdata", in: `<a>&lt;&amp;&gt;&quot;&apos;&#65;&#x42;<![CDATA[<c>]]></a>`, want: map[string]any{"a": `<&>"'AB<c>`}},
		{name: "crlf normalised", in: "<a>x\r\ny</a>", want: map[string]any{"a": "x\ny"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseXML([]byte(tt.in), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !deepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseXMLErrors(t *testing.T) {
	laughs := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>`
	xxe := `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>`
	tests := []struct {
		name, in  string
		lim       Limits
		limit     bool
		line, col int
		msg       string
	}{
		{name: "billion laughs", in: laughs, line: 2, col: 1, msg: "DOCTYPE is not allowed"},
		{name: "xxe", in: xxe, line: 1, col: 22, msg: "DOCTYPE is not allowed"},
		{name: "other directive", in: `<!ENTITY x "y"><a/>`, line: 1, col: 1, msg: "directives are not allowed"},
		{name: "undeclared entity", in: `<a>&nbsp;</a>`, line: 1, col: 9, msg: "invalid character entity &nbsp;"},
		{name: "mismatched tags", in: "<a>\n<b></a>", line: 2, col: 7, msg: "element <b> closed by </a>"},
		{name: "unclosed", in: `<a><b>`, line: 1, col: 7, msg: "unexpected EOF"},
		{name: "no root", in: ` <!-- x --> `, line: 1, col: 13, msg: "no root element"},
		{name: "two roots", in: `<a/><b/>`, line: 1, col: 5, msg: "more than one root element"},
		{name: "text after root", in: `<a/>junk`, line: 1, col: 5, msg: "text outside the root element"},
		{name: "invalid utf-8", in: "<a>\xff</a>", line: 1, col: 4, msg: "invalid UTF-8"},
		{name: "foreign encoding", in: `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, msg: "ISO-8859-1", line: 1, col: 43},
		{name: "depth", in: strings.Repeat("<a>", 65) + strings.Repeat("</a>", 65), limit: true, line: 1, col: 193, msg: "nesting deeper than 64 levels"},
		{name: "100000 deep", in: strings.Repeat("<a>", 100000), limit: true, line: 1, col: 193, msg: "nesting deeper than 64 levels"},
		{name: "keys", in: `<a x="1"><b/><c/></a>`, lim: Limits{MaxKeys: 3}, limit: true, line: 1, col: 14, msg: "more than 3 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := ParseXML([]byte(tt.in), tt.lim)
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			var line, col int
			var le *LimitError
			var se *SyntaxError
			switch {
			case tt.limit && errors.As(err, &le):
				line, col = le.Line, le.Column
			case !tt.limit && errors.As(err, &se):
				line, col = se.Line, se.Column
			default:
				t.Fatalf("got %T %v", err, err)
			}
			if line != tt.line || col != tt.col || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %q at %d:%d, want %q at %d:%d", err, line, col, tt.msg, tt.line, tt.col)
			}
		})
	}
}

func TestRenderXMLRoundTrip(t *testing.T) {
	for _, in := range []string{
		`<order id="7"><li>1</li><li>2</li><note/></order>`,
		`<p a="&quot;x&#xA;&#x9;">Hello <b>w</b>!</p>`,
		"<a>  x\r\n&#xD;\ty &amp; &lt;z&gt; ]]&gt; </a>",
		`<ns:a xmlns:ns="urn:n"><ns:b ns:c="1">t</ns:b><b>u</b></ns:a>`,
		`<a><b><c><d>deep</d></c></b><b/></a>`,
		`<名前 属性="値">テキスト</名前>`,
	} {
		t.Run(in, func(t *testing.T) {
			tree, err := ParseXML([]byte(in), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			out, err := RenderXML(tree)
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseXML(out, DefaultLimits())
			if err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if !deepEqual(tree, again) {
				t.Errorf("%s\ngot  %#v\nwant %#v", out, again, tree)
			}
		})
	}
}

func TestRenderXML(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
		err  bool
	}{
		{name: "sorted, attributes first", in: map[string]any{"o": map[string]any{"z": "1", "@b": "2", "a": []any{"x", "y"}, "@a": "3", "#text": "t"}},
			want: `<o a="3" b="2">t<a>x</a><a>y</a><z>1</z></o>`},
		{name: "scalars", in: map[string]any{"n": map[string]any{"i": json.Number("9007199254740993"), "f": 1e6, "b": true, "z": nil}},
			want: `<n><b>true</b><f>1000000</f><i>9007199254740993</i><z></z></n>`},
		{name: "two roots", in: map[string]any{"a": "1", "b": "2"}, err: true},
		{name: "root list", in: map[string]any{"a": []any{"1", "2"}}, err: true},
		{name: "bad name", in: map[string]any{"a b": "1"}, err: true},
		{name: "nested list", in: map[string]any{"a": map[string]any{"b": []any{[]any{"1"}}}}, err: true},
		{name: "object attribute", in: map[string]any{"a": map[string]any{"@b": map[string]any{}}}, err: true},
		{name: "not an object", in: "x", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderXML(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
