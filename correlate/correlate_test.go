package correlate

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// A hand-built connection seen at a client-side point (C) and a
// server-side point (S) with a router between them: packets take delay
// from one point to the other, S's clock runs offset ahead of C's, and
// each packet is seen at both points unless told otherwise.
type lab struct {
	t         *testing.T
	c, s      analysis.ConnPackets
	now       int64 // C's clock
	delay     int64
	offset    int64
	next      [2]uint32 // next sequence number of client (0) and server (1)
	ipid      [2]uint16
	natClient netip.AddrPort // the client as S sees it, when a NAT rewrites it
	// driftPPM makes S's clock gain on C's from start on.
	driftPPM float64
	start    int64
}

// where a packet is seen.
type where int

const (
	both         where = iota
	senderOnly         // lost between the points, or by the receiving point's capture
	receiverOnly       // missed by the sending point's capture, or injected
)

var (
	client = netip.MustParseAddrPort("198.51.100.10:40112")
	server = netip.MustParseAddrPort("203.0.113.20:21")
)

func newLab(t *testing.T, offset time.Duration) *lab {
	l := &lab{t: t, now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano(), delay: int64(2 * time.Millisecond),
		offset: int64(offset), next: [2]uint32{1000, 5000000}, ipid: [2]uint16{100, 9000}}
	l.start = l.now
	for _, cp := range []*analysis.ConnPackets{&l.c, &l.s} {
		*cp = analysis.ConnPackets{Session: "S1", Kind: classify.KindControl, Connection: 0, Client: client, Server: server}
	}
	return l
}

// handshake is the three-way handshake, seen at both points.
func (l *lab) handshake() {
	l.c.ISN, l.c.SawSYN = [2]uint32{l.next[0], l.next[1]}, [2]bool{true, true}
	l.s.ISN, l.s.SawSYN = l.c.ISN, l.c.SawSYN
	l.send(true, tcpflow.FlagSYN, 0, both)
	l.send(false, tcpflow.FlagSYN|tcpflow.FlagACK, 0, both)
	l.send(true, tcpflow.FlagACK, 0, both)
}

// send sends n bytes (or a SYN, FIN) from one side with the current
// sequence and acknowledgement numbers, seen where told.
func (l *lab) send(fromClient bool, flags uint8, n int, w where) analysis.PathPacket {
	side := 1
	if fromClient {
		side = 0
	}
	p := l.packet(fromClient, flags, l.next[side], n, w)
	l.next[side] += uint32(n)
	if flags&(tcpflow.FlagSYN|tcpflow.FlagFIN) != 0 {
		l.next[side]++
	}
	return p
}

// packet puts one packet at the points.
func (l *lab) packet(fromClient bool, flags uint8, seq uint32, n int, w where) analysis.PathPacket {
	side := 1
	if fromClient {
		side = 0
	}
	l.now += int64(5 * time.Millisecond) // longer than the delay: each packet arrives before the next leaves
	l.ipid[side]++
	p := analysis.PathPacket{FromClient: fromClient, Flags: flags, Seq: seq, Len: n, IPID: l.ipid[side], Win: 512}
	if flags&tcpflow.FlagACK != 0 {
		p.Ack = l.next[1-side]
	}
	if n > 0 {
		p.Hash = uint64(seq)*2654435761 + uint64(n)
	}
	atSender, atReceiver := w != receiverOnly, w != senderOnly
	sender, receiver := &l.c, &l.s
	skew := func(t int64) int64 { return t + l.offset + int64(float64(t-l.start)*l.driftPPM/1e6) }
	tSend, tRecv := l.now, skew(l.now+l.delay)
	if !fromClient {
		sender, receiver = &l.s, &l.c
		tSend, tRecv = skew(l.now), l.now+l.delay
	}
	if atSender {
		q := p
		q.TS, q.TTL, q.Frame = tSend, 64, int64(len(sender.Packets)+1)
		sender.Packets = append(sender.Packets, q)
	}
	if atReceiver {
		q := p
		q.TS, q.TTL, q.Frame = tRecv, 63, int64(len(receiver.Packets)+1)
		receiver.Packets = append(receiver.Packets, q)
	}
	return p
}

// settle puts each point's packets in capture order, numbered.
func (l *lab) settle() {
	for _, cp := range []*analysis.ConnPackets{&l.c, &l.s} {
		slices.SortStableFunc(cp.Packets, func(a, b analysis.PathPacket) int { return cmp.Compare(a.TS, b.TS) })
		for i := range cp.Packets {
			cp.Packets[i].Frame = int64(i + 1)
		}
	}
}

// transfer sends count full segments from the server, each acknowledged.
func (l *lab) transfer(count int) {
	for range count {
		l.send(false, tcpflow.FlagACK, 1448, both)
		l.send(true, tcpflow.FlagACK, 0, both)
	}
}

// correlate runs the correlation with the points in the order given.
func (l *lab) correlate(serverFirst bool) *Correlation {
	l.settle()
	if l.natClient.IsValid() {
		l.s.Client = l.natClient
	}
	c := &analysis.Result{Packets: []analysis.ConnPackets{l.c}}
	s := &analysis.Result{Packets: []analysis.ConnPackets{l.s}}
	vs := []Vantage{{Name: "client", Result: c}, {Name: "server", Result: s}}
	if serverFirst {
		vs[0], vs[1] = vs[1], vs[0]
	}
	return Correlate(vs, Options{})
}

// onePair returns the correlation's single pair, checked to put the
// client point first (A).
func onePair(t *testing.T, co *Correlation, clientIndex int) Pair {
	t.Helper()
	if len(co.Pairs) != 1 {
		t.Fatalf("%d pairs, want 1 (notes %q)", len(co.Pairs), co.Notes)
	}
	p := co.Pairs[0]
	if p.A != clientIndex {
		t.Errorf("A is point %d, want the client's, %d", p.A, clientIndex)
	}
	return p
}

func wantPath(t *testing.T, p Pair, c2s, s2c DirCounts) {
	t.Helper()
	if p.Path[0] != c2s || p.Path[1] != s2c {
		t.Errorf("path client→server %+v, server→client %+v; want %+v, %+v", p.Path[0], p.Path[1], c2s, s2c)
	}
}

func TestCleanPairWithClockHoursApart(t *testing.T) {
	for _, serverFirst := range []bool{false, true} {
		l := newLab(t, 3*time.Hour+1234*time.Microsecond)
		l.handshake()
		l.transfer(20)
		l.send(true, tcpflow.FlagFIN|tcpflow.FlagACK, 0, both)
		l.send(false, tcpflow.FlagFIN|tcpflow.FlagACK, 0, both)
		l.send(true, tcpflow.FlagACK, 0, both)
		co := l.correlate(serverFirst)
		clientIdx, serverIdx := 0, 1
		if serverFirst {
			clientIdx, serverIdx = 1, 0
		}
		p := onePair(t, co, clientIdx)
		wantPath(t, p, DirCounts{Sent: 24, Delivered: 24}, DirCounts{Sent: 22, Delivered: 22})
		want := l.offset
		if serverFirst {
			want = -want
		}
		if got := int64(co.Points[1].ClockOffset); got != want {
			t.Errorf("server first %v: offset %v, want %v", serverFirst, time.Duration(got), time.Duration(want))
		}
		if p.Delay[0] != 2*time.Millisecond || p.Delay[1] != 2*time.Millisecond || p.Translation != "" {
			t.Errorf("delays %v, translation %q", p.Delay, p.Translation)
		}
		if co.Points[serverIdx].Matched != 46 || len(co.Notes) != 0 {
			t.Errorf("matched %d, notes %q", co.Points[serverIdx].Matched, co.Notes)
		}
	}
}

func TestNATTranslation(t *testing.T) {
	l := newLab(t, 0)
	l.natClient = netip.MustParseAddrPort("192.0.2.1:61000")
	l.handshake()
	l.transfer(3)
	p := onePair(t, l.correlate(false), 0)
	if p.Translation != "198.51.100.10:40112 ↔ 192.0.2.1:61000" {
		t.Errorf("translation %q", p.Translation)
	}
	wantPath(t, p, DirCounts{Sent: 5, Delivered: 5}, DirCounts{Sent: 4, Delivered: 4})
}

// A segment lost between the points and retransmitted: one dropped,
// whichever copies share their acknowledgement number.
func TestDropAndRetransmission(t *testing.T) {
	l := newLab(t, 0)
	l.handshake()
	l.transfer(2)
	lost := l.send(false, tcpflow.FlagACK, 1448, senderOnly)
	l.packet(false, tcpflow.FlagACK, lost.Seq, 1448, both) // the retransmission
	l.send(true, tcpflow.FlagACK, 0, both)
	co := l.correlate(false)
	p := onePair(t, co, 0)
	wantPath(t, p, DirCounts{Sent: 5, Delivered: 5}, DirCounts{Sent: 5, Delivered: 4, Dropped: 1})
	if len(p.Dropped) != 1 || p.Dropped[0].Point != 1 || l.s.Packets[p.Dropped[0].Packet].IPID != lost.IPID {
		t.Errorf("dropped refs %+v, want the first copy (IP ID %d)", p.Dropped, lost.IPID)
	}
}

// A segment the client-side capture missed, which the client
// acknowledged: delivered, not dropped. One the server-side capture
// missed on its way out, which arrived: neither sent nor injected.
func TestCaptureLossIsNotNetworkLoss(t *testing.T) {
	l := newLab(t, 0)
	l.handshake()
	l.send(false, tcpflow.FlagACK, 1448, senderOnly)   // missed by the client's capture
	l.send(false, tcpflow.FlagACK, 1448, receiverOnly) // missed by the server's capture
	l.send(false, tcpflow.FlagACK, 1448, both)
	l.send(true, tcpflow.FlagACK, 0, both)
	p := onePair(t, l.correlate(false), 0)
	wantPath(t, p, DirCounts{Sent: 3, Delivered: 3}, DirCounts{Sent: 3, Delivered: 3})
	if len(p.Dropped)+len(p.Injected) != 0 {
		t.Errorf("refs %+v %+v", p.Dropped, p.Injected)
	}
	var delivered [2]int
	for n, f := range p.FateA {
		if f == FateDelivered {
			delivered[0]++
		} else if f != FateSeen {
			t.Errorf("client's packet %d: %v", n, f)
		}
	}
	for _, f := range p.FateB {
		if f == FateDelivered {
			delivered[1]++
		}
	}
	if delivered != [2]int{1, 1} {
		t.Errorf("%v packets delivered unseen at the client's and the server's point, want one each", delivered)
	}
}

// A reset the client received that never left the server's side.
func TestInjectedReset(t *testing.T) {
	l := newLab(t, 0)
	l.handshake()
	l.transfer(2)
	l.packet(false, tcpflow.FlagRST|tcpflow.FlagACK, l.next[1], 0, receiverOnly)
	// The server, unaware, sends on; the client's stack answers with a
	// reset of its own.
	l.send(false, tcpflow.FlagACK, 100, both)
	l.packet(true, tcpflow.FlagRST, l.next[0], 0, both)
	p := onePair(t, l.correlate(false), 0)
	wantPath(t, p, DirCounts{Sent: 5, Delivered: 5}, DirCounts{Sent: 4, Delivered: 4, Injected: 1})
	if len(p.Injected) != 1 || p.Injected[0].Point != 0 || l.c.Packets[p.Injected[0].Packet].Flags&tcpflow.FlagRST == 0 {
		t.Errorf("injected refs %+v", p.Injected)
	}
}

// Segmentation offload at the server's point: one 2896-byte segment
// there, two of 1448 at the client's.
func TestResegmentation(t *testing.T) {
	l := newLab(t, 0)
	l.handshake()
	seq := l.next[1]
	l.packet(false, tcpflow.FlagACK, seq, 2896, senderOnly)
	l.packet(false, tcpflow.FlagACK, seq, 1448, receiverOnly)
	l.packet(false, tcpflow.FlagACK, seq+1448, 1448, receiverOnly)
	l.next[1] += 2896
	l.send(true, tcpflow.FlagACK, 0, both)
	p := onePair(t, l.correlate(false), 0)
	wantPath(t, p, DirCounts{Sent: 3, Delivered: 3}, DirCounts{Sent: 2, Delivered: 2})
}

// The server's capture began after the handshake: the connection is
// found by its packets.
func TestNoHandshakeAtOnePoint(t *testing.T) {
	l := newLab(t, 90*time.Second)
	l.handshake()
	l.transfer(5)
	l.settle()
	l.s.Packets = l.s.Packets[3:]
	l.s.SawSYN = [2]bool{}
	p := onePair(t, l.correlate(false), 0)
	wantPath(t, p, DirCounts{Sent: 5, Delivered: 5}, DirCounts{Sent: 5, Delivered: 5})
}

// Packets the capture took twice are neither lost nor injected.
func TestCaptureDuplicates(t *testing.T) {
	l := newLab(t, 0)
	l.handshake()
	l.transfer(3)
	l.settle()
	dup := l.c.Packets[4]
	dup.TS++
	l.c.Packets = slices.Insert(l.c.Packets, 5, dup)
	p := onePair(t, l.correlate(false), 0)
	wantPath(t, p, DirCounts{Sent: 5, Delivered: 5}, DirCounts{Sent: 4, Delivered: 4})
}

// A data connection whose SYNs left the client's point and never
// reached the server's: a pair with no connection at B, its SYNs
// dropped.
func TestConnectionSeenAtOnePoint(t *testing.T) {
	l := newLab(t, time.Second)
	l.handshake()
	l.transfer(2)
	l.settle()
	c := &analysis.Result{Packets: []analysis.ConnPackets{l.c}}
	s := &analysis.Result{Packets: []analysis.ConnPackets{l.s}}
	blocked := analysis.ConnPackets{Session: "S1", Kind: classify.KindData, Transfer: 1, Connection: 1,
		Client: netip.MustParseAddrPort("198.51.100.10:40114"), Server: netip.MustParseAddrPort("203.0.113.20:30001"),
		ISN: [2]uint32{777, 0}, SawSYN: [2]bool{true, false}}
	for n := range 3 {
		blocked.Packets = append(blocked.Packets, analysis.PathPacket{FromClient: true, Flags: tcpflow.FlagSYN, Seq: 777,
			TS: l.now - int64(20*time.Millisecond) + int64(n)*int64(time.Millisecond), TTL: 64, IPID: uint16(n + 1), Frame: int64(20 + n)})
	}
	c.Packets = append(c.Packets, blocked)
	co := Correlate([]Vantage{{Name: "client", Result: c}, {Name: "server", Result: s}}, Options{})
	if len(co.Pairs) != 2 {
		t.Fatalf("%d pairs: %+v", len(co.Pairs), co.Pairs)
	}
	p := co.Pairs[1]
	if p.A != 0 || p.ConnA != 1 || p.ConnB != -1 {
		t.Errorf("pair %+v", p)
	}
	if ps := co.PairsOf(0, 1); len(ps) != 1 || ps[0] != &co.Pairs[1] || len(co.PairsOf(1, 0)) != 1 || len(co.PairsOf(1, 1)) != 0 {
		t.Errorf("PairsOf: %v %v %v", ps, co.PairsOf(1, 0), co.PairsOf(1, 1))
	}
	wantPath(t, p, DirCounts{Sent: 3, Dropped: 3}, DirCounts{})
	if len(p.FateA) != 3 || p.FateA[0] != FateDropped || p.FateB != nil || co.FateOf(0, 1, 2, 1) != FateDropped {
		t.Errorf("fates %v %v", p.FateA, p.FateB)
	}
}

// Captures that share nothing say so.
func TestNothingShared(t *testing.T) {
	l := newLab(t, 0)
	l.handshake()
	other := newLab(t, 0)
	other.next = [2]uint32{42, 4242}
	other.now += int64(24 * time.Hour)
	other.handshake()
	co := Correlate([]Vantage{
		{Name: "client", Result: &analysis.Result{Packets: []analysis.ConnPackets{l.c}}},
		{Name: "server", Result: &analysis.Result{Packets: []analysis.ConnPackets{other.s}}},
	}, Options{})
	if len(co.Pairs) != 0 || len(co.Notes) != 2 || !strings.Contains(co.Notes[0], "do not overlap in time") {
		t.Errorf("pairs %d, notes %q", len(co.Pairs), co.Notes)
	}
}

// Nothing, or nothing kept, is not a crash.
func TestEmpty(t *testing.T) {
	co := Correlate([]Vantage{{Name: "a"}, {Name: "b", Result: &analysis.Result{}}}, Options{})
	if len(co.Points) != 2 || len(co.Pairs) != 0 || len(co.Notes) < 2 {
		t.Errorf("%+v", co)
	}
	if co := Correlate(nil, Options{}); len(co.Points) != 0 {
		t.Errorf("%+v", co)
	}
}

// A clock that gains 100 µs a second on the other, over 100 seconds.
func TestDrift(t *testing.T) {
	l := newLab(t, 10*time.Second)
	l.driftPPM = 100
	l.handshake()
	l.transfer(10000)
	co := l.correlate(false)
	p := onePair(t, co, 0)
	wantPath(t, p, DirCounts{Sent: 10002, Delivered: 10002}, DirCounts{Sent: 10001, Delivered: 10001})
	if d := co.Points[1].DriftPPM; d < 99 || d > 101 {
		t.Errorf("drift %.2f ppm, want 100", d)
	}
	if off := co.Points[1].ClockOffset; off < 10*time.Second || off > 10*time.Second+10*time.Millisecond {
		t.Errorf("offset %v", off)
	}
}

// A flood tool sending the same ISN on every connection: each is still
// paired with itself, by its time and ends, in bounded time.
func TestOneISNForMany(t *testing.T) {
	const n = 3000
	var a, b []analysis.ConnPackets
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	for k := range n {
		c := analysis.ConnPackets{Client: netip.AddrPortFrom(client.Addr(), uint16(1024+k)), Server: server,
			ISN: [2]uint32{4242, 0}, SawSYN: [2]bool{true, false}}
		ts := base + int64(k)*int64(time.Millisecond)
		c.Packets = []analysis.PathPacket{{FromClient: true, Flags: tcpflow.FlagSYN, Seq: 4242, TS: ts, TTL: 64, IPID: uint16(k)}}
		a = append(a, c)
		c.Packets = []analysis.PathPacket{{FromClient: true, Flags: tcpflow.FlagSYN, Seq: 4242, TS: ts + int64(time.Hour) + 100, TTL: 63, IPID: uint16(k)}}
		b = append(b, c)
	}
	start := time.Now()
	co := Correlate([]Vantage{{Name: "a", Result: &analysis.Result{Packets: a}}, {Name: "b", Result: &analysis.Result{Packets: b}}}, Options{})
	if len(co.Pairs) != n {
		t.Fatalf("%d pairs", len(co.Pairs))
	}
	for _, p := range co.Pairs {
		if p.ConnA != p.ConnB || p.Path[0] != (DirCounts{Sent: 1, Delivered: 1}) {
			t.Fatalf("pair %+v", p)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("%v for %d connections sharing an ISN", d, n)
	}
}

// Random connections and packets, sharing ISNs and numbers by chance
// more often than real ones: no panic, and the counts add up.
func TestRandomInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var vs []Vantage
		for p := range 1 + rng.IntN(3) {
			res := &analysis.Result{}
			for range rng.IntN(4) {
				c := analysis.ConnPackets{Client: client, Server: server, FTPServerIsClient: rng.IntN(4) == 0,
					ISN: [2]uint32{rng.Uint32N(3), rng.Uint32N(3)}, SawSYN: [2]bool{rng.IntN(2) == 0, rng.IntN(2) == 0}}
				for range rng.IntN(40) {
					c.Packets = append(c.Packets, analysis.PathPacket{FromClient: rng.IntN(2) == 0, Flags: uint8(rng.IntN(32)),
						Seq: rng.Uint32N(5) * 1000, Ack: rng.Uint32N(3), Len: rng.IntN(3) * 500, IPID: uint16(rng.IntN(3)),
						TS: int64(rng.IntN(1e9)), TTL: uint8(60 + rng.IntN(5)), Hash: rng.Uint64N(3), Cut: rng.IntN(5) == 0})
				}
				slices.SortFunc(c.Packets, func(x, y analysis.PathPacket) int { return cmp.Compare(x.TS, y.TS) })
				res.Packets = append(res.Packets, c)
			}
			vs = append(vs, Vantage{Name: string(rune('a' + p)), Result: res})
		}
		co := Correlate(vs, Options{MaxRefs: 3})
		for _, p := range co.Pairs {
			for k := range 2 {
				if c := p.Path[k]; c.Sent != c.Delivered+c.Dropped || c.Sent < 0 || c.Injected < 0 {
					t.Fatalf("counts %+v", c)
				}
			}
			if len(p.Dropped) > 6 || len(p.Injected) > 6 {
				t.Fatalf("%d, %d refs past the cap", len(p.Dropped), len(p.Injected))
			}
		}
	}
}

// An FTP ALG lengthens the client's PORT command on the way: every later
// segment of the client's has other sequence numbers at the server's
// point. The counts say dropped and injected; a note says why they are
// not the path's.
func TestRewrittenStream(t *testing.T) {
	l := newLab(t, 0)
	l.handshake()
	seq := l.next[0]
	l.packet(true, tcpflow.FlagACK|tcpflow.FlagPSH, seq, 28, senderOnly)
	l.packet(true, tcpflow.FlagACK|tcpflow.FlagPSH, seq, 31, receiverOnly)
	l.packet(true, tcpflow.FlagACK|tcpflow.FlagPSH, seq+28, 8, senderOnly)
	l.packet(true, tcpflow.FlagACK|tcpflow.FlagPSH, seq+31, 8, receiverOnly)
	l.next[0] += 39
	l.send(false, tcpflow.FlagACK, 0, both)
	co := l.correlate(false)
	p := onePair(t, co, 0)
	if p.Path[0].Injected == 0 {
		t.Errorf("client→server %+v", p.Path[0])
	}
	if len(co.Notes) != 1 || !strings.Contains(co.Notes[0], "rewrote the stream") {
		t.Errorf("notes %q", co.Notes)
	}
}

// A firewall between the points randomises the server's ISN (as Cisco
// ASAs do): at the client's point every sequence number of the server's,
// and every acknowledgement of the client's, is shifted. The connection
// is matched by its ends and time, and a lost segment and one the
// client's capture missed are told apart as without the shift.
func TestShiftedSequenceNumbers(t *testing.T) {
	l := newLab(t, 300*time.Millisecond) // clocks that overlap: nothing else places them
	l.handshake()
	l.transfer(3)
	l.send(false, tcpflow.FlagACK, 1448, senderOnly) // missed by the client's capture, acknowledged below
	lost := l.send(false, tcpflow.FlagACK, 1448, senderOnly)
	l.packet(false, tcpflow.FlagACK, lost.Seq, 1448, both)
	l.send(true, tcpflow.FlagACK, 0, both)
	l.transfer(2)
	l.settle()
	const d = 0x9e3779b9
	l.c.ISN[1] += d
	for i := range l.c.Packets {
		p := &l.c.Packets[i]
		switch {
		case !p.FromClient:
			p.Seq += d
		case p.Flags&tcpflow.FlagACK != 0:
			p.Ack += d
		}
	}
	co := l.correlate(false)
	p := onePair(t, co, 0)
	wantPath(t, p, DirCounts{Sent: 8, Delivered: 8}, DirCounts{Sent: 9, Delivered: 8, Dropped: 1})
	if len(p.Dropped) != 1 || l.s.Packets[p.Dropped[0].Packet].IPID != lost.IPID {
		t.Errorf("dropped %+v, want the lost segment's first copy", p.Dropped)
	}
	if got := co.Points[1].ClockOffset; got != 300*time.Millisecond {
		t.Errorf("offset %v", got)
	}
	if len(co.Notes) != 2 || !strings.Contains(co.Notes[0], "randomising initial sequence numbers") {
		t.Errorf("notes %q", co.Notes)
	}
}

// The server's SYN-ACKs vanish on the way; the client retries its SYN a
// second apart and gives up. The last SYN-ACK arrives after the
// client's capture's last packet, which had been waiting a second
// between packets: it was still listening, and the SYN-ACK is dropped.
func TestQuietCaptureStillListening(t *testing.T) {
	l := newLab(t, 0)
	l.c.ISN, l.c.SawSYN = [2]uint32{l.next[0], 0}, [2]bool{true, false}
	l.s.ISN, l.s.SawSYN = [2]uint32{l.next[0], l.next[1]}, [2]bool{true, true}
	for range 3 {
		l.packet(true, tcpflow.FlagSYN, l.next[0], 0, both)
		l.packet(false, tcpflow.FlagSYN|tcpflow.FlagACK, l.next[1], 0, senderOnly)
		l.now += int64(time.Second)
	}
	l.next[0]++
	p := onePair(t, l.correlate(false), 0)
	wantPath(t, p, DirCounts{Sent: 3, Delivered: 3}, DirCounts{Sent: 3, Dropped: 3})
}
