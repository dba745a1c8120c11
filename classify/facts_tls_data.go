package classify

import (
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Facts about TLS on data connections (PROT P, RFC 4217 §9), from the
// record headers the dissector read (DataConn.TLS): nothing is decrypted.

// tls13AlertBody is the body length of a TLS 1.3 alert record: the two
// alert bytes, the inner content type and a 16-byte AEAD tag. TLS 1.3
// sends alerts as application-data records on the outside (RFC 8446 §5.2),
// so a sender's last record of this size after its handshake is its
// closing alert.
const tls13AlertBody = 19

// closeNotifyAt returns where side d closed its TLS session: its last
// record is an alert sent after its handshake (encrypted, so in practice
// close_notify: RFC 8446 §6.1, RFC 5246 §7.2.1), as content type 21 in
// TLS ≤ 1.2, or as an alert-sized application-data record in TLS 1.3.
// ok is false when the dissector lost track of d's records.
func closeNotifyAt(f *dissect.TLSFacts, d tcpflow.Dir) (tcpflow.Ref, bool) {
	last := f.Last[d]
	if !f.Lost[d].IsZero() || f.Finished[d].IsZero() || last.At.IsZero() || last.At.Before(f.Finished[d]) {
		return tcpflow.Ref{}, false
	}
	if last.Type == 21 || (last.Type == 23 && last.Length == tls13AlertBody && last.At != f.Finished[d]) {
		return last.At, true
	}
	return tcpflow.Ref{}, false
}

// firstReset returns a connection's first RST from either side.
func firstReset(c *tcpflow.Conn) (tcpflow.Ref, bool) {
	a, b := c.Half[tcpflow.FromClient].RST, c.Half[tcpflow.FromServer].RST
	switch {
	case a.IsZero():
		return b, !b.IsZero()
	case b.IsZero() || a.Before(b):
		return a, true
	}
	return b, true
}

// tlsOrderlyTeardown: a transfer over a TLS data connection ended the way
// many TLS stacks end one, not cut short: the sender of the file closed
// its TLS session with close_notify, then the connection ended with a RST
// instead of a FIN (a socket closed with the peer's close_notify still
// unread is reset by the kernel, RFC 2525 §2.17), and the session went on
// normally afterwards. The transfer's status code must not call such a
// transfer truncated, nor its data connection a break.
func tlsOrderlyTeardown(s *dissect.Session, t *dissect.Transfer) bool {
	if t == nil || t.Conn == nil || t.Aborted {
		return false
	}
	if t.Final != nil && t.Final.Valid && t.Final.Code >= 300 {
		return false // the server said it failed
	}
	f := t.Data.TLS()
	if f == nil {
		return false
	}
	rst, ok := firstReset(t.Conn)
	if !ok {
		return false
	}
	senders := []tcpflow.Dir{t.Sender}
	if t.Direction == dissect.DirectionUnknown {
		senders = []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer}
	}
	closed := false
	for _, d := range senders {
		if at, ok := closeNotifyAt(f, d); ok && at.Before(rst) {
			closed = true
		}
	}
	return closed && sessionWentOn(s, t, rst)
}

// sessionWentOn reports whether the session carried on normally after at
// (a data connection's end): the transfer's own 2xx reply, a later
// command answered, data both ways on an encrypted control connection, or
// the session's orderly end.
func sessionWentOn(s *dissect.Session, t *dissect.Transfer, at tcpflow.Ref) bool {
	if r := t.Final; r != nil && r.Valid && r.Code >= 200 && r.Code < 300 {
		return true
	}
	answered := false
	replies(s, func(cmd *dissect.Command, r *dissect.Reply) bool {
		if cmd != nil && at.Before(cmd.At) && r.Valid && r.Code >= 200 {
			answered = true
			return false
		}
		return true
	})
	if answered {
		return true
	}
	c := s.Control
	if c == nil {
		return false
	}
	if dataBothWaysAfter(c, at) {
		return true
	}
	ended, ok := firstTeardown(c)
	return ok && at.Before(ended.Ref) && (quitAnswered(s) || (tlsAttempted(s) && encryptedOrderlyEnd(c)))
}

// dataBothWaysAfter reports whether both sides of c sent payload after at:
// the connection was still in use, not just acknowledging or closing.
func dataBothWaysAfter(c *tcpflow.Conn, at tcpflow.Ref) bool {
	return at.Before(c.Half[tcpflow.FromClient].LastData) && at.Before(c.Half[tcpflow.FromServer].LastData)
}
