package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// server-close: the server closed (FIN) the control connection with no
// final reply explaining it, or closed a download's data connection
// before the announced size.
func init() {
	register(Rule{
		Cause:   "server-close",
		Needs:   "the server's FIN on the control connection with no 221/421/error reply before it, or on a download's data connection before the announced size",
		Example: "The server closed the control connection while RETR big.iso was waiting for its reply, with no reply.",
		Check: func(b *Case) *Finding {
			return ownOrInherited(b, serverClose, func(b *Case) *Finding { return afterServerCut(b, serverClose) })
		},
	})
}

// serverClose is the rule on the break's own connection.
func serverClose(b *Case) *Finding {
	c := b.Conn
	if c == nil || !established(c) {
		return nil
	}
	sd := b.ServerDir()
	fin, ok := firstSeg(c, sd, tcpflow.FlagFIN)
	if !ok || sawErrorBefore(b, fin.Ref) {
		return nil
	}
	if first, ok := firstEnd(c, sd.Other(), tcpflow.Ref{}); ok && first.Ref.Before(fin.Ref) {
		return nil // the client closed or reset first: not the server's doing
	}
	f := &Finding{Confidence: 0.7, Evidence: []Evidence{segEvidence(c, fin, "close")}}
	if t := b.Transfer; t != nil {
		if senderDir(b) != sd {
			return nil // an upload: the server's FIN is not the data ending
		}
		switch {
		case t.ExpectedBytes >= 0 && t.Bytes() < t.ExpectedBytes:
			f.Confidence = 0.8
			f.Summary = fmt.Sprintf("The server closed the data connection of %s after %s.", transferName(t), bytesOf(t))
		case t.ExpectedBytes < 0 && t.Final == nil && serverClosedControl(b.Session, fin.Ref):
			// No size was announced, so the FIN alone could be the end
			// of the file; but the server then closed the control
			// connection too, without the final reply that would have
			// said the transfer was complete (RFC 959 §4.2: 226/250).
			f.Confidence = 0.75
			f.Summary = fmt.Sprintf("The server closed the data connection of %s after %s and then the control connection, with no final reply.", transferName(t), bytesOf(t))
			if end, ok := firstSeg(b.Session.Control, tcpflow.FromServer, tcpflow.FlagFIN); ok {
				f.Evidence = append(f.Evidence, segEvidence(b.Session.Control, end, "the server closes the control connection"))
			}
		case t.ExpectedBytes < 0 && t.Final == nil && clientLeftSoonAfter(b.Session, fin.Ref):
			// No size to hold the bytes against (none announced, or a
			// snap length cut it), no final reply, and the client ended
			// the whole session within moments of the server's FIN: it
			// took the FIN as the server giving up, not as the end of
			// the file it was waiting for.
			f.Confidence = 0.6
			f.Summary = fmt.Sprintf("The server closed the data connection of %s after %s with no final reply, and the client left the session right after.", transferName(t), bytesOf(t))
		default:
			return nil
		}
		f.Evidence = append([]Evidence{cmdEvidence(transferCommand(t))}, f.Evidence...)
		return f
	}
	if b.Kind != KindControl || firstFIN(c) != tcpflow.FromServer || quitAnswered(b.Session) {
		return nil
	}
	f.Summary = "The server closed the control connection with no reply explaining why."
	if repliesHidden(b.Session) {
		f.Summary = "The server closed the control connection; it was encrypted, so whether a reply explained why cannot be seen."
	}
	if cmd := pendingCommand(b.Session); cmd != nil {
		f.Summary = fmt.Sprintf("The server closed the control connection while %s was waiting for its reply.", cmdText(cmd))
		f.Evidence = append([]Evidence{cmdEvidence(cmd)}, f.Evidence...)
	}
	return f
}

// serverClosedControl: the server closed (FIN or RST) the control
// connection first, at or after at.
func serverClosedControl(s *dissect.Session, at tcpflow.Ref) bool {
	d, end, ok := firstCloser(s.Control)
	return ok && d == tcpflow.FromServer && !end.Before(at)
}

// clientLeftSoonAfter: the client ended the control connection within
// overStallSlack after at.
func clientLeftSoonAfter(s *dissect.Session, at tcpflow.Ref) bool {
	d, end, ok := firstCloser(s.Control)
	return ok && d == tcpflow.FromClient && at.Before(end) && end.TS-at.TS <= int64(overStallSlack)
}
