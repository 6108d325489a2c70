package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// ParseJSON decodes one JSON value, keeping numbers exact as json.Number so
// ids like 9007199254740993 survive a round trip. It rejects trailing data
// after the value, invalid UTF-8 (which encoding/json would silently
// replace) and documents beyond lim.
func ParseJSON(b []byte, lim Limits) (any, error) {
	if err := ValidJSON(b, lim); err != nil {
		return nil, err
	}
	return buildJSON(b, false), nil
}

// ValidJSON reports whether b is exactly one valid JSON value within lim,
// returning the same errors as ParseJSON. It builds no tree and does not
// allocate on success: a structural byte scan enforces the limits, then
// utf8.Valid and json.Valid do the rest.
func ValidJSON(b []byte, lim Limits) error {
	if err := checkJSON(b, lim.norm()); err != nil {
		return err
	}
	if !json.Valid(b) {
		return jsonSyntaxError(b)
	}
	return nil
}

// checkJSON enforces limits and UTF-8 validity. Limits come first because
// the scan is cheap and bounded, and because encoding/json reports very
// deep nesting as a generic syntax error.
func checkJSON(b []byte, lim Limits) error {
	if err := scanJSONLimits(b, lim); err != nil {
		return err
	}
	if off := invalidUTF8(b); off >= 0 {
		return syntaxErr(JSON, b, off, "invalid UTF-8")
	}
	return nil
}

// scanJSONLimits counts nesting, object members and number digits without
// parsing. Outside strings, '[' and '{' open a level, each ':' introduces
// one member, and a digit or '-' starts a number whose run of number bytes
// is walked once, counting digits; strings are skipped with IndexByte, so
// escaped quotes (an odd run of backslashes) are the only per-byte work
// inside them. Malformed input may be miscounted, but then json.Valid
// rejects it anyway.
func scanJSONLimits(b []byte, lim Limits) error {
	depth, keys, lastString := 0, 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			end := stringEnd(b, i)
			if end < 0 {
				return nil // unterminated string: a syntax error for json.Valid
			}
			lastString, i = i, end
		case '[', '{':
			depth++
			if depth > lim.MaxDepth {
				return limitErr(JSON, b, int64(i), depthMsg(lim))
			}
		case ']', '}':
			depth--
		case ':':
			keys++
			if keys > lim.MaxKeys {
				// Point at the key, not its colon.
				return limitErr(JSON, b, int64(lastString), keysMsg(lim))
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			start, digits := i, 0
			for ; i < len(b) && isNumberByte(b[i]); i++ {
				if b[i] >= '0' && b[i] <= '9' {
					digits++
				}
			}
			if digits > lim.MaxNumberDigits {
				return limitErr(JSON, b, int64(start), numberMsg(lim))
			}
			i-- // the loop's i++ moves to the byte after the number
		}
	}
	return nil
}

// stringEnd returns the index of the quote closing the string that opens
// at b[start], or -1. Runs of backslashes before distinct quotes never
// overlap, so counting them keeps the whole scan linear.
func stringEnd(b []byte, start int) int {
	j := start + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		j += k
		n := 0
		for p := j - 1; p > start && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
		j++
	}
}

// jsonSyntaxError locates the first syntax error in b. It runs only on
// failure, using encoding/json's validator (Unmarshal checks the whole
// input before decoding) for the message and offset.
func jsonSyntaxError(b []byte) error {
	var sink struct{}
	err := json.Unmarshal(b, &sink)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		msg := "invalid JSON"
		if err != nil {
			msg = strings.TrimPrefix(err.Error(), "json: ")
		}
		return syntaxErr(JSON, b, int64(len(b)), msg)
	}
	// encoding/json counts the offending byte as read; point at it instead,
	// except at end of input where there is no byte to point at.
	off := se.Offset
	if off > 0 && !strings.HasPrefix(se.Error(), "unexpected end") {
		off--
	}
	return syntaxErr(JSON, b, off, se.Error())
}
