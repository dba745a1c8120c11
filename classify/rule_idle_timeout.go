package classify

import (
	"fmt"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// isTimeoutText recognises the wording servers use for idle timeouts
// ("421 Timeout.", "421 No transfer timeout", "Idle timeout").
func isTimeoutText(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "timeout") || strings.Contains(t, "timed out") || strings.Contains(t, "idle")
}

// idleGapBeforeClose is how long a session must have been quiet before a
// server FIN without a reply counts as an idle timeout.
const idleGapBeforeClose = 30 * time.Second

// idle-timeout: the server ended an idle session: a 421 about a timeout,
// or a FIN from the server after a long silence with no command pending.
func init() {
	register(Rule{
		Cause:   "idle-timeout",
		Needs:   "a 421 reply whose text names a timeout then the server's close; or the server's FIN after ≥30 s of silence with no command pending",
		Example: "The server ended the idle session after 60.20 s without a command: 421 \"Timeout.\", then closed.",
		Check: func(b *Case) *Finding {
			s := b.Session
			if s == nil || b.Transfer != nil {
				return nil
			}
			c := s.Control
			if cmd, r := lastReplyWith(s, 421); r != nil && (isTimeoutText(r.Text) || idleShape421(s, cmd, r)) {
				if duringTransfer(s, r) {
					return nil // "421 Data connection timed out.": a transfer ran, the session was not idle
				}
				idle := time.Duration(r.At.TS - lastCommandBefore(s, r.At).TS)
				conf := 0.9
				if !isTimeoutText(r.Text) {
					conf = 0.75 // the shape says so, not the words (cut by the snap length, or none)
				}
				f := &Finding{Confidence: conf,
					Summary:  fmt.Sprintf("The server ended the idle session after %s without a command: 421 %s.", fmtDur(idle), quote(r.Text)),
					Evidence: []Evidence{replyEvidence(cmd, r)},
				}
				if e, ok := firstEnd(c, tcpflow.FromServer, r.At); ok {
					f.Evidence = append(f.Evidence, segEvidence(c, e, "server ends the connection"))
				}
				return f
			}
			fin := c.Half[tcpflow.FromServer].FIN
			if fin.IsZero() || pendingCommand(s) != nil || firstFIN(c) != tcpflow.FromServer {
				return nil
			}
			last := lastCommandBefore(s, fin)
			idle := time.Duration(fin.TS - last.TS)
			if idle < idleGapBeforeClose {
				return nil
			}
			seg, _ := firstSeg(c, tcpflow.FromServer, tcpflow.FlagFIN)
			return &Finding{Confidence: 0.6,
				Summary: fmt.Sprintf("The server closed the session after %s in which the client sent nothing, with no reply: an idle timeout.", fmtDur(idle)),
				Evidence: []Evidence{
					{At: last, Text: "client's last command before the silence"},
					segEvidence(c, seg, "close after the silence"),
				},
			}
		},
	})
}

// duringTransfer: the reply ended a transfer or came while one ran.
func duringTransfer(s *dissect.Session, r *dissect.Reply) bool {
	for _, t := range s.Transfers {
		if t.Final != nil && t.Final.At == r.At {
			return true
		}
	}
	return transferInProgress(s, r.At)
}

// lastCommandBefore returns when the client last spoke before at: its
// last command, or the start of the connection.
func lastCommandBefore(s *dissect.Session, at tcpflow.Ref) tcpflow.Ref {
	last := s.Control.First
	for i := range s.Log {
		if c := s.Log[i].Cmd; c != nil && c.At.Before(at) {
			last = c.At
		}
	}
	return last
}

// idleQuiet is the silence before an unprompted 421 that makes it an
// idle timeout by its shape alone.
const idleQuiet = 2 * time.Second

// idleShape421: a 421 that answers no command, after the client had
// spoken and then stayed quiet for idleQuiet or more with nothing waiting
// and no transfer running, and not worded as a capacity refusal: the
// server timing an idle session out, whatever the text says (a snap
// length may have cut it to "421 Timeou", servers word it many ways).
func idleShape421(s *dissect.Session, cmd *dissect.Command, r *dissect.Reply) bool {
	if cmd != nil || r.Code != 421 || isCapacityText(r.Text) {
		return false
	}
	last := lastCommandBefore(s, r.At)
	if last == s.Control.First || pendingAt(s, r.At) != nil || transferInProgress(s, r.At) {
		return false // no command yet (a refusal at the greeting), or one still waiting
	}
	return time.Duration(r.At.TS-last.TS) >= idleQuiet
}
