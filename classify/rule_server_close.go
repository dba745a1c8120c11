package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// server-close: the server closed (FIN) the control connection with no
// final reply explaining it, or closed a download's data connection
// before the announced size.
func init() {
	register(Rule{
		Cause:      "server-close",
		Precedence: 65,
		Needs:      "the server's FIN on the control connection with no 221/421/error reply before it, or on a download's data connection before the announced size",
		Example:    "The server closed the control connection while RETR big.iso was waiting for its reply, with no reply.",
		Check: func(b *Case) *Finding {
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
				if t.ExpectedBytes < 0 || t.Bytes() >= t.ExpectedBytes {
					return nil
				}
				f.Confidence = 0.8
				f.Summary = fmt.Sprintf("The server closed the data connection of %s after %s.", transferName(t), bytesOf(t))
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
		},
	})
}
