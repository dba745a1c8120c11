package classify

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Thresholds of the slow-reply rule.
const (
	// slowReplyExcess: a reply slower than the round trip by this much is
	// the server taking its time, not the network.
	slowReplyExcess = 200 * time.Millisecond
	// minSlowReplies: "repeatedly", and at least a quarter of the replies
	// measured.
	minSlowReplies = 2
	// minWait and longWait: a client that waited longWait for a reply
	// before leaving gave up on the server; waits from minWait on may be a
	// person changing their mind, and then the rule only contributes.
	minWait  = time.Second
	longWait = 5 * time.Second
)

// slow-server-reply: the server took far longer to answer commands (or to
// greet) than the network round trip explains, more than once: it is
// overloaded, throttling, or waiting on something (reverse DNS, an
// authentication backend). A finding; the break cause when the client
// gave up waiting for a reply the server had received (acknowledged) and
// never sent.
func init() {
	register(Rule{
		Cause:   "slow-server-reply",
		Needs:   "replies (or the greeting) ≥200 ms later than the control connection's round trip, at least twice and for a quarter of the replies; the break cause when the client closes or resets with an acknowledged command (or the greeting) still unanswered after a long wait",
		Example: "The client gave up waiting for the reply to PWD after 30.00 s (the server had acknowledged the command); 3 of 6 earlier replies came 200 ms or more beyond the 1.2 ms round trip (slowest 2.50 s, to CWD pub).",
		Check:   checkSlowServerReply,
		Notice:  noticeSlowServerReply,
	})
}

// replyDelay is how long the server took to start answering one command
// (or to greet).
type replyDelay struct {
	cmd    *dissect.Command // nil for the greeting
	from   tcpflow.Ref      // the command, or when the client could have been greeted
	reply  *dissect.Reply
	excess time.Duration // the delay beyond the round trip
}

func (d replyDelay) text() string {
	what := "the greeting"
	if d.cmd != nil {
		what = "the reply to " + cmdText(d.cmd)
	}
	return fmt.Sprintf("%s: %d after %s", what, d.reply.Code, fmtDur(time.Duration(d.reply.At.TS-d.from.TS)))
}

// replyDelays measures the server's answer times. A command's clock starts
// when it was sent or when the server finished answering the one before,
// whichever is later (a pipelining client queues commands). Left out,
// because their first reply waits for something else: transfer commands
// (the data connection), ABOR (the transfer's end), commands sent while a
// transfer ran, 530 replies to USER, PASS and ACCT (servers delay failed
// logins on purpose), and commands the client had to retransmit (the path
// delayed them).
// Without a round trip nothing is measured: on a long path every reply
// would look slow.
func replyDelays(s *dissect.Session) (out []replyDelay, rtt time.Duration) {
	c := s.Control
	rtt, _, ok := roundTrip(c)
	if !ok {
		return nil, 0
	}
	var prevEnd tcpflow.Ref
	for i := range s.Log {
		e := &s.Log[i]
		if len(e.Replies) == 0 {
			continue
		}
		r := &e.Replies[0]
		from := tcpflow.Ref{}
		switch {
		case e.Cmd == nil && i == 0 && s.Banner != "" && r.Valid && (r.Code == 220 || r.Code == 120):
			from = establishedAt(c)
		case e.Cmd != nil && !waitsForOtherThings(s, e.Cmd) && !failedLogin(e.Cmd, r) &&
			!retransmittedBetween(c, tcpflow.FromClient, e.Cmd.At, r.At):
			from = e.Cmd.At
			if !prevEnd.IsZero() && from.Before(prevEnd) {
				from = prevEnd
			}
		}
		prevEnd = e.Replies[len(e.Replies)-1].At
		if from.IsZero() || r.At.Before(from) {
			continue
		}
		out = append(out, replyDelay{cmd: e.Cmd, from: from, reply: r, excess: time.Duration(r.At.TS-from.TS) - rtt})
	}
	return out, rtt
}

// failedLogin: a login command refused with 530.
func failedLogin(cmd *dissect.Command, r *dissect.Reply) bool {
	switch cmd.Verb {
	case "USER", "PASS", "ACCT":
		return r.Valid && r.Code == 530
	}
	return false
}

// retransmittedBetween reports a retransmission from d in [from, to): a
// command the client had to send again was late because of the path.
func retransmittedBetween(c *tcpflow.Conn, d tcpflow.Dir, from, to tcpflow.Ref) bool {
	for _, s := range c.Log {
		if s.Dir == d && s.Retrans && !s.Ref.Before(from) && s.Ref.Before(to) {
			return true
		}
	}
	return false
}

// waitsForOtherThings: the command's first reply waits for something
// other than the server's attention.
func waitsForOtherThings(s *dissect.Session, cmd *dissect.Command) bool {
	switch cmd.Verb {
	case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD", "ABOR":
		return true
	}
	return transferInProgress(s, cmd.At)
}

// slowReplies returns the slow ones, slowest first, and how many were
// measured.
func slowReplies(s *dissect.Session) (slow []replyDelay, measured int, rtt time.Duration) {
	all, rtt := replyDelays(s)
	for _, d := range all {
		if d.excess >= slowReplyExcess {
			slow = append(slow, d)
		}
	}
	slices.SortStableFunc(slow, func(a, b replyDelay) int { return cmp.Compare(b.excess, a.excess) })
	return slow, len(all), rtt
}

// repeatedlySlow: the finding's condition.
func repeatedlySlow(slow []replyDelay, measured int) bool {
	return len(slow) >= minSlowReplies && 4*len(slow) >= measured
}

func slowWords(slow []replyDelay, measured int, rtt time.Duration) string {
	return fmt.Sprintf("%s of %s came %s or more beyond the %s round trip (slowest %s)",
		fmtInt(int64(len(slow))), plural(measured, "reply"), fmtDur(slowReplyExcess), fmtDur(rtt), slow[0].text())
}

// slowEvidence lists the slowest replies (at most maxSlowEvidence), in
// capture order.
func slowEvidence(slow []replyDelay) []Evidence {
	var ev []Evidence
	for _, d := range slow[:min(len(slow), maxSlowEvidence)] {
		ev = append(ev, Evidence{At: d.reply.At, Text: "slow: " + d.text()})
	}
	sortEvidence(ev)
	return ev
}

// maxSlowEvidence caps the slow replies listed as evidence.
const maxSlowEvidence = 5

func noticeSlowServerReply(b *Case) *Finding {
	if b.Kind != KindControl || b.Session == nil {
		return nil
	}
	slow, measured, rtt := slowReplies(b.Session)
	if !repeatedlySlow(slow, measured) {
		return nil
	}
	return &Finding{Confidence: 0.8,
		Summary:  fmt.Sprintf("The server answered slowly: %s.", slowWords(slow, measured, rtt)),
		Evidence: append([]Evidence{rttEvidence(b.Session.Control)}, slowEvidence(slow)...),
	}
}

func checkSlowServerReply(b *Case) *Finding {
	s := b.Session
	if s == nil || b.Kind != KindControl || b.Transfer != nil || s.TLS || s.NotFTP != nil {
		return nil
	}
	c := s.Control
	if c == nil || !established(c) {
		return nil
	}
	cd := tcpflow.FromClient
	end, ok := firstEnd(c, cd, tcpflow.Ref{})
	if !ok {
		return nil
	}
	if first, ok := firstEnd(c, cd.Other(), tcpflow.Ref{}); ok && first.Ref.Before(end.Ref) {
		return nil // the server ended it first
	}
	// What the client was waiting for: a command's final reply, or the
	// greeting.
	var waitFrom tcpflow.Ref
	var what string
	var ev []Evidence
	if cmd := pendingCommand(s); cmd != nil {
		if waitsForOtherThings(s, cmd) {
			return nil
		}
		waitFrom, what = cmd.At, "the reply to "+cmdText(cmd)
		ev = append(ev, cmdEvidence(cmd))
	} else if s.Replies == 0 {
		waitFrom, what = establishedAt(c), "the server's greeting"
		ev = append(ev, Evidence{At: waitFrom, Text: "connection established; no greeting follows"})
	} else {
		return nil
	}
	wait := time.Duration(end.TS - waitFrom.TS)
	rtt, _, haveRTT := roundTrip(c)
	if wait < minWait || (haveRTT && wait < minStallRoundTrip*rtt) {
		return nil
	}
	// The server's TCP had the command: what it acknowledged covers all
	// the client sent. Otherwise the command may never have arrived.
	cl, sv := &c.Half[cd], &c.Half[cd.Other()]
	if cl.Bytes > 0 && seqBelow(sv.AckedHigh, cl.HighSeq) {
		return nil
	}
	if retransmittedBetween(c, cd, waitFrom, end.Ref) {
		return nil // the client was resending: the path's doing (path-loss-timeout)
	}
	slow, measured, _ := slowReplies(s)
	f := &Finding{Confidence: 0.7}
	if wait >= longWait || repeatedlySlow(slow, measured) {
		f.Confidence = 0.8
	}
	how := endedHow(end)
	acked := " (the server had acknowledged the command)"
	if s.Replies == 0 {
		acked = ""
	}
	f.Summary = fmt.Sprintf("The client gave up waiting for %s after %s%s and %s the connection.", what, fmtDur(wait), acked, how)
	if len(slow) > 0 {
		f.Summary = fmt.Sprintf("The client gave up waiting for %s after %s%s and %s the connection; %s.", what, fmtDur(wait), acked, how, slowWords(slow, measured, rtt))
		ev = append(ev, slowEvidence(slow)...)
	}
	ev = append(ev, segEvidence(c, end, "client "+how+" after waiting "+fmtDur(wait)))
	sortEvidence(ev)
	f.Evidence = ev
	return f
}

// clientLeftUngreeted: the client closed first after waiting at least
// minWait for a greeting that never came (a client that connects and
// leaves at once, a port scan, waited for nothing).
func clientLeftUngreeted(s *dissect.Session) bool {
	c := s.Control
	if s.Replies > 0 || c.Half[tcpflow.FromServer].Bytes > 0 || firstFIN(c) != tcpflow.FromClient {
		return false
	}
	fin := c.Half[tcpflow.FromClient].FIN
	return !fin.IsZero() && time.Duration(fin.TS-establishedAt(c).TS) >= minWait
}
