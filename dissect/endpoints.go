package dissect

import (
	"net/netip"
	"strings"
)

// ParsePASV finds the data endpoint in the text of a 227 reply. RFC 959
// §4.1.2 only says the reply contains h1,h2,h3,h4,p1,p2; servers write it
// as "(h1,…,p2)", "=h1,…,p2" or bare, so the first six comma-separated
// numbers 0–255 anywhere in the text are taken. Port 0 is rejected.
func ParsePASV(text string) (netip.AddrPort, bool) {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) || (i > 0 && isDigit(text[i-1])) {
			continue
		}
		if ap, _, ok := parseHostPort(text[i:]); ok {
			return ap, true
		}
	}
	return netip.AddrPort{}, false
}

// ParsePORT reads the argument of PORT: h1,h2,h3,h4,p1,p2 (RFC 959 §4.1.2),
// blanks allowed around the commas and at either end.
func ParsePORT(arg string) (netip.AddrPort, bool) {
	s := strings.Trim(arg, " \t")
	ap, n, ok := parseHostPort(s)
	if !ok || n != len(s) {
		return netip.AddrPort{}, false
	}
	return ap, true
}

// parseHostPort reads h1,h2,h3,h4,p1,p2 at the start of s and returns how
// many bytes it used.
func parseHostPort(s string) (netip.AddrPort, int, bool) {
	var v [6]byte
	j := 0
	for k := range v {
		if k > 0 {
			j = skipBlanks(s, j)
			if j >= len(s) || s[j] != ',' {
				return netip.AddrPort{}, 0, false
			}
			j = skipBlanks(s, j+1)
		}
		n, digits := 0, 0
		for j < len(s) && isDigit(s[j]) {
			if digits == 3 {
				return netip.AddrPort{}, 0, false
			}
			n = n*10 + int(s[j]-'0')
			j++
			digits++
		}
		if digits == 0 || n > 255 {
			return netip.AddrPort{}, 0, false
		}
		v[k] = byte(n)
	}
	port := uint16(v[4])<<8 | uint16(v[5])
	if port == 0 {
		return netip.AddrPort{}, 0, false
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(v[:4])), port), j, true
}

func skipBlanks(s string, j int) int {
	for j < len(s) && isBlank(s[j]) {
		j++
	}
	return j
}

// ParseEPSV finds the port in the text of a 229 reply: "(<d><d><d>port<d>)"
// where <d> is any printable ASCII delimiter other than a digit, "|" by
// RFC 2428 §3's recommendation. The parenthesised form is looked for
// first; a delimited port anywhere in the text is accepted after that.
func ParseEPSV(text string) (uint16, bool) {
	for pass := 0; pass < 2; pass++ {
		for i := 0; i+4 < len(text); i++ {
			if pass == 0 && (i == 0 || text[i-1] != '(') {
				continue
			}
			d := text[i]
			if !isDelimiter(d) || text[i+1] != d || text[i+2] != d {
				continue
			}
			if port, n, ok := parsePort(text[i+3:]); ok && i+3+n < len(text) && text[i+3+n] == d {
				return port, true
			}
		}
	}
	return 0, false
}

// ParseEPRT reads the argument of EPRT: <d>proto<d>addr<d>port<d> (RFC 2428
// §2) with any printable delimiter; proto 1 is IPv4, 2 IPv6, and the
// address must be of that family. IPv4-mapped IPv6 addresses are unmapped.
func ParseEPRT(arg string) (netip.AddrPort, bool) {
	s := strings.Trim(arg, " \t")
	if len(s) < 7 || !isDelimiter(s[0]) || s[len(s)-1] != s[0] {
		return netip.AddrPort{}, false
	}
	f := strings.Split(s[1:len(s)-1], string(s[0]))
	if len(f) != 3 {
		return netip.AddrPort{}, false
	}
	addr, err := netip.ParseAddr(f[1])
	if err != nil {
		return netip.AddrPort{}, false
	}
	switch {
	case f[0] == "1" && addr.Is4():
	case f[0] == "2" && addr.Is6():
		addr = addr.Unmap()
	default:
		return netip.AddrPort{}, false
	}
	port, n, ok := parsePort(f[2])
	if !ok || n != len(f[2]) {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr, port), true
}

// parsePort reads a decimal port 1–65535 at the start of s.
func parsePort(s string) (uint16, int, bool) {
	n, j := 0, 0
	for j < len(s) && isDigit(s[j]) {
		if j == 5 {
			return 0, 0, false
		}
		n = n*10 + int(s[j]-'0')
		j++
	}
	if j == 0 || n == 0 || n > 65535 {
		return 0, 0, false
	}
	return uint16(n), j, true
}

// isDelimiter: RFC 2428 allows any ASCII 33–126 as delimiter; digits would
// make the port ambiguous.
func isDelimiter(c byte) bool { return c >= 33 && c <= 126 && !isDigit(c) }
