package classify

// ftp-sequence-error: the session ended right after 503 (bad sequence of
// commands): e.g. PASS before USER, RNTO without RNFR.
func init() {
	register(Rule{
		Cause:   "ftp-sequence-error",
		Needs:   "the session's last final reply before it ended is 503",
		Example: "The session ended after the server refused PASS ****: 503 \"Login with USER first.\"",
		Check: func(b *Case) *Finding {
			return lastReplyRule(b, "The session ended after the server refused %s: %d %s.", 0.7, 503)
		},
	})
}
