package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// service-unavailable: the server said 421 (RFC 959: service not
// available, closing control connection) for a reason other than an idle
// timeout — too many users, per-host limits, shutdown — and closed.
func init() {
	register(Rule{
		Cause:   "service-unavailable",
		Needs:   "a 421 reply that is not about an idle timeout, then the server closes or resets the control connection",
		Example: "The server refused the session with 421 \"There are too many connected users, please try later.\" and closed the connection.",
		Check: func(b *Case) *Finding {
			if b.Session == nil {
				return nil
			}
			cmd, r := lastReplyWith(b.Session, 421)
			if r == nil || isTimeoutText(r.Text) {
				return nil
			}
			f := &Finding{Confidence: 0.8,
				Summary:  fmt.Sprintf("The server refused the session with 421 %s.", quote(r.Text)),
				Evidence: []Evidence{replyEvidence(cmd, r)},
			}
			c := b.Session.Control
			if s, ok := firstEnd(c, tcpflow.FromServer, r.At); ok {
				f.Confidence = 0.9
				f.Summary = fmt.Sprintf("The server refused the session with 421 %s and closed the connection.", quote(r.Text))
				f.Evidence = append(f.Evidence, segEvidence(c, s, "server ends the connection"))
			}
			return f
		},
	})
}
