package payload

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// SyntaxError says where a payload fails to parse. Line and Column are
// 1-based and computed from Offset, the 0-based byte offset of the
// offending input (len of the input for a premature end). Column counts
// runes, so it matches what an editor shows.
type SyntaxError struct {
	Format       string
	Line, Column int
	Offset       int64
	Msg          string
}

// Error formats the error as "format: line L, column C: msg".
func (e *SyntaxError) Error() string {
	return e.Format + ": line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column) + ": " + e.Msg
}

// LimitError reports a payload that exceeds Limits; Line and Column locate
// the element, bracket or key that went over.
type LimitError struct {
	Format, Msg  string
	Line, Column int
}

// Error formats the error as "format: msg at line L, column C".
func (e *LimitError) Error() string {
	return e.Format + ": " + e.Msg + " at line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column)
}

// syntaxErr builds a SyntaxError located at byte offset off of b.
func syntaxErr(format string, b []byte, off int64, msg string) *SyntaxError {
	line, col := position(b, off)
	return &SyntaxError{Format: format, Line: line, Column: col, Offset: off, Msg: msg}
}

// limitErr builds a LimitError located at byte offset off of b.
func limitErr(format string, b []byte, off int64, msg string) *LimitError {
	line, col := position(b, off)
	return &LimitError{Format: format, Msg: msg, Line: line, Column: col}
}

// position turns a byte offset into a 1-based line and rune column. It is
// only called on error paths, so a linear scan is fine.
func position(b []byte, off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	head := b[:off]
	line = 1 + bytes.Count(head, []byte{'\n'})
	start := bytes.LastIndexByte(head, '\n') + 1
	return line, 1 + utf8.RuneCount(head[start:])
}

// invalidUTF8 returns the offset of the first byte of b that is not part
// of a valid UTF-8 sequence, or -1.
func invalidUTF8(b []byte) int64 {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return int64(i)
		}
		i += n
	}
	return -1
}
