package zeekconn

// Zeek's defaults for when its reassembler stops holding a side's data
// (init-bare.zeek). After that it reports no more gaps for that side.
const (
	maxInitialWindow     = 16384    // tcp_max_initial_window
	maxAboveHoleNoAcks   = 16384    // tcp_max_above_hole_without_any_acks
	maxDataNoFurtherAcks = 10 << 20 // tcp_excessive_data_without_further_acks
)

// maxSpans bounds the sequence ranges kept per side. A range is a run of
// contiguous data; more than a few at once means many holes in flight.
const maxSpans = 8

// span is a received range [lo, hi) of relative sequence numbers.
type span struct{ lo, hi uint64 }

// segments is what Zeek's TCP_Reassembler knows about one side's stream,
// without the bytes: which ranges arrived and are not yet acknowledged,
// how far the stream is contiguous (delivered, Zeek's last_reassem_seq)
// and how far it is acknowledged (trimSeq). A content gap is the peer
// acknowledging past delivered.
type segments struct {
	spans     [maxSpans]span // sorted, neither overlapping nor touching
	n         uint8
	trimSeq   uint64
	delivered uint64
	skip      bool   // Zeek gave up on this side's data: no more gaps
	merged    uint32 // spans merged for want of room (see State.SpansMerged)
}

// init sets the starting point: relative sequence 1, just after the SYN.
func (g *segments) init() {
	g.trimSeq, g.delivered = 1, 1
}

// insert adds [lo, hi), merging it with the ranges it overlaps or touches.
// When the table is full, the two ranges with the smallest hole between
// them are merged, and the hole is no longer seen.
func (g *segments) insert(lo, hi uint64) {
	var all [maxSpans + 1]span
	n := 0
	placed := false
	for _, sp := range g.spans[:g.n] {
		switch {
		case sp.hi < lo: // entirely before, with a hole
			all[n] = sp
			n++
		case hi < sp.lo: // entirely after, with a hole
			if !placed {
				all[n] = span{lo, hi}
				n++
				placed = true
			}
			all[n] = sp
			n++
		default: // overlaps or touches: absorb it
			lo, hi = min(lo, sp.lo), max(hi, sp.hi)
		}
	}
	if !placed {
		all[n] = span{lo, hi}
		n++
	}
	if n > maxSpans {
		best := 0
		for k := 1; k < n-1; k++ {
			if all[k+1].lo-all[k].hi < all[best+1].lo-all[best].hi {
				best = k
			}
		}
		all[best].hi = all[best+1].hi
		copy(all[best+1:], all[best+2:n])
		n--
		g.merged++
	}
	g.n = uint8(copy(g.spans[:], all[:n]))
}

// deliver advances delivered through the range that holds it, if any, and
// reports whether it moved.
func (g *segments) deliver() bool {
	for _, sp := range g.spans[:g.n] {
		if sp.lo <= g.delivered && g.delivered < sp.hi {
			g.delivered = sp.hi
			return true
		}
	}
	return false
}

// firstUndelivered returns the index of the first range at or above
// delivered, or -1.
func (g *segments) firstUndelivered() int {
	for k, sp := range g.spans[:g.n] {
		if sp.lo >= g.delivered {
			return k
		}
	}
	return -1
}

// dropBelow forgets the data below seq: it has been acknowledged.
func (g *segments) dropBelow(seq uint64) {
	n := 0
	for _, sp := range g.spans[:g.n] {
		if sp.hi <= seq {
			continue
		}
		sp.lo = max(sp.lo, seq)
		g.spans[n] = sp
		n++
	}
	g.n = uint8(n)
}

// bytes is how much data is held (Zeek's DataSize).
func (g *segments) bytes() uint64 {
	var total uint64
	for _, sp := range g.spans[:g.n] {
		total += sp.hi - sp.lo
	}
	return total
}

// aboveHole is Zeek's NumUndeliveredBytes: from delivered to the end of
// the last range. Like Zeek's, the subtraction is unsigned.
func (g *segments) aboveHole() uint64 {
	if g.n == 0 {
		return 0
	}
	return g.spans[g.n-1].hi - g.delivered
}

func (g *segments) clear() { g.n = 0 }

// dataSent records payload [seq, seq+n) from side (Zeek's
// TCP_Reassembler::DataSent and Reassembler::NewBlock).
func (s *State) dataSent(side int, seq, n uint64) {
	e := &s.ep[side]
	g := &e.seg
	if g.skip {
		return
	}
	upper := seq + n
	if upper < seq {
		return // past the end of a 64-bit sequence space: nothing real
	}
	if acked := e.relative(e.ackSeq, e.ackWraps); seq < acked {
		if upper <= acked {
			return // delivered and acknowledged already
		}
		seq = acked
	}
	if upper > g.trimSeq {
		g.insert(max(seq, g.trimSeq), upper)
		s.blockInserted(side)
	}
	if e.noDataAcked() && g.aboveHole() > maxAboveHoleNoAcks {
		// Lots of data above a hole and never an ack: Zeek presumes it
		// cannot see the acks and stops reassembling this side.
		g.clear()
		g.skip = true
	}
	if g.bytes() > maxDataNoFurtherAcks {
		g.clear()
		g.skip = true
	}
}

// blockInserted delivers what new data made contiguous, and drops what
// was delivered when the peer seems not to ack at all (Zeek's
// TCP_Reassembler::BlockInserted).
func (s *State) blockInserted(side int) {
	e := &s.ep[side]
	if !e.seg.deliver() {
		return
	}
	if e.noDataAcked() && e.size(&s.ep[1-side]) > maxInitialWindow {
		s.trimTo(side, e.seg.delivered)
	}
}

// ackReceived handles the peer's acknowledgement of side's data up to seq
// (Zeek's TCP_Reassembler::AckReceived). The FIN's octet is not data.
func (s *State) ackReceived(side int, seq uint64) {
	e := &s.ep[side]
	if e.finCount > 0 && seq >= e.finSeq {
		seq = e.finSeq - 1
	}
	if seq <= e.seg.trimSeq {
		return
	}
	s.trimTo(side, seq)
}

// trimTo forgets side's data below seq, reporting as gaps what was never
// seen below it (Zeek's Reassembler::TrimToSeq).
func (s *State) trimTo(side int, seq uint64) {
	g := &s.ep[side].seg
	if seq > g.delivered {
		s.undelivered(side, seq)
	}
	g.dropBelow(seq)
	s.blockInserted(side)
	g.trimSeq = max(g.trimSeq, seq)
}

// undelivered reports the holes below upTo as content gaps, delivering the
// ranges between them (Zeek's TCP_Reassembler::Undelivered).
func (s *State) undelivered(side int, upTo uint64) {
	g := &s.ep[side].seg
	if upTo <= 2 && s.partial {
		// A partial connection's faked SYN: the first ack names data (or a
		// keep-alive's octet) from before the capture began. Zeek leaves
		// delivered where it is.
		return
	}
	if !g.skip {
		for {
			k := g.firstUndelivered()
			if k < 0 || g.spans[k].lo >= upTo {
				break
			}
			s.gap(side, g.spans[k].lo-g.delivered)
			g.delivered = g.spans[k].lo
			s.blockInserted(side)
		}
		if upTo > g.delivered {
			s.gap(side, upTo-g.delivered)
		}
	}
	g.delivered = max(g.delivered, upTo)
}

// gap records a content gap of n bytes in side's data. Zeek counts it, in
// history and missed_bytes, only while both sides are established or
// cleanly closing: elsewhere, RSTs and unseen starts make false gaps.
func (s *State) gap(side int, n uint64) {
	e, peer := &s.ep[side], &s.ep[1-side]
	if !e.clean() || !peer.clean() {
		return
	}
	s.scaled(side, &e.gaps, 'G')
	s.missed += n
}
