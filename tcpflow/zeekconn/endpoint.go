package zeekconn

// EndpointState is Zeek's TCP endpoint state; the values are Zeek's own
// (c$orig$state prints them as numbers).
type EndpointState uint8

const (
	Inactive    EndpointState = iota // nothing seen from this side
	SynSent                          // SYN seen, not yet answered
	SynAckSent                       // SYN-ACK seen, no SYN from this side
	Partial                          // data or ACK seen without a SYN
	Established                      // handshake seen (also implied by a SYN-ACK reply)
	Closed                           // FIN seen
	Reset                            // RST seen
)

var endpointStateNames = [...]string{
	Inactive:    "TCP_INACTIVE",
	SynSent:     "TCP_SYN_SENT",
	SynAckSent:  "TCP_SYN_ACK_SENT",
	Partial:     "TCP_PARTIAL",
	Established: "TCP_ESTABLISHED",
	Closed:      "TCP_CLOSED",
	Reset:       "TCP_RESET",
}

// String returns Zeek's script-level name, e.g. "TCP_ESTABLISHED".
func (st EndpointState) String() string {
	if int(st) < len(endpointStateNames) {
		return endpointStateNames[st]
	}
	return "TCP_UNKNOWN"
}

// endpoint is one side's TCP bookkeeping, field for field what Zeek's
// TCP_Endpoint keeps for the state machine, sizes and history letters.
type endpoint struct {
	state, prevState EndpointState

	// Sequence space. startSeq is the ISN (or one below the first sequence
	// seen, for a side first seen mid-stream); lastSeq is one past the
	// highest sequence sent; ackSeq is how far the peer has acknowledged
	// this side's data. The wrap counters extend them to 64 bits.
	startSeq           int64
	lastSeq, ackSeq    uint32
	seqWraps, ackWraps uint32

	// Sequence numbers of the last SYN, FIN and RST, relative to startSeq:
	// Zeek repeats s, h, f, r only for a different one.
	histLastSYN, histLastFIN, histLastRST uint64

	finCount, rstCount uint32
	finSeq             uint64 // relative sequence just past the FIN

	rxmit, gaps, zeroWin scaledCounter // 't', 'g', 'w'

	seg segments // what Zeek's reassembler would hold for this side

	packets, ipBytes uint64
}

func (e *endpoint) setState(st EndpointState) {
	if st != e.state {
		e.prevState = e.state
		e.state = st
	}
}

// initSeqs restarts the sequence space at seq, as Zeek does on a SYN.
func (e *endpoint) initSeqs(start, last uint32) {
	e.startSeq = int64(start)
	e.ackSeq = start
	e.lastSeq = last
}

func (e *endpoint) updateLastSeq(seq uint32) {
	if seq < e.lastSeq {
		e.seqWraps++
	}
	e.lastSeq = seq
}

func (e *endpoint) updateAckSeq(seq uint32) {
	if seq < e.ackSeq {
		e.ackWraps++
	}
	e.ackSeq = seq
}

// relative maps a 32-bit sequence number with a wrap count into this
// side's 64-bit relative sequence space.
func (e *endpoint) relative(seq, wraps uint32) uint64 {
	return uint64(wraps)<<32 + uint64(seq) - uint64(e.startSeq)
}

// noDataAcked: none of this side's data has been acknowledged (allowing
// for the SYN's octet).
func (e *endpoint) noDataAcked() bool {
	ack := uint64(e.ackWraps)<<32 + uint64(e.ackSeq)
	start := uint64(e.startSeq)
	return ack == start || ack == start+1
}

// size is Zeek's TCP_Endpoint::Size, logged as orig_bytes/resp_bytes: the
// span of sequence space used or acknowledged, less the SYN and FIN octets.
func (e *endpoint) size(peer *endpoint) uint64 {
	if e.prevState == SynSent && e.state == Reset && peer.state == Inactive && !e.noDataAcked() {
		// A half-open connection found and aborted: its sequence numbers
		// say nothing about data.
		return 0
	}
	last := uint64(e.seqWraps)<<32 + uint64(e.lastSeq)
	ack := uint64(e.ackWraps)<<32 + uint64(e.ackSeq)
	size := max(last, ack) - uint64(e.startSeq)
	if size != 0 {
		size-- // the SYN octet (faked for a side seen mid-stream)
	}
	if e.finCount > 0 && size != 0 {
		size-- // the FIN octet
	}
	return size
}

// clean: Zeek reports content gaps only between endpoints that are
// established or closing after being established.
func (e *endpoint) clean() bool {
	return e.state == Established || (e.state == Closed && e.prevState == Established)
}

// scaledCounter records a letter the 1st, 10th, 100th … time an event
// happens (Zeek's ScaledHistoryEntry). The zero value starts at 1.
type scaledCounter struct {
	count, threshold uint32
}

// hit counts one event and reports whether it crossed the next threshold.
func (c *scaledCounter) hit() bool {
	if c.threshold == 0 {
		c.threshold = 1
	}
	c.count++
	if c.count != c.threshold {
		return false
	}
	if next := c.threshold * 10; next > c.threshold {
		c.threshold = next
	} else {
		c.count = 0 // the threshold would wrap: count again up to the same one
	}
	return true
}
