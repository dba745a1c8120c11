package capgen

import "math/bits"

// streamPlan is one bulk transfer on a data connection.
type streamPlan struct {
	c       *conn
	d       dir // direction the data travels
	size    int64
	content []byte  // payload bytes; repeated when shorter than size
	rate    float64 // bottleneck rate, bits per second
	losses  []int64 // indices of data segments lost on the path, ascending
	cut     int64   // stop after this many bytes (a reset follows); -1: send all
	fin     bool    // the last data segment carries the FIN
}

// Linux's initial congestion window, in segments (RFC 6928).
const initialWindow = 10

// yieldEvery is how many data segments a stream queues before it lets the
// timeline catch up: it bounds the memory a transfer holds.
const yieldEvery = 128

// stream sends a bulk transfer starting at capture time start and returns
// the capture time of its last data segment.
//
// The model, in capture time: the sender paces segments at the path rate
// within its congestion window, which starts at ten segments, grows by one
// per segment acknowledged (slow start) and is capped by the receiver's
// window, which itself grows as data arrives (autotuning). The receiver
// acknowledges every second segment; an acknowledgement lets the sender
// send again one round trip after the segment it covers was captured. A
// lost segment is missing from the capture when it was lost before the
// capture point (the sender is the far end) and present otherwise; the
// receiver answers every later segment with a dup ACK carrying a SACK
// block until the fast retransmission, sent one round trip after the
// third dup ACK, fills the hole.
func (s *session) stream(start int64, sp streamPlan) int64 {
	c, d := sp.c, sp.d
	snd, rcv := &c.h[d], &c.h[d.peer()]
	mss := int64(c.payloadMSS(d))
	n := sp.size
	if sp.cut >= 0 {
		n = min(n, sp.cut)
	}
	segs := (n + mss - 1) / mss
	if segs == 0 { // an empty file: the FIN is all there is
		if sp.fin {
			s.emit(start, c.next(d, flagFIN|flagACK, nil))
		}
		return start
	}
	isn := snd.seq
	rtt := c.rtt() + 40*us
	ackDelay := c.turn(d.peer()) + 25*us
	header := int64(14 + 20 + 20 + 24) // Ethernet, IP, TCP, and on the wire preamble and gap
	if c.v6 {
		header += 20
	}
	if c.ts {
		header += 12
	}
	serialise := func(payload int64) int64 { return int64(float64((payload+header)*8) / sp.rate * 1e9) }
	lostBeforeCapture := snd.host.delay > rcv.host.delay

	// release[i % len] is when the acknowledgement covering segment i lets
	// the sender send again, in capture time.
	maxWindow := int64(rcv.host.stack.maxRcvWindow)/mss + 1
	ring := make([]int64, 1<<bits.Len64(uint64(min(segs, maxWindow)+64)))
	mask := int64(len(ring) - 1)

	type hole struct {
		seq, end uint32
		seg      int64 // index of the lost segment
		repairAt int64 // capture time of the retransmission
	}
	var open *hole
	lossIdx := 0
	t := start
	var prev int64 // payload of the previous segment
	for i := int64(0); i < segs; i++ {
		off := i * mss
		size := min(mss, n-off)
		seq := isn + uint32(off)
		if i > 0 {
			t += serialise(prev)
		}
		// the congestion window: min(initial + acknowledged, receiver's)
		window := max(int64(rcv.rcvWindow)/mss, 2)
		need := i - window + 1 // segments that must be acknowledged before i may go
		if i >= initialWindow {
			need = max(need, (i-initialWindow)/2+1)
		}
		if need > 0 {
			j := min((need-1)|1, i-1)
			t = max(t, ring[j&mask])
		}
		if open != nil && t >= open.repairAt {
			s.repair(sp, open.seg, open.seq, open.end, open.repairAt, seq, ackDelay)
			open = nil
		}

		flags := flagACK
		if i == segs-1 || i%44 == 43 {
			flags |= flagPSH // Linux pushes at the end of each 64 KB burst
		}
		if i == segs-1 && sp.fin {
			flags |= flagFIN
		}
		data := segment{
			c: c, d: d, flags: flags, opts: optAuto, seq: seq, ack: rcv.seq,
			win: c.window(d), payload: chunk(sp.content, off, int(size)),
		}
		lost := lossIdx < len(sp.losses) && sp.losses[lossIdx] == i && open == nil && i+4 < segs
		if lossIdx < len(sp.losses) && sp.losses[lossIdx] <= i {
			lossIdx++
		}
		if !lost || !lostBeforeCapture {
			s.emit(t, data)
		}
		ackAt := t + ackDelay
		ring[i&mask] = ackAt + c.turn(d)
		switch {
		case lost:
			open = &hole{seq: seq, end: seq + uint32(size), seg: i,
				repairAt: t + 3*serialise(mss) + rtt}
			s.g.m.Retransmissions++
		case open != nil:
			// out of order: an immediate dup ACK with a SACK block
			s.emit(ackAt, segment{
				c: c, d: d.peer(), flags: flagACK, opts: optSACK, seq: rcv.seq, ack: open.seq,
				win: c.window(d.peer()), sack: [2]uint32{open.end, seq + uint32(size)},
			})
		case i == segs-1 && sp.fin:
			// the receiver's FIN acknowledges the last segment (the caller sends it)
		case i%2 == 1 || i == segs-1:
			rcv.rcvWindow = min(rcv.rcvWindow+uint32(2*size), rcv.host.stack.maxRcvWindow)
			s.emit(ackAt, segment{
				c: c, d: d.peer(), flags: flagACK, opts: optAuto, seq: rcv.seq, ack: seq + uint32(size),
				win: c.window(d.peer()),
			})
			rcv.acked++
		}
		prev = size
		if i%yieldEvery == yieldEvery-1 {
			s.sleepUntil(t)
		}
	}
	if open != nil {
		end := isn + uint32(n)
		s.repair(sp, open.seg, open.seq, open.end, max(open.repairAt, t+serialise(prev)), end, ackDelay)
		t = max(t, open.repairAt)
	}
	snd.seq = isn + uint32(n)
	if sp.fin {
		snd.seq++
	}
	return t
}

// repair writes the fast retransmission of lost segment seg at capture
// time at, and the receiver's cumulative ACK up to highest, the end of
// what it holds.
func (s *session) repair(sp streamPlan, seg int64, seq, end uint32, at int64, highest uint32, ackDelay int64) {
	c, d := sp.c, sp.d
	mss := int64(c.payloadMSS(d))
	s.emit(at, segment{
		c: c, d: d, flags: flagACK | flagPSH, opts: optAuto, seq: seq, ack: c.h[d.peer()].seq,
		win: c.window(d), payload: chunk(sp.content, seg*mss, int(end-seq)),
	})
	s.emit(at+ackDelay, segment{
		c: c, d: d.peer(), flags: flagACK, opts: optAuto, seq: c.h[d.peer()].seq, ack: highest,
		win: c.window(d.peer()),
	})
}

// chunk is n payload bytes at offset off of a transfer whose bytes repeat
// content.
func chunk(content []byte, off int64, n int) []byte {
	if off+int64(n) <= int64(len(content)) {
		return content[off : off+int64(n)]
	}
	if n >= len(content) {
		return content[:min(n, len(content))]
	}
	o := off % int64(len(content)-n)
	return content[o : o+int64(n)]
}
