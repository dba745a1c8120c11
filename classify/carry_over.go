package classify

import (
	"fmt"
	"slices"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// A control connection often ends because one of its data connections
// failed: the client gives up on the session, or the server times it out.
// The rules whose cause can do that (a path that stopped delivering, a
// forged reset, a black hole, a stall, a blocked data port) then hold for
// the control connection's break too, worded for it and resting on the
// data connection's evidence.
//
// This is not one generic step after the data connections' verdicts:
// what ties the control connection's end to the data connection differs
// by cause (a transfer still waiting for its reply, no command in between,
// the control connection losing its own packets on the same path, a data
// connection that never connected), so does how much less direct the link
// is, and the inherited finding must compete with the control connection's
// own (an abort, a close) when the break is decided. So each rule says
// when its cause carries over; the cases it looks at, the test of a
// transfer still waiting, and the inherited finding's shape are here.

// ownOrInherited is the check of a rule whose cause can carry over: own
// on the break's connection, or else, for a control connection's break,
// inherited from one of the session's data connections.
func ownOrInherited(b *Case, own, inherited func(*Case) *Finding) *Finding {
	if f := own(b); f != nil {
		return f
	}
	if b.Kind == KindControl {
		return inherited(b)
	}
	return nil
}

// dataCases lists the cases of the data connections whose failure b, a
// control connection's break, may follow from: the session's, or only its
// transfer's when the break is about one.
func dataCases(b *Case) []*Case {
	s := b.Session
	if s == nil || b.Kind != KindControl || b.Conn == nil {
		return nil
	}
	var out []*Case
	for _, d := range s.Data {
		if b.Transfer == nil || d.Transfer == b.Transfer {
			out = append(out, dataCase(s, d, b.Ctx, b.Why))
		}
	}
	return out
}

// waitingAt reports whether a transfer was still waiting for its final
// reply when the control connection ended at end.
func waitingAt(s *dissect.Session, t *dissect.Transfer, end tcpflow.Seg) bool {
	return t != nil && TransferStatusOf(s, t) != StatusComplete && (t.Final == nil || !t.Final.At.Before(end.Ref))
}

// inherit words a data connection's finding f for the control
// connection's break that followed from it: summary (the rule's words for
// how it followed, then f's), f's evidence and then the control
// connection's own (its end, or what it lost), at f's confidence less
// drop, for how indirect the link is.
func inherit(f *Finding, drop float64, summary string, ctl ...Evidence) *Finding {
	return &Finding{Confidence: f.Confidence - drop, Summary: summary, Evidence: append(slices.Clone(f.Evidence), ctl...)}
}

// controlEndEvidence shows the control connection's end for an inherited
// finding.
func controlEndEvidence(b *Case, end tcpflow.Seg) Evidence {
	return endSegEvidence(b.Conn, end, "the control connection ends")
}

// endedWhileWaiting says how the control connection ended while a
// transfer waited for its reply, since the data connection's trouble
// (what) began: "The client ended the control connection (frame 213)
// while STOR big.bin was still waiting for its reply, 6.66 s after the
// data connection's first unanswered retransmission."
func endedWhileWaiting(b *Case, end tcpflow.Seg, t *dissect.Transfer, since int64, what string) string {
	return fmt.Sprintf("The %s ended the control connection (frame %d) while %s was still waiting for its reply, %s after the data connection's first %s.",
		ftpRole(b, end.Dir), end.Frame, cmdText(transferCommand(t)), fmtDur(time.Duration(end.TS-since)), what)
}

// overStallSlack: a control connection that ended this long after the
// data connection's last packet ended over something else.
const overStallSlack = 10 * time.Second

// controlOverStall decides a control connection's break by what killed
// one of the session's transfers: when check holds on a transfer's data
// connection (a stall, a window-limited crawl) and the control connection
// ended after that began and not long after the data connection's end,
// the control connection ended over it and carries the same cause (the
// client giving up on the whole session, or the server's timeout reply
// and close). what names it for the summary ("a stalled transfer").
func controlOverStall(b *Case, check func(*Case) (*Finding, tcpflow.Ref), what string) *Finding {
	end, ok := firstTeardown(b.Conn)
	if !ok {
		return nil
	}
	for _, data := range dataCases(b) {
		if data.Transfer == nil {
			continue
		}
		f, since := check(data)
		if f == nil || end.Ref.Before(since) || end.TS > data.Conn.Last.TS+int64(overStallSlack) {
			continue
		}
		out := inherit(f, 0, fmt.Sprintf("The control connection ended over %s: %s", what, lowerFirst(f.Summary)), controlEndEvidence(b, end))
		if cmd, r := lastFinalReply(b.Session); r != nil && r.Code >= 400 && !r.At.Before(since) {
			out.Evidence = append(out.Evidence, replyEvidence(cmd, r))
		}
		out.Evidence = tidyEvidence(out.Evidence)
		return out
	}
	return nil
}

// abandonedData: b is a control connection's break with no transfer of
// its own, ended after a data connection that never connected. It returns
// that data connection as a case, and the control connection's end.
func abandonedData(b *Case) (*Case, tcpflow.Seg, bool) {
	if b.Kind != KindControl || b.Transfer != nil || b.Session == nil || b.Conn == nil {
		return nil, tcpflow.Seg{}, false
	}
	end, ok := firstTeardown(b.Conn)
	if !ok {
		return nil, tcpflow.Seg{}, false
	}
	d := lastDataBefore(b.Session, end.Ref)
	if d == nil || !neverConnected(d.Conn) {
		return nil, tcpflow.Seg{}, false
	}
	return dataCase(b.Session, d, b.Ctx, "data connection never established"), end, true
}

// abandonedOver words the finding f on a data connection that never
// connected for the control connection its client then left (abandonedData).
func abandonedOver(b *Case, end tcpflow.Seg, data *Case, f *Finding) *Finding {
	return inherit(f, 0, fmt.Sprintf("The %s %s the control connection without QUIT (frame %d), %s after its data connection's first SYN: %s",
		ftpRole(b, end.Dir), endedHow(end), end.Frame, fmtDur(time.Duration(end.TS-data.Conn.First.TS)), f.Summary),
		controlEndEvidence(b, end))
}

// afterServerCut decides a control connection's break that the client
// ended while a transfer waited for its final reply, after the server had
// already ended that transfer's data connection (a close short of the
// file, a reset): the client reacted to the server, as curl does when the
// data it was reading stops and the server process is gone. own is the
// rule's check on the data connection (server-close, server-reset); its
// finding carries over to the control connection.
func afterServerCut(b *Case, own func(*Case) *Finding) *Finding {
	end, ok := firstTeardown(b.Conn)
	if !ok || end.Dir != tcpflow.FromClient {
		return nil
	}
	data, cut, ok := serverCut(b, end.Ref)
	if !ok {
		return nil
	}
	f := own(data)
	if f == nil {
		return nil
	}
	out := inherit(f, 0, fmt.Sprintf("The client ended the control connection (frame %d) %s after the server ended the data connection of %s, while it waited for the final reply: %s",
		end.Frame, fmtDur(time.Duration(end.TS-cut.TS)), transferName(data.Transfer), lowerFirst(f.Summary)), controlEndEvidence(b, end))
	out.Evidence = tidyEvidence(out.Evidence)
	return out
}

// serverCut returns the data case of a transfer still waiting for its
// final reply at at whose data connection the server's side ended
// (FIN or RST) first, at most overStallSlack before at: a client that
// ends the control connection then is reacting to the server.
func serverCut(b *Case, at tcpflow.Ref) (*Case, tcpflow.Ref, bool) {
	for _, data := range dataCases(b) {
		t := data.Transfer
		if t == nil || (t.Final != nil && t.Final.At.Before(at)) {
			continue
		}
		cut := closedAt(data.Conn, data.ServerDir())
		if !cut.IsZero() && cut.Before(at) && at.TS-cut.TS <= int64(overStallSlack) &&
			!closedAt(data.Conn, data.ServerDir().Other()).Before(cut) {
			return data, cut, true
		}
	}
	return nil, tcpflow.Ref{}, false
}
