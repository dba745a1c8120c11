package dissect

import "strings"

// maxSizes caps the SIZE answers remembered per session (path → size);
// at the cap all of them are forgotten and counted (Stats.SizesForgotten)
// before the next is kept.
const maxSizes = 256

// ParseSizeReply reads the size in the text of a 213 reply to SIZE: RFC
// 3659 §4.1 says "213 SP 1*DIGIT"; blanks around it are tolerated.
func ParseSizeReply(text string) (int64, bool) {
	s := strings.Trim(text, " \t")
	n, used, ok := parseSize(s)
	return n, ok && used == len(s)
}

// ParseTransferSize finds the size a 150 reply announces, "(12345 bytes)"
// as vsftpd, ProFTPD and others write it. RFC 959 leaves the text free, so
// this is a convention, not a rule; -1 when absent.
func ParseTransferSize(text string) int64 {
	for i := 0; i < len(text); i++ {
		if text[i] != '(' {
			continue
		}
		n, used, ok := parseSize(text[i+1:])
		if !ok {
			continue
		}
		rest := text[i+1+used:]
		if len(rest) > 5 && rest[0] == ' ' && strings.EqualFold(rest[1:5], "byte") {
			return n
		}
	}
	return -1
}

// parseSize reads up to 18 decimal digits (below 10^18, so no overflow).
func parseSize(s string) (int64, int, bool) {
	var n int64
	j := 0
	for j < len(s) && isDigit(s[j]) {
		if j == 18 {
			return 0, 0, false
		}
		n = n*10 + int64(s[j]-'0')
		j++
	}
	return n, j, j > 0
}
