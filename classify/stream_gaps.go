package classify

import (
	"fmt"
	"math"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// A verdict rests on streams the capture may not have whole. When the
// capture missed bytes of the control connection (a snap length that cut
// replies, capture loss), a command or reply the verdict depends on may be
// missing; when it missed bytes of the data connection its receiver
// acknowledged, byte counts and the ending are less certain. The verdict
// says so and its confidence drops; it is not thrown away, because what
// was seen still points the same way.

// Confidence factors for a verdict resting on a stream with gaps, or on
// a connection of which the capture has only one direction.
const (
	controlGapFactor = 0.8
	dataGapFactor    = 0.9
	oneSidedFactor   = 0.5
)

// MissingDirection reports a direction of c of which the capture has no
// packet although the other side's packets acknowledge it (an ACK flag
// on its packets): a capture point that saw one direction only (a SPAN
// port, asymmetric routing, a filter), not a side that stayed silent. A
// SYN nobody answered carries no ACK and is not this.
func MissingDirection(c *tcpflow.Conn) (tcpflow.Dir, bool) {
	for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		other := &c.Half[d.Other()]
		if c.Half[d].Packets == 0 && other.Packets > 0 && other.AckedHigh != 0 {
			return d, true
		}
	}
	return 0, false
}

// streamGaps lowers the confidence of a verdict on a session whose
// control stream (or whose data connection, for a data break) has gaps,
// and adds the evidence that says where.
func streamGaps(b *Case, f *Finding) {
	if f.Confidence == 0 {
		return // unexplained: nothing to lower
	}
	s := b.Session
	for _, dir := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		n := s.ControlGaps[dir]
		if n == 0 {
			continue
		}
		f.Confidence = lower(f.Confidence, controlGapFactor)
		who := "client's commands"
		if dir == tcpflow.FromServer {
			who = "server's replies"
		}
		f.Evidence = append(f.Evidence, Evidence{At: s.FirstControlGap[dir],
			Text: fmt.Sprintf("the capture is missing %s of the %s on the control connection (%s, the first here): a %s may be missing, so this verdict is less certain",
				count(s.ControlGapBytes[dir], "byte"), who, count(int64(n), "gap"), map[bool]string{true: "command", false: "reply"}[dir == tcpflow.FromClient])})
	}
	conns := []*tcpflow.Conn{s.Control}
	if b.Kind == KindData && b.Conn != nil && b.Conn != s.Control {
		conns = append(conns, b.Conn)
	}
	for _, c := range conns {
		if d, ok := MissingDirection(c); ok {
			f.Confidence = lower(f.Confidence, oneSidedFactor)
			f.Evidence = append(f.Evidence, Evidence{At: c.First,
				Text: fmt.Sprintf("the capture has none of %s's packets on %s ↔ %s, though the other side acknowledges them: whatever it sent cannot be seen, so this verdict is far less certain",
					endpoint(c, d), c.Client, c.Server)})
		}
	}
	if b.Kind == KindData && b.Conn != nil {
		for _, dir := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
			lost := b.Conn.Half[dir].CaptureLoss
			if lost == 0 {
				continue
			}
			f.Confidence = lower(f.Confidence, dataGapFactor)
			f.Evidence = append(f.Evidence, Evidence{At: b.Conn.Last,
				Text: fmt.Sprintf("the capture is missing %s that %s acknowledged on this data connection: byte counts and its ending are less certain",
					count(lost, "byte"), endpoint(b.Conn, dir.Other()))})
		}
	}
	f.Evidence = tidyEvidence(f.Evidence)
}

// lower multiplies a confidence by factor, to two decimals.
func lower(conf, factor float64) float64 {
	return math.Round(conf*factor*100) / 100
}
