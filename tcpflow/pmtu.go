package tcpflow

import "github.com/gopacket/gopacket/layers"

// PathMTU is what one side's packets show about the largest packet the path
// carries: ICMP fragmentation-needed / packet-too-big messages quoting them
// (RFC 1191, RFC 8201) with the sizes this side sent before and after the
// first one, and the largest segment the peer acknowledged in full (the
// size the path evidently carries, as RFC 4821 reasons).
type PathMTU struct {
	// ICMP is the first fragmentation-needed / packet-too-big quoting this
	// side's packets. MTU is the lowest next-hop MTU any of them announced
	// (0 when none said: routers older than RFC 1191 leave it out);
	// Messages counts them.
	ICMP     Ref
	MTU      int
	Messages int64
	// SegBefore is the largest payload this side had sent in one segment
	// when ICMP arrived.
	SegBefore int
	// After ICMP: FitFirst is the first segment with payload whose IP
	// packet fitted the announced MTU and FitMax the largest payload among
	// those; TooBig counts the ones that still exceeded it (sent before the
	// sender acted on the message, or because it ignored it) and TooBigLast
	// is the last of them. Without an announced MTU, a packet fits when it
	// is smaller than the quoted one.
	FitFirst   Ref
	FitMax     int
	TooBig     int64
	TooBigLast Ref
	limit      int // IP length a packet may have to fit; 0: unknown

	// MaxAcked is the largest payload of one segment of this side that the
	// peer acknowledged in full. It is a lower bound: one candidate segment
	// (the largest not yet acknowledged, or a smaller resend of its start)
	// is followed at a time.
	MaxAcked  int
	candStart uint32
	candEnd   uint32
	candLen   int
	cand      bool
}

// noteICMP records a fragmentation-needed / packet-too-big quoting this
// side's packet; mtu is the announced next-hop MTU (0 when absent), quoted
// the bounced packet's IP length, sent the largest payload sent so far.
func (p *PathMTU) noteICMP(at Ref, mtu, quoted, sent int) {
	p.Messages++
	if p.ICMP.IsZero() {
		p.ICMP = at
		p.SegBefore = sent
	}
	if mtu > 0 && (p.MTU == 0 || mtu < p.MTU) {
		p.MTU = mtu
	}
	switch {
	case p.MTU > 0:
		p.limit = p.MTU
	case quoted > 0 && (p.limit == 0 || quoted-1 < p.limit):
		p.limit = quoted - 1
	}
}

// noteSent records a segment with payload from this side: its sequence
// number, payload length and IP length.
func (p *PathMTU) noteSent(seq uint32, n, ipLen int, at Ref) {
	if !p.ICMP.IsZero() && p.limit > 0 {
		if ipLen <= p.limit {
			if p.FitFirst.IsZero() {
				p.FitFirst = at
			}
			p.FitMax = max(p.FitMax, n)
		} else {
			p.TooBig++
			p.TooBigLast = at
		}
	}
	if n <= p.MaxAcked {
		return
	}
	if !p.cand || n > p.candLen || seq == p.candStart {
		p.candStart, p.candEnd, p.candLen, p.cand = seq, seq+uint32(n), n, true
	}
}

// noteAck records the peer's cumulative acknowledgment of this side's
// bytes.
func (p *PathMTU) noteAck(ack uint32) {
	if p.cand && !seqLT(ack, p.candEnd) {
		p.MaxAcked = max(p.MaxAcked, p.candLen)
		p.cand = false
	}
}

// isPMTUError reports whether an ICMP error says a packet was too big for
// the next hop: ICMPv4 fragmentation needed (type 3 code 4) or ICMPv6
// packet too big (type 2).
func isPMTUError(v6 bool, typ, code uint8) bool {
	if v6 {
		return typ == layers.ICMPv6TypePacketTooBig
	}
	return typ == layers.ICMPv4TypeDestinationUnreachable && code == layers.ICMPv4CodeFragmentationNeeded
}
