package classify

import "fmt"

// not-ftp: the server on the FTP port answered with something that is no
// FTP reply (RFC 959 §4.2: every reply starts with three digits): an SSH
// banner, an HTTP response, a TLS record where the 220 greeting belongs.
// A client that opened with a TLS ClientHello and got TLS back is
// implicit FTPS, not this (see tls-handshake-failure).
func init() {
	register(Rule{
		Cause:   "not-ftp",
		Needs:   "the server's first bytes on the control connection are not an FTP reply (SSH-2.0 banner, HTTP, a TLS record where the 220 greeting belongs …)",
		Example: "The server at 203.0.113.20:21 does not speak FTP: it sent an SSH banner (\"SSH-2.0-OpenSSH_9.2p1 Debian-2\") where the 220 greeting belongs.",
		Check: func(b *Case) *Finding {
			s := b.Session
			if s == nil || s.NotFTP == nil || b.Kind != KindControl || b.Transfer != nil || implicitTLS(s) {
				return nil
			}
			n := s.NotFTP
			c := s.Control
			f := &Finding{Confidence: 0.95,
				Summary: fmt.Sprintf("The server at %s does not speak FTP: it sent %s (%s) where the 220 greeting belongs.",
					c.Server, notFTPWords(n.Kind), n.Prefix),
			}
			// Commands the client sent before the server's answer show what
			// the other protocol was answering (an HTTP server waits for a
			// request).
			for i := range s.Log {
				if cmd := s.Log[i].Cmd; cmd != nil && cmd.At.Before(n.At) {
					f.Evidence = append(f.Evidence, cmdEvidence(cmd))
				}
			}
			f.Evidence = append(f.Evidence, Evidence{At: n.At, Text: fmt.Sprintf("server's first bytes: %s (%s)", n.Prefix, notFTPWords(n.Kind))})
			f.Evidence = append(f.Evidence, endEvidence(c)...)
			return f
		},
	})
}

// notFTPWords names what a NotFTP server's first bytes were.
func notFTPWords(kind string) string {
	switch kind {
	case "ssh":
		return "an SSH banner"
	case "http":
		return "an HTTP response"
	case "html":
		return "an HTML page"
	case "tls":
		return "a TLS record"
	case "pop3":
		return "a POP3 greeting"
	case "imap":
		return "an IMAP greeting"
	case "vnc":
		return "a VNC (RFB) banner"
	}
	return "bytes that are no FTP reply"
}
