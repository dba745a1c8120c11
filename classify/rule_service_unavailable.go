package classify

import (
	"fmt"
	"strings"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// service-unavailable: the server said 421 (RFC 959: service not
// available, closing control connection) for a reason other than an idle
// timeout — too many users, per-host limits, shutdown — and closed; or it
// turned the login away with 530 for its capacity, not the credentials
// (ProFTPD's MaxClients: "530 Sorry, the maximum number of allowed clients
// (2) are already connected.").
func init() {
	register(Rule{
		Cause:   "service-unavailable",
		Needs:   "a 421 reply that is not about an idle timeout, or a 530 that names the server's capacity (maximum number of clients, too many connections), then the server closes or resets the control connection",
		Example: "The server refused the session with 421 \"There are too many connected users, please try later.\" and closed the connection.",
		Check: func(b *Case) *Finding {
			if b.Session == nil {
				return nil
			}
			cmd, r := lastReplyWith(b.Session, 421)
			if r == nil || isTimeoutText(r.Text) || idleShape421(b.Session, cmd, r) {
				cmd, r = capacityRefusal(b.Session)
			}
			if r == nil {
				return nil
			}
			f := &Finding{Confidence: 0.8,
				Summary:  fmt.Sprintf("The server refused the session with %d %s.", r.Code, quote(r.Text)),
				Evidence: []Evidence{replyEvidence(cmd, r)},
			}
			c := b.Session.Control
			if s, ok := firstEnd(c, tcpflow.FromServer, r.At); ok {
				f.Confidence = 0.9
				f.Summary = fmt.Sprintf("The server refused the session with %d %s and closed the connection.", r.Code, quote(r.Text))
				f.Evidence = append(f.Evidence, segEvidence(c, s, "server ends the connection"))
			}
			return f
		},
	})
}

// capacityRefusal returns the last 530 (to USER, PASS or as the greeting)
// whose text turns the client away for the server's capacity.
func capacityRefusal(s *dissect.Session) (*dissect.Command, *dissect.Reply) {
	var cmd *dissect.Command
	var rep *dissect.Reply
	replies(s, func(c *dissect.Command, r *dissect.Reply) bool {
		// A 530 in place of the greeting refuses the session before any
		// credentials were sent, whatever it says (ProFTPD's "530
		// Sorry, the maximum number of clients…", cut by a snap length
		// to "530 Sorry,").
		if r.Valid && r.Code == 530 && (isCapacityText(r.Text) || (c == nil && greeting(s) == r)) {
			cmd, rep = c, r
		}
		return true
	})
	return cmd, rep
}

// isCapacityText recognises a refusal for the server's capacity rather
// than the client's credentials, in the words of vsftpd, ProFTPD,
// Pure-FTPd and others.
func isCapacityText(text string) bool {
	t := strings.ToLower(text)
	for _, w := range []string{"maximum number", "too many", "max clients", "maxclients", "connection limit",
		"limit reached", "server is full", "no more connections", "capacity", "per ip", "per host"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}
