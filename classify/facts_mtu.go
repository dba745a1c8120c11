package classify

import (
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Facts for the inferred MTU black hole (RFC 2923 §2.1, RFC 4821): full-size
// segments that never get through while small packets do, and no ICMP
// saying why.

// stuckSegment is a full-size segment a side resent without its start ever
// being acknowledged at that size.
type stuckSegment struct {
	seq  uint32
	size int // payload bytes of the full-size sends
	// original is the first transmission when the log holds it.
	original tcpflow.Seg
	resends  []tcpflow.Seg // the full-size retransmissions, in order
	// smaller is a later resend of the same start at a smaller size (the
	// sender probing down, RFC 4821 / Linux tcp_mtu_probing), zero if none.
	smaller tcpflow.Seg
	// passed: the peer's acknowledgments went past seq in the end.
	passed bool
}

// fullSize is the payload size from which dir's segments count as full:
// within 48 bytes (TCP options) of the smaller of what the peer's MSS
// allows and the largest the side sent, and above what every IPv4 path
// must carry (576 bytes; 1280 on IPv6), or there is no MTU to be black
// about.
func fullSize(c *tcpflow.Conn, d tcpflow.Dir) int {
	h, peer := &c.Half[d], &c.Half[d.Other()]
	top := h.MaxSegSize
	if peer.MSS > 0 && int(peer.MSS) < top {
		top = int(peer.MSS)
	}
	floor := 576 - 40
	if c.Client.Addr().Is6() && !c.Client.Addr().Is4In6() {
		floor = 1280 - 60
	}
	return max(top-48, floor+1)
}

// findStuckSegment returns dir's full-size DF segment resent most often,
// whose start the peer never acknowledged while the resends were full
// size. Sizes captured above segmentation offload say nothing about the
// wire, so such a side has none.
func findStuckSegment(c *tcpflow.Conn, d tcpflow.Dir) (stuckSegment, bool) {
	h, peer := &c.Half[d], &c.Half[d.Other()]
	if h.Oversized > 0 || h.MaxSegSize == 0 {
		return stuckSegment{}, false
	}
	v4 := c.Client.Addr().Is4() || c.Client.Addr().Is4In6()
	full := fullSize(c, d)
	var best stuckSegment
	groups := map[uint32]*stuckSegment{}
	for _, s := range c.Log {
		if s.Dir != d || !s.Retrans || s.Len == 0 {
			continue
		}
		g := groups[s.Seq]
		switch {
		case s.Len >= full && (s.DF || !v4):
			if g == nil {
				g = &stuckSegment{seq: s.Seq, size: s.Len}
				groups[s.Seq] = g
			}
			if g.smaller.IsZero() {
				g.resends = append(g.resends, s)
				g.size = max(g.size, s.Len)
			}
		case g != nil && g.smaller.IsZero() && s.Len < g.size:
			g.smaller = s
		}
	}
	for _, s := range c.Log {
		if g := groups[s.Seq]; g != nil && s.Dir == d && !s.Retrans && s.Len > 0 && g.original.IsZero() {
			g.original = s
		}
	}
	for _, g := range groups {
		g.passed = seqBelow(g.seq, peer.AckedHigh)
		if !g.passed || !g.smaller.IsZero() {
			if len(g.resends) > len(best.resends) {
				best = *g
			}
		}
	}
	return best, len(best.resends) > 0
}

// smallPassedDuring reports whether packets crossed both ways between the
// stuck sender's host and its peer's after at: on the same connection
// (the peer's packets arrived and the sender's smaller segments were
// acknowledged) or on another connection of the session between the same
// two hosts (the control connection, typically). It returns the packet
// that shows it.
func smallPassedDuring(s *dissect.Session, c *tcpflow.Conn, d tcpflow.Dir, at tcpflow.Ref) (tcpflow.Ref, *tcpflow.Conn, bool) {
	if s == nil {
		return tcpflow.Ref{}, nil, false
	}
	for _, o := range sessionConns(s) {
		if o == nil || o == c {
			continue
		}
		if _, ok := sideOf(o, hostAddr(c, d), hostAddr(c, d.Other())); !ok {
			continue
		}
		if last, ok := bothWaysAfter(o, at); ok {
			return last, o, true
		}
	}
	return tcpflow.Ref{}, nil, false
}

// largestAckedBetween is the largest segment acknowledged in full from
// the host of c's side d to its peer's host, over the session's
// connections: what the path evidently carries in that direction.
func largestAckedBetween(s *dissect.Session, c *tcpflow.Conn, d tcpflow.Dir) int {
	best := c.Half[d].Traffic().PMTU.MaxAcked
	if s == nil {
		return best
	}
	for _, o := range sessionConns(s) {
		if o == nil {
			continue
		}
		if from, ok := sideOf(o, hostAddr(c, d), hostAddr(c, d.Other())); ok {
			best = max(best, o.Half[from].Traffic().PMTU.MaxAcked)
		}
	}
	return best
}
