// Package tcpflow decodes packets and tracks TCP connections. It records
// facts where they are seen (frame numbers, capture time, TTL, IP ID, flags,
// windows, options, retransmissions, gaps, resets, ICMP errors quoting a
// connection) and judges nothing: deciding what the facts mean is classify's
// job.
//
// How a packet becomes facts: Tracker.Packet (tracker.go) finds or opens
// the packet's Conn, and record (record.go) runs one step per group of
// facts, in the order they depend on each other: counts and duplicates,
// path (TTL, IP ID, idle time), handshake and options, sequence and
// retransmission, ACK and round trip, window, FIN and RST, loss
// (loss.go), then the packet trace kept for drawing (trace.go), the
// segment log and reassembly (stream.go). record.go
// reads top to bottom in that order; the arithmetic the steps share lives
// beside the facts it fills: holes.go (sequence holes), pace.go (rate,
// round trips, pauses, window probes), pmtu.go (path MTU), hops.go (TTLs),
// traffic.go (the facts only a side that sent data has). tracker.go
// keeps the connection table and its expiry.
package tcpflow

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow/zeekconn"
)

// Dir is the direction of a segment within a connection.
type Dir uint8

const (
	// FromClient is the direction of the connection's originator (the host
	// that sent the first SYN, or, for a connection picked up mid-stream, the
	// side with the higher port when no SYN was seen).
	FromClient Dir = 0
	// FromServer is the responder's direction.
	FromServer Dir = 1
)

// Other returns the opposite direction.
func (d Dir) Other() Dir { return d ^ 1 }

func (d Dir) String() string {
	if d == FromClient {
		return "client"
	}
	return "server"
}

// Ref names one packet: its input file (0-based index into the inputs), its
// 1-based frame number within that file (the number Wireshark shows) and its
// capture time in Unix nanoseconds.
type Ref struct {
	Input int
	Frame int64
	TS    int64
}

// Time returns the capture time as a time.Time in UTC.
func (r Ref) Time() time.Time { return time.Unix(0, r.TS).UTC() }

// IsZero reports whether r names no packet.
func (r Ref) IsZero() bool { return r.Frame == 0 }

// Before reports whether r comes before o in the capture: by capture time,
// then input file, then frame. Every package orders packets this one way.
func (r Ref) Before(o Ref) bool { return r.Compare(o) < 0 }

// Compare orders r and o as Before does: -1 when r comes first, +1 when o
// does, 0 for the same packet. For sorting.
func (r Ref) Compare(o Ref) int {
	switch {
	case r.TS != o.TS:
		return cmp.Compare(r.TS, o.TS)
	case r.Input != o.Input:
		return cmp.Compare(r.Input, o.Input)
	}
	return cmp.Compare(r.Frame, o.Frame)
}

// WScale values with special meaning.
const (
	// WScaleNone: the SYN was seen and carried no window-scale option.
	WScaleNone int8 = -1
	// WScaleUnknown: the SYN was not captured, so nobody can tell.
	WScaleUnknown int8 = -2
)

// CloseReason says why the tracker stopped tracking a connection.
type CloseReason uint8

const (
	// ClosedFIN: both sides sent FIN (and the last one was acknowledged or
	// the linger time passed).
	ClosedFIN CloseReason = iota + 1
	// ClosedRST: a reset ended the connection.
	ClosedRST
	// ClosedIdle: no packet for the idle timeout (on capture time).
	ClosedIdle
	// ClosedEvicted: the connection table was full and this was the oldest
	// idle connection.
	ClosedEvicted
	// ClosedEOF: the capture ended while the connection was open.
	ClosedEOF
	// ClosedReused: a new SYN on the same 4-tuple started a new connection.
	ClosedReused
)

func (r CloseReason) String() string {
	switch r {
	case ClosedFIN:
		return "fin"
	case ClosedRST:
		return "rst"
	case ClosedIdle:
		return "idle"
	case ClosedEvicted:
		return "evicted"
	case ClosedEOF:
		return "end-of-capture"
	case ClosedReused:
		return "port-reused"
	}
	return "open"
}

// TCP flag bits as they sit in the header's 13th byte (plus ECE/CWR).
const (
	FlagFIN uint8 = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
	FlagECE
	FlagCWR
)

// Seg is one event in a connection's short packet log: the facts of a
// packet that matters for a verdict (handshake, FIN, RST, retransmission,
// zero window). The log is capped per connection (see Options.MaxSegLog);
// the cap is counted in Conn.SegLogDropped.
type Seg struct {
	Ref
	Dir     Dir
	Flags   uint8
	Seq     uint32
	Ack     uint32
	Len     int    // TCP payload length
	Win     uint16 // raw advertised window (unscaled)
	TTL     uint8  // IPv4 TTL or IPv6 hop limit
	IPID    uint16 // IPv4 identification (0 for IPv6)
	DF      bool   // IPv4 don't-fragment bit
	Retrans bool   // payload or SYN/FIN already seen before
}

// Half holds the facts of one direction of a connection.
type Half struct {
	Packets int64 // packets sent in this direction
	Bytes   int64 // TCP payload bytes, retransmissions included
	IPBytes int64 // IP bytes (header + payload), as Zeek's *_ip_bytes

	// Sequence space. ISN is valid when SawSYN; otherwise Base is the first
	// sequence number seen and sequence-derived counts start there.
	SawSYN bool
	// seqValid: Base and HighSeq hold a value. It sits beside SawSYN, in
	// what would be padding, which leaves room for host.
	seqValid bool
	ISN      uint32
	Base     uint32 // ISN+1 after a SYN, else the first seq seen
	HighSeq  uint32 // highest seq+len of a segment with payload (FIN excluded)
	span     int64  // HighSeq - Base, unwrapped (see advanceHigh)

	SYN      Ref // first SYN (or SYN-ACK) from this side
	SYNCount int // SYNs sent, retransmissions included
	FIN      Ref // first FIN from this side
	RST      Ref // first RST from this side
	RSTCount int

	MSS      uint16 // MSS option from the SYN; 0 when absent or unseen
	WScale   int8   // shift from the SYN; WScaleNone or WScaleUnknown
	SACKPerm bool

	// Hop facts: the TTL/hop limit of the first packet and the range seen
	// (resets included), and the TTLs of every packet except resets, so a
	// reset can be compared with the sender's other packets.
	TTLFirst, TTLMin, TTLMax uint8
	TTL                      TTLStats
	// host is the sender's entry in the tracker's HostTable, kept once it
	// has one so that each packet need not look it up again. It takes no
	// room: Conn (two Halves) must stay within its allocation size class
	// (2,304 bytes, the allocator's 8-byte header included), and
	// TestConnSizeClass checks it does.
	host   *TTLStats
	DFSeen int64 // packets with the DF bit
	// IP ID facts of the non-reset IPv4 packets: the last value, and how
	// many consecutive pairs increased by a small step (a per-connection or
	// global counter) or were zero (Linux with DF set on some paths).
	IPIDLast     uint16
	IPIDSamples  int64
	IPIDSteps    int64 // consecutive pairs with 0 < next-prev < 1024
	IPIDZero     int64
	ipidPrev     uint16
	ipidHavePrev bool

	// MaxIdle is the longest time between two packets from this side, and
	// MaxIdleEnd the packet that ended it.
	MaxIdle    int64
	MaxIdleEnd Ref
	lastTS     int64
	// LastSent is this side's last packet other than a RST (loss.go).
	LastSent Ref
	// tr holds the facts of a side that sent more than a handshake (zero
	// windows, keepalives, round trips, pace, pauses, path MTU,
	// retransmission runs, sequence holes: see Traffic); nil until it
	// did, so a SYN-only connection stays small. Read them with Traffic.
	tr *Traffic
	// Duplicates counts IPv4 packets identical in IP ID, sequence number,
	// ack, length and flags to one of the last few from the same side: the
	// capture saw one packet twice (two interfaces, a bridge, a SPAN of both
	// ports; the copies may differ in TTL when seen on both sides of a
	// router). A real retransmission carries a new IP ID on today's
	// stacks.
	Duplicates int64
	// Oversized counts segments whose payload exceeds the MSS the peer
	// announced: the capture was taken above segmentation offload (TSO/GRO)
	// on the sending or receiving host, so segment sizes are not what
	// crossed the wire.
	Oversized int64
	recent    [4]dupKey // the last packets, for Duplicates
	nRecent   int

	Retransmits  int64 // segments whose payload was already seen
	RetransBytes int64
	OutOfOrder   int64 // segments that arrived before a lower missing one
	CaptureLoss  int64 // bytes the peer acknowledged that the capture never had
	ZeroWindows  int64 // packets advertising a zero window
	LastWin      uint16
	MaxWin       uint16 // largest raw window advertised after the SYN (no RST)
	MaxSegSize   int    // largest payload seen in one segment
	finSeq       uint32
	FirstData    Ref    // first packet with payload
	LastData     Ref    // last packet with payload
	AckedHigh    uint32 // highest ack this side sent
	ackValid     bool
}

// ICMPError is an ICMP or ICMPv6 error that quotes a packet of the
// connection.
type ICMPError struct {
	Ref
	From     netip.Addr // the ICMP packet's source: a router or the endpoint
	V6       bool
	Type     uint8
	Code     uint8
	MTU      int // next-hop MTU of fragmentation-needed / packet-too-big, else 0
	TTL      uint8
	QuotedBy Dir // direction of the quoted packet (who sent what bounced)
	// QuotedSeq is the TCP sequence number of the quoted segment.
	QuotedSeq uint32
	HasSeq    bool
	// QuotedLen is the IP length of the packet that bounced, as its quoted
	// header states it.
	QuotedLen int
}

// Conn is one TCP connection. The tracker owns it; a Handler may keep a
// pointer after Closed, but must not change it.
type Conn struct {
	ID     uint64 // 1-based, in order of first packet
	Client netip.AddrPort
	Server netip.AddrPort

	First Ref // first packet
	Last  Ref // last packet

	// Midstream: the capture began after the handshake, so the window
	// scale and initial sequence numbers are unknown.
	Midstream bool
	Half      [2]Half

	// Log is a short log of the packets that matter for verdicts: the
	// first packets, every SYN/FIN/RST, retransmissions, zero windows and
	// the last packets. See Options.MaxSegLog.
	Log           []Seg
	SegLogDropped int

	// SynAck is the server's first SYN-ACK; HandshakeAck the client's ACK
	// of it (the third packet of the handshake).
	SynAck, HandshakeAck Ref

	// The connection's last packets, which LastSegs returns in order: the
	// only one in tailOne until there is a second, then a ring made then,
	// so a one-packet connection (a SYN of a flood, a stray reset) does
	// not carry the ring.
	tailOne Seg
	tail    *[tailSize]Seg
	tailN   int

	ICMP        []ICMPError
	ICMPDropped int
	Closed      CloseReason

	ending CloseReason // first terminal event seen (RST, both FINs)
	endAt  int64
	list   uint8 // the tracker's expiry list holding it
	// tailSettled: the connection closed and tail is in order (settleTail).
	tailSettled bool
	// known caches KnownSegs once the connection is closed.
	known     []Seg
	knownFrom Ref

	zeek zeekconn.State

	// Reassemble asks the tracker to deliver this connection's payload in
	// order through Handler.Data. Set it in Handler.Opened or return true
	// from Handler.Sniff.
	Reassemble bool
	streams    [2]stream

	// User is the handler's per-connection state.
	User any

	// trace is the packets kept for drawing (trace.go): nil unless the
	// tracker runs with Options.Trace. One pointer, so that Conn stays in
	// its size class (TestConnSizeClass).
	trace *connTrace

	idleNext, idlePrev *Conn // expiry list, oldest first
}

// Duration is the time between the first and last packet.
func (c *Conn) Duration() time.Duration { return time.Duration(c.Last.TS - c.First.TS) }

// Handler receives the tracker's events, in capture order, on one goroutine.
// Slices passed to a Handler are only valid during the call: copy what you
// keep.
type Handler interface {
	// Opened is called on a connection's first packet, before the packet's
	// facts are recorded.
	Opened(c *Conn)
	// Sniff is called with the first payload of each direction of a
	// connection that does not have Reassemble set. Returning true turns
	// reassembly on from this segment on (this payload is delivered).
	Sniff(c *Conn, dir Dir, payload []byte) bool
	// Data delivers in-order payload of a reassembled direction; at is the
	// packet that carried it.
	Data(c *Conn, dir Dir, data []byte, at Ref)
	// Gap says n bytes of a reassembled direction never appeared in the
	// capture; delivery resumes after them.
	Gap(c *Conn, dir Dir, n int64, at Ref)
	// Closed is called once when the tracker forgets the connection.
	Closed(c *Conn)
}

// SeqBytes returns how many payload bytes of sequence space this side
// covered as far as the capture shows (highest sequence number seen with
// payload minus the first one), counting each byte once whatever the
// retransmissions and including bytes the capture missed. For a data
// connection this is the size of the transfer.
func (h *Half) SeqBytes() int64 {
	if !h.seqValid {
		return 0
	}
	n := h.span
	if !h.FIN.IsZero() && seqLT(h.HighSeq, h.finSeq) {
		n += seqDiff(h.HighSeq, h.finSeq) // the segments before the FIN were all sent
	}
	return n
}

// tailSize is how many of a connection's last packets it keeps.
const tailSize = 8

// LastSegs returns the connection's last packets (up to 8), oldest first.
// Once the connection is closed the slice is shared: read only.
func (c *Conn) LastSegs() []Seg {
	if c.tailSettled {
		n := min(c.tailN, tailSize)
		return c.tail[:n:n]
	}
	if c.tail == nil {
		if c.tailN == 0 {
			return []Seg{}
		}
		return []Seg{c.tailOne}
	}
	n := min(c.tailN, tailSize)
	out := make([]Seg, 0, n)
	for i := c.tailN - n; i < c.tailN; i++ {
		out = append(out, c.tail[i%tailSize])
	}
	return out
}

// settleTail puts the ring of last packets in order, oldest first, when
// the connection closes, so that LastSegs need not copy it for every rule
// that asks.
func (c *Conn) settleTail() {
	if c.tail == nil || c.tailSettled {
		return
	}
	n := min(c.tailN, tailSize)
	var ordered [tailSize]Seg
	for i := range n {
		ordered[i] = c.tail[(c.tailN-n+i)%tailSize]
	}
	*c.tail = ordered
	c.tailSettled = true
}

// KnownSegs returns the packets of the connection the tracker kept (its
// log and its last packets) in capture order, and the first packet from
// which every packet is among them (zero: all are). Once the connection
// is closed it is worked out once and shared: read only.
func (c *Conn) KnownSegs() ([]Seg, Ref) {
	if c.known != nil {
		return c.known, c.knownFrom
	}
	segs, from := c.knownSegs()
	if c.Closed != 0 {
		c.known, c.knownFrom = segs, from
	}
	return segs, from
}

func (c *Conn) knownSegs() ([]Seg, Ref) {
	total := c.Half[0].Packets + c.Half[1].Packets
	if int64(len(c.Log)) >= total && slices.IsSortedFunc(c.Log, compareSegs) {
		// Every packet was logged (short connections, each SYN of a
		// flood): the tail holds nothing the log does not.
		return c.Log, Ref{}
	}
	tail := c.LastSegs()
	segs := append(slices.Clone(c.Log), tail...)
	slices.SortStableFunc(segs, compareSegs)
	segs = slices.CompactFunc(segs, func(a, b Seg) bool { return a.Ref == b.Ref })
	if int64(len(segs)) >= total || len(tail) == 0 {
		return segs, Ref{}
	}
	return segs, tail[0].Ref
}

func compareSegs(a, b Seg) int { return a.Ref.Compare(b.Ref) }

// addTail keeps seg as the connection's latest packet.
func (c *Conn) addTail(seg Seg) {
	switch {
	case c.tailN == 0:
		c.tailOne = seg
	case c.tail == nil:
		c.tail = &[tailSize]Seg{c.tailOne}
		fallthrough
	default:
		c.tail[c.tailN%tailSize] = seg
	}
	c.tailN++
}

// Ending returns the first terminal event seen (ClosedRST or ClosedFIN) and
// its capture time, or 0 while the connection looked open.
func (c *Conn) Ending() (CloseReason, int64) { return c.ending, c.endAt }

// WindowScaling tells whether RFC 7323 window scaling is in effect: both
// SYNs must carry the option. It returns the shifts and one of "on", "off"
// (a SYN was seen without the option) or "unknown" (a SYN was not
// captured).
func (c *Conn) WindowScaling() (client, server int8, state string) {
	client, server = c.Half[FromClient].WScale, c.Half[FromServer].WScale
	switch {
	case client == WScaleNone || server == WScaleNone:
		return client, server, "off"
	case client == WScaleUnknown || server == WScaleUnknown:
		return client, server, "unknown"
	}
	return client, server, "on"
}

// History returns Zeek's history letters for the connection.
func (c *Conn) History() string { return c.zeek.History() }

// ConnState returns Zeek's conn_state for the connection.
func (c *Conn) ConnState() string { return c.zeek.ConnState() }

// dirOf returns the direction of packets sent by ep.
func (c *Conn) dirOf(ep netip.AddrPort) Dir {
	if ep == c.Client {
		return FromClient
	}
	return FromServer
}

// dupKey identifies a packet for duplicate detection: only IPv4 packets
// are compared, whose payload length fits in 16 bits; ordered to pack into
// 16 bytes, as every connection keeps four per side.
type dupKey struct {
	seq, ack uint32
	ipid     uint16
	len      uint16
	flags    uint8
	valid    bool
}
