package classify

import "fmt"

// data-connection-failed: 425 (can't open data connection). The network
// rules (data-channel-blocked, connection-refused on the data endpoint)
// explain it with packet evidence when the capture has it; this rule is
// the FTP-level fallback.
func init() {
	register(Rule{
		Cause:      "data-connection-failed",
		Precedence: 40,
		Needs:      "a transfer answered 425",
		Example:    "LIST failed: the server could not open the data connection (425 \"Failed to establish connection.\").",
		Check: func(b *Case) *Finding {
			r := transferReply(b, 425)
			if r == nil {
				return nil
			}
			t := b.Transfer
			f := &Finding{Confidence: 0.75,
				Summary:  fmt.Sprintf("%s failed: the server could not open the data connection (425 %s).", t.Cmd, quote(r.Text)),
				Evidence: transferReplyEvidence(t, r),
			}
			if t.Conn != nil {
				f.Evidence = append(f.Evidence, endEvidence(t.Conn)...)
			}
			return f
		},
	})
}
