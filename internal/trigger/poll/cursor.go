package poll

import (
	"math/big"
	"regexp"
	"strings"
	"time"
)

// cursorOrder is how a set of cursor values compare. It is chosen once for
// the whole set (all numbers, else all RFC 3339 times, else text) so that
// the comparison is a consistent order even when the values disagree.
type cursorOrder int

const (
	textOrder cursorOrder = iota
	numberOrder
	timeOrder
)

// numberText is a JSON number; the exponent is kept short so that parsing
// it is cheap whatever a server sends.
var numberText = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]{1,4})?$`)

// orderOf picks the comparison for cursor values ("" values are ignored).
func orderOf(values []string) cursorOrder {
	numbers, times, some := true, true, false
	for _, v := range values {
		if v == "" {
			continue
		}
		some = true
		numbers = numbers && numberText.MatchString(v)
		times = times && isTime(v)
	}
	switch {
	case !some:
		return textOrder
	case numbers:
		return numberOrder
	case times:
		return timeOrder
	}
	return textOrder
}

func isTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// compare orders two cursor values; "" (no cursor) comes first.
func (o cursorOrder) compare(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	switch o {
	case numberOrder:
		return parseNumber(a).Cmp(parseNumber(b))
	case timeOrder:
		ta, _ := time.Parse(time.RFC3339Nano, a)
		tb, _ := time.Parse(time.RFC3339Nano, b)
		return ta.Compare(tb)
	}
	return strings.Compare(a, b)
}

// parseNumber reads a value numberText matched, exactly enough for any
// integer id or timestamp a server sends (512 bits of mantissa).
func parseNumber(s string) *big.Float {
	f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
	if err != nil {
		return new(big.Float)
	}
	return f
}

// cursorText turns a record's cursor value into the text a cursor is kept
// as: strings as they are, numbers as written. Absent and null are "".
func cursorText(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	return scalarText(v)
}

// newCursor is the largest of the old cursor and the records' cursors: a
// poll that finds no cursor, or only older ones, keeps the old cursor.
func newCursor(old string, records []Record) string {
	values := make([]string, 0, len(records)+1)
	values = append(values, old)
	for _, r := range records {
		values = append(values, r.Cursor)
	}
	order := orderOf(values)
	best := old
	for _, v := range values {
		if order.compare(v, best) > 0 {
			best = v
		}
	}
	return best
}
