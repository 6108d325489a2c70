package payload

import (
	"errors"
	"strconv"
)

// Payload formats understood by Parse.
const (
	JSON  = "json"
	XML   = "xml"
	Form  = "form"
	Query = "query"
	Raw   = "raw"
)

// Limits bound the work any parser does on hostile input. A zero or
// negative field means its default, so Limits{} is safe to pass.
type Limits struct {
	// MaxDepth is the deepest allowed nesting of objects/lists (JSON) or
	// elements (XML); the top-level value is depth 1.
	MaxDepth int
	// MaxKeys caps the total number of object members in a document:
	// JSON members, XML elements plus attributes, form pairs.
	MaxKeys int
	// MaxNumberDigits caps the digits (mantissa and exponent together) of
	// any one JSON number, so a huge literal cannot cost unbounded work
	// later in strconv or big-number code.
	MaxNumberDigits int
}

// Default limit values; see DefaultLimits.
const (
	defaultMaxDepth = 64
	defaultMaxKeys  = 100000
	// defaultMaxNumberDigits allows any int64/uint64/float64 literal with
	// room to spare (float64 needs at most 17 significant digits, 767 only
	// for exact subnormal spellings, which no webhook sends).
	defaultMaxNumberDigits = 100
)

// DefaultLimits returns the limits used when none are configured:
// depth 64, 100000 keys and 100-digit numbers.
func DefaultLimits() Limits {
	return Limits{MaxDepth: defaultMaxDepth, MaxKeys: defaultMaxKeys, MaxNumberDigits: defaultMaxNumberDigits}
}

// norm fills zero fields with defaults so parsers never see a limit that
// would reject everything.
func (l Limits) norm() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = defaultMaxDepth
	}
	if l.MaxKeys <= 0 {
		l.MaxKeys = defaultMaxKeys
	}
	if l.MaxNumberDigits <= 0 {
		l.MaxNumberDigits = defaultMaxNumberDigits
	}
	return l
}

// depthMsg and keysMsg word limit errors the same way for every format.
func depthMsg(l Limits) string {
	return "nesting deeper than " + strconv.Itoa(l.MaxDepth) + " levels"
}

func keysMsg(l Limits) string {
	return "more than " + strconv.Itoa(l.MaxKeys) + " keys"
}

func numberMsg(l Limits) string {
	return "number longer than " + strconv.Itoa(l.MaxNumberDigits) + " digits"
}

// Parse decodes a body of the given format into a data tree. Raw returns
// the body as a string unchanged. Query is not a body format: query
// strings arrive as url.Values, see ParseQuery.
func Parse(format string, b []byte, lim Limits) (any, error) {
	switch format {
	case JSON:
		return ParseJSON(b, lim)
	case XML:
		return ParseXML(b, lim)
	case Form:
		return ParseForm(b, lim)
	case Raw:
		return string(b), nil
	case Query:
		return nil, errors.New("payload: query is not a body format; use ParseQuery")
	}
	return nil, errors.New("payload: unknown format " + strconv.Quote(format))
}
