package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// path-loss-timeout: on an established connection one side sends the same
// segment again and again, each time waiting longer (its retransmission
// timer backing off, RFC 6298 5.5), and nothing acknowledges it, until it
// gives up (RST or FIN) or the capture ends: the path stopped delivering.
// A peer that answered with a RST, or that had closed its window, is
// another story (the reset rules, zero-window-stall). Bytes the capture
// itself missed (Half.CaptureLoss) are said in the evidence and lower the
// confidence, never counted as loss.
func init() {
	register(Rule{
		Cause:   "path-loss-timeout",
		Needs:   "an established connection where one side retransmits the same segment with growing waits and nothing acknowledges it until that side gives up (RST/FIN) or the capture ends",
		Example: "On the data connection of STOR big.bin the client's segment at byte 131,072 of its stream (1,448 bytes, seq 2411404347) was retransmitted 5 times at +0.21, +0.63, +1.46, +3.12, +6.48 s and no packet came back from 203.0.113.20:30008 in the capture, until the capture ends: the path stopped delivering.",
		Check:   func(b *Case) *Finding { return ownOrInherited(b, pathLoss, controlAfterDataLoss) },
	})
}

// pathLoss checks b's connection for a segment retransmitted into
// silence.
func pathLoss(b *Case) *Finding {
	c := b.Conn
	if c == nil || !established(c) {
		return nil
	}
	s, ok := latestStuckRun(c)
	if !ok || s.run.Count < 2 {
		return nil
	}
	h, peer := &c.Half[s.dir], &c.Half[s.dir.Other()]
	if !peer.RST.IsZero() && peer.RST.TS >= s.run.Times[0] {
		return nil // the peer answered with a reset: the reset rules say whose
	}
	if peer.LastWin == 0 {
		return nil // a closed window holds the sender back: flow control, not loss
	}
	if s.run.Last.Before(h.LastData) {
		return nil // the sender went on with new data: it was not stuck
	}
	conf := 0.65
	switch {
	case s.run.PeerPackets > 0:
		conf = 0.6
	case s.run.Count >= 3 && s.backsOff():
		conf = 0.75
	}
	role := ftpRole(b, s.dir)
	until := "until the capture ends"
	if c.Closed == tcpflow.ClosedIdle {
		until = "until the connection went quiet for good"
	}
	what := s.segmentWords(c)
	if cmd := commandSentAt(b.Session, s.run.Since); cmd != nil && !s.run.SinceAck {
		what = s.segmentCarrying(c, cmdText(cmd))
	}
	ev := []Evidence{{At: s.run.Last, Text: fmt.Sprintf("the %s's %s: %s; %s%s",
		role, what, s.seriesText(c), s.peerWords(c), captureLossText(c))}}
	if next, gap, ok := unansweredAfterSilence(c, s.dir); ok && next == s.run.Since && gap >= silenceWorthSaying {
		ev = append(ev, Evidence{At: next, Text: fmt.Sprintf("its first transmission was the first packet after %s with no packet either way", fmtDur(gap))})
	}
	if end, ok := s.gaveUp(c); ok {
		conf += 0.05
		what := "closing the connection (FIN)"
		if end.Flags&tcpflow.FlagRST != 0 {
			what = "a RST"
		}
		until = fmt.Sprintf("until the %s gave up with %s (frame %d)", role, what, end.Frame)
		ev = append(ev, segEvidence(c, end, "gives up"))
	} else if later, ok := silentGiveUp(b, c, &s); ok {
		// RFC 1122 4.2.3.5: after enough retransmissions TCP closes the
		// connection; Linux does so without sending anything.
		conf += 0.05
		until = fmt.Sprintf("after which the %s sent nothing more on it although the capture went on (frame %d, %s later): its TCP gave up without a RST",
			role, later.Frame, fmtDur(time.Duration(later.TS-s.run.Last.TS)))
	}
	if captureLossText(c) != "" {
		conf -= 0.05
	}
	return &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("On %s the %s's %s was %s and %s, %s: the path stopped delivering.",
			connName(b), role, what, s.series(), s.peerWords(c), until),
		Evidence: ev,
	}
}

// silenceWorthSaying: a silence before the lost segment this long is
// worth a line of evidence (below idle-state-loss's minimum it is no
// verdict, but a reader may know of a short state timeout).
const silenceWorthSaying = 10 * time.Second

// commandSentAt returns the command whose first packet is at, if any.
func commandSentAt(s *dissect.Session, at tcpflow.Ref) *dissect.Command {
	if s == nil || at.IsZero() {
		return nil
	}
	for i := range s.Log {
		if cmd := s.Log[i].Cmd; cmd != nil && cmd.At == at {
			return cmd
		}
	}
	return nil
}

// silentGiveUp: the run's last retransmission is the connection's last
// packet, and the session's other connections show the capture going on
// for more than twice the last wait: the sender stopped retrying, it was
// not the capture that stopped.
func silentGiveUp(b *Case, c *tcpflow.Conn, s *stuckRun) (tcpflow.Ref, bool) {
	if c.Last != s.run.Last || b.Session == nil || len(s.points) < 2 {
		return tcpflow.Ref{}, false
	}
	wait := s.points[len(s.points)-1] - s.points[len(s.points)-2]
	later := c.Last
	for _, o := range sessionConns(b.Session) {
		if later.Before(o.Last) {
			later = o.Last
		}
	}
	return later, later.TS-s.run.Last.TS > 2*wait
}

// controlAfterDataLoss: the control connection ended (no final reply) after
// the data connection of a transfer still running stopped delivering: the
// client or server gave the session up because of it, so the control
// connection's break has the data connection's cause.
func controlAfterDataLoss(b *Case) *Finding {
	end, ok := firstTeardown(b.Conn)
	if !ok {
		return nil
	}
	for _, data := range dataCases(b) {
		if !waitingAt(b.Session, data.Transfer, end) {
			continue
		}
		f := pathLoss(data)
		if f == nil {
			continue
		}
		s, _ := latestStuckRun(data.Conn)
		if end.TS < s.run.Times[0] {
			continue // the control connection ended first
		}
		return inherit(f, 0, endedWhileWaiting(b, end, data.Transfer, s.run.Times[0], "unanswered retransmission")+" "+f.Summary,
			controlEndEvidence(b, end))
	}
	return nil
}

// latestStuckRun returns the unacknowledged retransmission run that went
// on the longest into the connection, of either side.
func latestStuckRun(c *tcpflow.Conn) (stuckRun, bool) {
	a, aok := unacknowledgedRun(c, tcpflow.FromClient)
	b, bok := unacknowledgedRun(c, tcpflow.FromServer)
	switch {
	case aok && bok && a.run.Last.Before(b.run.Last):
		return b, true
	case aok:
		return a, true
	}
	return b, bok
}
