package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// login-failures: USER/PASS answered 530 (RFC 959: not logged in) and no
// login succeeded. Strongest when the server then closed the session
// (vsftpd's max_login_fails, ProFTPD's MaxLoginAttempts); when the client
// gave up instead, the login was still refused by the server's policy.
// A 530 that names the server's capacity ("maximum number of allowed
// clients") refused no credentials: that is service-unavailable.
func init() {
	register(Rule{
		Cause:   "login-failures",
		Needs:   "PASS (or USER) answered 530 and no 230 after it; stronger when the server then closes",
		Example: "Login as \"alice\" was refused 3 times (530 \"Login incorrect.\") and the server closed the session.",
		Check: func(b *Case) *Finding {
			s := b.Session
			if s == nil || b.Transfer != nil || !loginFailed(s) {
				return nil
			}
			var ev []Evidence
			n := 0
			var last *dissect.Reply
			replies(s, func(cmd *dissect.Command, r *dissect.Reply) bool {
				if r.Valid && r.Code == 530 && cmd != nil && (cmd.Verb == "PASS" || cmd.Verb == "USER") && !isCapacityText(r.Text) {
					n++
					last = r
					if len(ev) < 6 {
						ev = append(ev, cmdEvidence(cmd), replyEvidence(cmd, r))
					}
				}
				return true
			})
			if n == 0 {
				return nil // turned away for capacity: service-unavailable
			}
			user := ""
			if s.User != "" {
				user = fmt.Sprintf(" as %q", s.User)
			}
			f := &Finding{Confidence: 0.75, Evidence: ev,
				Summary: fmt.Sprintf("Login%s was refused %s (530 %s) and the client gave up.", user, times(int64(n)), quote(last.Text))}
			c := s.Control
			if e, ok := firstEnd(c, tcpflow.FromServer, last.At); ok && firstFIN(c) == tcpflow.FromServer && !quitAnswered(s) {
				f.Confidence = 0.9
				f.Summary = fmt.Sprintf("Login%s was refused %s (530 %s) and the server closed the session.", user, times(int64(n)), quote(last.Text))
				f.Evidence = append(f.Evidence, segEvidence(c, e, "server ends the connection"))
			}
			return f
		},
	})
}
