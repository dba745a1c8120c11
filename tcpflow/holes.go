package tcpflow

// seqRange is a half-open range [start, end) of sequence numbers.
type seqRange struct{ start, end uint32 }

// addHole records bytes skipped over by a segment that arrived beyond the
// highest sequence seen.
func (h *Half) addHole(start, end uint32) {
	t := h.traffic()
	if t.nHoles == len(t.holes) {
		// Forget the oldest hole: if it is filled later that counts as a
		// retransmission, which on a capture this lossy is the likelier
		// explanation anyway.
		copy(t.holes[:], t.holes[1:])
		t.nHoles--
		t.HolesOverflow++
	}
	t.holes[t.nHoles] = seqRange{start, end}
	t.nHoles++
}

// fillHole removes [start, end) from the holes and reports whether the
// segment lay entirely inside one (first sighting of those bytes).
func (h *Half) fillHole(start, end uint32) bool {
	t := h.tr
	if t == nil {
		return false // no payload yet, so no holes
	}
	for i := 0; i < t.nHoles; i++ {
		r := t.holes[i]
		if seqLT(start, r.start) || seqLT(r.end, end) {
			continue
		}
		switch {
		case start == r.start && end == r.end:
			copy(t.holes[i:], t.holes[i+1:t.nHoles])
			t.nHoles--
		case start == r.start:
			t.holes[i].start = end
		case end == r.end:
			t.holes[i].end = start
		default:
			// Split in two; if there is no room keep the larger part.
			left, right := seqRange{r.start, start}, seqRange{end, r.end}
			t.holes[i] = left
			if t.nHoles < len(t.holes) {
				copy(t.holes[i+2:], t.holes[i+1:t.nHoles])
				t.holes[i+1] = right
				t.nHoles++
			} else {
				t.HolesOverflow++
				if seqDiff(right.start, right.end) > seqDiff(left.start, left.end) {
					t.holes[i] = right
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
	t := h.tr
	if t == nil {
		return
	}
	j := 0
	for i := 0; i < t.nHoles; i++ {
		r := t.holes[i]
		switch {
		case !seqLT(ack, r.end): // fully acked
			h.CaptureLoss += seqDiff(r.start, r.end)
		case seqLT(r.start, ack): // partly
			h.CaptureLoss += seqDiff(r.start, ack)
			t.holes[j] = seqRange{ack, r.end}
			j++
		default:
			t.holes[j] = r
			j++
		}
	}
	t.nHoles = j
}
