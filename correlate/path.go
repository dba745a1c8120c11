package correlate

import (
	"cmp"
	"slices"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Counting, per direction of a connection seen at two points, what the
// sending side's point saw leave and what the receiving side's point saw
// arrive (DirCounts), from TCP's own account of the bytes: a capture
// misses packets too, and a packet one capture missed must not read as
// one the network lost or forged.
//
// A packet seen at the sending point (S) is sent; it is delivered when
// the receiving point (R) saw it too, or saw its bytes arrive in other
// packets (cut or merged on the way: their sequence ranges cover it), or
// saw the receiver acknowledge its bytes (its SYN or FIN) while R's
// capture holds no packet carrying them: the receiver had them, so the
// capture at R missed the packet, not the network. Among several copies
// of one segment none of which R saw, only the first is credited so:
// the receiver needed one of them. Everything else sent is dropped: a
// pure ACK or a reset cannot be acknowledged, so one R did not see is
// dropped (a capture that loses packets at R overstates their loss).
//
// A packet seen at R and not at S is injected unless S's capture merely
// missed it: its bytes were sent in other packets at S (re-segmentation),
// or S saw a packet with the same sequence number, length and payload (a
// retransmission whose copy S missed), or S holds none of its bytes but
// saw the sender go on past them (its later packets' sequence numbers),
// or for a pure ACK, saw the sender acknowledge as far. A reset seen
// only at R is injected: a reset carries no bytes any later packet could
// vouch for, and a forged reset is what this is about.
//
// Packets outside the other point's capture (sent before it started or
// arriving after it stopped, the clocks' offset and the path's delay
// allowed for) are counted in neither: a point's capture is taken to
// run from the first packet of its files to the last, and on for the
// quiet before its last (windowOf). Each packet's verdict is kept too
// (Pair.FateA, FateB).

// window is a point's capture, first and last packet, its own clock.
type window struct{ first, last int64 }

func (w window) holds(t int64) bool { return t >= w.first && t <= w.last }

// side is one direction of a connection at one point.
type side struct {
	point, conn int
	c           *analysis.ConnPackets
	idx         []int // the direction's packets
	partner     []int // their partners at the other point, -1 for none
	rev         []int // the other direction's packets at this point
	// seqShift and ackShift are what this point's sequence numbers of
	// the direction, and of the other direction, exceed the other
	// point's by (0 but past a firewall rewriting them: matchByEnds).
	seqShift, ackShift uint32
	// fate is what countDirection found of each of the connection's
	// packets (indexed as its Packets).
	fate []Fate
}

// dirResult is one direction's counts and the packets counted dropped
// (at S) and injected (at R).
type dirResult struct {
	counts            DirCounts
	dropped, injected []PacketRef
	// missedR counts packets delivered that R's capture missed (the
	// receiver acknowledged their bytes), missedS packets that arrived
	// at R which S's capture missed.
	missedR, missedS int64
	// rewrittenData: data arrived that was never sent, while data sent
	// was dropped or arrived only in other segments.
	rewrittenData bool
}

// seqRange is [lo, hi) in a direction's unwrapped sequence space.
type seqRange struct{ lo, hi int64 }

// unwrapper turns 32-bit sequence numbers into positions relative to an
// origin, following wraparound in capture order. The first number sets
// the reference wherever it lies (a point whose capture began gigabytes
// into the transfer); after it, a number more than a quarter of the
// space away from the last is taken as it is (a forged packet) without
// moving the reference.
type unwrapper struct {
	last    uint32
	rel     int64
	started bool
}

func (u *unwrapper) at(seq uint32) int64 {
	diff := int64(int32(seq - u.last))
	pos := u.rel + diff
	if !u.started || (diff < 1<<30 && diff > -(1<<30)) {
		u.last, u.rel, u.started = seq, pos, true
	}
	return pos
}

// seqLen is how much of the sequence space a packet takes: its payload,
// and one for a SYN and for a FIN.
func seqLen(p *analysis.PathPacket) int64 {
	n := int64(p.Len)
	if p.Flags&tcpflow.FlagSYN != 0 {
		n++
	}
	if p.Flags&tcpflow.FlagFIN != 0 {
		n++
	}
	return n
}

// ranges is a sorted list of disjoint ranges.
type ranges []seqRange

func mergeRanges(rs []seqRange) ranges {
	slices.SortFunc(rs, func(a, b seqRange) int { return cmp.Compare(a.lo, b.lo) })
	out := rs[:0] // merged in place: each range written goes no further than the one read
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// find is the index of the last range starting at or before x, -1 for
// none.
func (rs ranges) find(x int64) int {
	n, _ := slices.BinarySearchFunc(rs, x, func(r seqRange, x int64) int {
		if r.lo <= x {
			return -1
		}
		return 1
	})
	return n - 1
}

// covers reports whether [lo, hi) lies within one range.
func (rs ranges) covers(lo, hi int64) bool {
	k := rs.find(lo)
	return k >= 0 && rs[k].hi >= hi
}

// overlaps reports whether any range shares a byte with [lo, hi).
func (rs ranges) overlaps(lo, hi int64) bool {
	k := rs.find(hi - 1)
	return k >= 0 && rs[k].hi > lo
}

// dirView is what counting one direction reads of both points.
type dirView struct {
	s, r side
	// toR turns a time of S's clock into R's, toS back.
	toR, toS func(int64) int64
	delay    int64 // smallest delay from S to R
	winS     window
	winR     window
	maxRefs  int
	origin   uint32
	posS     []int64 // unwrapped position of each of s.idx
	posR     []int64
}

// countDirection counts one direction between its two points.
func countDirection(v *dirView, sc *scratch) dirResult {
	v.unwrap()
	allS, freeS, allR, freeR := sc.spans[0][:0], sc.spans[1][:0], sc.spans[2][:0], sc.spans[3][:0]
	defer func() { sc.spans = [4][]seqRange{allS, freeS, allR, freeR} }()
	copies := sc.copies
	clear(copies)
	seqAdvS := int64(-1 << 62)
	var ackS uint32
	ackSeen := false
	for n, k := range v.s.idx {
		p := &v.s.c.Packets[k]
		if p.Flags&tcpflow.FlagRST == 0 {
			seqAdvS = max(seqAdvS, v.posS[n]+seqLen(p))
			if a := p.Ack - v.s.ackShift; p.Flags&tcpflow.FlagACK != 0 && (!ackSeen || int32(a-ackS) > 0) {
				ackS, ackSeen = a, true
			}
		}
		if l := seqLen(p); l > 0 {
			r := seqRange{v.posS[n], v.posS[n] + l}
			allS = append(allS, r)
			if v.s.partner[n] < 0 {
				freeS = append(freeS, r)
			}
			copies[copyKey{p.Seq - v.s.seqShift, int32(p.Len), p.Flags & keyFlags &^ tcpflow.FlagACK, p.Hash}] = true
		}
	}
	for n, k := range v.r.idx {
		p := &v.r.c.Packets[k]
		if l := seqLen(p); l > 0 {
			r := seqRange{v.posR[n], v.posR[n] + l}
			allR = append(allR, r)
			if v.r.partner[n] < 0 {
				freeR = append(freeR, r)
			}
		}
	}
	sAll, sFree, rAll, rFree := mergeRanges(allS), mergeRanges(freeS), mergeRanges(allR), mergeRanges(freeR)
	ackedR, acked := v.receiverAck()

	var out dirResult
	// sentDataAltered: data dropped, or delivered in other segments;
	// injectedData: data injected. Both: rewrittenData.
	var sentDataAltered, injectedData bool
	credited := sc.credited
	clear(credited)
	for n, k := range v.s.idx {
		p := &v.s.c.Packets[k]
		if v.s.partner[n] >= 0 {
			out.counts.Sent++
			out.counts.Delivered++
			v.s.fate[k] = FateSeen
			continue
		}
		if !v.winR.holds(v.toR(p.TS) + v.delay) {
			continue // R's capture had not begun, or had ended
		}
		out.counts.Sent++
		if l := seqLen(p); l > 0 && p.Flags&tcpflow.FlagRST == 0 {
			r := seqRange{v.posS[n], v.posS[n] + l}
			if rFree.covers(r.lo, r.hi) {
				out.counts.Delivered++                         // cut or merged on the way
				sentDataAltered = sentDataAltered || p.Len > 0 // or rewritten (rewrittenData)
				v.s.fate[k] = FateDelivered
				continue
			}
			if acked && r.hi <= ackedR && !rAll.overlaps(r.lo, r.hi) && !credited[r] {
				credited[r] = true
				out.counts.Delivered++
				out.missedR++
				v.s.fate[k] = FateDelivered
				continue
			}
		}
		out.counts.Dropped++
		v.s.fate[k] = FateDropped
		sentDataAltered = sentDataAltered || p.Len > 0
		if len(out.dropped) < v.maxRefs {
			out.dropped = append(out.dropped, v.s.ref(n))
		}
	}
	for n, k := range v.r.idx {
		p := &v.r.c.Packets[k]
		if v.r.partner[n] >= 0 {
			v.r.fate[k] = FateSeen
			continue
		}
		if !v.winS.holds(v.toS(p.TS) - v.delay) {
			continue
		}
		if p.Flags&tcpflow.FlagRST == 0 {
			if l := seqLen(p); l > 0 {
				lo, hi := v.posR[n], v.posR[n]+l
				if sFree.covers(lo, hi) {
					v.r.fate[k] = FateDelivered
					continue // cut or merged on the way
				}
				if copies[copyKey{p.Seq - v.r.seqShift, int32(p.Len), p.Flags & keyFlags &^ tcpflow.FlagACK, p.Hash}] ||
					(!sAll.overlaps(lo, hi) && seqAdvS >= hi) {
					out.missedS++
					v.r.fate[k] = FateDelivered
					continue // S's capture missed it
				}
			} else if ackSeen && int32(ackS-(p.Ack-v.r.ackShift)) >= 0 && seqAdvS >= v.posR[n] {
				out.missedS++
				v.r.fate[k] = FateDelivered
				continue // a pure ACK S's capture missed: the sender acknowledged as far
			}
		}
		out.counts.Injected++
		v.r.fate[k] = FateInjected
		injectedData = injectedData || p.Len > 0
		if len(out.injected) < v.maxRefs {
			out.injected = append(out.injected, v.r.ref(n))
		}
	}
	out.rewrittenData = sentDataAltered && injectedData
	return out
}

// copyKey is a segment's bytes: where they go and what they are.
type copyKey struct {
	seq   uint32
	len   int32
	flags uint8
	hash  uint64
}

// unwrap places every packet of both points in the direction's sequence
// space, from the first sequence number S saw (R's when S saw none).
func (v *dirView) unwrap() {
	switch {
	case len(v.s.idx) > 0:
		v.origin = v.s.c.Packets[v.s.idx[0]].Seq - v.s.seqShift
	case len(v.r.idx) > 0:
		v.origin = v.r.c.Packets[v.r.idx[0]].Seq - v.r.seqShift
	}
	v.posS = positions(v.s, v.origin)
	v.posR = positions(v.r, v.origin)
}

func positions(s side, origin uint32) []int64 {
	u := unwrapper{last: origin}
	pos := make([]int64, len(s.idx))
	for n, k := range s.idx {
		pos[n] = u.at(s.c.Packets[k].Seq - s.seqShift)
	}
	return pos
}

// receiverAck is the furthest the receiver acknowledged this direction's
// bytes in the packets R saw it send, resets aside.
func (v *dirView) receiverAck() (int64, bool) {
	u := unwrapper{last: v.origin}
	best, ok := int64(0), false
	for _, k := range v.r.rev {
		p := &v.r.c.Packets[k]
		if p.Flags&tcpflow.FlagACK == 0 || p.Flags&tcpflow.FlagRST != 0 {
			continue
		}
		if a := u.at(p.Ack - v.r.seqShift); !ok || a > best {
			best, ok = a, true
		}
	}
	return best, ok
}

// ref names the n-th packet of the side.
func (s side) ref(n int) PacketRef {
	k := s.idx[n]
	p := &s.c.Packets[k]
	return PacketRef{Point: s.point, Input: p.Input, Frame: p.Frame, TS: p.TS, Conn: s.conn, Packet: k}
}
