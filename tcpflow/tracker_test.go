package tcpflow

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// recorder is a Handler that reassembles every connection and records
// what it was told.
type recorder struct {
	opened, closed []*Conn
	data           [2]strings.Builder
	gaps           [2]int64
	sniff          bool // answer to Sniff
	reassemble     bool // set Reassemble in Opened
}

func (r *recorder) Opened(c *Conn) {
	r.opened = append(r.opened, c)
	c.Reassemble = r.reassemble
}
func (r *recorder) Sniff(c *Conn, d Dir, p []byte) bool { return r.sniff }
func (r *recorder) Data(c *Conn, d Dir, b []byte, at Ref) {
	r.data[d].Write(b)
}
func (r *recorder) Gap(c *Conn, d Dir, n int64, at Ref) { r.gaps[d] += n }
func (r *recorder) Closed(c *Conn)                      { r.closed = append(r.closed, c) }

var (
	cli = netip.MustParseAddrPort("198.51.100.10:40000")
	srv = netip.MustParseAddrPort("203.0.113.20:21")
)

// seg builds a decoded TCP packet.
func seg(from, to netip.AddrPort, flags uint8, seq, ack uint32, payload string) *decode.Packet {
	return &decode.Packet{
		Src: from.Addr(), Dst: to.Addr(), SrcPort: from.Port(), DstPort: to.Port(),
		TTL: 64, Flags: flags, Seq: seq, Ack: ack, Win: 65535, WScale: decode.WScaleNone,
		Payload: []byte(payload), PayloadLen: len(payload), IPLen: 40 + len(payload),
	}
}

type feeder struct {
	t     *Tracker
	frame int64
	ts    int64
}

func (f *feeder) send(p *decode.Packet, dt time.Duration) {
	f.frame++
	f.ts += int64(dt)
	f.t.Packet(p, Ref{Frame: f.frame, TS: f.ts})
}

func TestTrackerHandshakeDataFIN(t *testing.T) {
	r := &recorder{reassemble: true}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	f.send(seg(cli, srv, FlagSYN, 1000, 0, ""), 0)
	f.send(seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""), time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 1001, 5001, ""), time.Millisecond)
	f.send(seg(srv, cli, FlagACK|FlagPSH, 5001, 1001, "220 hi\r\n"), time.Millisecond)
	f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5009, "QUIT\r\n"), time.Millisecond)
	f.send(seg(srv, cli, FlagACK|FlagPSH, 5009, 1007, "221 bye\r\n"), time.Millisecond)
	f.send(seg(srv, cli, FlagACK|FlagFIN, 5018, 1007, ""), time.Millisecond)
	f.send(seg(cli, srv, FlagACK|FlagFIN, 1007, 5019, ""), time.Millisecond)
	f.send(seg(srv, cli, FlagACK, 5019, 1008, ""), time.Millisecond)
	if len(r.opened) != 1 || len(r.closed) != 0 {
		t.Fatalf("opened %d closed %d, want 1 and 0 before linger", len(r.opened), len(r.closed))
	}
	c := r.opened[0]
	if c.Client != cli || c.Server != srv || c.Midstream {
		t.Fatalf("orientation %v→%v midstream=%v", c.Client, c.Server, c.Midstream)
	}
	f.t.Flush()
	if len(r.closed) != 1 || c.Closed != ClosedFIN {
		t.Fatalf("closed %d reason %v, want 1 fin", len(r.closed), c.Closed)
	}
	if got := r.data[FromServer].String(); got != "220 hi\r\n221 bye\r\n" {
		t.Errorf("server stream %q", got)
	}
	if got := r.data[FromClient].String(); got != "QUIT\r\n" {
		t.Errorf("client stream %q", got)
	}
	if c.HandshakeAck.Frame != 3 || c.SynAck.Frame != 2 {
		t.Errorf("handshake frames synack=%d ack=%d", c.SynAck.Frame, c.HandshakeAck.Frame)
	}
	if got := c.Half[FromServer].SeqBytes(); got != 17 {
		t.Errorf("server SeqBytes %d, want 17", got)
	}
	if _, _, st := c.WindowScaling(); st != "off" {
		t.Errorf("window scaling %q, want off", st)
	}
}

func TestTrackerReassemblyOutOfOrderAndGap(t *testing.T) {
	r := &recorder{reassemble: true}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	f.send(seg(cli, srv, FlagSYN, 100, 0, ""), 0)
	f.send(seg(srv, cli, FlagSYN|FlagACK, 900, 101, ""), 0)
	f.send(seg(cli, srv, FlagACK, 101, 901, ""), 0)
	f.send(seg(srv, cli, FlagACK, 907, 101, "world\r\n"), 0) // early
	f.send(seg(srv, cli, FlagACK, 901, 101, "hello "), 0)    // fills the hole
	f.send(seg(srv, cli, FlagACK, 901, 101, "hello "), 0)    // retransmission
	// 914..920 never captured, but the client acks it: capture loss.
	f.send(seg(srv, cli, FlagACK, 920, 101, "tail\r\n"), 0)
	f.send(seg(cli, srv, FlagACK, 101, 926, ""), 0)
	f.t.Flush()
	if got := r.data[FromServer].String(); got != "hello world\r\ntail\r\n" {
		t.Errorf("stream %q", got)
	}
	if r.gaps[FromServer] != 6 {
		t.Errorf("gap %d, want 6", r.gaps[FromServer])
	}
	h := r.opened[0].Half[FromServer]
	if h.Retransmits != 1 || h.OutOfOrder != 1 || h.CaptureLoss != 6 {
		t.Errorf("retrans %d ooo %d loss %d, want 1 1 6", h.Retransmits, h.OutOfOrder, h.CaptureLoss)
	}
}

func TestTrackerPortReuseAndReset(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	f.send(seg(cli, srv, FlagSYN, 1, 0, ""), 0)
	f.send(seg(srv, cli, FlagRST|FlagACK, 0, 2, ""), 0)
	// The same ISN again: the client never got the RST and retransmits
	// (the RST was lost after the capture point); same attempt.
	f.send(seg(cli, srv, FlagSYN, 1, 0, ""), time.Second)
	f.send(seg(cli, srv, FlagSYN, 7777, 0, ""), time.Second) // a new ISN: a new connection
	f.t.Flush()
	if len(r.opened) != 2 {
		t.Fatalf("opened %d connections, want 2", len(r.opened))
	}
	if r.opened[0].Closed != ClosedReused || r.opened[1].Closed != ClosedEOF {
		t.Errorf("reasons %v %v", r.opened[0].Closed, r.opened[1].Closed)
	}
	if r.opened[0].Half[FromClient].SYNCount != 2 {
		t.Errorf("first attempt SYNs %d, want 2", r.opened[0].Half[FromClient].SYNCount)
	}
	if f.t.Stats().Reused != 1 {
		t.Errorf("reused %d", f.t.Stats().Reused)
	}
}

func TestTrackerMidstreamOrientationAndExpiry(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{ConnIdle: time.Minute}, r), ts: 1e18}
	f.send(seg(srv, cli, FlagACK|FlagPSH, 5, 9, "226 ok\r\n"), 0)
	c := r.opened[0]
	if c.Client != cli || !c.Midstream || c.Half[FromClient].WScale != WScaleUnknown {
		t.Fatalf("midstream conn: client %v midstream %v wscale %d", c.Client, c.Midstream, c.Half[0].WScale)
	}
	other := netip.MustParseAddrPort("198.51.100.11:5555")
	f.send(seg(other, srv, FlagSYN, 1, 0, ""), 2*time.Minute)
	if c.Closed != ClosedIdle || f.t.Stats().Expired != 1 {
		t.Errorf("idle conn: closed %v expired %d", c.Closed, f.t.Stats().Expired)
	}
}

func TestTrackerEvictsAtCap(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{MaxConns: 2}, r), ts: 1e18}
	for i := range 5 {
		p := netip.AddrPortFrom(cli.Addr(), uint16(40000+i))
		f.send(seg(p, srv, FlagSYN, 1, 0, ""), time.Millisecond)
	}
	if f.t.Open() != 2 || f.t.Stats().Evicted != 3 {
		t.Errorf("open %d evicted %d, want 2 and 3", f.t.Open(), f.t.Stats().Evicted)
	}
	if r.opened[0].Closed != ClosedEvicted {
		t.Errorf("oldest not evicted first: %v", r.opened[0].Closed)
	}
}

// A SYN flood fills only the half-open part of the table: established
// connections, older than every SYN, keep their place, and the oldest
// attempt makes room for the next.
func TestTrackerCapsHalfOpenApart(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{MaxConns: 10, MaxHalfOpen: 3}, r), ts: 1e18}
	established := 0
	for i := range 4 {
		p := netip.AddrPortFrom(cli.Addr(), uint16(30000+i))
		f.send(seg(p, srv, FlagSYN, 100, 0, ""), time.Millisecond)
		f.send(seg(srv, p, FlagSYN|FlagACK, 500, 101, ""), time.Millisecond)
		f.send(seg(p, srv, FlagACK, 101, 501, ""), time.Millisecond)
		established++
	}
	for i := range 20 {
		p := netip.AddrPortFrom(cli.Addr(), uint16(40000+i))
		f.send(seg(p, srv, FlagSYN, 1, 0, ""), time.Millisecond)
	}
	st := f.t.Stats()
	if f.t.Open() != established+3 || st.Evicted != 17 || st.EvictedHalfOpen != 17 || st.MaxHalfOpen != 3 {
		t.Errorf("open %d, evicted %d (half-open %d), max half-open %d; want %d, 17 (17), 3",
			f.t.Open(), st.Evicted, st.EvictedHalfOpen, st.MaxHalfOpen, established+3)
	}
	for i, c := range r.opened {
		switch {
		case i < established && c.Closed != 0:
			t.Errorf("established connection %d closed (%v) by a flood of SYNs", c.ID, c.Closed)
		case i >= established && i < established+17 && c.Closed != ClosedEvicted:
			t.Errorf("half-open connection %d: closed %v, want evicted, oldest first", c.ID, c.Closed)
		case i >= established+17 && c.Closed != 0:
			t.Errorf("newest half-open connection %d closed (%v)", c.ID, c.Closed)
		}
	}
}

func TestTrackerICMPMatchesQuotedConnection(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	f.send(seg(cli, srv, FlagSYN, 1, 0, ""), 0)
	router := netip.MustParseAddr("198.51.100.1")
	p := &decode.Packet{Src: router, Dst: cli.Addr(), TTL: 255, ICMP: decode.ICMPError{
		Type: 3, Code: 4, MTU: 1400, QSrc: cli.Addr(), QDst: srv.Addr(), QProto: 6,
		QSrcPort: cli.Port(), QDstPort: srv.Port(), HasPorts: true}}
	f.t.ICMP(p, Ref{Frame: 2, TS: f.ts})
	c := r.opened[0]
	if len(c.ICMP) != 1 || c.ICMP[0].From != router || c.ICMP[0].MTU != 1400 || c.ICMP[0].QuotedBy != FromClient {
		t.Fatalf("icmp %+v", c.ICMP)
	}
}

func TestTrackerPacketDoesNotAllocate(t *testing.T) {
	r := &recorder{}
	tr := NewTracker(Options{}, r)
	p := seg(cli, srv, FlagSYN, 1, 0, "")
	tr.Packet(p, Ref{Frame: 1, TS: 1})
	d := seg(cli, srv, FlagACK, 2, 1, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	seq := uint32(2)
	frame := int64(2)
	allocs := testing.AllocsPerRun(1000, func() {
		d.Seq = seq
		seq += uint32(d.PayloadLen)
		frame++
		tr.Packet(d, Ref{Frame: frame, TS: frame})
	})
	if allocs != 0 {
		t.Errorf("%v allocations per data packet, want 0", allocs)
	}
}

// A transfer larger than 4 GiB wraps the sequence space; SeqBytes must
// still count every byte (zeek bigtransfer.pcap moves 5,416,666,670).
func TestSeqBytesAcrossWraps(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	isn := uint32(0xF0000000)
	f.send(seg(srv, cli, FlagSYN, isn, 0, ""), 0)
	payload := string(make([]byte, 1000))
	const step = 1 << 30 // 1 GiB between captured segments (the rest not captured)
	seq := isn + 1
	var sent int64
	for range 5 {
		f.send(seg(srv, cli, FlagACK, seq, 1, payload), time.Millisecond)
		seq += step
		sent += step
	}
	fin := seq
	f.send(seg(srv, cli, FlagACK|FlagFIN, fin, 1, ""), time.Millisecond)
	c := r.opened[0]
	if got := c.Half[c.dirOf(srv)].SeqBytes(); got != sent {
		t.Errorf("SeqBytes %d, want %d", got, sent)
	}
}

// A packet seen twice (same IP ID, seq, ack, length and flags; here with
// a different TTL, as on both sides of a router) is a capture duplicate,
// not a retransmission; a real retransmission has a new IP ID.
func TestTrackerDuplicatesAreNotRetransmissions(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	f.send(seg(cli, srv, FlagSYN, 1, 0, ""), 0)
	synack := seg(srv, cli, FlagSYN|FlagACK, 100, 2, "")
	synack.TTL = 63
	f.send(synack, 0)
	mk := func(ipid uint16, ttl uint8, seq uint32) *decode.Packet {
		p := seg(srv, cli, FlagACK, seq, 2, "0123456789")
		p.IPID, p.TTL = ipid, ttl
		return p
	}
	f.send(mk(7, 63, 101), 0)
	f.send(mk(8, 63, 111), 0)
	f.send(mk(7, 61, 101), 0) // copy of the first, seen after two more routers
	f.send(mk(8, 61, 111), 0)
	f.send(mk(9, 63, 101), 0) // a real retransmission
	h := r.opened[0].Half[FromServer]
	if h.Duplicates != 2 || h.Retransmits != 1 {
		t.Errorf("duplicates %d retransmits %d, want 2 and 1", h.Duplicates, h.Retransmits)
	}
	if ttl, n := h.TTL.Mode(); ttl != 63 || h.TTL.Distinct() != 1 {
		t.Errorf("TTL mode %d (n %d, distinct %d): duplicates must not count", ttl, n, h.TTL.Distinct())
	}
}

// A connection that ended is closed after Linger even when a half-open
// connection older than it is still waiting out HalfOpenIdle: each timeout
// has its own list, so nothing waits behind a longer-lived entry.
func TestTrackerLingerIsNotHeldBehindHalfOpen(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{Linger: time.Second, HalfOpenIdle: time.Minute}, r), ts: 1e18}
	other := netip.MustParseAddrPort("198.51.100.11:5555")
	f.send(seg(other, srv, FlagSYN, 1, 0, ""), 0) // half-open, older
	f.send(seg(cli, srv, FlagSYN, 1, 0, ""), time.Millisecond)
	f.send(seg(srv, cli, FlagRST|FlagACK, 0, 2, ""), time.Millisecond)
	f.send(seg(other, srv, FlagSYN, 1, 0, ""), 2*time.Second) // time moves on
	if len(r.closed) != 1 || r.closed[0].Client != cli || r.closed[0].Closed != ClosedRST {
		t.Fatalf("closed %d connections, want the refused one after its linger", len(r.closed))
	}
}
