package dissect

import "bytes"

// maxNotFTPPrefix is how many of the server's first bytes a NotFTP keeps:
// enough for a whole SSH or SMTP banner line.
const maxNotFTPPrefix = 80

// greetingVerdict says whether a server's first bytes are an FTP reply.
type greetingVerdict uint8

const (
	greetingUndecided greetingVerdict = iota // only blanks so far
	greetingFTP
	greetingNotFTP
)

// judgeGreeting looks at the server's first bytes on a control
// connection. Every FTP reply starts with a digit (RFC 959 §4.2), so the
// first byte that is not a blank decides; blank lines before the greeting
// are tolerated (and reported as empty lines by the reply parser).
func judgeGreeting(b []byte) greetingVerdict {
	for _, c := range b {
		switch {
		case isGreetingBlank(c):
			continue
		case isDigit(c):
			return greetingFTP
		default:
			return greetingNotFTP
		}
	}
	return greetingUndecided
}

func isGreetingBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// notFTPSignatures name well-known first bytes of other protocols.
var notFTPSignatures = []struct {
	prefix string
	kind   string
}{
	{"SSH-", "ssh"},
	{"HTTP/", "http"},
	{"+OK", "pop3"},
	{"* OK", "imap"},
	{"RFB ", "vnc"},
	{"<", "html"},
}

// NotFTPKind names the protocol a server's first bytes belong to: "ssh",
// "http", "tls", "pop3", "imap", "vnc", "html", or "unknown".
func NotFTPKind(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	// A TLS record starts with its content type, 20–24: control bytes no
	// text protocol starts with. One byte decides, however the stream is
	// split.
	if len(b) >= 1 && looksLikeRecordStart(b[0]) {
		return "tls"
	}
	for _, s := range notFTPSignatures {
		if bytes.HasPrefix(b, []byte(s.prefix)) {
			return s.kind
		}
	}
	return "unknown"
}

// looksLikeBanner reports whether a server's first payload starts an FTP
// greeting: "220 " or "220-" (RFC 959 §5.4: the server sends 220 when a
// connection is established, or 120 first, which this does not take).
func looksLikeBanner(p []byte) bool {
	return len(p) >= 4 && p[0] == '2' && p[1] == '2' && p[2] == '0' && (p[3] == ' ' || p[3] == '-')
}
