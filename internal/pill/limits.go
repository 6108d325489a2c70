package pill

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Bounds on a formula's text, checked before expr's parser sees it. The
// parser is recursive descent: every nested bracket is a few Go stack
// frames, and about 700,000 of them overflow the stack, a fatal error no
// recover catches. Real formulas are a line or two with a handful of
// brackets.
const (
	// MaxFormulaBytes is the longest formula, in bytes between the braces.
	MaxFormulaBytes = 4 << 10
	// MaxFormulaNesting is how deep (), [] and {} may nest in a formula,
	// brackets inside quoted strings not counted.
	MaxFormulaNesting = 32
)

// Errors wrapped by the *SyntaxError of a formula refused by its shape
// alone, before it was parsed.
var (
	ErrFormulaTooLong = errors.New("formula too long")
	ErrFormulaTooDeep = errors.New("formula nested too deep")
)

// checkFormulaShape refuses a formula that is too long or nests brackets
// too deeply. It is one pass over the text with no allocation, so it
// costs the same however hostile the text is.
func checkFormulaShape(code string) *SyntaxError {
	if len(code) > MaxFormulaBytes {
		return &SyntaxError{Msg: fmt.Sprintf("formula is %d bytes, more than the %d allowed", len(code), MaxFormulaBytes), limit: ErrFormulaTooLong}
	}
	depth := 0
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"', '\'', '`':
			j := closingQuote(code, i)
			if j < 0 {
				return nil // the parser reports the unclosed string
			}
			i = j
		case '(', '[', '{':
			depth++
			if depth > MaxFormulaNesting {
				return &SyntaxError{Offset: runeOffset(code, i), Msg: fmt.Sprintf("brackets nest more than %d deep", MaxFormulaNesting), limit: ErrFormulaTooDeep}
			}
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// shortPill is the pill as an error names it: whole when short, else its
// start and end, so an error about a 1 MB pill is not itself 1 MB.
func shortPill(text string) string {
	const keep = 40
	if len(text) <= 2*keep+len(" … ") {
		return text
	}
	head, tail := text[:keep], text[len(text)-keep:]
	for !utf8.ValidString(head) { // a rune cut in two: at most 3 bytes go
		head = head[:len(head)-1]
	}
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	return head + " … " + tail
}
