package tcpflow

// seqRange is a half-open range [start, end) of sequence numbers.
type seqRange struct{ start, end uint32 }

// addHole records bytes skipped over by a segment that arrived beyond the
// highest sequence seen.
func (h *Half) addHole(start, end uint32) {
	if h.nHoles == len(h.holes) {
		// Forget the oldest hole: if it is filled later that counts as a
		// retransmission, which on a capture this lossy is the likelier
		// explanation anyway.
		copy(h.holes[:], h.holes[1:])
		h.nHoles--
		h.HolesOverflow++
	}
	h.holes[h.nHoles] = seqRange{start, end}
	h.nHoles++
}

// fillHole removes [start, end) from the holes and reports whether the
// segment lay entirely inside one (first sighting of those bytes).
func (h *Half) fillHole(start, end uint32) bool {
	for i := 0; i < h.nHoles; i++ {
		r := h.holes[i]
		if seqLT(start, r.start) || seqLT(r.end, end) {
			continue
		}
		switch {
		case start == r.start && end == r.end:
			copy(h.holes[i:], h.holes[i+1:h.nHoles])
			h.nHoles--
		case start == r.start:
			h.holes[i].start = end
		case end == r.end:
			h.holes[i].end = start
		default:
			// Split in two; if there is no room keep the larger part.
			left, right := seqRange{r.start, start}, seqRange{end, r.end}
			h.holes[i] = left
			if h.nHoles < len(h.holes) {
				copy(h.holes[i+2:], h.holes[i+1:h.nHoles])
				h.holes[i+1] = right
				h.nHoles++
			} else {
				h.HolesOverflow++
				if seqDiff(right.start, right.end) > seqDiff(left.start, left.end) {
					h.holes[i] = right
				}
			}
		}
		return true
	}
	return false
}

// ackHoles: the peer acknowledged up to ack, so every hole below it was
// sent and delivered but never captured: capture loss, not network loss.
func (h *Half) ackHoles(ack uint32) {
	j := 0
	for i := 0; i < h.nHoles; i++ {
		r := h.holes[i]
		switch {
		case !seqLT(ack, r.end): // fully acked
			h.CaptureLoss += seqDiff(r.start, r.end)
		case seqLT(r.start, ack): // partly
			h.CaptureLoss += seqDiff(r.start, ack)
			h.holes[j] = seqRange{ack, r.end}
			j++
		default:
			h.holes[j] = r
			j++
		}
	}
	h.nHoles = j
}
