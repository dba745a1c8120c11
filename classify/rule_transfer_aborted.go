package classify

import "fmt"

// transfer-aborted: 426 (connection closed; transfer aborted) without an
// ABOR from the client, which would make it the client's doing.
func init() {
	register(Rule{
		Cause:   "transfer-aborted",
		Needs:   "a transfer answered 426 with no ABOR from the client",
		Example: "RETR big.iso was aborted by the server: 426 \"Failure writing network stream.\" after 1,048,576 bytes.",
		Check: func(b *Case) *Finding {
			r := transferReply(b, 426)
			if r == nil || b.Transfer.Aborted {
				return nil
			}
			t := b.Transfer
			f := &Finding{Confidence: 0.7,
				Summary:  fmt.Sprintf("%s was aborted: 426 %s after %s.", upperFirst(transferName(t)), quote(r.Text), bytesOf(t)),
				Evidence: transferReplyEvidence(t, r),
			}
			if t.Conn != nil {
				f.Evidence = append(f.Evidence, endEvidence(t.Conn)...)
			}
			return f
		},
	})
}
