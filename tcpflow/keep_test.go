package tcpflow

import (
	"testing"
	"time"
)

// With KeepPackets alone, a connection whose handler asks keeps every
// packet, a copy the capture took twice included, with its payload
// hashed; it has no drawn trace.
func TestKeepEveryPacket(t *testing.T) {
	h := &tracing{kind: TraceData}
	f := &feeder{t: NewTracker(Options{KeepPackets: true}, h), ts: 1e18}
	handshake(f, 1000, 5000)
	bulk(f, 500, 97)
	dup := seg(cli, srv, FlagACK, 1000+1+500*1000, 5001, "x")
	dup.IPID = 7
	f.send(dup, time.Millisecond)
	f.send(dup, 0) // the capture saw it twice
	f.t.Flush()
	c := h.conns[0]
	kept, dropped := c.KeptPackets()
	total := c.Half[0].Packets + c.Half[1].Packets
	if int64(len(kept)) != total || dropped != 0 {
		t.Fatalf("kept %d of %d packets, %d dropped", len(kept), total, dropped)
	}
	for i, p := range kept {
		if p.Frame != int64(i+1) {
			t.Fatalf("packet %d is frame %d: not every packet, or not in order", i, p.Frame)
		}
		if want := payloadHash([]byte(bytesOf(int(p.Len)))); p.Len > 1 && p.Hash != want {
			t.Errorf("frame %d: hash %x, want %x", p.Frame, p.Hash, want)
		}
	}
	if kept[len(kept)-1].Hash != kept[len(kept)-2].Hash || kept[len(kept)-1].Hash == 0 {
		t.Errorf("the duplicate's hashes differ or are missing")
	}
	if c.Traced() || len(c.Trace()) == 0 {
		t.Errorf("traced %v, %d points from the segment log", c.Traced(), len(c.Trace()))
	}
	c.DropTrace()
	if kept, _ := c.KeptPackets(); kept != nil {
		t.Errorf("DropTrace kept %d packets", len(kept))
	}
}

// FNV-1a's published test vectors.
func TestPayloadHash(t *testing.T) {
	for in, want := range map[string]uint64{"": 0, "a": 0xaf63dc4c8601ec8c, "foobar": 0x85944171f73967e8} {
		if got := payloadHash([]byte(in)); got != want {
			t.Errorf("hash(%q) = %x, want %x", in, got, want)
		}
	}
}

// Asked late, the keeping begins with what the segment log holds and
// counts the packets it no longer has; past the budget packets are
// counted, per connection and in the stats.
func TestKeepLateAndBudget(t *testing.T) {
	h := &tracing{kind: TraceData}
	f := &feeder{t: NewTracker(Options{KeepPackets: true, MaxKeptPackets: 300}, h), ts: 1e18}
	handshake(f, 1000, 5000)
	bulk(f, 100, 1000)
	h.askLate()
	bulk(f, 400, 1000)
	f.t.Flush()
	c := h.conns[0]
	kept, dropped := c.KeptPackets()
	total := c.Half[0].Packets + c.Half[1].Packets
	if len(kept) != 300 || int64(len(kept))+dropped != total {
		t.Errorf("kept %d, dropped %d, of %d packets", len(kept), dropped, total)
	}
	if st := f.t.Stats(); st.KeptCut != 1 || st.KeptDropped == 0 || st.KeptDropped > dropped || st.MaxKeptPackets != 300 {
		t.Errorf("stats: %d cut, %d dropped (connection: %d), max %d", st.KeptCut, st.KeptDropped, dropped, st.MaxKeptPackets)
	}
}
