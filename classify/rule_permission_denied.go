package classify

import "fmt"

// permission-denied: the server refused a transfer or path for access,
// quota or naming: 553 (file name not allowed), 552 (storage exceeded),
// 532 (need account for storing), or 550/450 whose text is about
// permission rather than absence.
func init() {
	register(Rule{
		Cause:      "permission-denied",
		Precedence: 30,
		Needs:      "a transfer answered 553, 552 or 532, or 550/450 whose text names permission, access or quota",
		Example:    "STOR upload.bin was refused: 553 \"Could not create file.\"",
		Check: func(b *Case) *Finding {
			r := transferReply(b, 553, 552, 532, 550, 450)
			if r == nil {
				return nil
			}
			conf := 0.9
			if r.Code == 550 || r.Code == 450 {
				if !isPermissionText(r.Text) {
					return nil
				}
				conf = 0.85
			}
			t := b.Transfer
			return &Finding{Confidence: conf,
				Summary:  fmt.Sprintf("%s %s was refused: %d %s.", t.Cmd, t.Path, r.Code, quote(r.Text)),
				Evidence: transferReplyEvidence(t, r),
			}
		},
	})
}
