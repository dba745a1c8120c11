// Package words writes numbers for people, the same way in every report
// format and in the sentences analysis writes for them.
package words

import (
	"strconv"
	"strings"
)

// GroupDigits writes an integer with thousands separators: 18,234.
func GroupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Counted writes a count and its noun: "1 packet", "12 packets".
func Counted(n int64, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return GroupDigits(n) + " " + plural
}
