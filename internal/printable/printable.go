// Package printable makes text from a caller (a block's name, and messages
// that embed one) safe to show on one line of a report.
package printable

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every rune that would change what a report shows
// around it written as a Go escape (\n, \t, \x1b, \u202e): control
// characters, which break a line, misalign a table or command a terminal
// and which XML does not allow; the bidirectional formatting characters,
// which reorder the text after them (a name "W\u202e]1[" would print as
// "W[1]"); the line and paragraph separators U+2028 and U+2029; the
// noncharacters U+FFFE and U+FFFF, which XML does not allow either; and
// the bytes of s that are not valid UTF-8, as \xNN. Any other s is
// returned as it is. Backslashes are not escaped: a name that holds one
// reads the same as an escape would, so the reports' JSON, which holds
// the name exactly, is the one to read when that matters.
func String(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&15, 16))
		case escaped(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || escaped(r) {
			return true
		}
		i += size
	}
	return false
}

func escaped(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u061c', r == '\u200e', r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	case r == '\u2028', r == '\u2029', r == '\ufffe', r == '\uffff':
		return true
	}
	return false
}
