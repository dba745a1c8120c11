package tcpflow

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// Packet traces: what the HTML report draws of a connection (a ladder
// diagram, a time-sequence graph) needs its packets, not just the facts
// the verdicts read. With Options.Trace the tracker keeps a bounded trace
// of each connection a handler asks for with Conn.KeepTrace.
//
// The handler asks, rather than the tracker tracing every connection,
// because only FTP connections are drawn and only the handler can tell
// them: the dissector knows a control connection at its first packet (a
// control port) or at its client's first command (a banner on another
// port), and a data connection when it meets an endpoint a PASV or PORT
// negotiated. A scan or a flood of other connections then costs no trace
// at all. A trace asked for late begins with what the connection's
// segment log and last packets hold (KnownSegs): the handshake, the first
// data, and the packets just before.
//
// A trace is reduced as it streams, in bounded memory:
//   - the first traceHead packets are all kept;
//   - after them every event is kept, up to traceEvents: SYN, FIN, RST, a
//     retransmission, a zero window or a window that changed by a factor
//     of four or more, a packet the segment log keeps (keepalives, window
//     probes, the first data), and on a control connection every segment
//     with payload, so that each FTP command and reply can be labelled;
//   - ordinary packets are thinned evenly: every stride-th is kept, and
//     when traceThinned are held every other one is let go and the stride
//     doubles;
//   - the last traceTail packets are kept in a ring.
//
// Every packet not kept is counted: TracePoint.Skipped says how many lie
// before each kept one. Across connections a budget (Options.
// MaxTracePoints) bounds the points held at once, whatever the capture's
// size; a packet the budget has no room for is not kept and is counted
// (Stats.TraceDropped). A trace holds its points until DropTrace, which
// the handler's owner calls once it has drawn the connection.

// The shape of a connection's trace; at most traceMaxPoints points.
const (
	traceHead    = 64
	traceEvents  = 1024
	traceThinned = 256
	traceTail    = 64
	// traceMaxPoints is the most points one connection's trace holds.
	traceMaxPoints = traceHead + traceEvents + traceThinned + traceTail
	// A trace takes points from the budget a chunk at a time, so that
	// connections share one counter without contention: first
	// traceFirstChunk (a connection attempt of a SYN flood holds no more),
	// then as many as it holds, up to traceChunk.
	traceFirstChunk = 4
	traceChunk      = 32
	// windowSwing is the factor by which a side's advertised window must
	// grow or shrink for the change to be an event.
	windowSwing = 4
)

// DefaultMaxTracePoints is the default of Options.MaxTracePoints: at 64
// bytes a point, about 16 MB of traces at most.
const DefaultMaxTracePoints = 1 << 18

// TraceKind says which packets of a connection are events for its trace.
type TraceKind uint8

const (
	// TraceData: a data connection; its packets with payload are the
	// transfer, thinned between the events.
	TraceData TraceKind = iota + 1
	// TraceControl: a control connection; every segment with payload
	// carries a command or a reply, and is kept as an event.
	TraceControl
)

// TracePoint is one packet of a connection's trace.
type TracePoint struct {
	Ref
	Seq, Ack uint32
	Len      int32  // TCP payload length
	Win      uint16 // raw advertised window (unscaled)
	IPID     uint16 // IPv4 identification (0 for IPv6)
	Dir      Dir
	Flags    uint8
	TTL      uint8
	Retrans  bool // payload, SYN or FIN already seen
	// ZeroWindow: the packet advertises a zero window (SYNs and RSTs
	// aside, whose window means nothing of the kind).
	ZeroWindow bool
	// Skipped is how many of the connection's packets lie between the
	// previous point and this one and were not kept (filled by Trace).
	Skipped int64
	// n is the packet's 1-based number in the connection, every packet
	// counted (copies the capture saw twice included); 0 for a packet of
	// a trace begun late whose place is unknown.
	n int64
}

// traceBudget is the points all traces may hold at once. It is shared by
// the tracker, which takes from it, and whoever drops traces (possibly
// on another goroutine), which gives back.
type traceBudget struct {
	limit int64
	used  atomic.Int64
}

func (b *traceBudget) take(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *traceBudget) giveBack(n int64) { b.used.Add(-n) }

// connTrace is one connection's trace. With Options.Trace, every
// connection points at the tracker's shared marker (begun false) until
// its handler asks: then it gets one of its own.
type connTrace struct {
	// budget is the drawn traces' (nil unless Options.Trace); keeps the
	// kept packets' (nil unless Options.KeepPackets, keep.go), and log
	// the connection's kept packets once its handler asked.
	budget *traceBudget
	keeps  *keepBudget
	log    *packetLog
	begun  bool
	kind   TraceKind

	head     []TracePoint
	pastHead bool // the head filled: later packets go to events, thin and tail
	events   []TracePoint
	// thin holds every stride-th ordinary packet (ordinary counts them).
	thin     []TracePoint
	stride   int64
	ordinary int64
	// tail is a ring of the last packets; tailN counts those put in.
	tail      []TracePoint
	tailN     int64
	tailFixed bool // the ring stopped growing short of traceTail (the budget)

	// lastWin is each side's last window that counts, for the swings.
	lastWin [2]uint16
	winSeen [2]bool

	// spare is what the trace took from the budget and has not used;
	// taken is all it took, given back by DropTrace.
	spare, taken int64
	// dropped counts packets the budget had no room for.
	dropped int64
}

// KeepTrace asks the tracker to keep a trace of the connection (see the
// comment at the top of trace.go). Call it from a Handler's method; it
// does nothing unless the tracker runs with Options.Trace, nor when the
// connection is traced already.
func (c *Conn) KeepTrace(kind TraceKind) {
	marker := c.trace
	if marker == nil || marker.begun {
		return
	}
	tr := &connTrace{budget: marker.budget, keeps: marker.keeps, begun: true, kind: kind, stride: 1}
	if tr.drawn() {
		tr.seed(c)
	}
	if tr.keeps != nil {
		tr.log = &packetLog{budget: tr.keeps}
		tr.log.seed(c)
	}
	c.trace = tr
}

// drawn reports whether the trace is one for drawing (Options.Trace),
// not only a log of kept packets.
func (tr *connTrace) drawn() bool { return tr != nil && tr.begun && tr.budget != nil }

// DropTrace lets go of the connection's trace and gives its points back
// to the budget, and of its kept packets (KeptPackets). Call it once the
// connection is closed, drawn and its packets taken; it may
// run on another goroutine than the tracker's, as the connection's
// Handler.Closed has been called.
func (c *Conn) DropTrace() {
	if tr := c.trace; tr.drawn() {
		tr.budget.giveBack(tr.taken)
	}
	c.trace = nil
}

// SeqOrigin returns what the side's sequence numbers count from, as
// Wireshark's relative numbers do: its initial sequence number when its
// SYN was seen, else the first sequence number it sent; ok is false when
// it sent nothing that had one.
func (h *Half) SeqOrigin() (origin uint32, ok bool) {
	if h.SawSYN {
		return h.ISN, true
	}
	return h.Base, h.seqValid
}

// Traced reports whether a trace of the connection was kept (KeepTrace
// with Options.Trace, and no DropTrace since).
func (c *Conn) Traced() bool { return c.trace.drawn() }

// Trace returns the packets the connection's trace kept, in capture
// order, each with the number of packets skipped before it. A connection
// without a trace gives what its segment log and last packets hold
// (KnownSegs), in the same form. The slice is the caller's.
func (c *Conn) Trace() []TracePoint {
	tr := c.trace
	if !tr.drawn() {
		return numberPoints(knownPoints(c))
	}
	all := make([]TracePoint, 0, len(tr.head)+len(tr.events)+len(tr.thin)+len(tr.tail))
	all = append(all, tr.head...)
	all = append(all, tr.events...)
	all = append(all, tr.thin...)
	all = append(all, tr.tail...)
	// Points of unknown place (n 0) came first, in capture order.
	slices.SortStableFunc(all, func(a, b TracePoint) int { return cmp.Compare(a.n, b.n) })
	all = slices.CompactFunc(all, func(a, b TracePoint) bool { return a.n != 0 && a.n == b.n })
	return numberPoints(all)
}

// numberPoints fills each point's Skipped from the packet numbers.
func numberPoints(pts []TracePoint) []TracePoint {
	var seen int64 // packets accounted for: kept or skipped
	for i := range pts {
		if pts[i].n == 0 {
			seen++
			continue
		}
		pts[i].Skipped = max(pts[i].n-seen-1, 0)
		seen = max(seen, pts[i].n)
	}
	return pts
}

// knownPoints turns the packets the connection's log and last packets
// hold into points, numbered where their place is known: every packet
// from the first one KnownSegs vouches for on is among them, up to the
// connection's latest.
func knownPoints(c *Conn) []TracePoint {
	total := c.Half[0].Packets + c.Half[1].Packets
	if total == 0 {
		return nil
	}
	segs, from := c.KnownSegs()
	pts := make([]TracePoint, len(segs))
	first := 0 // the first seg whose number is known
	if !from.IsZero() {
		first = slices.IndexFunc(segs, func(s Seg) bool { return s.Ref == from })
		if first < 0 {
			first = len(segs)
		}
	}
	for i := range segs {
		pts[i] = pointOf(&segs[i])
		if i >= first {
			pts[i].n = total - int64(len(segs)-i) + 1
		}
	}
	return pts
}

// pointOf makes a point of a logged segment.
func pointOf(s *Seg) TracePoint {
	return TracePoint{
		Ref: s.Ref, Seq: s.Seq, Ack: s.Ack, Len: int32(s.Len), Win: s.Win, IPID: s.IPID,
		Dir: s.Dir, Flags: s.Flags, TTL: s.TTL, Retrans: s.Retrans,
		ZeroWindow: s.Win == 0 && s.Flags&(FlagSYN|FlagRST) == 0,
	}
}

// seed begins a trace asked for after the connection's first packet with
// what its log and last packets hold.
func (tr *connTrace) seed(c *Conn) {
	pts := knownPoints(c)
	if len(pts) == 0 {
		return
	}
	for _, pt := range pts {
		if !tr.room() {
			tr.dropped++
			continue
		}
		tr.appendHead(pt)
	}
	tr.pastHead = len(tr.head) >= traceHead
}

// room takes a point from the budget, a chunk at a time, and reports
// whether there was one.
func (tr *connTrace) room() bool {
	if tr.spare == 0 {
		chunk := min(max(tr.taken, traceFirstChunk), traceChunk)
		if !tr.budget.take(chunk) {
			return false
		}
		tr.spare += chunk
		tr.taken += chunk
	}
	tr.spare--
	return true
}

// add puts one packet into the trace; event says it must be kept when
// the head has filled. It reports whether the budget had no room for it.
func (tr *connTrace) add(pt TracePoint, event bool) (dropped bool) {
	if !tr.pastHead {
		if !tr.room() {
			tr.dropped++
			return true
		}
		tr.appendHead(pt)
		tr.pastHead = len(tr.head) >= traceHead
		return false
	}
	ok := tr.addTail(pt)
	switch {
	case event && len(tr.events) < traceEvents:
		ok = tr.keep(&tr.events, pt) && ok
	default:
		ok = tr.thinOut(pt) && ok
	}
	if !ok {
		tr.dropped++
	}
	return !ok
}

// appendHead appends to the head, growing it in three steps: room for a
// connection attempt (a SYN and a retransmission of it), for a short
// connection (most FTP ones: a login, a command or two), then for the
// whole head. A SYN flood's attempts, each traced when it targets the
// control port, then cost one small allocation each.
func (tr *connTrace) appendHead(pt TracePoint) {
	if n := len(tr.head); n == cap(tr.head) {
		next := 2
		switch {
		case n >= 16:
			next = traceHead
		case n >= 2:
			next = 16
		}
		tr.head = slices.Grow(tr.head, next-n)
	}
	tr.head = append(tr.head, pt)
}

// keep appends pt to list when the budget has room.
func (tr *connTrace) keep(list *[]TracePoint, pt TracePoint) bool {
	if !tr.room() {
		return false
	}
	*list = append(*list, pt)
	return true
}

// addTail puts pt in the ring of last packets.
// When the budget stops it growing, it goes round at the size it has,
// so the trace still ends with the connection's last packet.
func (tr *connTrace) addTail(pt TracePoint) bool {
	if !tr.tailFixed && len(tr.tail) < traceTail {
		if tr.keep(&tr.tail, pt) {
			tr.tailN++
			return true
		}
		tr.tailFixed = true
		if len(tr.tail) == 0 {
			return false
		}
	}
	tr.tail[tr.tailN%int64(len(tr.tail))] = pt
	tr.tailN++
	return true
}

// thinOut keeps every stride-th ordinary packet; when traceThinned are
// held, every other one is let go and the stride doubles, so the kept
// ones stay evenly spread over all the ordinary packets so far.
func (tr *connTrace) thinOut(pt TracePoint) bool {
	k := tr.ordinary
	tr.ordinary++
	if k%tr.stride != 0 {
		return true
	}
	if len(tr.thin) >= traceThinned {
		kept := 0
		for i := 0; i < len(tr.thin); i += 2 {
			tr.thin[kept] = tr.thin[i]
			kept++
		}
		tr.spare += int64(len(tr.thin) - kept)
		tr.thin = tr.thin[:kept]
		tr.stride *= 2
		if k%tr.stride != 0 {
			return true
		}
	}
	return tr.keep(&tr.thin, pt)
}

// windowSwung reports whether a side's window changed enough to be an
// event: to or from zero, or by windowSwing times or more. SYNs (whose
// window is never scaled) and RSTs (whose window means nothing) neither
// swing it nor count as its last value.
func (tr *connTrace) windowSwung(dir Dir, flags uint8, win uint16) bool {
	if flags&(FlagSYN|FlagRST) != 0 {
		return false
	}
	last, seen := tr.lastWin[dir], tr.winSeen[dir]
	tr.lastWin[dir], tr.winSeen[dir] = win, true
	if !seen {
		return false
	}
	w, l := uint32(win), uint32(last)
	return (w == 0) != (l == 0) || w >= l*windowSwing || w*windowSwing <= l
}

// tracePacket is record's step that adds the packet to the connection's
// trace, when its handler asked for one: after every step that says
// whether the packet matters, with the facts they filled (the
// retransmission mark).
func (r *recording) tracePacket() {
	tr := r.c.trace
	if !tr.drawn() {
		return
	}
	s := &r.seg
	pt := pointOf(s)
	pt.n = r.c.Half[0].Packets + r.c.Half[1].Packets
	swung := tr.windowSwung(r.dir, s.Flags, s.Win)
	event := r.important || swung || s.Retrans || pt.ZeroWindow || s.Flags&(FlagSYN|FlagFIN|FlagRST) != 0 ||
		(tr.kind == TraceControl && s.Len > 0)
	if tr.add(pt, event) {
		r.t.stats.TraceDropped++
	}
}
