package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// minWindowLimitedSegments: fewer data segments than this are too short a
// transfer to call window-limited (slow start alone fills a window).
const minWindowLimitedSegments = 20

// no-window-scaling: a SYN without the window-scale option caps every
// receive window of the connection at 65,535 bytes (RFC 7323 §1.1), so a
// sender can have at most that much in flight per round trip. A finding
// on the control connection and on any data connection that carried more
// than one such window; the break cause when the sender was pinned at the
// window and the connection then broke (and for the control connection
// that ended over it). Connections whose handshake predates the capture
// say nothing: their scaling is unknown, never assumed off.
func init() {
	register(Rule{
		Cause:   "no-window-scaling",
		Needs:   "a SYN or SYN-ACK without the window-scale option on the control connection, or on a data connection that carried more than 65,535 bytes; the break cause when the sender was window-limited (bytes in flight pinned at the window, throughput ≈ window / round trip) and the connection then broke",
		Example: "The data connection of STOR big.bin was window-limited with window scaling off (the client's SYN carried no window-scale option): the client sent no more than the server's 65,535-byte window per 300.4 ms round trip (208.3 kB/s sustained), and the connection then broke (transfer truncated).",
		Check:   checkNoWindowScaling,
		Notice:  noticeNoWindowScaling,
	})
}

func checkNoWindowScaling(b *Case) *Finding {
	if b.Kind == KindControl {
		return controlOverStall(b, windowLimitedBreak, "a window-limited transfer")
	}
	f, _ := windowLimitedBreak(b)
	return f
}

// windowLimitedBreak checks a broken connection and returns the finding
// with when its sender began sending.
func windowLimitedBreak(b *Case) (*Finding, tcpflow.Ref) {
	c := b.Conn
	if c == nil {
		return nil, tcpflow.Ref{}
	}
	if _, _, state := c.WindowScaling(); state != "off" {
		return nil, tcpflow.Ref{}
	}
	sender := bulkSender(b)
	w := measureWindow(c, sender)
	if !w.pinned() {
		return nil, tcpflow.Ref{}
	}
	first := c.Half[sender].FirstData
	f := &Finding{Confidence: 0.78,
		Summary: fmt.Sprintf("%s was window-limited with window scaling off (%s): the %s sent no more than the %s's %s-byte window per %s round trip (%s sustained), and the connection then broke (%s).",
			upperFirst(connName(b)), scalingWords(c), ftpRole(b, sender), ftpRole(b, sender.Other()), fmtInt(w.maxWin), fmtDur(w.rtt), fmtRate(w.sustained), b.Why),
		Evidence: scalingEvidence(c),
	}
	f.Evidence = append(f.Evidence, rttEvidence(c), Evidence{At: first, Text: fmt.Sprintf("%s's data from here on: %s", ftpRole(b, sender), w.words())})
	f.Evidence = append(f.Evidence, endEvidence(c)...)
	return f, first
}

func noticeNoWindowScaling(b *Case) *Finding {
	c := b.Conn
	if c == nil {
		return nil
	}
	if _, _, state := c.WindowScaling(); state != "off" {
		return nil
	}
	if b.Kind == KindControl {
		if sv := &c.Half[tcpflow.FromServer]; sv.Packets == int64(sv.RSTCount) {
			// An attempt the server never answered, or refused, opened
			// no windows to cap (each SYN of a flood, a dead host): its
			// verdict is about the attempt, and the hosts' stacks show
			// on a connection that happened.
			return nil
		}
		// Once per session, on the connection that shows the hosts'
		// stacks first; data connections only where the cap could bite.
		return &Finding{Confidence: 0.9,
			Summary:  fmt.Sprintf("Window scaling was off on the control connection (%s): its receive windows are capped at 65,535 bytes.", scalingWords(c)),
			Evidence: scalingEvidence(c),
		}
	}
	sender := bulkSender(b)
	h := &c.Half[sender]
	if h.SeqBytes() <= maxUnscaledWindow && h.Traffic().WinLimited == 0 {
		return nil // nothing that could have needed a larger window
	}
	w := measureWindow(c, sender)
	f := &Finding{Confidence: 0.9, Evidence: scalingEvidence(c)}
	f.Evidence = append(f.Evidence, rttEvidence(c), Evidence{At: h.FirstData, Text: fmt.Sprintf("%s's data from here on: %s", ftpRole(b, sender), w.words())})
	if w.pinned() {
		f.Summary = fmt.Sprintf("Window scaling was off on %s (%s): every receive window is capped at 65,535 bytes, and the transfer was window-limited: the %s sent no more than the %s's %s-byte window per %s round trip (%s sustained).",
			connName(b), scalingWords(c), ftpRole(b, sender), ftpRole(b, sender.Other()), fmtInt(w.maxWin), fmtDur(w.rtt), fmtRate(w.sustained))
		return f
	}
	f.Confidence = 0.8
	f.Summary = fmt.Sprintf("Window scaling was off on %s (%s): every receive window is capped at 65,535 bytes; this connection's %s were not held back by it (at most %s in flight).",
		connName(b), scalingWords(c), count(h.SeqBytes(), "byte"), count(w.maxInFlight, "byte"))
	return f
}

// scalingEvidence shows the handshake's SYN and SYN-ACK with the
// window-scale option each carried.
func scalingEvidence(c *tcpflow.Conn) []Evidence {
	var ev []Evidence
	for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		flags := tcpflow.FlagSYN
		what := "SYN"
		if d == tcpflow.FromServer {
			flags |= tcpflow.FlagACK
			what = "SYN-ACK"
		}
		s, ok := firstSeg(c, d, flags)
		if !ok {
			continue
		}
		if ws := c.Half[d].WScale; ws >= 0 {
			what += fmt.Sprintf(" with window scale %d", ws)
		} else {
			what += " without window scale"
		}
		ev = append(ev, segEvidence(c, s, what))
	}
	return ev
}
