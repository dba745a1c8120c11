package classify

import (
	"fmt"
	"strings"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Facts about connection set-up (RFC 9293 §3.5): the SYNs and SYN-ACKs a
// side sent, when, and what the capture point saw of them.

// synsFrom returns the SYNs dir sent, in order: the opener's bare SYNs
// (FromClient) or the responder's SYN-ACKs (FromServer).
func synsFrom(c *tcpflow.Conn, dir tcpflow.Dir) []tcpflow.Seg {
	var out []tcpflow.Seg
	for _, s := range c.Log {
		if s.Dir == dir && s.Flags&tcpflow.FlagSYN != 0 && s.Flags&tcpflow.FlagRST == 0 {
			out = append(out, s)
		}
	}
	return out
}

// onlySYNs reports whether everything dir sent was a SYN (copies the
// capture saw twice aside): a connection attempt nothing answered.
func onlySYNs(c *tcpflow.Conn, dir tcpflow.Dir) bool {
	h := &c.Half[dir]
	return h.SYNCount > 0 && h.Packets-h.Duplicates == int64(h.SYNCount) && h.Bytes == 0
}

// scheduleText spells when packets were sent, relative to the first:
// "at 0 s, +1 s, +3 s, +7 s" (Linux's SYN schedule with a 1 s initial RTO,
// RFC 6298 §5.5 doubling). At most max times are listed.
func scheduleText(segs []tcpflow.Seg, max int) string {
	if len(segs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("at 0 s")
	for i, s := range segs[1:] {
		if i+1 >= max {
			fmt.Fprintf(&b, " … (%d in all, the last at +%s s)", len(segs), seconds(segs[len(segs)-1].TS-segs[0].TS))
			break
		}
		fmt.Fprintf(&b, ", +%s s", seconds(s.TS-segs[0].TS))
	}
	return b.String()
}

// offsetsFrom spells when packets were sent after a first one: "+0.2 s,
// +0.6 s, +1.4 s". At most max are listed.
func offsetsFrom(first tcpflow.Seg, segs []tcpflow.Seg, max int) string {
	var b strings.Builder
	for i, s := range segs {
		if i == max {
			fmt.Fprintf(&b, " … (%d in all, the last at +%s s)", len(segs), seconds(segs[len(segs)-1].TS-first.TS))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "+%s s", seconds(s.TS-first.TS))
	}
	return b.String()
}

// sentHere reports whether a packet left its sender at the capture point
// (its TTL is still a stack's initial value: 64, 128 or 255; 32 on old
// stacks), and words the distance for evidence: "0 router hops from the
// capture point".
func sentHere(ttl uint8) (bool, string) {
	h := tcpflow.Hops(ttl)
	return h == 0, plural(h, "router hop") + " from the capture point"
}

// establishedAt is when a connection was established, as far as the
// capture shows: its handshake's ACK, else its SYN-ACK, else its first
// packet.
func establishedAt(c *tcpflow.Conn) tcpflow.Ref {
	switch {
	case !c.HandshakeAck.IsZero():
		return c.HandshakeAck
	case !c.SynAck.IsZero():
		return c.SynAck
	}
	return c.First
}

// handshakeStalled: the responder answered with a SYN-ACK but the opener's
// ACK of it never appeared, and no payload moved either way: the
// connection was never established, though a SYN-ACK was seen.
func handshakeStalled(c *tcpflow.Conn) bool {
	return !c.SynAck.IsZero() && c.HandshakeAck.IsZero() && !c.Midstream &&
		c.Half[tcpflow.FromClient].Bytes == 0 && c.Half[tcpflow.FromServer].Bytes == 0 &&
		!ackedLater(c)
}

// ackedLater: the opener's later packets (a FIN, a RST/ACK) acknowledge
// the SYN-ACK: the handshake completed and the capture lost its third
// ACK. A stalled handshake shows SYNs or SYN-ACKs resent, never that.
func ackedLater(c *tcpflow.Conn) bool {
	opener := &c.Half[tcpflow.FromClient]
	return opener.AckedHigh != 0 && opener.RST.IsZero() && !opener.FIN.IsZero()
}

// neverConnected: a connection attempt that did not get through its
// handshake in the capture: SYNs with no SYN-ACK, or a SYN-ACK whose ACK
// never came, and no payload.
func neverConnected(c *tcpflow.Conn) bool {
	if c == nil || c.Midstream {
		return false
	}
	return (c.SynAck.IsZero() && c.Half[tcpflow.FromClient].Bytes == 0 && c.Half[tcpflow.FromServer].Bytes == 0) ||
		handshakeStalled(c)
}
