package zeekconn

import "testing"

// bulkTransfer is a download: handshake, data segments from the server
// each acked, with a retransmission and a lost segment now and then, and
// a FIN exchange.
type packet struct {
	fromClient bool
	flags      uint8
	seq, ack   uint32
	n          int
}

func bulkTransfer(segments int) []packet {
	const mss = 1448
	cisn, sisn := uint32(1000), uint32(4294900000) // the server's sequence space wraps
	pkts := []packet{
		{true, flagSYN, cisn, 0, 0},
		{false, flagSYN | flagACK, sisn, cisn + 1, 0},
		{true, flagACK, cisn + 1, sisn + 1, 0},
	}
	next := sisn + 1
	for i := range segments {
		switch {
		case i%97 == 96: // lost: the ack below reveals a gap
			next += mss
			continue
		case i%53 == 52: // retransmitted
			pkts = append(pkts, packet{false, flagACK, next - mss, cisn + 1, mss})
		}
		pkts = append(pkts, packet{false, flagACK | flagPSH, next, cisn + 1, mss})
		next += mss
		pkts = append(pkts, packet{true, flagACK, cisn + 1, next, 0})
	}
	return append(pkts,
		packet{false, flagFIN | flagACK, next, cisn + 1, 0},
		packet{true, flagFIN | flagACK, cisn + 1, next + 1, 0},
		packet{false, flagACK, next + 1, cisn + 2, 0})
}

func BenchmarkObserve(b *testing.B) {
	pkts := bulkTransfer(10000)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		var st State
		for i := range pkts {
			p := &pkts[i]
			st.Observe(p.fromClient, p.flags, p.seq, p.ack, p.n, 65535, 52+p.n)
		}
		n += len(pkts)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packets/s")
}

// TestObserveDoesNotAllocate keeps the per-packet path allocation-free.
func TestObserveDoesNotAllocate(t *testing.T) {
	pkts := bulkTransfer(500)
	var st State
	allocs := testing.AllocsPerRun(10, func() {
		st = State{}
		for i := range pkts {
			p := &pkts[i]
			st.Observe(p.fromClient, p.flags, p.seq, p.ack, p.n, 65535, 52+p.n)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per conversation, want 0", allocs)
	}
	// Nine retransmissions (one 't'), five lost segments (one 'g'), and a
	// clean close across the wrap of the server's sequence space.
	if got, want := st.History(), "ShAdtgfFa"; got != want {
		t.Errorf("history %q, want %q", got, want)
	}
	if st.ConnState() != "SF" || st.MissedBytes() != 5*1448 {
		t.Errorf("conn_state %s, missed %d: want SF, %d", st.ConnState(), st.MissedBytes(), 5*1448)
	}
}
