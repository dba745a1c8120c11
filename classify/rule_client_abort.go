package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/dissect"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// client-abort: the client gave up: ABOR, or the client's RST (or FIN on
// a control connection with a command pending) in the middle of a transfer
// or command, with no server error before it. A RST evidently forged in
// the client's name is not the client's (middlebox-reset): it is skipped,
// and when a forged RST ended the connection this rule steps aside.
func init() {
	register(Rule{
		Cause:   "client-abort",
		Needs:   "ABOR during a transfer, or the client's RST/FIN mid-transfer or mid-command with no server error before it",
		Example: "The client aborted RETR big.iso (ABOR) after 262,144 of 1,048,576 bytes.",
		Check: func(b *Case) *Finding {
			if t := b.Transfer; t != nil && t.Aborted {
				return &Finding{Confidence: 0.85,
					Summary:  fmt.Sprintf("The client aborted %s (ABOR) after %s.", transferName(t), abortedBytesOf(t)),
					Evidence: abortEvidence(t),
				}
			}
			c := b.Conn
			if c == nil || !established(c) {
				return nil
			}
			cd := b.ServerDir().Other()
			origin, ok := endpointReset(b, cd)
			end, what := origin.rst, "reset"
			if fin := c.Half[cd].FIN; ok && !fin.IsZero() && fin.Before(end.Ref) {
				// The client is dated by its first FIN or RST: a RST
				// after its own FIN only answers a late segment on a
				// socket it had already closed.
				ok = false
			}
			if !ok {
				// A FIN from the client is an abort on a data connection
				// (the receiver hung up before the sender finished, or
				// the sender stopped short) or on a control connection
				// with a command pending; endedCleanlyBefore and the
				// server-first check below rule out a normal end.
				if end, ok = firstSeg(c, cd, tcpflow.FlagFIN); !ok {
					return nil
				}
				if forgedEndedBefore(b, end.Ref) {
					return nil // a forged reset had ended the connection: the close follows from it
				}
				if t := b.Transfer; t != nil && b.Kind == KindData && senderDir(b) == cd &&
					(t.WantBytes() < 0 || t.Bytes() >= t.WantBytes()) {
					// The client sends (an upload): its FIN is the end of
					// the file (RFC 959 §3.4.1, stream mode), not an abort,
					// unless it came short of an announced size.
					return nil
				}
				what = "closed"
			}
			if sawErrorBefore(b, end.Ref) || endedCleanlyBefore(b, end.Ref) {
				return nil
			}
			if first, ok := firstEnd(c, cd.Other(), tcpflow.Ref{}); ok && first.Ref.Before(end.Ref) && !forgedReset(b, first) {
				return nil // the server closed or reset first
			}
			ev := segEvidence(c, end, "client "+what)
			ev.Text += origin.endpointNote(c)
			f := &Finding{Confidence: 0.75, Evidence: []Evidence{ev}}
			if s, ok := endsAfterLoss(c, cd, end.Ref); ok {
				f.Confidence = endAfterLossConfidence
				f.Evidence[0].Text += fmt.Sprintf("; it came after the client's %s went unacknowledged (%s)", s.segmentWords(c), s.series())
			}
			switch t := b.Transfer; {
			case t != nil:
				f.Summary = fmt.Sprintf("The client %s the data connection of %s after %s%s.", what, transferName(t), bytesOf(t), noErrorWords(b.Session, "with no error from the server"))
				f.Evidence = append([]Evidence{cmdEvidence(transferCommand(t))}, f.Evidence...)
			case b.Kind == KindData:
				f.Summary = fmt.Sprintf("The client %s a data connection.", what)
			default:
				if _, _, cut := serverCut(b, end.Ref); cut {
					return nil // it reacted to the server ending the transfer
				}
				cmd := pendingAt(b.Session, end.Ref)
				if cmd == nil && !transferInProgress(b.Session, end.Ref) {
					if what == "closed" {
						return nil // leaving without QUIT when nothing is pending is not a break
					}
					f.Confidence = min(f.Confidence, 0.6)
					f.Summary = "The client reset the control connection without QUIT."
					return f
				}
				f.Summary = fmt.Sprintf("The client %s the control connection in the middle of a command%s.", what, noErrorWords(b.Session, "with no error from the server"))
				if cmd != nil {
					f.Summary = fmt.Sprintf("The client %s the control connection while %s was waiting for its reply.", what, cmdText(cmd))
					f.Evidence = append([]Evidence{cmdEvidence(cmd)}, f.Evidence...)
				}
			}
			return f
		},
	})
}

// abortEvidence shows an aborted transfer's command and the ABOR, with
// what the data connection carried after it when that differs from what
// it had carried before.
func abortEvidence(t *dissect.Transfer) []Evidence {
	abor := Evidence{At: t.AbortAt, Text: fmt.Sprintf("client sends ABOR; %s of the file had crossed the capture point", count(t.AbortBytes, "byte"))}
	ev := []Evidence{cmdEvidence(transferCommand(t)), abor}
	if n := t.Bytes(); n > t.AbortBytes && t.Conn != nil {
		ev = append(ev, Evidence{At: t.Conn.Half[t.Sender].LastData, Text: fmt.Sprintf("the data connection's last data: %s in all, %s of them after the ABOR (already in flight, or sent before the sender stopped)",
			count(n, "byte"), fmtInt(n-t.AbortBytes))})
	}
	return ev
}
