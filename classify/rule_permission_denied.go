package classify

// permission-denied: the server refused a transfer or a path for access,
// quota or naming: 553 (file name not allowed), 552 (storage exceeded),
// 532 (need account for storing), or 550/450 worded as a denial ("Permission
// denied", "Not enough privileges", "Could not create file"), or a 550 to
// a command that creates or removes something (STOR, APPE, MKD, DELE…)
// with no word of absence, or a 500–504 worded as a denial (ProFTPD's
// "501 PORT: Operation not permitted" under <Limit PORT> DenyAll).
// Whichever command learned it: a transfer, or a request the client then
// abandoned (a data channel refused included).
func init() {
	register(Rule{
		Cause:   "permission-denied",
		Needs:   "a transfer or an abandoned request answered 553, 552 or 532, or 550/450 refusing for permission, access or quota (from the text, or a 550 to a command that creates or removes something)",
		Example: "STOR upload.bin failed: 553 \"Could not create file.\"",
		Check: func(b *Case) *Finding {
			cmd, verb, path, r, ev := refusalOf(b, 553, 552, 532, 550, 551, 450, 500, 501, 502, 504)
			if r == nil {
				return nil
			}
			if r.Code >= 500 && r.Code <= 504 {
				// A "syntax" code worded as a denial is the server's
				// policy, not a misunderstanding: ProFTPD's <Limit PORT>
				// answers "501 PORT: Operation not permitted".
				if !isPermissionText(r.Text) {
					return nil
				}
			} else if refusalKind(verb, r.Code, r.Text) != refusedPermission {
				return nil
			}
			conf := 0.85
			if r.Code == 552 || r.Code == 553 || r.Code == 532 || isPermissionText(r.Text) {
				conf = 0.9
			}
			return refusalFinding(b, cmd, path, r, ev, conf)
		},
	})
}
