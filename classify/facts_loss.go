package classify

import (
	"fmt"
	"strings"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Loss as the capture shows it: a sender retransmitting one segment with a
// growing timeout (RFC 6298 5.5: the timer doubles after each expiry) and
// nothing acknowledging it. Used by path-loss-timeout, idle-state-loss and
// route-change.

// stuckRun is a side's run of retransmissions still unacknowledged.
type stuckRun struct {
	dir tcpflow.Dir
	run tcpflow.RetransRun
	// points are the capture times of the timer's start (when known) and
	// of each retransmission kept; anchored says the first is the start.
	points   []int64
	anchored bool
}

// unacknowledgedRun returns side d's latest retransmission run when nothing
// acknowledged it.
func unacknowledgedRun(c *tcpflow.Conn, d tcpflow.Dir) (stuckRun, bool) {
	r := c.Half[d].Traffic().RetransRun
	if !r.Active() {
		return stuckRun{}, false
	}
	s := stuckRun{dir: d, run: r}
	n := min(r.Count, len(r.Times))
	if !r.Since.IsZero() && r.Since.TS <= r.Times[0] {
		s.points = append(s.points, r.Since.TS)
		s.anchored = true
	}
	s.points = append(s.points, r.Times[:n]...)
	return s, true
}

// backsOff reports whether the waits between sends grow as a
// retransmission timer's do: at least two waits, none much shorter than
// the one before (a timer capped at its maximum stays level), and the
// last at least half again the first.
func (s *stuckRun) backsOff() bool {
	if len(s.points) < 3 {
		return false
	}
	prev, first := int64(0), s.points[1]-s.points[0]
	for i := 1; i < len(s.points); i++ {
		gap := s.points[i] - s.points[i-1]
		if gap <= 0 || (prev > 0 && gap*4 < prev*3) {
			return false
		}
		prev = gap
	}
	return prev*2 >= first*3
}

// series spells the retransmissions: "retransmitted 5 times at +0.20,
// +0.60, +1.40, +3.00, +6.20 s".
func (s *stuckRun) series() string {
	r := &s.run
	var b strings.Builder
	fmt.Fprintf(&b, "retransmitted %s", times(int64(r.Count)))
	start := s.points[0]
	offsets := s.points
	if s.anchored {
		offsets = s.points[1:]
	}
	b.WriteString(" at ")
	for i, t := range offsets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "+%.2f", float64(t-start)/1e9)
	}
	if r.Count > len(r.Times) {
		fmt.Fprintf(&b, " … +%.2f", float64(r.Last.TS-start)/1e9)
	}
	b.WriteString(" s")
	return b.String()
}

// seriesText is series with what the times count from and whether they
// back off: "… s after frame 41 (its first transmission), each wait
// longer than the last: the retransmission timer backing off".
func (s *stuckRun) seriesText(c *tcpflow.Conn) string {
	r := &s.run
	var b strings.Builder
	b.WriteString(s.series())
	switch {
	case !s.anchored:
		b.WriteString(" after the first retransmission")
	case r.SinceAck:
		fmt.Fprintf(&b, " after frame %d (%s's last acknowledgement of new data, which restarted the timer)",
			r.Since.Frame, endpoint(c, s.dir.Other()))
	default:
		fmt.Fprintf(&b, " after frame %d (its first transmission)", r.Since.Frame)
	}
	if s.backsOff() {
		b.WriteString(", each wait longer than the last: the retransmission timer backing off")
	}
	return b.String()
}

// segmentWords names the retransmitted segment: "segment at byte 58,240
// of its stream (1,448 bytes, seq 3052207873)".
func (s *stuckRun) segmentWords(c *tcpflow.Conn) string { return s.segmentCarrying(c, "") }

// segmentCarrying is segmentWords naming what the segment carried:
// "segment carrying PWD at byte 36 of its stream (5 bytes, seq 710854559)".
func (s *stuckRun) segmentCarrying(c *tcpflow.Conn, what string) string {
	h := &c.Half[s.dir]
	if what != "" {
		what = "carrying " + what + " "
	}
	return fmt.Sprintf("segment %sat byte %s of its stream (%s, seq %d)",
		what, fmtInt(int64(s.run.Seq-h.Base)), count(int64(s.run.Len), "byte"), s.run.Seq)
}

// peerWords says what came back from the peer during the run.
func (s *stuckRun) peerWords(c *tcpflow.Conn) string {
	peer := endpoint(c, s.dir.Other())
	if s.run.PeerPackets == 0 {
		return fmt.Sprintf("no packet came back from %s in the capture", peer)
	}
	return fmt.Sprintf("%s's %s in that time never acknowledged it", peer, count(int64(s.run.PeerPackets), "packet"))
}

// gaveUp returns how the sender ended after the run: its RST or FIN, if
// the capture has one after the run began.
func (s *stuckRun) gaveUp(c *tcpflow.Conn) (tcpflow.Seg, bool) {
	return firstEnd(c, s.dir, tcpflow.Ref{TS: s.run.Times[0]})
}

// captureLossText mentions bytes the capture missed: a property of the
// capture point (a busy capture host, a SPAN port dropping), never of the
// network, but it makes "nothing came back" weaker evidence.
func captureLossText(c *tcpflow.Conn) string {
	cl, sv := c.Half[tcpflow.FromClient].CaptureLoss, c.Half[tcpflow.FromServer].CaptureLoss
	if cl+sv == 0 {
		return ""
	}
	return fmt.Sprintf("; the capture itself missed %s that the endpoints acknowledged (%s from %s, %s from %s): packets the capture point dropped, not the network",
		count(cl+sv, "byte"), fmtInt(cl), endpoint(c, tcpflow.FromClient), fmtInt(sv), endpoint(c, tcpflow.FromServer))
}

// endAfterLossConfidence is what the endpoint's own rules (server-reset,
// client-abort) keep when the side's RST or FIN came after its own
// retransmissions went unanswered: the end is its stack or application
// giving up on a path that stopped delivering (path-loss-timeout's
// story), not a decision of its own.
const endAfterLossConfidence = 0.55

// endsAfterLoss reports whether side d's end at at followed its own
// retransmissions of one segment (at least two) that nothing
// acknowledged.
func endsAfterLoss(c *tcpflow.Conn, d tcpflow.Dir, at tcpflow.Ref) (stuckRun, bool) {
	s, ok := unacknowledgedRun(c, d)
	if !ok || s.run.Count < 2 || at.Before(s.run.Last) {
		return stuckRun{}, false
	}
	return s, true
}

// unackedAtEnd reports whether a side's last packets were retransmissions
// of one segment (at least two) that nothing acknowledged: the connection
// was lost, even if the capture ends before its sender gives up.
func unackedAtEnd(c *tcpflow.Conn) bool {
	for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		s, ok := unacknowledgedRun(c, d)
		if ok && s.run.Count >= 2 && !s.run.Last.Before(c.Half[d].LastSent) && c.Half[d.Other()].RST.IsZero() {
			return true
		}
	}
	return false
}
