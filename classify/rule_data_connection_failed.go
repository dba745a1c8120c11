package classify

import "fmt"

// data-connection-failed: 425 (can't open data connection). The network
// rules (data-channel-blocked, connection-refused on the data endpoint)
// explain it with packet evidence when the capture has it; this rule is
// the FTP-level fallback.
func init() {
	register(Rule{
		Cause:   "data-connection-failed",
		Needs:   "a transfer answered 425",
		Example: "LIST failed: the server could not open the data connection (425 \"Failed to establish connection.\").",
		Check: func(b *Case) *Finding {
			cmd, _, _, r, ev := refusalOf(b, 425)
			if r == nil {
				return nil
			}
			f := &Finding{Confidence: 0.75,
				Summary:  fmt.Sprintf("%s failed: the server could not open the data connection (425 %s).", cmdText(cmd), quote(r.Text)),
				Evidence: ev,
			}
			if t := b.Transfer; t != nil && t.Conn != nil {
				f.Evidence = append(f.Evidence, endEvidence(t.Conn)...)
			}
			return f
		},
	})
}
