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

// Confidence factors for a verdict resting on a stream with gaps.
const (
	controlGapFactor = 0.8
	dataGapFactor    = 0.9
)

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
