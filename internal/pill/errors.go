package pill

import "strconv"

// MissingError is returned when a pill names nothing: a missing field, a
// list index out of range, a step that has no output, or a field or index
// applied to a value that is not an object or list. A field that is present
// with a null value is not missing.
type MissingError struct {
	Pill   string // the whole pill as written, e.g. "{{trigger.order.id}}"
	Path   string // the path up to and including the part that failed, e.g. "trigger.order.id"
	Reason string // what is wrong, e.g. `trigger.order has no field "id"`
}

// Error returns the pill and the reason, e.g.
// `pill {{trigger.order.id}}: trigger.order has no field "id"`.
func (e *MissingError) Error() string {
	return "pill " + e.Pill + ": " + e.Reason
}

// SyntaxError is returned by Compile and CompileValue when a template
// cannot be parsed. Offset counts characters (not bytes) from the start of
// the template text, so an editor can point at the problem.
type SyntaxError struct {
	Offset int    // character offset of the problem in the template
	Pill   string // the pill as written, or "" when the problem is outside one
	Msg    string // what is wrong, in plain words
	// limit is ErrFormulaTooLong or ErrFormulaTooDeep when the formula
	// was refused by its shape before it was parsed, else nil.
	limit error
}

// Unwrap returns ErrFormulaTooLong or ErrFormulaTooDeep for a formula
// refused by its shape, so callers can tell it with errors.Is.
func (e *SyntaxError) Unwrap() error { return e.limit }

// Error returns the message with its position, e.g.
// `unclosed "{{" at offset 12` or `pill {{ foo.x }}: unknown name foo (offset 3)`.
func (e *SyntaxError) Error() string {
	if e.Pill == "" {
		return e.Msg + " at offset " + strconv.Itoa(e.Offset)
	}
	return "pill " + e.Pill + ": " + e.Msg + " (offset " + strconv.Itoa(e.Offset) + ")"
}
