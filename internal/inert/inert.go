// Package inert makes text that came off the wire safe to show: file
// names, user names and reply text come from the network, so they may
// carry escape sequences that would recolour, retitle or rewrite a
// terminal, line breaks that would forge report lines, bidirectional
// overrides that make text read differently from its bytes ("Trojan
// Source"), or code points an XML document may not hold. Every renderer
// (the report's formats and its SVG drawings) shows capture text through
// Text, the one place that decides what is visible.
package inert

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text makes capture-derived text safe to print on a terminal or to embed
// in a text document. File names, user names and reply text come from the
// network, so they may carry escape sequences that would recolour, retitle
// or rewrite the reader's terminal, line breaks that would forge report
// lines, or bidirectional overrides that make text read differently from
// its bytes ("Trojan Source").
//
// It returns valid UTF-8 in which:
//   - C0 controls (including TAB, CR and LF) and DEL become \xHH;
//   - C1 controls, line/paragraph separators, bidi embeddings, overrides,
//     isolates and marks, the byte order mark and the non-characters
//     U+FFFE and U+FFFF become \uHHHH;
//   - each byte that is not part of valid UTF-8 becomes U+FFFD.
//
// Backslashes are left alone, so the escaped form of ESC and a file whose
// name holds the four characters `\x1b` look the same; the JSON output is
// the exact record.
func Text(s string) string {
	if isPlainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			writeHex(&b, uint32(r), 2)
		case Hidden(r):
			b.WriteString(`\u`)
			writeHex(&b, uint32(r), 4)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlainASCII reports whether s is printable ASCII only, the common case
// that needs no copy.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// Hidden reports the non-ASCII code points Text escapes: those that
// control a terminal or the direction and breaking of text rather than
// showing a glyph, and those XML does not allow.
func Hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls, including CSI (U+009B)
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // arabic letter mark, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // bidi embeddings and overrides
		return true
	case r >= 0x2066 && r <= 0x2069: // bidi isolates
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0xfeff: // byte order mark / zero-width no-break space
		return true
	case r == 0xfffe, r == 0xffff: // non-characters XML 1.0 does not allow (the SVG drawings)
		return true
	}
	return false
}

func writeHex(b *strings.Builder, v uint32, digits int) {
	h := strconv.FormatUint(uint64(v), 16)
	for n := len(h); n < digits; n++ {
		b.WriteByte('0')
	}
	b.WriteString(h)
}
