// Package payload turns webhook bodies and HTTP responses into data trees
// and infers datatrees (typed schemas) from example payloads.
//
// A data tree is built from map[string]any, []any, string, json.Number,
// bool and nil. Later recipe steps reference its leaves with pills such as
// {{trigger.config.action}}, so every parser here produces the same shapes
// whatever the wire format: JSON (ParseJSON), XML (ParseXML), form bodies
// (ParseForm) and query strings (ParseQuery). Numbers stay json.Number so
// large ids are never rounded through float64.
//
// # Hostile input
//
// Every parser takes Limits (nesting depth, total keys and, for JSON, the
// digits of any one number) and reports problems as *SyntaxError or
// *LimitError, both carrying a line and column suitable for a 400 answer.
// JSON must be one value, valid UTF-8, with no trailing data. XML is decoded strictly with no DTD support: a document
// containing <!DOCTYPE (or any other <! directive) is rejected, which
// refuses XXE and entity-expansion ("billion laughs") attacks outright;
// only the predefined entities and character references are understood.
//
// # XML mapping
//
// ParseXML and RenderXML share one mapping between elements and trees:
//
//	XML                                      tree
//	<order>...</order> (the root)            {"order": ...}
//	<id>42</id>                              "id": "42"           (text kept exactly)
//	<id/> or <id></id>                       "id": ""
//	<item sku="A1">3</item>                  "item": {"@sku": "A1", "#text": "3"}
//	<a>x<b>y</b>z</a> (mixed content)        "a": {"#text": "xz", "b": "y"}
//	<li>1</li><li>2</li> (repeated siblings) "li": ["1", "2"]
//	<ns:order xmlns:ns="urn:x">              {"order": ...}       (local names, no xmlns keys)
//
// "#text" holds all text of an element that also has attributes or
// children, concatenated, with surrounding XML whitespace trimmed (it is
// indentation); it is absent when empty. A lone element becomes a value
// rather than a one-item list, since one example cannot tell them apart.
// Attribute names colliding after prefixes are dropped keep the last value.
// RenderXML writes attributes, then "#text", then children, keys sorted,
// so ParseXML(RenderXML(t)) == t for every t produced by ParseXML.
//
// # Datatrees
//
// Infer, InferJSON and InferXML build []Field from an example. Paths are
// dotted from the root with "[]" for list items ("attendees[].email").
// Lists of objects merge all items: fields missing from some items are
// Optional, and a field's type is that of its first non-null occurrence
// (integer and number together widen to number). InferJSON and InferXML
// keep document order; Infer on maps sorts keys.
package payload
