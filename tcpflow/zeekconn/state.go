// Package zeekconn computes Zeek's conn_state and history for a connection
// from the packets the tracker sees, by Zeek's published definitions and the
// behaviour of its TCP analyzer (TCPSessionAdapter, TCP_Endpoint and
// TCP_Reassembler), so users can check ftpcap against the conn.log they
// already trust.
//
// State mirrors Zeek per packet: the endpoint state machine (INACTIVE,
// SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET), the
// sequence bookkeeping behind orig_bytes/resp_bytes, retransmissions, zero
// windows, and the content gaps Zeek's reassembler reports when a peer
// acknowledges data that was never seen. It keeps no payload: a gap needs
// only which sequence ranges arrived, held in a small fixed table.
//
// Zeek names the two sides originator and responder and may change its mind
// (it "flips" a connection and writes '^'). ftpcap names them client and
// server once, on the first packet. State follows Zeek's roles internally;
// OrigIsClient says whether they ended up agreeing with ftpcap's.
//
// What State does not decide, because it sees one connection only: where
// Zeek starts a new one for the same 4-tuple. Zeek does so for a SYN (or,
// before the originator has sent anything, a SYN-ACK) whose sequence
// number is not the originator's ISN, and for any packet after it removed
// the connection on a timer (an unanswered SYN after tcp_attempt_delay,
// 5 s; a closed or reset connection tcp_close_delay, 5 s, after its last
// packet; an idle one after tcp_inactivity_timeout, 5 min). Two letters
// never appear: 'c' needs checksum verification and 'x' Zeek's analyzer
// limits, neither of them a fact State is given.
package zeekconn

// TCP flag bits, as Observe takes them.
const (
	flagFIN = 1 << iota
	flagSYN
	flagRST
	flagPSH
	flagACK
	flagURG
	flagECE
	flagCWR
)

// Sides, in ftpcap's orientation: the index into State.ep.
const (
	clientSide = 0
	serverSide = 1
)

// Zeek's first_packet_seen bits, by role.
const (
	seenOrig = 1
	seenResp = 2
)

// State follows one connection the way Zeek's TCP analyzer does. The zero
// value is ready to use. It has a fixed size and no pointers, so it can be
// embedded by value; Observe never allocates.
type State struct {
	ep   [2]endpoint // clientSide, serverSide
	hist history

	origSide  uint8  // the side Zeek currently calls the originator
	histSeen  uint32 // Zeek's hist_seen: once-only letters, orig bits low, resp bits <<16
	firstSeen uint8  // Zeek's first_packet_seen (seenOrig|seenResp), by role
	partial   bool   // Zeek's is_partial: the connection did not start with a SYN
	started   bool   // the first packet has been observed

	flipHint     bool // Flip: ftpcap's client did not send the first packet
	likelyServer bool // LikelyServerPort: the server's port is one of Zeek's likely_server_ports

	missed uint64 // conn.log missed_bytes: bytes in the content gaps Zeek reports
}

// Observe records one TCP packet whose whole payload was captured.
// fromClient is relative to ftpcap's orientation; flags uses the bits
// FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128; payloadLen is the
// TCP payload length the IP header implies; ipLen is the IP datagram length.
func (s *State) Observe(fromClient bool, flags uint8, seq, ack uint32, payloadLen int, win uint16, ipLen int) {
	s.ObserveCaptured(fromClient, flags, seq, ack, payloadLen, payloadLen, win, ipLen)
}

// ObserveCaptured is Observe for a packet the snap length may have cut:
// capturedLen is how many of the payloadLen payload bytes the capture holds.
// Zeek does not hand a truncated payload to its reassembler, so when the
// peer acknowledges it Zeek reports a content gap ('g') and missed bytes,
// exactly as if the segment had been lost.
func (s *State) ObserveCaptured(fromClient bool, flags uint8, seq, ack uint32, payloadLen, capturedLen int, win uint16, ipLen int) {
	if payloadLen < 0 {
		payloadLen = 0
	}
	side := serverSide
	if fromClient {
		side = clientSide
	}
	if !s.started {
		s.start(side, flags)
	}
	e := &s.ep[side]
	e.packets++
	if ipLen > 0 {
		e.ipBytes += uint64(ipLen)
	}
	s.process(side, flags, seq, ack, payloadLen, capturedLen >= payloadLen, win)
}

// Flip records that ftpcap's client is not the sender of the first packet
// seen. Call it before the first Observe, as the tracker does when it opens
// the connection. Zeek flips such a connection when it is created (and
// writes '^' first in its history) if it starts mid-stream; for one that
// starts with a SYN-ACK, see LikelyServerPort. A first packet that is a
// pure SYN is never flipped by Zeek, so Flip then changes nothing.
//
// Called after the first Observe, Flip swaps the roles at that point, the
// way Zeek's own later flips do, and writes '^' there.
func (s *State) Flip() {
	if s.started {
		s.flipRoles()
		return
	}
	s.flipHint = true
}

// LikelyServerPort records that the server's port is one of Zeek's
// likely_server_ports (the ports of its protocol analyzers, e.g. 21, but
// not an ephemeral FTP data port). It matters only for a connection whose
// first packet is a SYN-ACK: Zeek then makes the SYN-ACK's receiver the
// originator at once ("^h…"). Otherwise Zeek keeps the SYN-ACK's sender as
// originator in state SYN_ACK_SENT until the first pure ACK or data packet,
// then flips; the history reads the same, but the endpoint states, and so
// conn_state and gap reporting, differ. Call it before the first Observe.
func (s *State) LikelyServerPort() { s.likelyServer = true }

// History returns Zeek's history letters, relative to Zeek's originator
// (see OrigIsClient), at most historyCap of them (see HistoryOverflow).
func (s *State) History() string { return s.hist.String() }

// HistoryOverflow counts the history letters dropped because the history
// already held historyCap letters. Zeek's history has no cap.
func (s *State) HistoryOverflow() int { return int(s.hist.overflow) }

// OrigIsClient reports whether the side Zeek calls the originator is
// ftpcap's client. It is false when Zeek kept a different orientation, for
// example a connection that began with a SYN-ACK followed only by a RST
// (Zeek treats the SYN-ACK's sender as originator: a possible stealth scan).
func (s *State) OrigIsClient() bool { return s.origSide == clientSide }

// Endpoint is one side of the connection as Zeek's connection record and
// conn.log describe it.
type Endpoint struct {
	State   EndpointState // c$orig$state / c$resp$state
	Size    uint64        // c$orig$size, logged as orig_bytes: payload bytes by sequence numbers
	Packets uint64        // orig_pkts
	IPBytes uint64        // orig_ip_bytes
}

// Orig describes the side Zeek calls the originator.
func (s *State) Orig() Endpoint { return s.endpointInfo(s.origSide) }

// Resp describes the side Zeek calls the responder.
func (s *State) Resp() Endpoint { return s.endpointInfo(1 - s.origSide) }

func (s *State) endpointInfo(side uint8) Endpoint {
	e := &s.ep[side]
	return Endpoint{State: e.state, Size: e.size(&s.ep[1-side]), Packets: e.packets, IPBytes: e.ipBytes}
}

// MissedBytes is conn.log's missed_bytes: the bytes in content gaps, both
// directions, counted only while both endpoints are cleanly established or
// closing, as Zeek counts them.
func (s *State) MissedBytes() uint64 { return s.missed }

// SpansMerged counts the times a side held more out-of-order sequence
// ranges than the fixed table has room for, so two ranges were merged and
// the hole between them will not be reported as a gap.
func (s *State) SpansMerged() int { return int(s.ep[0].seg.merged + s.ep[1].seg.merged) }

// start sets up the roles when the first packet arrives. Zeek makes the
// sender the originator unless its WantConnection heuristic flips a
// connection that starts without a pure SYN; ftpcap's tracker tells us
// (Flip, LikelyServerPort) what that heuristic, which looks at ports,
// would have decided.
func (s *State) start(side int, flags uint8) {
	s.started = true
	s.origSide = uint8(side)
	for i := range s.ep {
		s.ep[i].seg.init()
	}
	pureSYN := flags&(flagSYN|flagACK) == flagSYN
	synAck := flags&(flagSYN|flagACK) == flagSYN|flagACK
	if s.flipHint && !pureSYN && (!synAck || s.likelyServer) {
		s.flipRoles()
	}
}
