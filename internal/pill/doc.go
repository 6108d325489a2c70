// Package pill compiles and renders the text fields of recipe steps (URLs,
// headers, query values, JSON body strings) that refer to data produced by
// earlier steps.
//
// # Pills
//
// A pill is text between "{{" and "}}". Whitespace inside the braces is
// ignored. A pill is either a plain path or a formula.
//
// A plain path starts with trigger or with steps.<step_id> and continues
// with field names and list indexes:
//
//	{{trigger.api_url}}
//	{{ steps.get_order.body.email }}
//	{{trigger.attendees[0].email}}
//	{{steps.call.headers["content-type"]}}
//
// A field name that is not an identifier is written quoted in brackets.
// Plain paths are resolved by this package's own walker, never by expr.
//
// A polling trigger's own request may also use {{cursor}}, the cursor of
// the previous poll (Env.Cursor). Before the first cursor exists it is null:
// {{cursor}} inside text renders as an empty string (so since={{cursor}}
// asks for everything) and a formula may give a default, as in
// {{ cursor ?? "1970-01-01T00:00:00Z" }}. The recipe validator decides
// where cursor may be used; this package resolves it wherever it appears.
//
// Anything else is a formula in the expr-lang/expr language, in which
// trigger, steps and cursor are the data roots:
//
//	{{ upper(trigger.name) }}
//	{{ trigger.count + 1 }}
//	{{ trigger.vip ? "gold" : "standard" }}
//
// Formulas may use expr's builtins except timezone (and date only in its
// forms without a time zone name, since zones are loaded from disk), plus
// urlEncode and urlDecode (query escaping). Nothing reaches the file
// system, network or process.
//
// # Limits
//
// A formula is at most MaxFormulaBytes (4 KiB) long and nests (), [] and {}
// at most MaxFormulaNesting (32) deep, both checked by one pass over the
// text before expr's parser sees it; it has at most 1000 syntax nodes.
//
// Rendering is bounded by a Budget: the formulas of one render (or of every
// render sharing Env.Budget, as a step's URL, query, headers and body do)
// may produce FormulaByteBudget (16 MiB) and spend FormulaOpBudget
// (2,000,000) operations, and stop when the budget's context is done (a
// step's timeout). Everything a formula can repeat or scale is charged
// before it is done: a loop (map, filter, reduce, all, sum, ...) its length
// times its body's syntax nodes; a string + its result; a range 16 bytes a
// number; a builtin what it reads (an element or 64 bytes of string one
// operation) and what it makes, the size of repeat, replace, join, concat,
// flatten, toJSON and string worked out first; a comparison what it
// compares; a pattern that is not a constant its compilation; the result
// what writing it makes. A value may nest at most MaxValueDepth (256)
// levels. An evaluation over budget fails with an error wrapping
// ErrFormulaBudget that names the pill, e.g.
//
//	pill {{ reduce(1..64, #acc + #acc, "x") }}: formula budget exceeded: it would produce more than 16777216 bytes
//
// # Values and types
//
// Data is a tree as decoded from JSON with UseNumber: map[string]any, []any,
// string, json.Number, bool and nil (float64 and integers are accepted too).
// Inside formulas a json.Number is an int when written as an integer that
// fits, otherwise a float64, so arithmetic works. A template that is exactly
// one pill, with nothing around it, renders to the pill's value with its
// type; for a plain path that is the data value itself, unchanged, so a
// json.Number keeps every digit. Text around a pill, or several pills, give
// a string: strings as they are, numbers in JSON form, booleans as words,
// null as nothing, objects and lists as compact JSON.
//
// # Missing data
//
// A pill that names nothing is an error, never an empty string: a missing
// field, an index past the end of a list, a step with no output, or a field
// or index applied to something that is not an object or list. The error
// is a *MissingError naming the pill and the path, e.g.
//
//	pill {{trigger.order.id}}: trigger.order has no field "id"
//
// A field that is present with a null value is not missing. The rule holds
// inside formulas: every reference with constant field names and indexes
// is resolved before the formula runs, whichever branch it sits in. The
// chain stops at a dynamic index, a method call or an optional access, and
// expr evaluates the rest: trigger.order?.id requires trigger.order but
// not its id, and trigger.items[i].name requires only trigger.items. So a
// default for a field that may be absent is written trigger?.note ?? "none".
//
// A template or Value is compiled once and rendered many times, from any
// number of goroutines. Rendering a template with no pills allocates
// nothing.
package pill
