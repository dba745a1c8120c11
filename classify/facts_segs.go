package classify

import (
	"github.com/ftpcap/ftpcap/tcpflow"
)

// The packets of a connection as the tracker kept them (its log of
// handshake, FIN, RST, retransmission, zero-window and first-data packets,
// capped; its tail of last packets; the first FIN and RST of each side)
// and how the rules find one.

// loggedSeg finds a packet in the connection's log or tail.
func loggedSeg(c *tcpflow.Conn, at tcpflow.Ref) (tcpflow.Seg, bool) {
	for _, s := range c.Log {
		if s.Ref == at {
			return s, true
		}
	}
	for _, s := range c.LastSegs() {
		if s.Ref == at {
			return s, true
		}
	}
	return tcpflow.Seg{}, false
}

// lastSegBefore returns the last known packet from d before at (resets
// left out when skipRST), and whether it is surely the last one: every
// packet since it is known. A zero Seg with exact set means d sent none.
func lastSegBefore(segs []tcpflow.Seg, completeFrom tcpflow.Ref, d tcpflow.Dir, at tcpflow.Ref, skipRST bool) (tcpflow.Seg, bool) {
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if !s.Ref.Before(at) || s.Dir != d || (skipRST && s.Flags&tcpflow.FlagRST != 0) {
			continue
		}
		return s, completeFrom.IsZero() || !s.Ref.Before(completeFrom)
	}
	return tcpflow.Seg{}, completeFrom.IsZero()
}

// firstSeg returns dir's first kept packet with all of flags set (a SYN,
// a SYN-ACK, a FIN).
func firstSeg(c *tcpflow.Conn, dir tcpflow.Dir, flags uint8) (tcpflow.Seg, bool) {
	segs, _ := c.KnownSegs()
	for _, s := range segs {
		if s.Dir == dir && s.Flags&flags == flags {
			return s, true
		}
	}
	return tcpflow.Seg{}, false
}

// firstFrom returns d's first kept packet at or after since (zero: from
// the start) with any of flags set (a FIN or a RST).
func firstFrom(c *tcpflow.Conn, d tcpflow.Dir, flags uint8, since tcpflow.Ref) (tcpflow.Seg, bool) {
	segs, _ := c.KnownSegs()
	for _, s := range segs {
		if s.Dir == d && s.Flags&flags != 0 && !s.Ref.Before(since) {
			return s, true
		}
	}
	return tcpflow.Seg{}, false
}

// firstEnd returns d's first FIN or RST at or after since (zero: from the
// start).
func firstEnd(c *tcpflow.Conn, d tcpflow.Dir, since tcpflow.Ref) (tcpflow.Seg, bool) {
	return firstFrom(c, d, tcpflow.FlagFIN|tcpflow.FlagRST, since)
}

// teardownAfter returns the connection's first FIN or RST, from either
// side, at or after at: a kept packet with its facts (TTL, IP ID, window)
// for the evidence, or a side's first FIN or RST from the per-side facts
// when the capped log lost it.
func teardownAfter(c *tcpflow.Conn, at tcpflow.Ref) (tcpflow.Seg, bool) {
	var best tcpflow.Seg
	found := false
	take := func(s tcpflow.Seg) {
		if !s.Ref.IsZero() && !s.Ref.Before(at) && (!found || s.Ref.Before(best.Ref)) {
			best, found = s, true
		}
	}
	segs, _ := c.KnownSegs()
	for _, s := range segs {
		if s.Flags&(tcpflow.FlagFIN|tcpflow.FlagRST) != 0 && !s.Ref.Before(at) {
			take(s)
			break
		}
	}
	for d := range c.Half {
		h := &c.Half[d]
		take(tcpflow.Seg{Ref: h.FIN, Dir: tcpflow.Dir(d), Flags: tcpflow.FlagFIN})
		take(tcpflow.Seg{Ref: h.RST, Dir: tcpflow.Dir(d), Flags: tcpflow.FlagRST})
	}
	return best, found
}

// firstTeardown returns the connection's first FIN or RST.
func firstTeardown(c *tcpflow.Conn) (tcpflow.Seg, bool) {
	return teardownAfter(c, c.First)
}

// lastFrom returns the last packet dir sent (its last non-RST packet, or
// a later RST in the connection's tail), and whether it sent any.
func lastFrom(c *tcpflow.Conn, dir tcpflow.Dir) (tcpflow.Ref, bool) {
	last := c.Half[dir].LastSent
	segs := c.LastSegs()
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i].Dir == dir {
			if last.IsZero() || last.Before(segs[i].Ref) {
				last = segs[i].Ref
			}
			break
		}
	}
	return last, !last.IsZero()
}

// bothWaysAfter reports whether both sides of c sent a packet after at,
// and returns the later of their last packets: the connection, and the
// path between its hosts, still worked.
func bothWaysAfter(c *tcpflow.Conn, at tcpflow.Ref) (tcpflow.Ref, bool) {
	lc, ok1 := lastFrom(c, tcpflow.FromClient)
	ls, ok2 := lastFrom(c, tcpflow.FromServer)
	if !ok1 || !ok2 || !at.Before(lc) || !at.Before(ls) {
		return tcpflow.Ref{}, false
	}
	if ls.Before(lc) {
		return lc, true
	}
	return ls, true
}

// lastWindow returns d's last packet before at that is not a RST (whose
// window and acknowledgment mean little), with the window it advertised
// and what it acknowledged, from the connection's last packets.
func lastWindow(c *tcpflow.Conn, d tcpflow.Dir, at tcpflow.Ref) (tcpflow.Seg, bool) {
	segs := c.LastSegs()
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if s.Dir == d && s.Flags&tcpflow.FlagRST == 0 && !at.Before(s.Ref) {
			return s, true
		}
	}
	h := &c.Half[d]
	if h.RST.IsZero() {
		return tcpflow.Seg{Ref: c.Last, Dir: d, Win: h.LastWin, Ack: h.AckedHigh}, true
	}
	return tcpflow.Seg{}, false
}

// seqBelow compares TCP sequence numbers modulo 2^32 (RFC 9293 §3.4).
func seqBelow(a, b uint32) bool { return int32(a-b) < 0 }
