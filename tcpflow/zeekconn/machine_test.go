package zeekconn

import (
	"strings"
	"testing"
)

// step is one hand-built packet. The conversation keeps each side's next
// sequence number (client ISN 1000, server ISN 5000); a step sends at that
// number plus seqOff and acknowledges the peer's next number plus ackOff.
type step struct {
	from     byte   // 'c' client, 's' server
	flags    string // letters of S A F R P
	n        int    // payload length
	seqOff   int32
	ackOff   int32
	zeroWin  bool
	captured int // payload bytes captured when less than n; -1 for none
}

func c(flags string, n int) step { return step{from: 'c', flags: flags, n: n} }
func s(flags string, n int) step { return step{from: 's', flags: flags, n: n} }

func (st step) at(off int32) step     { st.seqOff = off; return st }
func (st step) acking(off int32) step { st.ackOff = off; return st }
func (st step) win0() step            { st.zeroWin = true; return st }
func (st step) cut(captured int) step {
	if captured == 0 {
		captured = -1
	}
	st.captured = captured
	return st
}

func parseFlags(f string) uint8 {
	var b uint8
	for _, r := range f {
		b |= map[rune]uint8{'F': flagFIN, 'S': flagSYN, 'R': flagRST, 'P': flagPSH, 'A': flagACK}[r]
	}
	return b
}

// conversation feeds steps to st the way the tracker would.
type conversation struct {
	next [2]uint32 // client, server
}

func newConversation() *conversation { return &conversation{next: [2]uint32{1000, 5000}} }

func (cv *conversation) feed(st *State, p step) {
	side, other := clientSide, serverSide
	if p.from == 's' {
		side, other = serverSide, clientSide
	}
	flags := parseFlags(p.flags)
	seq := cv.next[side] + uint32(p.seqOff)
	ack := cv.next[other] + uint32(p.ackOff)
	if flags&flagACK == 0 {
		ack = 0
	}
	win := uint16(65535)
	if p.zeroWin {
		win = 0
	}
	captured := p.n
	switch {
	case p.captured < 0:
		captured = 0
	case p.captured > 0:
		captured = p.captured
	}
	st.ObserveCaptured(side == clientSide, flags, seq, ack, p.n, captured, win, 40+p.n)
	segLen := uint32(p.n)
	if flags&flagSYN != 0 {
		segLen++
	}
	if flags&flagFIN != 0 {
		segLen++
	}
	if flags&flagRST != 0 {
		segLen = 0
	}
	if end := seq + segLen; int32(end-cv.next[side]) > 0 {
		cv.next[side] = end
	}
}

var handshake = []step{c("S", 0), s("SA", 0), c("A", 0)}

func with(prefix []step, rest ...step) []step {
	return append(append([]step(nil), prefix...), rest...)
}

func TestStateMachine(t *testing.T) {
	tests := []struct {
		name         string
		flip, likely bool // the tracker's Flip and LikelyServerPort calls
		steps        []step
		history      string
		connState    string
		origIsServer bool
		origSize     int64 // -1: not checked
		respSize     int64
		missed       uint64
	}{
		{name: "clean close", steps: with(handshake, c("PA", 10), s("A", 0), s("PA", 20), c("A", 0), c("FA", 0), s("FA", 0), c("A", 0)),
			history: "ShADadFf", connState: "SF", origSize: 10, respSize: 20},
		{name: "unanswered SYN retransmitted", steps: []step{c("S", 0), c("S", 0).at(-1)},
			history: "S", connState: "S0", origSize: 0, respSize: 0},
		// A new ISN re-bases the sequence space, so the SYN is again at
		// relative 0 and the letter is not repeated. (Zeek itself would
		// open a new connection for this SYN: see the package doc.)
		{name: "SYN with a new ISN", steps: []step{c("S", 0), c("S", 0).at(999)},
			history: "S", connState: "S0", origSize: 0, respSize: 0},
		{name: "SYN after FIN repeats the letter", steps: []step{c("S", 0), c("F", 0), c("S", 0).at(500)},
			history: "SFS", connState: "SH", origSize: -1},
		{name: "refused", steps: []step{c("S", 0), s("RA", 0)},
			history: "Sr", connState: "REJ", origSize: -1},
		{name: "SYN then own RST", steps: []step{c("S", 0), c("R", 0)},
			history: "SR", connState: "RSTOS0", origSize: 0, respSize: 0},
		{name: "SYN then FIN", steps: []step{c("S", 0), c("F", 0)},
			history: "SF", connState: "SH", origSize: -1},
		{name: "SYN acked before its SYN-ACK", steps: []step{c("S", 0), s("A", 0), s("SA", 0), c("A", 0)},
			history: "SahA", connState: "S1", origSize: -1},
		{name: "mid-stream, server spoke first", flip: true, steps: []step{s("PA", 10), c("A", 0)},
			history: "^dA", connState: "OTH", origSize: 0, respSize: 10},
		{name: "mid-stream, client spoke first", steps: []step{c("PA", 10), s("A", 0)},
			history: "Da", connState: "OTH", origSize: 10, respSize: 0},
		{name: "mid-stream, responder resets", steps: []step{c("PA", 10), s("R", 0)},
			history: "Dr", connState: "RSTRH", origSize: -1},
		{name: "retransmitted data", steps: with(handshake, c("PA", 10), c("PA", 10).at(-10)),
			history: "ShADT", connState: "S1", origSize: 10, respSize: 0},
		{name: "retransmissions are logarithmic", steps: with(handshake, append([]step{c("PA", 10)}, repeat(c("PA", 10).at(-10), 10)...)...),
			history: "ShADTT", connState: "S1", origSize: -1},
		{name: "zero window", steps: with(handshake, s("A", 0).win0()),
			history: "ShAaw", connState: "S1", origSize: -1},
		{name: "zero window after own RST is not noted", steps: with(handshake, c("R", 0), c("A", 0).win0()),
			history: "ShAR", connState: "RSTO", origSize: -1},
		{name: "acked data never seen is a gap", steps: with(handshake, c("PA", 10).at(100), s("A", 0)),
			history: "ShADaG", connState: "S1", origSize: 110, respSize: 0, missed: 100},
		{name: "truncated payload is a gap once acked", steps: with(handshake, c("PA", 10).cut(0), s("A", 0)),
			history: "ShADaG", connState: "S1", origSize: 10, missed: 10},
		{name: "gap revealed by a RST is not noted", steps: with(handshake, c("PA", 10).at(100), s("RA", 0)),
			history: "ShADr", connState: "RSTR", origSize: -1},
		{name: "FIN+RST", steps: with(handshake, c("FR", 0)),
			history: "ShAI", connState: "RSTO", origSize: -1},
		{name: "SYN+FIN", steps: []step{c("SF", 0)},
			history: "Q", connState: "SH", origSize: -1},
		{name: "FIN then RST", steps: with(handshake, c("FA", 0), c("RA", 0)),
			history: "ShAFR", connState: "RSTO", origSize: -1},
		{name: "RST after both FINs", steps: with(handshake, c("FA", 0), s("FA", 0), c("A", 0), c("R", 0)),
			history: "ShAFfR", connState: "SF", origSize: 0, respSize: 0},
		{name: "FIN retransmitted", steps: with(handshake, c("FA", 0), c("FA", 0).at(-1)),
			history: "ShAF", connState: "S2", origSize: -1},
		{name: "responder closes alone", steps: with(handshake, s("FA", 0)),
			history: "ShAf", connState: "S3", origSize: -1},
		{name: "responder resets", steps: with(handshake, s("RA", 0)),
			history: "ShAr", connState: "RSTR", origSize: -1},
		{name: "RSTs at new sequence numbers repeat", steps: with(handshake, s("RA", 0), s("RA", 0).at(100)),
			history: "ShArr", connState: "RSTR", origSize: -1},
		{name: "SYN-ACK first at a likely server port", flip: true, likely: true, steps: []step{s("SA", 0).acking(1), c("A", 0)},
			history: "^hA", connState: "S1", origSize: -1},
		{name: "SYN-ACK first elsewhere: flipped on the ACK", flip: true, steps: []step{s("SA", 0).acking(1), c("A", 0)},
			history: "^hA", connState: "OTH", origSize: -1},
		{name: "SYN-ACK then RST elsewhere: a scan, not flipped", flip: true, steps: []step{s("SA", 0).acking(1), c("R", 0)},
			history: "Hr", connState: "REJ", origIsServer: true, origSize: -1},
		{name: "SYN-ACK then RST at a likely server port", flip: true, likely: true, steps: []step{s("SA", 0).acking(1), c("R", 0)},
			history: "^hR", connState: "RSTO", origSize: -1},
		{name: "SYN-ACK captured before its SYN", flip: true, steps: []step{s("SA", 0).acking(1), c("S", 0), c("A", 0)},
			history: "Hs^A", connState: "S1", origSize: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st State
			if tt.flip {
				st.Flip()
			}
			if tt.likely {
				st.LikelyServerPort()
			}
			cv := newConversation()
			for _, p := range tt.steps {
				cv.feed(&st, p)
			}
			if got := st.History(); got != tt.history {
				t.Errorf("history %q, want %q", got, tt.history)
			}
			if got := st.ConnState(); got != tt.connState {
				t.Errorf("conn_state %q, want %q (orig %v, resp %v)", got, tt.connState, st.Orig().State, st.Resp().State)
			}
			if got := !st.OrigIsClient(); got != tt.origIsServer {
				t.Errorf("originator is the server: %v, want %v", got, tt.origIsServer)
			}
			if tt.origSize >= 0 {
				if o, r := st.Orig().Size, st.Resp().Size; o != uint64(tt.origSize) || r != uint64(tt.respSize) {
					t.Errorf("sizes orig %d resp %d, want %d %d", o, r, tt.origSize, tt.respSize)
				}
			}
			if got := st.MissedBytes(); got != tt.missed {
				t.Errorf("missed bytes %d, want %d", got, tt.missed)
			}
			if msg := invalid(&st); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func repeat(p step, n int) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = p
	}
	return out
}

// TestFlipAfterStart: a Flip that comes late swaps the roles where it
// happens, as Zeek's own later flips do.
func TestFlipAfterStart(t *testing.T) {
	var st State
	cv := newConversation()
	cv.feed(&st, c("S", 0))
	st.Flip()
	if got := st.History(); got != "S^" {
		t.Errorf("history %q, want %q", got, "S^")
	}
	if st.OrigIsClient() {
		t.Error("originator is still the client after a late Flip")
	}
}

// TestHistoryCap: letters past the cap are dropped and counted.
func TestHistoryCap(t *testing.T) {
	var st State
	cv := newConversation()
	cv.feed(&st, c("S", 0))
	cv.feed(&st, c("F", 0))
	for range 40 {
		cv.feed(&st, c("S", 0).at(1000)) // after a FIN, each new SYN is a letter
	}
	if got, want := st.History(), "SF"+strings.Repeat("S", historyCap-2); got != want {
		t.Errorf("history %q, want %q", got, want)
	}
	if got := st.HistoryOverflow(); got != 42-historyCap {
		t.Errorf("overflow %d, want %d", got, 42-historyCap)
	}
	if got := st.ConnState(); got != "SH" {
		t.Errorf("conn_state %q, want SH", got)
	}
}

// TestRSTOS0PastCap: the RSTOS0 test sees letters that did not fit.
func TestRSTOS0PastCap(t *testing.T) {
	var h history
	for range historyCap {
		h.add('S')
	}
	h.add('R')
	if h.rstos0 != rstos0Yes || h.overflow != 1 {
		t.Errorf("match %d overflow %d, want a match and 1", h.rstos0, h.overflow)
	}
}

// TestSpanTableFull: more holes in flight than the table holds merge the
// closest ranges, are counted, and the merged hole is not reported.
func TestSpanTableFull(t *testing.T) {
	var st State
	cv := newConversation()
	for _, p := range handshake {
		cv.feed(&st, p)
	}
	// maxSpans+1 segments of 10 bytes, each after a 10-byte hole.
	for range maxSpans + 1 {
		cv.feed(&st, c("PA", 10).at(10))
	}
	if got := st.SpansMerged(); got != 1 {
		t.Fatalf("spans merged %d, want 1", got)
	}
	cv.feed(&st, s("A", 0))
	// maxSpans+1 holes were sent, one was merged away.
	if got, want := st.MissedBytes(), uint64(maxSpans*10); got != want {
		t.Errorf("missed %d, want %d", got, want)
	}
}

func TestScaledCounter(t *testing.T) {
	var sc scaledCounter
	var hits []int
	for i := 1; i <= 1000; i++ {
		if sc.hit() {
			hits = append(hits, i)
		}
	}
	if want := []int{1, 10, 100, 1000}; !equalInts(hits, want) {
		t.Errorf("letters at %v, want %v", hits, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEndpointStateString(t *testing.T) {
	for st, want := range map[EndpointState]string{
		Inactive: "TCP_INACTIVE", SynSent: "TCP_SYN_SENT", SynAckSent: "TCP_SYN_ACK_SENT", Partial: "TCP_PARTIAL",
		Established: "TCP_ESTABLISHED", Closed: "TCP_CLOSED", Reset: "TCP_RESET", 42: "TCP_UNKNOWN",
	} {
		if got := st.String(); got != want {
			t.Errorf("%d: %q, want %q", st, got, want)
		}
	}
}

func TestRSTOS0Pattern(t *testing.T) {
	for h, want := range map[string]bool{
		"SR": true, "^SR": true, "SdR": true, "SRA": true, "SsR": true,
		"R": false, "SAR": false, "SHR": false, "^^SR": false, "hSR": false, "S": false, "SFR": false,
	} {
		var m rstos0Match
		for i := range len(h) {
			m = m.next(h[i])
		}
		if got := m == rstos0Yes; got != want {
			t.Errorf("%q matches: %v, want %v", h, got, want)
		}
	}
}
