package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// server-reset: the FTP server's side reset the connection mid-session or
// mid-transfer with no error reply before it. A RST evidently forged in the
// server's name is not the server's (middlebox-reset, facts_reset.go): it
// is skipped, and when it ended the connection this rule steps aside.
func init() {
	register(Rule{
		Cause:   "server-reset",
		Needs:   "a RST from the FTP server's side before the session or transfer finished, with no 4xx/5xx reply before it",
		Example: "The server reset the data connection of RETR big.iso after 524,288 of 1,048,576 bytes, with no error reply.",
		Check: func(b *Case) *Finding {
			return ownOrInherited(b, serverReset, func(b *Case) *Finding { return afterServerCut(b, serverReset) })
		},
	})
}

// serverReset is the rule on the break's own connection.
func serverReset(b *Case) *Finding {
	c := b.Conn
	if c == nil || !established(c) {
		return nil
	}
	sd := b.ServerDir()
	origin, ok := endpointReset(b, sd)
	rst := origin.rst
	if !ok || sawErrorBefore(b, rst.Ref) || endedCleanlyBefore(b, rst.Ref) {
		return nil
	}
	if fin, ok := firstSeg(c, sd, tcpflow.FlagFIN); ok && fin.Ref.Before(rst.Ref) {
		// The server had already closed: a RST after its FIN is its
		// kernel answering data that arrived for a closed socket,
		// a consequence of the close (server-close), not the cause.
		return nil
	}
	ev := segEvidence(c, rst, "reset")
	ev.Text += origin.endpointNote(c)
	f := &Finding{Confidence: 0.8, Evidence: []Evidence{ev}}
	if s, ok := endsAfterLoss(c, sd, rst.Ref); ok {
		f.Confidence = endAfterLossConfidence
		f.Evidence[0].Text += fmt.Sprintf("; it came after the server's %s went unacknowledged (%s)", s.segmentWords(c), s.series())
	}
	switch {
	case b.Transfer != nil:
		t := b.Transfer
		f.Summary = fmt.Sprintf("The server reset the data connection of %s after %s%s.", transferName(t), bytesOf(t), noErrorWords(b.Session, "with no error reply"))
		f.Evidence = append([]Evidence{cmdEvidence(transferCommand(t))}, f.Evidence...)
	case b.Kind == KindData:
		f.Summary = "The server reset a data connection" + noErrorWords(b.Session, "with no error reply") + "."
	default:
		f.Summary = "The server reset the control connection" + noErrorWords(b.Session, "with no error reply before it") + "."
		if cmd := pendingCommand(b.Session); cmd != nil {
			f.Summary = fmt.Sprintf("The server reset the control connection while %s was waiting for its reply.", cmdText(cmd))
			f.Evidence = append([]Evidence{cmdEvidence(cmd)}, f.Evidence...)
		}
	}
	return f
}
