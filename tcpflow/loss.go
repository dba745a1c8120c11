package tcpflow

// Facts about loss and resets, recorded after every packet's other facts:
// the latest run of retransmissions of one segment (with the moment its
// retransmission timer started, so a verdict can show the backoff), what a
// side sent after its own first RST, and its last packet other than a
// RST. All fixed-size: recording them allocates nothing once a side has
// its Traffic.

// RetransRunTimes is how many retransmission times a RetransRun keeps.
const RetransRunTimes = 8

// RetransRun is one side's latest run of retransmissions of one segment:
// the same starting sequence number sent again and again, as a sender does
// each time its retransmission timer expires with nothing acknowledged
// (RFC 6298 5.5 doubles the timer each time). The run is over when the
// peer acknowledges any of the segment (Acked); it stays in the Half as
// history until the next run replaces it.
type RetransRun struct {
	Seq uint32 // sequence number retransmitted
	Len int    // payload length of its latest retransmission
	// Since is when the sender's retransmission timer last started before
	// the run: its first transmission of new data while nothing else was
	// outstanding, or the peer's last acknowledgement of new data while
	// some was (RFC 6298 5.3 restarts the timer then). SinceAck says which;
	// Since is zero when the capture began after both.
	Since    Ref
	SinceAck bool
	// Count is the number of retransmissions; Times the capture times of
	// the first RetransRunTimes of them and Last the latest.
	Count int
	Times [RetransRunTimes]int64
	Last  Ref
	// PeerPackets counts the peer's packets (any, resets included) from
	// the run's first retransmission on; Acked is the peer's packet that
	// acknowledged the segment.
	PeerPackets int64
	Acked       Ref
}

// Active reports whether the run is still waiting for an acknowledgement.
func (r *RetransRun) Active() bool { return r.Count > 0 && r.Acked.IsZero() }

// add counts one retransmission of the segment starting at seq.
func (r *RetransRun) add(seq uint32, n int, at, since Ref, sinceAck bool) {
	if !r.Active() || r.Seq != seq {
		*r = RetransRun{Seq: seq, Since: since, SinceAck: sinceAck}
	}
	r.Len = n
	if r.Count < len(r.Times) {
		r.Times[r.Count] = at.TS
	}
	r.Count++
	r.Last = at
}

// lossBefore is what noteLoss needs from before a packet's facts were
// recorded.
type lossBefore struct {
	highSeq      uint32 // the sender's highest sequence sent
	seqValid     bool
	peerAcked    uint32 // how far the peer had acknowledged the sender's data
	peerAckValid bool
	ackedHigh    uint32 // how far the sender had acknowledged the peer's data
	ackValid     bool
}

// snapshotLoss takes the facts noteLoss compares a packet from dir with.
func (c *Conn) snapshotLoss(dir Dir) lossBefore {
	h, peer := &c.Half[dir], &c.Half[dir.Other()]
	return lossBefore{highSeq: h.HighSeq, seqValid: h.seqValid,
		peerAcked: peer.AckedHigh, peerAckValid: peer.ackValid,
		ackedHigh: h.AckedHigh, ackValid: h.ackValid}
}

// noteLoss records a packet's loss and reset facts; seg is its log entry
// (Retrans set when its payload was seen before) and keepalive whether it
// was a keepalive probe.
func (c *Conn) noteLoss(dir Dir, p *Seg, keepalive bool, pre *lossBefore) {
	h, peer := &c.Half[dir], &c.Half[dir.Other()]
	if p.Flags&FlagRST == 0 {
		h.LastSent = p.Ref
		// A stack that reset the connection has nothing left to send on
		// it: a segment carrying data or a SYN after its RST is from
		// another sender than the RST's (or the RST was not its).
		if !h.RST.IsZero() && h.Traffic().AfterRST.IsZero() && (p.Len > 0 || p.Flags&FlagSYN != 0) {
			h.traffic().AfterRST = *p
		}
	}
	if r := &peer.Traffic().RetransRun; r.Active() { // active: peer.tr was made
		r.PeerPackets++
		if p.Flags&(FlagACK|FlagRST) == FlagACK && seqLT(r.Seq, p.Ack) {
			r.Acked = p.Ref
		}
	}
	// An ACK of the peer's new data while more is outstanding restarts the
	// peer's retransmission timer.
	if p.Flags&(FlagACK|FlagRST) == FlagACK && peer.seqValid &&
		(!pre.ackValid || seqLT(pre.ackedHigh, p.Ack)) && seqLT(p.Ack, peer.HighSeq) {
		pt := peer.traffic()
		pt.rtoSince, pt.rtoSinceAck = p.Ref, true
	}
	if p.Len == 0 || keepalive || p.Flags&FlagRST != 0 {
		return
	}
	t := h.traffic()
	if p.Retrans {
		t.RetransRun.add(p.Seq, p.Len, p.Ref, t.rtoSince, t.rtoSinceAck)
		return
	}
	outstanding := pre.seqValid && pre.peerAckValid && seqLT(pre.peerAcked, pre.highSeq)
	if !outstanding {
		t.rtoSince, t.rtoSinceAck = p.Ref, false
	}
}
