package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// tls-handshake-failure: the control connection was to switch to TLS
// (AUTH TLS answered 234, RFC 4217 §4; or implicit FTPS, a ClientHello as
// the first bytes) and the handshake did not complete: a TLS alert
// (protocol_version, handshake_failure, bad_certificate, unknown_ca …), or
// a close or reset before both sides finished. Also an implicit-FTPS
// client meeting a server that greets in plain FTP. Only record headers
// are read: the alert's name when it travels in plaintext, the versions in
// record headers (not the ClientHello's offer or the ServerHello's choice,
// which sit inside the messages).
func init() {
	register(Rule{
		Cause:   "tls-handshake-failure",
		Needs:   "AUTH TLS answered 234 (or a ClientHello as the control connection's first bytes), then a TLS alert or a FIN/RST before both sides finished the handshake",
		Example: "The TLS handshake after AUTH TLS failed: the server sent a fatal protocol_version alert (70); the client sent ClientHello; the server sent no handshake message, one record; record-layer versions TLS 1.0; then the client closed the connection.",
		Check:   checkTLSHandshakeFailure,
	})
}

func checkTLSHandshakeFailure(b *Case) *Finding {
	s := b.Session
	if s == nil || b.Kind != KindControl || b.Transfer != nil || !tlsHandshakeFailed(s) {
		return nil
	}
	c := s.Control
	f := &s.TLSFacts
	what := "The implicit FTPS handshake"
	var ev []Evidence
	if s.TLS {
		what = "The TLS handshake after AUTH TLS"
		if cmd, r := lastReplyWith(s, 234); r != nil {
			ev = append(ev, replyEvidence(cmd, r))
			if cmd != nil {
				what = "The TLS handshake after " + cmdText(cmd)
			}
		}
	}
	if !f.First[tcpflow.FromClient].IsZero() {
		ev = append(ev, Evidence{At: f.First[tcpflow.FromClient], Text: "client's first TLS record"})
	}
	if !f.First[tcpflow.FromServer].IsZero() {
		ev = append(ev, Evidence{At: f.First[tcpflow.FromServer], Text: "server's first TLS record"})
	}
	end, ended := firstTeardown(c)
	endWords := ""
	if ended {
		endWords = fmt.Sprintf("; then the %s %s the connection", end.Dir, endedHow(end))
	}
	fin := &Finding{Confidence: 0.85}
	switch a, ok := fatalAlert(f); {
	case ok:
		fin.Confidence = 0.9
		ev = append(ev, alertEvidence(a))
		fin.Summary = fmt.Sprintf("%s failed: the %s sent %s; %s; %s%s.",
			what, a.From, alertWords(a), tlsProgress(f), versionWords(f), endWords)
	case greetedInPlain(s):
		_, greet := firstReply(s)
		if greet != nil {
			ev = append(ev, replyEvidence(nil, greet))
		}
		fin.Summary = fmt.Sprintf("%s could not start: the client opened with a TLS ClientHello, but the server greets in plain FTP (explicit FTPS or none)%s.", what, endWords)
	default:
		fin.Summary = fmt.Sprintf("%s did not complete: the connection ended with no alert; %s; %s%s.",
			what, tlsProgress(f), versionWords(f), endWords)
	}
	// A server that falls back to plain text says why in its own words
	// (vsftpd: "500 OOPS: error:0A000418:SSL routines::tlsv1 alert
	// unknown ca").
	replies(s, func(cmd *dissect.Command, r *dissect.Reply) bool {
		if r.Valid && r.Code >= 400 && f.First[tcpflow.FromClient].Before(r.At) {
			ev = append(ev, replyEvidence(cmd, r))
		}
		return true
	})
	if ended {
		ev = append(ev, endSegEvidence(c, end, "end of the connection"))
	}
	sortEvidence(ev)
	fin.Evidence = ev
	return fin
}

// alertWords names an alert: "a fatal handshake_failure alert (40)".
func alertWords(a dissect.TLSAlert) string {
	if a.Encrypted {
		return "an encrypted alert (its name is not visible)"
	}
	level := "a fatal"
	if a.Level == 1 {
		level = "a warning"
	}
	return fmt.Sprintf("%s %s alert (%d)", level, a.Name(), a.Description)
}

func alertEvidence(a dissect.TLSAlert) Evidence {
	return Evidence{At: a.At, Text: fmt.Sprintf("%s sends %s", a.From, alertWords(a))}
}

// firstReply returns the session's first reply.
func firstReply(s *dissect.Session) (*dissect.Command, *dissect.Reply) {
	for i := range s.Log {
		if len(s.Log[i].Replies) > 0 {
			return s.Log[i].Cmd, &s.Log[i].Replies[0]
		}
	}
	return nil, nil
}
