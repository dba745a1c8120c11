package classify

import "fmt"

// file-unavailable: 550 (file unavailable: not found, no access) or 450
// (file busy) refusing a transfer, when the text is not about permission.
// vsftpd answers a missing file with "550 Failed to open file."; others
// say "No such file or directory".
func init() {
	register(Rule{
		Cause:      "file-unavailable",
		Precedence: 31,
		Needs:      "a transfer answered 550 or 450 whose text is not about permission (missing, busy, failed to open)",
		Example:    "RETR missing.bin failed: 550 \"Failed to open file.\" (the session went on).",
		Check: func(b *Case) *Finding {
			r := transferReply(b, 550, 450)
			if r == nil || isPermissionText(r.Text) {
				return nil
			}
			t := b.Transfer
			return &Finding{Confidence: 0.85,
				Summary:  fmt.Sprintf("%s %s failed: %d %s.", t.Cmd, t.Path, r.Code, quote(r.Text)),
				Evidence: transferReplyEvidence(t, r),
			}
		},
	})
}
