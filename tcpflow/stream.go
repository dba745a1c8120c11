package tcpflow

import "sort"

// stream reassembles one direction of a connection whose payload the
// handler wants (FTP control connections). It delivers bytes in sequence
// order exactly once: retransmitted and overlapping bytes are skipped,
// segments that arrive early wait in pending (copied, bounded by
// Options.MaxBufferedBytes), and bytes the capture never had are reported
// as a gap once the peer's ACK proves they were sent, or when the buffer is
// full, or when the connection ends.
type stream struct {
	wanted  bool // the handler asked for this direction's bytes
	sniffed bool // Sniff was called for this direction
	started bool
	next    uint32 // next sequence number to deliver
	// finSeq is the sequence number of this direction's FIN, valid when fin.
	finSeq uint32
	fin    bool

	pending      []pendingSeg // sorted by seq
	pendingBytes int
}

type pendingSeg struct {
	seq  uint32
	data []byte
	at   Ref
}

// start fixes the first sequence number to deliver.
func (s *stream) start(seq uint32) {
	s.started = true
	s.next = seq
}

// segment takes one segment's payload. payloadLen is the length the IP
// header implies; data may be shorter when the snap length cut the packet.
func (t *Tracker) streamSegment(c *Conn, dir Dir, seq uint32, data []byte, payloadLen int, at Ref) {
	s := &c.streams[dir]
	if !s.started {
		s.start(seq)
	}
	d := seqDiff(s.next, seq)
	if d > 0 {
		// Early: wait for the bytes before it.
		t.bufferSegment(c, dir, seq, data, payloadLen, at)
		return
	}
	skip := -d
	if skip >= int64(payloadLen) {
		return // a retransmission of bytes already delivered
	}
	t.deliver(c, dir, data, payloadLen, int(skip), at)
	t.drainPending(c, dir)
}

// deliver hands data[skip:] to the handler and advances next by the full
// payload length; bytes cut by the snap length become a gap.
func (t *Tracker) deliver(c *Conn, dir Dir, data []byte, payloadLen, skip int, at Ref) {
	s := &c.streams[dir]
	if skip < len(data) {
		t.h.Data(c, dir, data[skip:], at)
	}
	if missing := payloadLen - max(skip, len(data)); missing > 0 {
		t.stats.SnapGapBytes += int64(missing)
		t.h.Gap(c, dir, int64(missing), at)
	}
	s.next += uint32(payloadLen - skip)
}

func (t *Tracker) bufferSegment(c *Conn, dir Dir, seq uint32, data []byte, payloadLen int, at Ref) {
	s := &c.streams[dir]
	if s.pendingBytes+len(data) > t.opts.MaxBufferedBytes {
		// The hole before the buffered data is not going to be filled
		// within what we are willing to hold: give up on it.
		t.stats.BufferOverflows++
		t.skipTo(c, dir, s.firstPendingOr(seq), at)
		t.drainPending(c, dir)
		if seqDiff(s.next, seq) > 0 {
			t.skipTo(c, dir, seq, at)
		}
		t.streamSegment(c, dir, seq, data, payloadLen, at)
		return
	}
	cp := make([]byte, len(data))
	copy(cp, data)
	// A snap-truncated segment is buffered with the bytes it has; the
	// shortfall shows up as a gap when the peer's ACK passes it.
	p := pendingSeg{seq: seq, data: cp, at: at}
	i := sort.Search(len(s.pending), func(i int) bool { return !seqLT(s.pending[i].seq, seq) })
	s.pending = append(s.pending, pendingSeg{})
	copy(s.pending[i+1:], s.pending[i:])
	s.pending[i] = p
	s.pendingBytes += len(cp)
}

func (s *stream) firstPendingOr(seq uint32) uint32 {
	if len(s.pending) > 0 && seqLT(s.pending[0].seq, seq) {
		return s.pending[0].seq
	}
	return seq
}

// drainPending delivers buffered segments that have become in order.
func (t *Tracker) drainPending(c *Conn, dir Dir) {
	s := &c.streams[dir]
	for len(s.pending) > 0 {
		p := s.pending[0]
		d := seqDiff(s.next, p.seq)
		if d > 0 {
			return
		}
		s.pending = s.pending[1:]
		s.pendingBytes -= len(p.data)
		if -d < int64(len(p.data)) {
			t.deliver(c, dir, p.data, len(p.data), int(-d), p.at)
		}
	}
	s.pending = nil
}

// skipTo declares the bytes from next up to seq missing from the capture.
func (t *Tracker) skipTo(c *Conn, dir Dir, seq uint32, at Ref) {
	s := &c.streams[dir]
	n := seqDiff(s.next, seq)
	if n <= 0 {
		return
	}
	t.stats.GapBytes += n
	t.h.Gap(c, dir, n, at)
	s.next = seq
}

// acked is called when the peer acknowledges up to ack: bytes below it
// were sent, so a hole there is capture loss and delivery can move on.
func (t *Tracker) acked(c *Conn, dir Dir, ack uint32, at Ref) {
	s := &c.streams[dir]
	if !s.started {
		return
	}
	limit := ack
	if s.fin && seqLT(s.finSeq, limit) {
		limit = s.finSeq // the FIN takes one sequence number, not a byte
	}
	n := seqDiff(s.next, limit)
	if n <= 0 || n > 1<<30 {
		return // nothing missing, or an ack from another sequence space
	}
	t.skipTo(c, dir, s.firstPendingOr(limit), at)
	t.drainPending(c, dir)
}

// finish flushes a stream at the end of its connection: buffered segments
// are delivered with the holes before them reported as gaps.
func (t *Tracker) finishStream(c *Conn, dir Dir) {
	s := &c.streams[dir]
	for len(s.pending) > 0 {
		p := s.pending[0]
		t.skipTo(c, dir, p.seq, p.at)
		t.drainPending(c, dir)
	}
}
