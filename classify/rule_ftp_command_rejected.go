package classify

import (
	"fmt"
	"slices"
)

// ftp-command-rejected: the session ended right after the server rejected
// commands it does not understand or implement (500 syntax error, 501
// bad arguments, 502 not implemented, 504 parameter not implemented).
func init() {
	register(Rule{
		Cause:   "ftp-command-rejected",
		Needs:   "the session's last final reply before it ended is 500, 501, 502 or 504",
		Example: "The session ended after the server rejected XCRC: 502 \"Command not implemented.\"",
		Check: func(b *Case) *Finding {
			return lastReplyRule(b, "The session ended after the server rejected %s: %d %s.", 0.7, 500, 501, 502, 504)
		},
	})
}

// lastReplyRule holds when the session's last final reply before the
// control connection broke has one of the codes.
func lastReplyRule(b *Case, format string, conf float64, codes ...int) *Finding {
	if b.Session == nil || b.Transfer != nil || b.Kind != KindControl {
		return nil
	}
	// A reply after the connection began to close answers nothing
	// (Pure-FTPd's statistics line after the client's FIN).
	cmd, r := lastFinalReplyBy(b.Session, controlEnd(b.Session))
	if rf := b.Refusal; rf != nil {
		// A refused request (PORT answered 500, say) is the break itself.
		cmd, r = rf.Cmd, rf.Reply
	}
	if r == nil {
		return nil
	}
	if !slices.Contains(codes, r.Code) {
		return nil
	}
	what := "an unsolicited line"
	if cmd != nil {
		what = cmdText(cmd)
	}
	f := &Finding{Confidence: conf,
		Summary:  fmt.Sprintf(format, what, r.Code, quote(r.Text)),
		Evidence: []Evidence{replyEvidence(cmd, r)},
	}
	if cmd != nil {
		f.Evidence = append([]Evidence{cmdEvidence(cmd)}, f.Evidence...)
	}
	f.Evidence = append(f.Evidence, endEvidence(b.Session.Control)...)
	return f
}
