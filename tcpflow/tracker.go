package tcpflow

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow/decode"
	"github.com/ftpcap/ftpcap/tcpflow/zeekconn"
	"github.com/gopacket/gopacket/layers"
)

// Options bound the tracker's memory and say how long state lives. All
// times are capture time.
type Options struct {
	// MaxConns caps the connection table; at the cap the connection idle
	// the longest is closed (ClosedEvicted) and counted.
	MaxConns int
	// MaxHalfOpen caps, within MaxConns, the connections not yet
	// established (a SYN, or a SYN-ACK, and nothing more), as a host's SYN
	// backlog does: a SYN flood or a port scan fills only this part of
	// the table, and at the cap the oldest half-open connection is
	// closed (ClosedEvicted) and counted, while established connections
	// keep their room.
	MaxHalfOpen int
	// ConnIdle: an established connection with no packet for this long
	// is closed (ClosedIdle). FTP control connections sit idle between
	// commands, so this is long (servers' idle timeouts are minutes).
	ConnIdle time.Duration
	// HalfOpenIdle: a connection not established (SYN only, SYN-ACK
	// only) or already closing lives this long after its last packet.
	// Every packet restarts the wait, so it need only outlast the longest
	// gap between two retransmissions of a SYN, not the whole schedule.
	HalfOpenIdle time.Duration
	// Linger: after both FINs or a RST, the connection is kept this long
	// to collect retransmissions, late ACKs and further resets.
	Linger time.Duration
	// ServerPorts orient connections picked up mid-stream: the side
	// using one of these ports is the server.
	ServerPorts []uint16
	// MaxSegLog caps Conn.Log per connection.
	MaxSegLog int
	// MaxICMP caps Conn.ICMP per connection.
	MaxICMP int
	// MaxBufferedBytes caps out-of-order bytes held per reassembled
	// direction.
	MaxBufferedBytes int
	// MaxHosts caps the host table (TTLs per address across connections).
	MaxHosts int
	// Trace keeps a bounded packet trace of each connection whose
	// handler asks (Conn.KeepTrace), for drawing (trace.go).
	Trace bool
	// MaxTracePoints caps the packets all traces hold at once; past it
	// packets are not kept and are counted (Stats.TraceDropped).
	MaxTracePoints int
	// KeepPackets keeps every packet of each connection whose handler
	// asks (Conn.KeepTrace), for correlating captures (keep.go).
	KeepPackets bool
	// MaxKeptPackets caps the packets all connections keep over the
	// run; past it packets are not kept and are counted
	// (Stats.KeptDropped).
	MaxKeptPackets int
}

// DefaultOptions are the limits ftpcap uses unless told otherwise.
func DefaultOptions() Options {
	return Options{
		// 65,536 connections at once is far beyond an FTP server's load
		// (the generated 100,000-connection capture keeps a few thousand
		// open at a time) and bounds the state of many established
		// connections to a few hundred megabytes: past the cap the
		// connection idle the longest is judged early and counted
		// (Stats.Evicted, shown in every report).
		MaxConns: 1 << 16,
		// An attempt is in flight for a round trip when answered, and
		// for its whole SYN schedule plus HalfOpenIdle (about 3 minutes)
		// when not: 8,192 at once is a server whose every data channel
		// is blocked while 45 new ones are tried each second, far beyond
		// a busy FTP server's load. It bounds a SYN flood's state to an
		// eighth of the table: 1,000,000 SYNs analyse in about 240 MB.
		MaxHalfOpen: 1 << 13,
		ConnIdle:    2 * time.Hour,
		// Linux retransmits an unanswered SYN 1, 2, 4, 8, 16 and 32 s apart
		// (tcp_syn_retries 6, giving up about 127 s after the first); a
		// raised tcp_syn_retries of 7 adds a 64 s gap, Windows waits 3, 6
		// and 12 s, a SYN-ACK is resent 1 to 16 s apart. Every packet
		// restarts the wait, so 75 s after the last packet outlasts the
		// longest of these gaps with a margin and keeps a whole schedule in
		// one connection, while a SYN flood's state is freed after a minute
		// and a quarter rather than three.
		HalfOpenIdle:     75 * time.Second,
		Linger:           10 * time.Second,
		ServerPorts:      []uint16{21},
		MaxSegLog:        64,
		MaxICMP:          32,
		MaxBufferedBytes: 1 << 20,
		MaxHosts:         1 << 16,
		MaxTracePoints:   DefaultMaxTracePoints,
		MaxKeptPackets:   DefaultMaxKeptPackets,
	}
}

// Stats counts the tracker's work and every cap it hit.
type Stats struct {
	TCPPackets int64
	Conns      int64
	Reused     int64 // new SYN on a 4-tuple whose connection had ended
	Expired    int64 // closed for idleness (ClosedIdle)
	Evicted    int64 // closed because the table was full
	// EvictedHalfOpen counts, among Evicted, the half-open connections
	// closed because MaxHalfOpen were in flight.
	EvictedHalfOpen int64
	OpenAtEnd       int64 // still open when the input ended: judged with what was seen
	ICMPMatched     int64
	ICMPUnmatched   int64
	ICMPDropped     int64 // over MaxICMP on one connection
	ICMPCut         int64 // connections that reached MaxICMP
	SegLogDropped   int64 // segments over MaxSegLog on one connection
	SegLogCut       int64 // connections that reached MaxSegLog
	// HistoryDropped counts Zeek history letters past zeekconn.MaxHistory
	// on one connection, not shown; HistoryCut the connections cut.
	HistoryDropped int64
	HistoryCut     int64
	GapBytes       int64 // control-stream bytes never captured
	SnapGapBytes   int64 // control-stream bytes cut by the snap length
	// BufferOverflows counts holes in a reassembled stream given up on
	// because more than MaxBufferedBytes waited out of order behind them.
	BufferOverflows int64
	// HostsDropped counts packets whose TTL the host table did not keep
	// because MaxHosts hosts were already in it.
	HostsDropped int64
	// TraceDropped counts packets of traced connections not kept because
	// MaxTracePoints were held at once; TracesCut the connections whose
	// trace missed some.
	TraceDropped int64
	TracesCut    int64
	// KeptDropped counts packets of connections keeping their packets
	// not kept because MaxKeptPackets were kept; KeptCut the connections
	// that missed some.
	KeptDropped int64
	KeptCut     int64
	// The limits in force, so that a report can say at what a cap was hit.
	MaxConns         int
	MaxHalfOpen      int
	MaxSegLog        int
	MaxICMP          int
	MaxBufferedBytes int
	MaxHosts         int
	MaxHistory       int
	MaxTracePoints   int
	MaxKeptPackets   int
	// PeakConns is the most connections the table held at once.
	PeakConns int
}

// Tracker follows TCP connections and feeds a Handler. It is not safe for
// concurrent use; run one per goroutine (shard by 4-tuple).
type Tracker struct {
	opts  Options
	h     Handler
	conns map[connKey]*Conn
	// Three lists ordered by last packet time, oldest first, one per
	// timeout: half-open connections (HalfOpenIdle), connections that
	// ended and linger (Linger), established ones (ConnIdle). Each stays
	// sorted because every packet moves its connection to the tail, so
	// expiry only ever looks at the heads; one list per timeout keeps a
	// short-lived entry from waiting behind a longer-lived one.
	lists      [numLists]connList
	nextID     uint64
	now        int64
	serverPort [65536 / 64]uint64
	hosts      *HostTable
	stats      Stats
	// traceMarker, with Options.Trace or KeepPackets, is what every new
	// connection's trace points at until its handler asks for one of its
	// own.
	traceMarker *connTrace
}

// Hosts returns the table of TTLs per host seen so far.
func (t *Tracker) Hosts() *HostTable { return t.hosts }

type connList struct {
	head, tail *Conn
	n          int
}

// Expiry lists (Conn.list).
const (
	listHalfOpen uint8 = iota
	listEnding
	listEstablished
	numLists
)

// orDefault replaces a zero or negative option with its default.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// NewTracker makes a tracker feeding h.
func NewTracker(opts Options, h Handler) *Tracker {
	def := DefaultOptions()
	orDefault(&opts.MaxConns, def.MaxConns)
	orDefault(&opts.MaxHalfOpen, def.MaxHalfOpen)
	orDefault(&opts.ConnIdle, def.ConnIdle)
	orDefault(&opts.HalfOpenIdle, def.HalfOpenIdle)
	orDefault(&opts.Linger, def.Linger)
	orDefault(&opts.MaxSegLog, def.MaxSegLog)
	orDefault(&opts.MaxICMP, def.MaxICMP)
	orDefault(&opts.MaxBufferedBytes, def.MaxBufferedBytes)
	orDefault(&opts.MaxHosts, def.MaxHosts)
	orDefault(&opts.MaxTracePoints, def.MaxTracePoints)
	orDefault(&opts.MaxKeptPackets, def.MaxKeptPackets)
	t := &Tracker{opts: opts, h: h, conns: make(map[connKey]*Conn), hosts: newHostTable(opts.MaxHosts)}
	for _, p := range opts.ServerPorts {
		t.serverPort[p/64] |= 1 << (p % 64)
	}
	t.stats.MaxConns = opts.MaxConns
	t.stats.MaxHalfOpen = min(opts.MaxHalfOpen, opts.MaxConns)
	t.stats.MaxSegLog, t.stats.MaxICMP = opts.MaxSegLog, opts.MaxICMP
	t.stats.MaxBufferedBytes, t.stats.MaxHosts = opts.MaxBufferedBytes, opts.MaxHosts
	t.stats.MaxHistory = zeekconn.MaxHistory
	if opts.Trace || opts.KeepPackets {
		t.traceMarker = &connTrace{}
	}
	if opts.Trace {
		t.traceMarker.budget = &traceBudget{limit: int64(opts.MaxTracePoints)}
		t.stats.MaxTracePoints = opts.MaxTracePoints
	}
	if opts.KeepPackets {
		t.traceMarker.keeps = &keepBudget{limit: int64(opts.MaxKeptPackets)}
		t.stats.MaxKeptPackets = opts.MaxKeptPackets
	}
	return t
}

// Stats returns the counters so far.
func (t *Tracker) Stats() Stats {
	s := t.stats
	s.HostsDropped = t.hosts.Dropped
	return s
}

// Open returns the number of connections being tracked.
func (t *Tracker) Open() int { return len(t.conns) }

func (t *Tracker) isServerPort(p uint16) bool { return t.serverPort[p/64]&(1<<(p%64)) != 0 }

// Packet records one TCP segment (p must be decode.KindTCP).
func (t *Tracker) Packet(p *decode.Packet, at Ref) {
	t.stats.TCPPackets++
	t.advance(at.TS)
	src := netip.AddrPortFrom(p.Src, p.SrcPort)
	dst := netip.AddrPortFrom(p.Dst, p.DstPort)
	key := makeKey(src, dst)
	c := t.conns[key]
	syn := p.Flags&(FlagSYN|FlagACK) == FlagSYN
	if c != nil && syn && c.isReuse(src, p.Seq) {
		t.stats.Reused++
		t.close(c, ClosedReused)
		c = nil
	}
	if c == nil {
		c = t.open(key, src, dst, p, at)
	}
	t.record(c, c.dirOf(src), p, at)
}

// isReuse reports whether a SYN from src starts a new connection on this
// 4-tuple rather than retransmitting the current one's.
func (c *Conn) isReuse(src netip.AddrPort, seq uint32) bool {
	if c.ending == 0 && !c.Half[0].hadFINorRST() && !c.Half[1].hadFINorRST() {
		// Still open: a SYN with another ISN from the same client is
		// odd but not a new connection until the old one ended.
		return false
	}
	if src == c.Client && c.Half[FromClient].SawSYN && c.Half[FromClient].ISN == seq {
		return false // the old SYN, retransmitted
	}
	return true
}

func (h *Half) hadFINorRST() bool { return !h.FIN.IsZero() || !h.RST.IsZero() }

// open creates the connection for a packet of a 4-tuple not in the table.
func (t *Tracker) open(key connKey, src, dst netip.AddrPort, p *decode.Packet, at Ref) *Conn {
	if p.Flags&FlagSYN != 0 && t.lists[listHalfOpen].n >= t.opts.MaxHalfOpen {
		// The new connection is half-open too: the oldest attempt makes
		// room, whatever the rest of the table holds.
		t.stats.EvictedHalfOpen++
		t.evict(t.lists[listHalfOpen].head)
	}
	if len(t.conns) >= t.opts.MaxConns {
		t.evictOne()
	}
	t.nextID++
	t.stats.Conns++
	c := &Conn{ID: t.nextID, First: at, Last: at, trace: t.traceMarker}
	client, server := src, dst
	switch {
	case p.Flags&(FlagSYN|FlagACK) == FlagSYN:
		// The SYN's sender opened the connection.
	case p.Flags&(FlagSYN|FlagACK) == FlagSYN|FlagACK:
		client, server = dst, src
	case t.isServerPort(dst.Port()) && !t.isServerPort(src.Port()):
	case t.isServerPort(src.Port()) && !t.isServerPort(dst.Port()):
		client, server = dst, src
	case src.Port() < 1024 && dst.Port() >= 1024:
		client, server = dst, src
	}
	c.Client, c.Server = client, server
	c.Midstream = p.Flags&FlagSYN == 0
	c.Half[0].WScale, c.Half[1].WScale = WScaleUnknown, WScaleUnknown
	if client != src {
		c.zeek.Flip()
	}
	if t.isServerPort(server.Port()) {
		c.zeek.LikelyServerPort()
	}
	t.conns[key] = c
	t.stats.PeakConns = max(t.stats.PeakConns, len(t.conns))
	c.list = listHalfOpen
	t.lists[listHalfOpen].pushBack(c)
	t.h.Opened(c)
	if c.Reassemble {
		c.streams[0].wanted, c.streams[1].wanted = true, true
	}
	return c
}

func (t *Tracker) reassemble(c *Conn, dir Dir, p *decode.Packet, at Ref) {
	s := &c.streams[dir]
	if s.wanted && !c.Reassemble {
		return // the handler turned reassembly off (e.g. not FTP after all)
	}
	if !s.wanted {
		if c.Reassemble {
			s.wanted = true
		} else if !s.sniffed {
			s.sniffed = true
			if t.h.Sniff(c, dir, p.Payload) {
				c.Reassemble = true
				s.wanted = true
				c.streams[dir.Other()].wanted = true
			}
		}
		if !s.wanted {
			return
		}
	}
	if !s.started {
		h := &c.Half[dir]
		if h.SawSYN && !seqLT(p.Seq, h.Base) && seqDiff(h.Base, p.Seq) < 1<<20 {
			s.start(h.Base)
		} else {
			s.start(p.Seq)
		}
	}
	t.streamSegment(c, dir, p.Seq, p.Payload, p.PayloadLen, at)
}

// updateState moves a connection between the expiry lists as it is
// established and as it ends.
func (t *Tracker) updateState(c *Conn, dir Dir, p *decode.Packet) {
	if c.ending == 0 {
		switch {
		case p.Flags&FlagRST != 0:
			c.ending = ClosedRST
		case !c.Half[0].FIN.IsZero() && !c.Half[1].FIN.IsZero():
			c.ending = ClosedFIN
		}
		if c.ending != 0 {
			c.endAt = c.Last.TS
		}
	}
	// Established: the handshake completed (or the client went on after
	// the SYN-ACK), or the capture began mid-stream, where the long
	// timeout is the only safe one.
	established := c.ending == 0 && (c.Midstream || !c.HandshakeAck.IsZero() ||
		(!c.SynAck.IsZero() && c.Half[FromClient].Packets > int64(c.Half[FromClient].SYNCount)))
	want := listHalfOpen
	switch {
	case c.ending != 0:
		want = listEnding
	case established:
		want = listEstablished
	}
	if want != c.list {
		t.lists[c.list].remove(c)
		c.list = want
		t.lists[want].pushBack(c)
		return
	}
	t.lists[c.list].moveToBack(c)
}

// ICMP attaches an ICMP error to the connection whose packet it quotes.
func (t *Tracker) ICMP(p *decode.Packet, at Ref) {
	t.advance(at.TS)
	q := &p.ICMP
	if layers.IPProtocol(q.QProto) != layers.IPProtocolTCP || !q.HasPorts {
		t.stats.ICMPUnmatched++
		return
	}
	src := netip.AddrPortFrom(q.QSrc, q.QSrcPort)
	dst := netip.AddrPortFrom(q.QDst, q.QDstPort)
	c := t.conns[makeKey(src, dst)]
	if c == nil {
		t.stats.ICMPUnmatched++
		return
	}
	t.stats.ICMPMatched++
	by := FromClient
	if src != c.Client {
		by = FromServer
	}
	if isPMTUError(p.V6, q.Type, q.Code) {
		h := &c.Half[by]
		h.traffic().PMTU.noteICMP(at, q.MTU, q.QLen, h.MaxSegSize)
	}
	if len(c.ICMP) >= t.opts.MaxICMP {
		t.stats.ICMPDropped++
		c.ICMPDropped++
		return
	}
	c.ICMP = append(c.ICMP, ICMPError{Ref: at, From: p.Src, V6: p.V6, Type: q.Type, Code: q.Code,
		MTU: q.MTU, TTL: p.TTL, QuotedBy: by, QuotedSeq: q.QSeq, HasSeq: q.HasSeq, QuotedLen: q.QLen})
}

// Advance expires state up to capture time ts; call it when packets that
// reach neither Packet nor ICMP still move the clock (e.g. UDP).
func (t *Tracker) Advance(ts int64) { t.advance(ts) }

func (t *Tracker) advance(ts int64) {
	if ts <= t.now {
		return
	}
	t.now = ts
	limits := [numLists]int64{int64(t.opts.HalfOpenIdle), int64(t.opts.Linger), int64(t.opts.ConnIdle)}
	for i := range t.lists {
		l := &t.lists[i]
		for c := l.head; c != nil && ts-c.Last.TS > limits[i]; c = l.head {
			t.expire(c)
		}
	}
}

func (t *Tracker) expire(c *Conn) {
	if c.ending != 0 {
		t.close(c, c.ending)
		return
	}
	t.stats.Expired++
	t.close(c, ClosedIdle)
}

// evictOne closes the connection idle the longest to make room.
func (t *Tracker) evictOne() {
	var victim *Conn
	for i := range t.lists {
		if h := t.lists[i].head; h != nil && (victim == nil || h.Last.TS < victim.Last.TS) {
			victim = h
		}
	}
	t.evict(victim)
}

// evict closes c to make room in the table.
func (t *Tracker) evict(c *Conn) {
	if c == nil {
		return
	}
	t.stats.Evicted++
	t.close(c, ClosedEvicted)
}

// close ends tracking of c and tells the handler.
func (t *Tracker) close(c *Conn, why CloseReason) {
	t.lists[c.list].remove(c)
	delete(t.conns, makeKey(c.Client, c.Server))
	if c.streams[0].wanted {
		t.finishStream(c, FromClient)
	}
	if c.streams[1].wanted {
		t.finishStream(c, FromServer)
	}
	c.Closed = why
	t.countCaps(c)
	c.settleTail()
	t.h.Closed(c)
	c.streams = [2]stream{}
}

// countCaps counts a closing connection among those whose lists reached
// their cap.
func (t *Tracker) countCaps(c *Conn) {
	if c.SegLogDropped > 0 {
		t.stats.SegLogCut++
	}
	if c.ICMPDropped > 0 {
		t.stats.ICMPCut++
	}
	if tr := c.trace; tr != nil && tr.dropped > 0 {
		t.stats.TracesCut++
	}
	if n := c.zeek.HistoryOverflow(); n > 0 {
		t.stats.HistoryCut++
		t.stats.HistoryDropped += int64(n)
	}
}

// Flush closes every connection still open, as at the end of the capture,
// oldest first.
func (t *Tracker) Flush() {
	var all []*Conn
	for _, c := range t.conns {
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b *Conn) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range all {
		why := ClosedEOF
		if c.ending != 0 {
			why = c.ending
		} else {
			t.stats.OpenAtEnd++
		}
		t.close(c, why)
	}
}

func (l *connList) pushBack(c *Conn) {
	c.idlePrev, c.idleNext = l.tail, nil
	if l.tail != nil {
		l.tail.idleNext = c
	} else {
		l.head = c
	}
	l.tail = c
	l.n++
}

func (l *connList) remove(c *Conn) {
	l.n--
	if c.idlePrev != nil {
		c.idlePrev.idleNext = c.idleNext
	} else {
		l.head = c.idleNext
	}
	if c.idleNext != nil {
		c.idleNext.idlePrev = c.idlePrev
	} else {
		l.tail = c.idlePrev
	}
	c.idlePrev, c.idleNext = nil, nil
}

func (l *connList) moveToBack(c *Conn) {
	if l.tail == c {
		return
	}
	l.remove(c)
	l.pushBack(c)
}
