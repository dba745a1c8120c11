package tcpflow

import (
	"net/netip"
	"testing"
	"time"
)

// tracing is a Handler that asks for a trace of every connection, at its
// first packet or (late) at a given packet count.
type tracing struct {
	discard
	kind    TraceKind
	lateAt  int64 // ask once the connection has this many packets (0: at Opened)
	conns   []*Conn
	asked   bool
	current *Conn
}

func (h *tracing) Opened(c *Conn) {
	h.conns = append(h.conns, c)
	if h.lateAt == 0 {
		c.KeepTrace(h.kind)
	}
	h.current = c
}

// askLate asks for the trace from outside a packet, as a handler does
// while it reads the connection's bytes.
func (h *tracing) askLate() {
	if !h.asked {
		h.asked = true
		h.current.KeepTrace(h.kind)
	}
}

// bulk sends n full segments from the client, acknowledged every second
// one, with a retransmission of an earlier segment every retransEvery
// segments and the server's window shut for a moment halfway; it returns
// the frames of the retransmissions.
func bulk(f *feeder, n, retransEvery int) []int64 {
	const size = 1000
	payload := bytesOf(size)
	seq, ack := uint32(1001), uint32(5001)
	var retrans []int64
	for i := 1; i <= n; i++ {
		f.send(seg(cli, srv, FlagACK, seq, ack, payload), 100*time.Microsecond)
		seq += size
		if i%retransEvery == 0 {
			f.send(seg(cli, srv, FlagACK, seq-3*size, ack, payload), time.Millisecond)
			retrans = append(retrans, f.frame)
		}
		if i%2 == 0 {
			win := uint16(65535)
			if i == n/2 {
				win = 0
			}
			f.send(withWin(seg(srv, cli, FlagACK, ack, seq, ""), win), 50*time.Microsecond)
		}
	}
	f.send(seg(cli, srv, FlagACK|FlagFIN, seq, ack, ""), time.Millisecond)
	f.send(seg(srv, cli, FlagACK|FlagFIN, ack, seq+1, ""), time.Millisecond)
	f.send(seg(cli, srv, FlagACK, seq+1, ack+1, ""), time.Millisecond)
	return retrans
}

// A long connection's trace keeps every retransmission, the zero window,
// the handshake, the FINs and the last packets, stays under its cap, and
// counts every packet it let go.
func TestTraceReducesALongConnection(t *testing.T) {
	h := &tracing{kind: TraceData}
	f := &feeder{t: NewTracker(Options{Trace: true}, h), ts: 1e18}
	handshake(f, 1000, 5000)
	retrans := bulk(f, 60000, 997)
	f.t.Flush()
	c := h.conns[0]
	pts := c.Trace()
	total := c.Half[0].Packets + c.Half[1].Packets

	if len(pts) > traceMaxPoints {
		t.Errorf("%d points kept, over the cap of %d", len(pts), traceMaxPoints)
	}
	var skipped int64
	kept := map[int64]TracePoint{}
	for i, p := range pts {
		skipped += p.Skipped
		kept[p.Frame] = p
		if i > 0 && !pts[i-1].Before(p.Ref) {
			t.Fatalf("points out of capture order at %d: frame %d after %d", i, p.Frame, pts[i-1].Frame)
		}
	}
	if got := int64(len(pts)) + skipped; got != total {
		t.Errorf("kept %d + skipped %d = %d, want every packet (%d)", len(pts), skipped, got, total)
	}
	for _, fr := range retrans {
		if p, ok := kept[fr]; !ok || !p.Retrans {
			t.Errorf("retransmission in frame %d not kept as one (kept: %v)", fr, ok)
		}
	}
	for fr := f.frame - traceTail + 1; fr <= f.frame; fr++ {
		if _, ok := kept[fr]; !ok {
			t.Errorf("frame %d, among the last %d packets, not kept", fr, traceTail)
		}
	}
	for fr := int64(1); fr <= traceHead; fr++ {
		if _, ok := kept[fr]; !ok {
			t.Errorf("frame %d, among the first %d packets, not kept", fr, traceHead)
		}
	}
	zero, fins := 0, 0
	for _, p := range pts {
		if p.ZeroWindow {
			zero++
		}
		if p.Flags&FlagFIN != 0 {
			fins++
		}
	}
	if zero != 1 || fins != 2 {
		t.Errorf("kept %d zero windows and %d FINs, want 1 and 2", zero, fins)
	}
	// The ordinary packets kept are spread over the whole transfer, not
	// bunched at its start.
	var lastThinned int64
	for _, p := range pts[traceHead : len(pts)-traceTail] {
		if p.Skipped > 0 {
			lastThinned = p.Frame
		}
	}
	if lastThinned < f.frame*3/4 {
		t.Errorf("the last packet kept between the head and the tail is frame %d of %d: thinning is not even", lastThinned, f.frame)
	}
	if st := f.t.Stats(); st.TraceDropped != 0 || st.TracesCut != 0 {
		t.Errorf("default budget: %d packets dropped, %d traces cut; want none", st.TraceDropped, st.TracesCut)
	}
	c.DropTrace()
	if used := f.t.traceMarker.budget.used.Load(); used != 0 {
		t.Errorf("after DropTrace the budget still counts %d points", used)
	}
}

// Past the budget, packets are not kept and are counted, and the
// connection's trace still accounts for every packet.
func TestTraceBudget(t *testing.T) {
	h := &tracing{kind: TraceData}
	const budget = 100
	f := &feeder{t: NewTracker(Options{Trace: true, MaxTracePoints: budget}, h), ts: 1e18}
	handshake(f, 1000, 5000)
	bulk(f, 2000, 97)
	f.t.Flush()
	c := h.conns[0]
	pts := c.Trace()
	if len(pts) > budget {
		t.Errorf("%d points kept, over the budget of %d", len(pts), budget)
	}
	st := f.t.Stats()
	if st.TraceDropped == 0 || st.TracesCut != 1 || st.MaxTracePoints != budget {
		t.Errorf("stats: %d dropped, %d traces cut, max %d; want some, 1, %d", st.TraceDropped, st.TracesCut, st.MaxTracePoints, budget)
	}
	var skipped int64
	for _, p := range pts {
		skipped += p.Skipped
	}
	if total := c.Half[0].Packets + c.Half[1].Packets; int64(len(pts))+skipped != total {
		t.Errorf("kept %d + skipped %d, want %d", len(pts), skipped, total)
	}
	if last := pts[len(pts)-1].Frame; last != f.frame {
		t.Errorf("the trace ends at frame %d, want the last packet, frame %d", last, f.frame)
	}
}

// Without Options.Trace, asking does nothing and the connection has no
// trace; Trace still gives what the segment log holds.
func TestTraceOff(t *testing.T) {
	h := &tracing{kind: TraceControl}
	f := &feeder{t: NewTracker(Options{}, h), ts: 1e18}
	handshake(f, 1000, 5000)
	bulk(f, 10, 3)
	c := h.conns[0]
	if c.Traced() || c.trace != nil {
		t.Fatal("a trace was kept without Options.Trace")
	}
	pts := c.Trace()
	if len(pts) == 0 || pts[0].Flags&FlagSYN == 0 {
		t.Errorf("Trace without a trace gave %d points, want the log's, from the SYN", len(pts))
	}
}

// A trace asked for late begins with the handshake the segment log kept,
// and every packet is accounted for.
func TestTraceAskedLate(t *testing.T) {
	h := &tracing{kind: TraceControl, lateAt: 6}
	f := &feeder{t: NewTracker(Options{Trace: true}, h), ts: 1e18}
	handshake(f, 1000, 5000)
	f.send(seg(srv, cli, FlagACK|FlagPSH, 5001, 1001, "220 hi\r\n"), time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 1001, 5009, ""), time.Millisecond)
	f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5009, "USER a\r\n"), time.Millisecond)
	h.askLate()
	f.send(seg(srv, cli, FlagACK|FlagPSH, 5009, 1009, "331 pw\r\n"), time.Millisecond)
	c := h.conns[0]
	if !c.Traced() {
		t.Fatal("no trace after KeepTrace")
	}
	pts := c.Trace()
	var skipped int64
	for _, p := range pts {
		skipped += p.Skipped
	}
	if total := c.Half[0].Packets + c.Half[1].Packets; int64(len(pts))+skipped != total {
		t.Errorf("kept %d + skipped %d, want %d", len(pts), skipped, total)
	}
	if pts[0].Flags&FlagSYN == 0 || pts[len(pts)-1].Frame != f.frame {
		t.Errorf("trace runs from frame %d (flags %#x) to %d; want the SYN to frame %d", pts[0].Frame, pts[0].Flags, pts[len(pts)-1].Frame, f.frame)
	}
}

// Tracing off costs the per-packet path nothing.
func TestTraceOffAllocatesNothing(t *testing.T) {
	tr := NewTracker(Options{}, discard{})
	p := seg(cli, srv, FlagACK, 1001, 5001, bytesOf(100))
	var frame int64
	tr.Packet(withSYNOptions(seg(cli, srv, FlagSYN, 1000, 0, ""), 1460, 7, true), Ref{Frame: 1, TS: 1})
	allocs := testing.AllocsPerRun(1000, func() {
		frame++
		p.Seq += 100
		tr.Packet(p, Ref{Frame: frame + 1, TS: frame + 1})
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations a packet, want 0", allocs)
	}
}

// A flood of connection attempts, each traced (a SYN to the control
// port is a control connection), holds a few points each, not a chunk
// meant for a long connection: the budget is left for the sessions.
func TestTraceFloodTakesLittleBudget(t *testing.T) {
	h := &tracing{kind: TraceControl}
	const attempts = 1000
	f := &feeder{t: NewTracker(Options{Trace: true, MaxTracePoints: attempts * traceFirstChunk}, h), ts: 1e18}
	for i := range attempts {
		from := netip.AddrPortFrom(cli.Addr(), uint16(10000+i))
		f.send(seg(from, srv, FlagSYN, uint32(i), 0, ""), time.Microsecond)
	}
	if st := f.t.Stats(); st.TraceDropped != 0 {
		t.Errorf("%d packets of %d attempts not traced: the budget went to attempts of one packet", st.TraceDropped, attempts)
	}
	if used := f.t.traceMarker.budget.used.Load(); used > attempts*traceFirstChunk {
		t.Errorf("%d attempts hold %d points of the budget", attempts, used)
	}
}
