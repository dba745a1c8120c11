package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// server-reset: the FTP server's side reset the connection mid-session or
// mid-transfer with no error reply before it. (Whether the host or a
// middlebox sent the RST is for the middlebox-reset rule to contest from
// TTL and IP ID.)
func init() {
	register(Rule{
		Cause:      "server-reset",
		Precedence: 60,
		Needs:      "a RST from the FTP server's side before the session or transfer finished, with no 4xx/5xx reply before it",
		Example:    "The server reset the data connection of RETR big.iso after 524288 of 1048576 bytes, with no error reply.",
		Check: func(b *Case) *Finding {
			c := b.Conn
			if c == nil || !established(c) {
				return nil
			}
			sd := b.ServerDir()
			rst, ok := firstSeg(c, sd, tcpflow.FlagRST)
			if !ok || sawErrorBefore(b, rst.Ref) || endedCleanlyBefore(b, rst.Ref) {
				return nil
			}
			if fin, ok := firstSeg(c, sd, tcpflow.FlagFIN); ok && before(fin.Ref, rst.Ref) {
				// The server had already closed: a RST after its FIN is its
				// kernel answering data that arrived for a closed socket,
				// a consequence of the close (server-close), not the cause.
				return nil
			}
			f := &Finding{Confidence: 0.8, Evidence: []Evidence{segEvidence(c, rst, "reset")}}
			switch {
			case b.Transfer != nil:
				t := b.Transfer
				f.Summary = fmt.Sprintf("The server reset the data connection of %s %s after %s, with no error reply.", t.Cmd, t.Path, bytesOf(t))
				f.Evidence = append([]Evidence{cmdEvidence(transferCommand(t))}, f.Evidence...)
			case b.Kind == KindData:
				f.Summary = "The server reset a data connection, with no error reply."
			default:
				f.Summary = "The server reset the control connection with no error reply before it."
				if cmd := pendingCommand(b.Session); cmd != nil {
					f.Summary = fmt.Sprintf("The server reset the control connection while %s was waiting for its reply.", cmdText(cmd))
					f.Evidence = append([]Evidence{cmdEvidence(cmd)}, f.Evidence...)
				}
			}
			return f
		},
	})
}
