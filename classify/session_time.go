package classify

import (
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// What was asked and answered on a control connection, in time. RFC 959
// pairs replies with commands, but a reply only answers a command if it
// reached the client while the client was still there: one that arrives
// after the client's FIN or RST answers nothing (Pure-FTPd's "226 Logout."
// to a client that already left), and a command sent after the server
// closed was never waiting for the server. So every question below is
// asked at an instant: the first FIN or RST of the side that closed first.

// closedAt returns side d's first FIN or RST on c, zero when it sent
// neither.
func closedAt(c *tcpflow.Conn, d tcpflow.Dir) tcpflow.Ref {
	fin, rst := c.Half[d].FIN, c.Half[d].RST
	switch {
	case fin.IsZero():
		return rst
	case rst.IsZero(), fin.Before(rst):
		return fin
	}
	return rst
}

// firstCloser returns the side of c that closed first (FIN or RST) and
// when; ok is false while neither side has closed.
func firstCloser(c *tcpflow.Conn) (d tcpflow.Dir, at tcpflow.Ref, ok bool) {
	cl, sv := closedAt(c, tcpflow.FromClient), closedAt(c, tcpflow.FromServer)
	switch {
	case cl.IsZero() && sv.IsZero():
		return 0, tcpflow.Ref{}, false
	case sv.IsZero(), !cl.IsZero() && cl.Before(sv):
		return tcpflow.FromClient, cl, true
	}
	return tcpflow.FromServer, sv, true
}

// controlEnd is the instant the control connection began to close: its
// first FIN or RST from either side, zero while it is open.
func controlEnd(s *dissect.Session) tcpflow.Ref {
	_, at, _ := firstCloser(s.Control)
	return at
}

// before reports whether a happened before limit; a zero limit is no limit.
func before(a, limit tcpflow.Ref) bool { return limit.IsZero() || a.Before(limit) }

// finalReplyBy returns the first final reply (valid 2xx–5xx; a 1xx never
// ends a command, RFC 959 §4.2) of an exchange that arrived before limit.
func finalReplyBy(e *dissect.Exchange, limit tcpflow.Ref) *dissect.Reply {
	for j := range e.Replies {
		r := &e.Replies[j]
		if r.Valid && r.Code >= 200 && before(r.At, limit) {
			return r
		}
	}
	return nil
}

// pendingAt returns the last command sent before limit that had no final
// reply before it, or nil. Commands are answered in order (RFC 959 §4.2),
// so only the last one sent can be waiting when every earlier one was
// answered; a command left unanswered further back (a transfer still
// running behind a STAT, say) is still found.
func pendingAt(s *dissect.Session, limit tcpflow.Ref) *dissect.Command {
	for i := len(s.Log) - 1; i >= 0; i-- {
		e := &s.Log[i]
		if e.Cmd == nil || !before(e.Cmd.At, limit) {
			continue
		}
		if finalReplyBy(e, limit) == nil {
			return e.Cmd
		}
		return nil
	}
	return nil
}

// pendingCommand returns the command still waiting for its final reply
// when the control connection began to close (or at the end of the
// capture when it never did), or nil.
func pendingCommand(s *dissect.Session) *dissect.Command {
	return pendingAt(s, controlEnd(s))
}

// quitSentBy reports whether the client sent QUIT before limit: it meant
// to leave, whether or not the 221 reached it before it closed.
func quitSentBy(s *dissect.Session, limit tcpflow.Ref) bool {
	for i := len(s.Log) - 1; i >= 0; i-- {
		if e := &s.Log[i]; e.Cmd != nil && e.Cmd.Verb == "QUIT" && before(e.Cmd.At, limit) {
			return true
		}
	}
	return false
}

// lastFinalReplyBy returns the session's last valid 2xx–5xx reply that
// arrived before limit, with the command it answered (nil when it
// answered none).
func lastFinalReplyBy(s *dissect.Session, limit tcpflow.Ref) (*dissect.Command, *dissect.Reply) {
	var cmd *dissect.Command
	var rep *dissect.Reply
	replies(s, func(c *dissect.Command, r *dissect.Reply) bool {
		if r.Valid && r.Code >= 200 && before(r.At, limit) {
			cmd, rep = c, r
		}
		return true
	})
	return cmd, rep
}
