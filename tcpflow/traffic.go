package tcpflow

// Traffic holds the facts of one direction that only a side sending more
// than a handshake has: zero windows, keepalives, round trips, pace,
// pauses, path MTU, retransmission runs. A connection that is only a SYN
// (a flood, a scan, an unanswered or refused attempt) is most of what a
// capture can hold in numbers, so these live apart from Half and are made
// on the first packet that records one of them: afterwards recording
// allocates nothing.
type Traffic struct {
	// Window facts. ZeroWinFirst/ZeroWinLast are the first and last packet
	// advertising a zero window; WinReopen the first non-zero window after
	// the last zero one.
	ZeroWinFirst, ZeroWinLast, WinReopen Ref
	// ZeroWinSince is the first packet of this side's latest run of zero
	// windows; ZeroWinProbes counts the peer's window probes during that
	// run (0- or 1-byte segments sent while the window was shut) and
	// ZeroWinProbeLast is the last of them.
	ZeroWinSince     Ref
	ZeroWinProbes    int64
	ZeroWinProbeLast Ref
	// MaxInFlight is the most bytes this side had sent but the peer had not
	// acknowledged; WinLimited counts segments sent while that filled at
	// least 90 % of the window the peer last advertised (scaled when
	// scaling is in effect): the sender was waiting for the window.
	MaxInFlight int64
	WinLimited  int64
	// Keepalives counts probes: a 0- or 1-byte segment one below the next
	// sequence number after an idle time (RFC 1122 4.2.3.6).
	Keepalives    int64
	LastKeepalive Ref
	// AckRTT* time this side's new data from passing the capture point to
	// the peer's ACK of it passing back: the round trip between the
	// capture point and the peer, plus the peer's ACK delay. One segment
	// is timed at a time and none across a retransmission (Karn).
	AckRTTMin, AckRTTMax, AckRTTSum int64 // nanoseconds
	AckRTTSamples                   int64
	rttSeq                          uint32
	rttTS                           int64
	rttTiming                       bool
	// Sent is how this side's new payload bytes spread over time.
	Sent RateSeries
	// AppWait sums the pauses in which this side, after its first payload,
	// had everything it sent acknowledged and the peer's window open, and
	// sent nothing new for longer than a round trip (the handshake's, or
	// 10 ms when it was not captured) until the pause ended with new data;
	// AppWaits counts
	// them and AppWaitMax is the longest. A sender held back by the
	// network or the window keeps data in flight; one paced by its
	// application (a rate cap, a slow disk, a request to wait for) lets
	// the pipe run dry.
	AppWait     int64 // nanoseconds
	AppWaits    int64
	AppWaitMax  int64
	pipeEmptyTS int64
	pipeEmpty   bool
	// PMTU holds the path-MTU facts of this side's packets: ICMP
	// fragmentation-needed / packet-too-big quoting them, segment sizes
	// before and after, the largest segment acknowledged.
	PMTU PathMTU
	// Loss and reset facts (loss.go): this side's latest run of
	// retransmissions of one segment and its first packet with payload or
	// a SYN after its own first RST (a stack that reset a connection sends
	// nothing more on it).
	RetransRun  RetransRun
	AfterRST    Seg
	rtoSince    Ref // when the retransmission timer last started (see RetransRun.Since)
	rtoSinceAck bool
	// Sequence ranges not (yet) seen below HighSeq (holes.go);
	// HolesOverflow counts holes that did not fit: later fills count as
	// retransmissions.
	holes         [4]seqRange
	nHoles        int
	HolesOverflow int64
}

// noTraffic is what Half.Traffic returns for a side without traffic facts.
// Nothing writes to it: the tracker writes through Half.traffic only.
var noTraffic Traffic

// Traffic returns the side's traffic facts: all zero (never nil) when it
// sent nothing that records one. The result is read-only.
func (h *Half) Traffic() *Traffic {
	if h.tr == nil {
		return &noTraffic
	}
	return h.tr
}

// traffic returns the side's traffic facts for writing, making them on
// first use.
func (h *Half) traffic() *Traffic {
	if h.tr == nil {
		h.tr = &Traffic{}
	}
	return h.tr
}
