package zeekconn

// tooLargeSeqDelta: a SYN or RST whose sequence number jumps further than
// this from the last one seen is not trusted to move the sequence space.
const tooLargeSeqDelta = 1 << 20

// process is one packet through Zeek's TCPSessionAdapter::Process, in the
// same order, because each step reads what the previous ones left: the
// history letters see the sequence space before this packet updates it,
// the state machine sees the acknowledgement already applied, and gaps are
// judged after the state machine has moved.
func (s *State) process(side int, flags uint8, seq, ack uint32, length int, captured bool, win uint16) {
	e, peer := &s.ep[side], &s.ep[1-side]
	// Zeek's is_orig for this packet. A flip inside update_history below
	// does not change it: Zeek's state machine keeps reading the stale
	// value, and so do we.
	isOrig := s.isOrig(side)
	s.setPartialStatus(flags, isOrig)

	segLen := length
	if flags&flagSYN != 0 {
		segLen++ // a SYN takes one sequence number
	}
	if flags&flagFIN != 0 {
		segLen++ // so does a FIN
	}
	if flags&flagRST != 0 {
		segLen -= length // a RST's payload is not part of the stream
	}
	onePast := seq + uint32(segLen)

	s.initEndpoint(e, flags, seq, onePast)
	relSeq, underflow := relativeSeq(e, seq, e.lastSeq, e.seqWraps)
	s.updateHistory(side, flags, relSeq, length)

	// A zero window is worth a letter unless it comes with or after a RST,
	// or after the peer's FIN (Zeek's update_window). Scaling cannot turn a
	// non-zero window into zero.
	if win == 0 && flags&flagRST == 0 && peer.state != Closed && e.state != Reset {
		s.scaled(side, &e.zeroWin, 'W')
	}

	if flags&flagFIN != 0 {
		e.finCount++
		e.finSeq = relSeq + uint64(segLen)
	}
	if flags&flagRST != 0 {
		e.rstCount++
	}

	var relAck uint64
	if flags&flagACK != 0 {
		if peer.state == Inactive {
			// Acking a side we have not heard from: start its sequence
			// space as if we had seen its SYN.
			relAck = 1
			peer.initSeqs(ack-1, ack-1)
		} else {
			r, under := relativeSeq(peer, ack, peer.ackSeq, peer.ackWraps)
			if !under {
				relAck = r
				if flags&flagRST == 0 { // the ack in a RST is not trusted
					updateAckSeq(peer, ack)
				}
			}
		}
	}

	s.updateLastSeq(side, onePast, flags, length)
	s.updateStateMachine(side, seq, length, isOrig, flags)

	if flags&flagACK != 0 {
		// After the state machine, so a gap revealed by the ack of a FIN
		// or RST is judged with the endpoint already closing or reset.
		s.ackReceived(1-side, relAck)
	}

	if isOrig {
		s.firstSeen |= seenOrig
	} else {
		s.firstSeen |= seenResp
	}

	if length > 0 && flags&flagRST == 0 && !underflow && captured {
		// A truncated payload never reaches Zeek's reassembler.
		dataSeq := relSeq
		if flags&flagSYN != 0 {
			dataSeq++
		}
		s.dataSent(side, dataSeq, uint64(length))
	}
}

// setPartialStatus marks a connection whose first packet from the
// originator is not a pure SYN, or whose responder opens with no SYN.
func (s *State) setPartialStatus(flags uint8, isOrig bool) {
	syn := flags&flagSYN != 0
	if isOrig {
		if s.firstSeen&seenOrig == 0 {
			s.partial = !syn || flags&flagACK != 0
		}
	} else if s.firstSeen&seenResp == 0 && !s.partial {
		s.partial = !syn
	}
}

// initEndpoint starts or restarts a side's sequence space (Zeek's
// init_endpoint). A side first seen without a SYN gets one faked just
// below its first sequence number, so relative numbering stays as if the
// handshake had been seen.
func (s *State) initEndpoint(e *endpoint, flags uint8, first, onePast uint32) {
	syn := flags&flagSYN != 0
	switch e.state {
	case Inactive:
		if syn {
			e.initSeqs(first, onePast)
		} else {
			e.initSeqs(first-1, first) // the first packet must not look like a retransmission
		}
	case SynSent, SynAckSent:
		if syn && first != uint32(e.startSeq) {
			e.initSeqs(first, onePast) // a SYN with a new ISN
		}
	case Established, Partial:
		if syn {
			e.initSeqs(first, onePast) // guess this SYN is the one that really opens it
		}
	case Reset:
		if syn && e.prevState == Inactive {
			// The RST that first set this side's sequence numbers may have
			// been injected; trust the SYN instead.
			e.initSeqs(first, onePast)
		}
	}
}

// relativeSeq maps a sequence number into e's 64-bit relative space, using
// last and wraps to tell a wrap of the 32-bit space from a step back
// (Zeek's get_relative_seq). underflow reports a number below the start.
func relativeSeq(e *endpoint, cur, last, wraps uint32) (rel uint64, underflow bool) {
	delta := int32(cur - last)
	if delta < 0 {
		if wraps > 0 && cur > last {
			wraps-- // from the previous turn of the sequence space
		}
	} else if delta > 0 && cur < last {
		wraps++ // the sequence space wrapped
	}
	if wraps == 0 {
		d := int32(cur - uint32(e.startSeq))
		return uint64(int64(d)), d < 0
	}
	return e.relative(cur, wraps), false
}

// updateAckSeq moves how far peer's data is acknowledged, ignoring an ack
// of 0 that would be a huge jump (more likely broken than a wrap).
func updateAckSeq(peer *endpoint, ack uint32) {
	delta := int32(ack - peer.ackSeq)
	if ack == 0 && delta > tooLargeSeqDelta {
		return
	}
	if delta > 0 {
		peer.updateAckSeq(ack)
	}
}

// updateLastSeq advances the side's highest sequence number and records a
// retransmission ('t') for payload at or below it (Zeek's
// update_last_seq).
func (s *State) updateLastSeq(side int, onePast uint32, flags uint8, length int) {
	e := &s.ep[side]
	delta := int32(onePast - e.lastSeq)
	switch {
	case flags&(flagSYN|flagRST) != 0 && (delta > tooLargeSeqDelta || delta < -tooLargeSeqDelta):
		// Don't let a wild SYN or RST move the sequence space.
	case flags&flagFIN != 0 && e.lastSeq == uint32(e.startSeq)+1:
		// Only the SYN seen so far: take the FIN's number even if it looks
		// backwards (a transfer over 2 GB seen only at its ends).
		e.updateLastSeq(onePast)
	case e.state == Reset:
		// Nothing after a RST is trusted.
	case delta > 0:
		e.updateLastSeq(onePast)
	case length > 0:
		s.scaled(side, &e.rxmit, 'T')
	}
}

// updateHistory writes the letter this packet's flags call for (Zeek's
// update_history): i for FIN+RST, q for other flag combinations, s h f r
// again only for a new sequence number, d and a once per direction.
func (s *State) updateHistory(side int, flags uint8, relSeq uint64, length int) {
	e := &s.ep[side]
	syn, fin, rst := flags&flagSYN != 0, flags&flagFIN != 0, flags&flagRST != 0
	n := 0
	for _, b := range [...]bool{syn, fin, rst} {
		if b {
			n++
		}
	}
	switch {
	case n > 1:
		if fin && rst {
			s.checkHistory(side, histFINRST, 'I')
		} else {
			s.checkHistory(side, histMulti, 'Q')
		}
	case syn:
		code := byte('S')
		if flags&flagACK != 0 {
			code = 'H'
		}
		if s.checkHistory(side, histSYN, code) && relSeq != e.histLastSYN {
			s.addLetter(side, code)
		}
		e.histLastSYN = relSeq
	case fin:
		// A FIN's sequence number is the one after its data.
		end := relSeq + uint64(length)
		if s.checkHistory(side, histFIN, 'F') && end != e.histLastFIN {
			s.addLetter(side, 'F')
		}
		e.histLastFIN = end
	case rst:
		if s.checkHistory(side, histRST, 'R') && relSeq != e.histLastRST {
			s.addLetter(side, 'R')
		}
		e.histLastRST = relSeq
	case length > 0:
		s.checkHistory(side, histData, 'D')
	case flags&flagACK != 0:
		s.checkHistory(side, histACK, 'A')
	}
}

// updateStateMachine moves the sending side's state, and sometimes its
// peer's (Zeek's UpdateStateMachine and the Update*State functions).
func (s *State) updateStateMachine(side int, seq uint32, length int, isOrig bool, flags uint8) {
	e, peer := &s.ep[side], &s.ep[1-side]
	syn, fin, rst, ackf := flags&flagSYN != 0, flags&flagFIN != 0, flags&flagRST != 0, flags&flagACK != 0
	switch e.state {
	case Inactive:
		s.updateInactive(side, seq, length, isOrig, flags)
	case SynSent, SynAckSent:
		if fin {
			e.setState(Closed)
		}
		if rst {
			e.setState(Reset)
		}
	case Established, Partial:
		if syn && e.state == Partial && peer.state == Inactive && !ackf {
			e.setState(SynSent) // a SYN after a partial start
		}
		if fin && !rst {
			e.setState(Closed)
			if peer.state == Reset && peer.prevState == Closed {
				// The peer's FIN then RST was a normal close after all.
				peer.setState(Closed)
			}
		}
		if rst {
			e.setState(Reset)
		}
	case Closed:
		// After both FINs a RST changes nothing: the connection had closed.
		if rst && peer.state != Closed {
			e.setState(Reset)
		}
	case Reset:
		// Nothing moves a reset endpoint.
	}
}

// updateInactive handles the first packet that moves a side out of
// INACTIVE (Zeek's UpdateInactiveState).
func (s *State) updateInactive(side int, seq uint32, length int, isOrig bool, flags uint8) {
	e, peer := &s.ep[side], &s.ep[1-side]
	syn, fin, rst, ackf := flags&flagSYN != 0, flags&flagFIN != 0, flags&flagRST != 0, flags&flagACK != 0
	if syn {
		switch {
		case isOrig && ackf:
			e.setState(SynAckSent) // the originator sent a SYN-ACK
		case isOrig:
			e.setState(SynSent)
		default:
			if !ackf && peer.state == SynAckSent && seq == uint32(e.startSeq) {
				// The SYN-ACK was captured before its SYN (two interfaces,
				// interrupt coalescing): flip and call it established.
				s.partial = false
				s.flipRoles()
				peer.setState(Established)
				s.firstSeen |= seenOrig
			}
			if peer.state == SynSent {
				peer.setState(Established)
			}
			e.setState(Established)
		}
	}
	if fin {
		e.setState(Closed)
	}
	if rst {
		e.setState(Reset)
	}
	if e.state != Inactive {
		return
	}
	// No flag moved it.
	switch {
	case !isOrig && length == 0 && s.ep[s.origSide].state == SynSent:
		// Some stacks ack a SYN before answering it: not a partial
		// connection yet.
	case ackf && peer.state == Established:
		// The SYN was missed but the SYN-ACK seen: call it established.
		e.setState(Established)
		s.partial = false
		if isOrig {
			s.firstSeen |= seenOrig
		} else {
			s.firstSeen |= seenResp
		}
	default:
		e.setState(Partial)
	}
}
