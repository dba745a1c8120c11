package tcpflow

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// Table tests for record's steps (record.go), one table per step: each row
// is a short packet sequence and the facts that step must have filled.

// pk is one packet of a row and how long after the previous one the
// capture saw it.
type pk struct {
	p  *decode.Packet
	dt time.Duration
}

// every spaces packets 1 ms apart.
func every(ps ...*decode.Packet) []pk {
	out := make([]pk, len(ps))
	for i, p := range ps {
		out[i] = pk{p, time.Millisecond}
	}
	return out
}

// track feeds a row's packets (frames 1, 2, ...) to a new tracker and
// returns the connection they made, still open, and the tracker.
func track(t *testing.T, opts Options, pkts []pk) (*Conn, *Tracker) {
	t.Helper()
	r := &recorder{}
	f := &feeder{t: NewTracker(opts, r), ts: 1e18}
	for _, x := range pkts {
		f.send(x.p, x.dt)
	}
	if len(r.opened) != 1 {
		t.Fatalf("%d connections opened, want 1", len(r.opened))
	}
	return r.opened[0], f.t
}

// Packet modifiers for the rows; each returns p.

func withIPID(p *decode.Packet, id uint16) *decode.Packet { p.IPID = id; return p }
func withTTL(p *decode.Packet, v uint8) *decode.Packet    { p.TTL = v; return p }
func withWin(p *decode.Packet, w uint16) *decode.Packet   { p.Win = w; return p }
func withDF(p *decode.Packet) *decode.Packet              { p.DF = true; return p }

// withSYNOptions puts SYN options on p.
func withSYNOptions(p *decode.Packet, mss uint16, wscale int8, sack bool) *decode.Packet {
	p.MSS, p.WScale, p.SACKPerm = mss, wscale, sack
	return p
}

// bytesOf is a payload of n bytes.
func bytesOf(n int) string { return strings.Repeat("x", n) }

// handshakeOf is cli→srv's three packets with ISNs 1000 and 5000.
func handshakeOf() []*decode.Packet {
	return []*decode.Packet{
		seg(cli, srv, FlagSYN, 1000, 0, ""),
		seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""),
		seg(cli, srv, FlagACK, 1001, 5001, ""),
	}
}

// then appends packets to a sequence.
func then(a []*decode.Packet, b ...*decode.Packet) []*decode.Packet {
	return append(append([]*decode.Packet{}, a...), b...)
}

func TestRecordCountsAndDuplicates(t *testing.T) {
	type facts struct {
		Packets, Bytes, IPBytes  int64
		TTLFirst, TTLMin, TTLMax uint8
		DFSeen, Duplicates       int64
		Retransmits              int64
	}
	data := func() *decode.Packet { return seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "USER a\r\n") }
	v6 := func(p *decode.Packet) *decode.Packet { p.V6 = true; return p }
	rows := []struct {
		name string
		pkts []*decode.Packet
		want facts
	}{
		{"every packet counted with its TTL range and DF bits",
			[]*decode.Packet{withTTL(withDF(seg(cli, srv, FlagSYN, 1000, 0, "")), 64), withTTL(seg(cli, srv, FlagACK, 1001, 5001, ""), 60),
				withTTL(withDF(data()), 70)},
			facts{Packets: 3, Bytes: 8, IPBytes: 128, TTLFirst: 64, TTLMin: 60, TTLMax: 70, DFSeen: 2}},
		{"an IPv4 copy with the same IP ID is counted, as a duplicate and nothing else",
			[]*decode.Packet{withIPID(data(), 7), withIPID(data(), 7)},
			facts{Packets: 2, Bytes: 16, IPBytes: 96, TTLFirst: 64, TTLMin: 64, TTLMax: 64, Duplicates: 1}},
		{"a resend with a new IP ID is a retransmission, not a copy",
			[]*decode.Packet{withIPID(data(), 7), withIPID(data(), 8)},
			facts{Packets: 2, Bytes: 16, IPBytes: 96, TTLFirst: 64, TTLMin: 64, TTLMax: 64, Retransmits: 1}},
		{"IP ID 0 never makes a copy",
			[]*decode.Packet{data(), data()},
			facts{Packets: 2, Bytes: 16, IPBytes: 96, TTLFirst: 64, TTLMin: 64, TTLMax: 64, Retransmits: 1}},
		{"IPv6 has no IP ID to compare",
			[]*decode.Packet{v6(withIPID(data(), 7)), v6(withIPID(data(), 7))},
			facts{Packets: 2, Bytes: 16, IPBytes: 96, TTLFirst: 64, TTLMin: 64, TTLMax: 64, Retransmits: 1}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, _ := track(t, Options{}, every(row.pkts...))
			h := &c.Half[FromClient]
			got := facts{h.Packets, h.Bytes, h.IPBytes, h.TTLFirst, h.TTLMin, h.TTLMax, h.DFSeen, h.Duplicates, h.Retransmits}
			if got != row.want {
				t.Errorf("got  %+v\nwant %+v", got, row.want)
			}
		})
	}
}

func TestRecordPath(t *testing.T) {
	type facts struct {
		Oversized              int64
		TTLTotal               int64 // packets in the TTL stats: every one but resets
		TTLLast                uint8
		IPIDSamples, IPIDSteps int64
		IPIDZero               int64
		IPIDLast               uint16
		MaxIdle                time.Duration
		MaxIdleEnd             int64 // frame
		HostTTLTotal           int64 // the client's packets in the host table
		HostsDropped           int64 // packets of hosts past the table's cap
	}
	syn := func() *decode.Packet { return seg(cli, srv, FlagSYN, 1000, 0, "") }
	synAck := func(mss uint16) *decode.Packet {
		return withSYNOptions(seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""), mss, decode.WScaleNone, false)
	}
	rows := []struct {
		name     string
		maxHosts int
		pkts     []pk
		want     facts
	}{
		{"a segment larger than the peer's MSS is oversized", 0,
			every(withIPID(syn(), 1), synAck(1000), withIPID(seg(cli, srv, FlagACK, 1001, 5001, bytesOf(1000)), 2),
				withIPID(seg(cli, srv, FlagACK, 2001, 5001, bytesOf(1001)), 3)),
			facts{Oversized: 1, TTLTotal: 3, TTLLast: 64, IPIDSamples: 3, IPIDSteps: 2, IPIDLast: 3,
				MaxIdle: 2 * time.Millisecond, MaxIdleEnd: 3, HostTTLTotal: 3}},
		{"a reset's TTL and IP ID stay out of the sender's stats", 0,
			every(withIPID(syn(), 100), synAck(0), withTTL(withIPID(seg(cli, srv, FlagRST, 1001, 0, ""), 40000), 250)),
			facts{TTLTotal: 1, TTLLast: 64, IPIDSamples: 1, IPIDLast: 100,
				MaxIdle: 2 * time.Millisecond, MaxIdleEnd: 3, HostTTLTotal: 1}},
		{"IP IDs: small steps counted, a jump and zeros not", 0,
			every(withIPID(syn(), 10), withIPID(seg(cli, srv, FlagACK, 1001, 5001, ""), 11),
				withIPID(seg(cli, srv, FlagACK, 1001, 5001, "a"), 5000), seg(cli, srv, FlagACK, 1002, 5001, "")),
			facts{TTLTotal: 4, TTLLast: 64, IPIDSamples: 4, IPIDSteps: 1, IPIDZero: 1,
				MaxIdle: time.Millisecond, MaxIdleEnd: 2, HostTTLTotal: 4}},
		{"the longest silence and the packet that ended it", 0,
			[]pk{{syn(), 0}, {seg(cli, srv, FlagACK, 1001, 5001, ""), 3 * time.Millisecond},
				{seg(cli, srv, FlagACK, 1001, 5001, "a"), 7 * time.Millisecond},
				{seg(cli, srv, FlagACK, 1002, 5001, "b"), 2 * time.Millisecond}},
			facts{TTLTotal: 4, TTLLast: 64, IPIDSamples: 4, IPIDZero: 4,
				MaxIdle: 7 * time.Millisecond, MaxIdleEnd: 3, HostTTLTotal: 4}},
		{"past the host table's cap every packet of a host left out is counted", 1,
			every(syn(), synAck(0), seg(cli, srv, FlagACK, 1001, 5001, ""), seg(srv, cli, FlagACK, 5001, 1001, "")),
			facts{TTLTotal: 2, TTLLast: 64, IPIDSamples: 2, IPIDZero: 2,
				MaxIdle: 2 * time.Millisecond, MaxIdleEnd: 3, HostTTLTotal: 2, HostsDropped: 2}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, tr := track(t, Options{MaxHosts: row.maxHosts}, row.pkts)
			h := &c.Half[FromClient]
			got := facts{h.Oversized, h.TTL.Total(), h.TTL.Last(), h.IPIDSamples, h.IPIDSteps, h.IPIDZero, h.IPIDLast,
				time.Duration(h.MaxIdle), h.MaxIdleEnd.Frame, tr.Hosts().TTL(cli.Addr()).Total(), tr.Hosts().Dropped}
			if got != row.want {
				t.Errorf("got  %+v\nwant %+v", got, row.want)
			}
		})
	}
}

func TestRecordHandshake(t *testing.T) {
	type side struct {
		SawSYN    bool
		ISN, Base uint32
		SYN       int64 // frame
		SYNCount  int
		MSS       uint16
		WScale    int8
		SACKPerm  bool
	}
	type facts struct {
		Client, Server side
		SynAck         int64 // frame
		Midstream      bool
		Scaling        string
		Retrans        []int64 // frames logged as retransmissions
	}
	rows := []struct {
		name string
		pkts []*decode.Packet
		want facts
	}{
		{"both SYNs with their options: scaling on",
			[]*decode.Packet{withSYNOptions(seg(cli, srv, FlagSYN, 1000, 0, ""), 1460, 7, true),
				withSYNOptions(seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""), 1400, 9, false)},
			facts{Client: side{true, 1000, 1001, 1, 1, 1460, 7, true}, Server: side{true, 5000, 5001, 2, 1, 1400, 9, false},
				SynAck: 2, Scaling: "on"}},
		{"a SYN without the window-scale option turns scaling off",
			[]*decode.Packet{withSYNOptions(seg(cli, srv, FlagSYN, 1000, 0, ""), 1460, 7, true), seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, "")},
			facts{Client: side{true, 1000, 1001, 1, 1, 1460, 7, true}, Server: side{true, 5000, 5001, 2, 1, 0, WScaleNone, false},
				SynAck: 2, Scaling: "off"}},
		{"a SYN sent again with its ISN is a retransmission; the first one's facts stay",
			[]*decode.Packet{withSYNOptions(seg(cli, srv, FlagSYN, 1000, 0, ""), 1460, 7, true), withSYNOptions(seg(cli, srv, FlagSYN, 1000, 0, ""), 536, 2, false)},
			facts{Client: side{true, 1000, 1001, 1, 2, 1460, 7, true}, Server: side{WScale: WScaleUnknown},
				Scaling: "unknown", Retrans: []int64{2}}},
		{"a SYN with another ISN on the open connection is no retransmission",
			[]*decode.Packet{seg(cli, srv, FlagSYN, 1000, 0, ""), seg(cli, srv, FlagSYN, 7777, 0, "")},
			facts{Client: side{true, 1000, 1001, 1, 2, 0, WScaleNone, false}, Server: side{WScale: WScaleUnknown},
				Scaling: "off"}},
		{"only the server's SYN-ACK is the connection's SynAck",
			[]*decode.Packet{seg(cli, srv, FlagSYN, 1000, 0, ""), seg(srv, cli, FlagSYN, 5000, 0, "")},
			facts{Client: side{true, 1000, 1001, 1, 1, 0, WScaleNone, false}, Server: side{true, 5000, 5001, 2, 1, 0, WScaleNone, false},
				Scaling: "off"}},
		{"picked up mid-stream: no SYN, sequence counted from the first segment, scaling unknown",
			[]*decode.Packet{seg(cli, srv, FlagACK, 3000, 9000, "NOOP\r\n"), seg(srv, cli, FlagACK, 9000, 3006, "200 ok\r\n")},
			facts{Client: side{Base: 3000, WScale: WScaleUnknown}, Server: side{Base: 9000, WScale: WScaleUnknown},
				Midstream: true, Scaling: "unknown"}},
	}
	sideOf := func(h *Half) side {
		return side{h.SawSYN, h.ISN, h.Base, h.SYN.Frame, h.SYNCount, h.MSS, h.WScale, h.SACKPerm}
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, _ := track(t, Options{}, every(row.pkts...))
			_, _, scaling := c.WindowScaling()
			got := facts{Client: sideOf(&c.Half[FromClient]), Server: sideOf(&c.Half[FromServer]),
				SynAck: c.SynAck.Frame, Midstream: c.Midstream, Scaling: scaling}
			for _, s := range c.Log {
				if s.Retrans {
					got.Retrans = append(got.Retrans, s.Frame)
				}
			}
			if got.Client != row.want.Client || got.Server != row.want.Server || got.SynAck != row.want.SynAck ||
				got.Midstream != row.want.Midstream || got.Scaling != row.want.Scaling || !sameFrames(got.Retrans, row.want.Retrans) {
				t.Errorf("got  %+v\nwant %+v", got, row.want)
			}
		})
	}
}

// sameFrames compares frame lists, nil and empty alike.
func sameFrames(a, b []int64) bool {
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

func TestRecordSequence(t *testing.T) {
	type facts struct {
		SeqBytes                  int64
		Retransmits, RetransBytes int64
		OutOfOrder                int64
		Keepalives                int64
		FirstData, LastData       int64 // frames
		MaxSegSize                int
		Logged                    []int64 // frames in the segment log
	}
	hs := handshakeOf()
	data := func(seq uint32, n int) *decode.Packet { return seg(srv, cli, FlagACK, seq, 1001, bytesOf(n)) }
	rows := []struct {
		name string
		pkts []*decode.Packet
		want facts
	}{
		{"in-order data: bytes counted once, first data logged",
			then(hs, data(5001, 100), data(5101, 300)),
			facts{SeqBytes: 400, FirstData: 4, LastData: 5, MaxSegSize: 300, Logged: []int64{1, 2, 4}}},
		{"bytes sent again are a retransmission, logged, not counted twice",
			then(hs, data(5001, 100), data(5101, 100), data(5001, 100)),
			facts{SeqBytes: 200, Retransmits: 1, RetransBytes: 100, FirstData: 4, LastData: 6, MaxSegSize: 100,
				Logged: []int64{1, 2, 4, 6}}},
		{"a segment filling a hole arrived out of order: not a retransmission",
			then(hs, data(5101, 100), data(5001, 100)),
			facts{SeqBytes: 200, OutOfOrder: 1, FirstData: 4, LastData: 5, MaxSegSize: 100, Logged: []int64{1, 2, 4}}},
		{"a keepalive (one byte below the next sequence number) is no retransmission and no new data",
			then(hs, data(5001, 100), data(5100, 1), seg(srv, cli, FlagACK, 5100, 1001, "")),
			facts{SeqBytes: 100, Keepalives: 2, FirstData: 4, LastData: 5, MaxSegSize: 100, Logged: []int64{1, 2, 4, 5, 6}}},
		{"mid-stream: the sequence space starts at the first segment seen",
			[]*decode.Packet{data(70000, 50), data(70050, 50)},
			facts{SeqBytes: 100, FirstData: 1, LastData: 2, MaxSegSize: 50, Logged: []int64{1}}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, _ := track(t, Options{}, every(row.pkts...))
			h := &c.Half[FromServer]
			got := facts{h.SeqBytes(), h.Retransmits, h.RetransBytes, h.OutOfOrder, h.Traffic().Keepalives,
				h.FirstData.Frame, h.LastData.Frame, h.MaxSegSize, frames(c.Log)}
			want := row.want
			if got.SeqBytes != want.SeqBytes || got.Retransmits != want.Retransmits || got.RetransBytes != want.RetransBytes ||
				got.OutOfOrder != want.OutOfOrder || got.Keepalives != want.Keepalives || got.FirstData != want.FirstData ||
				got.LastData != want.LastData || got.MaxSegSize != want.MaxSegSize || !sameFrames(got.Logged, want.Logged) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestRecordAck(t *testing.T) {
	type facts struct {
		AckedHigh    uint32 // the client's highest ACK
		HandshakeAck int64  // frame
		CaptureLoss  int64  // server bytes the client acknowledged that the capture never had
		RTTSamples   int64  // round trips timed on the server's data
		RTTMin       time.Duration
		MaxAcked     int // the server's largest segment acknowledged whole
	}
	data := func(seq uint32, n int) *decode.Packet { return seg(srv, cli, FlagACK, seq, 1001, bytesOf(n)) }
	ack := func(a uint32) *decode.Packet { return seg(cli, srv, FlagACK, 1001, a, "") }
	hs := every(handshakeOf()...)
	rows := []struct {
		name string
		pkts []pk
		want facts
	}{
		{"the third packet acknowledges the SYN-ACK; an ACK of new data times a round trip",
			append(hs, pk{data(5001, 500), time.Millisecond}, pk{ack(5501), 3 * time.Millisecond}),
			facts{AckedHigh: 5501, HandshakeAck: 3, RTTSamples: 1, RTTMin: 3 * time.Millisecond, MaxAcked: 500}},
		{"an ACK that does not acknowledge the SYN-ACK is not the handshake's",
			every(seg(cli, srv, FlagSYN, 1000, 0, ""), seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""), ack(4000)),
			facts{AckedHigh: 4000}},
		{"Karn: an ACK after a retransmission times neither copy",
			append(hs, pk{data(5001, 500), time.Millisecond}, pk{data(5001, 500), 200 * time.Millisecond},
				pk{ack(5501), 3 * time.Millisecond}),
			facts{AckedHigh: 5501, HandshakeAck: 3, MaxAcked: 500}},
		{"a reset's ACK times no round trip",
			append(hs, pk{data(5001, 500), time.Millisecond}, pk{seg(cli, srv, FlagRST|FlagACK, 1001, 5501, ""), 3 * time.Millisecond}),
			facts{AckedHigh: 5501, HandshakeAck: 3, MaxAcked: 500}},
		{"an ACK going back does not move the acknowledged edge",
			append(hs, pk{data(5001, 500), time.Millisecond}, pk{ack(5501), time.Millisecond}, pk{ack(5201), time.Millisecond}),
			facts{AckedHigh: 5501, HandshakeAck: 3, RTTSamples: 1, RTTMin: time.Millisecond, MaxAcked: 500}},
		{"bytes acknowledged that the capture never had are capture loss",
			append(hs, pk{data(5001, 100), time.Millisecond}, pk{data(6001, 100), time.Millisecond}, pk{ack(6101), time.Millisecond}),
			facts{AckedHigh: 6101, HandshakeAck: 3, CaptureLoss: 900, RTTSamples: 1, RTTMin: 2 * time.Millisecond,
				MaxAcked: 100}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, _ := track(t, Options{}, row.pkts)
			s := &c.Half[FromServer]
			tr := s.Traffic()
			got := facts{c.Half[FromClient].AckedHigh, c.HandshakeAck.Frame, s.CaptureLoss, tr.AckRTTSamples,
				time.Duration(tr.AckRTTMin), tr.PMTU.MaxAcked}
			if got != row.want {
				t.Errorf("got  %+v\nwant %+v", got, row.want)
			}
		})
	}
}

func TestRecordWindow(t *testing.T) {
	type facts struct {
		ZeroWindows               int64 // the client's
		ZeroWinFirst, ZeroWinLast int64 // frames
		WinReopen                 int64 // frame
		Closed                    bool  // the client's window shut at the end
		MaxWin                    uint16
		Probes                    int64 // the server's probes of the client's window
		ProbeLast                 int64 // frame
		MaxInFlight               int64 // the server's
		WinLimited                int64
	}
	hs := handshakeOf()
	data := func(seq uint32, n int) *decode.Packet { return seg(srv, cli, FlagACK, seq, 1001, bytesOf(n)) }
	ack := func(a uint32, w uint16) *decode.Packet { return withWin(seg(cli, srv, FlagACK, 1001, a, ""), w) }
	scaled := func(ws int8) []*decode.Packet {
		return []*decode.Packet{
			withSYNOptions(seg(cli, srv, FlagSYN, 1000, 0, ""), 1460, ws, true),
			withSYNOptions(seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""), 1460, 7, true),
			ack(5001, 100),
		}
	}
	rows := []struct {
		name string
		pkts []*decode.Packet
		want facts
	}{
		{"a zero window starts a run, a non-zero one ends it",
			then(hs, data(5001, 100), ack(5101, 0), ack(5101, 0), ack(5101, 8000)),
			facts{ZeroWindows: 2, ZeroWinFirst: 5, ZeroWinLast: 6, WinReopen: 7, MaxWin: 65535, MaxInFlight: 100}},
		{"a reset's window does not reopen a shut one",
			then(hs, data(5001, 100), ack(5101, 0), withWin(seg(cli, srv, FlagRST|FlagACK, 1001, 5101, ""), 29200)),
			facts{ZeroWindows: 1, ZeroWinFirst: 5, ZeroWinLast: 5, Closed: true, MaxWin: 65535, MaxInFlight: 100}},
		{"a SYN's window is not the largest advertised",
			then([]*decode.Packet{withWin(seg(cli, srv, FlagSYN, 1000, 0, ""), 64000), seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, "")},
				ack(5001, 1000)),
			facts{MaxWin: 1000}},
		{"a 1-byte segment into a shut window probes it; new data past it does not",
			then(hs, data(5001, 100), ack(5101, 0), data(5101, 1), data(5101, 1), data(5102, 500)),
			facts{ZeroWindows: 1, ZeroWinFirst: 5, ZeroWinLast: 5, Closed: true, MaxWin: 65535, Probes: 2, ProbeLast: 7,
				MaxInFlight: 501}},
		{"the segment at the window's edge resent while it is shut is a probe",
			then(hs, data(5001, 100), data(5101, 500), ack(5101, 0), data(5101, 500)),
			facts{ZeroWindows: 1, ZeroWinFirst: 6, ZeroWinLast: 6, Closed: true, MaxWin: 65535, Probes: 1, ProbeLast: 7,
				MaxInFlight: 600}},
		{"in flight against the scaled window (100 << 7): not window-limited",
			then(scaled(7), data(5001, 5000)),
			facts{MaxWin: 100, MaxInFlight: 5000}},
		{"scaling off (the client's SYN has no option): the raw window limits",
			then(scaled(decode.WScaleNone), data(5001, 5000)),
			facts{MaxWin: 100, MaxInFlight: 5000, WinLimited: 1}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, _ := track(t, Options{}, every(row.pkts...))
			h, st := &c.Half[FromClient], c.Half[FromServer].Traffic()
			ct := h.Traffic()
			got := facts{h.ZeroWindows, ct.ZeroWinFirst.Frame, ct.ZeroWinLast.Frame, ct.WinReopen.Frame, h.WindowClosed(),
				h.MaxWin, ct.ZeroWinProbes, ct.ZeroWinProbeLast.Frame, st.MaxInFlight, st.WinLimited}
			if got != row.want {
				t.Errorf("got  %+v\nwant %+v", got, row.want)
			}
		})
	}
}

func TestRecordEnding(t *testing.T) {
	type facts struct {
		ClientFIN, ServerFIN int64 // frames
		ClientRST, ServerRST int64 // frames
		RSTCount             int   // the server's
		SeqBytes             int64 // the server's
		Closed               CloseReason
		LastLogged           Seg // the log's last entry, its Ref and flags
	}
	hs := handshakeOf()
	logged := func(frame int64, dir Dir, flags uint8, seq, ack uint32, n int) Seg {
		return Seg{Ref: Ref{Frame: frame}, Dir: dir, Flags: flags, Seq: seq, Ack: ack, Len: n, Win: 65535, TTL: 64}
	}
	rows := []struct {
		name string
		pkts []*decode.Packet
		want facts
	}{
		{"both FINs close the connection",
			then(hs, seg(cli, srv, FlagFIN|FlagACK, 1001, 5001, ""), seg(srv, cli, FlagFIN|FlagACK, 5001, 1002, "")),
			facts{ClientFIN: 4, ServerFIN: 5, Closed: ClosedFIN,
				LastLogged: logged(5, FromServer, FlagFIN|FlagACK, 5001, 1002, 0)}},
		{"the server's reset closes it; a second one is counted, the first kept",
			then(hs, seg(srv, cli, FlagRST|FlagACK, 5001, 1001, ""), seg(srv, cli, FlagRST, 5001, 0, "")),
			facts{ServerRST: 4, RSTCount: 2, Closed: ClosedRST, LastLogged: logged(5, FromServer, FlagRST, 5001, 0, 0)}},
		{"the client's reset is the client's",
			then(hs, seg(cli, srv, FlagRST, 1001, 0, "")),
			facts{ClientRST: 4, Closed: ClosedRST, LastLogged: logged(4, FromClient, FlagRST, 1001, 0, 0)}},
		{"a FIN past bytes the capture missed counts them in the transfer",
			then(hs, seg(srv, cli, FlagACK, 5001, 1001, bytesOf(100)), seg(srv, cli, FlagFIN|FlagACK, 5301, 1001, "")),
			facts{ServerFIN: 5, SeqBytes: 300, Closed: ClosedEOF,
				LastLogged: logged(5, FromServer, FlagFIN|FlagACK, 5301, 1001, 0)}},
		{"a FIN carrying the last bytes",
			then(hs, seg(srv, cli, FlagACK, 5001, 1001, bytesOf(100)), seg(srv, cli, FlagFIN|FlagACK, 5101, 1001, bytesOf(50))),
			facts{ServerFIN: 5, SeqBytes: 150, Closed: ClosedEOF,
				LastLogged: logged(5, FromServer, FlagFIN|FlagACK, 5101, 1001, 50)}},
		{"one FIN alone does not close it",
			then(hs, seg(cli, srv, FlagFIN|FlagACK, 1001, 5001, "")),
			facts{ClientFIN: 4, Closed: ClosedEOF, LastLogged: logged(4, FromClient, FlagFIN|FlagACK, 1001, 5001, 0)}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, tr := track(t, Options{}, every(row.pkts...))
			tr.Flush()
			cl, sv := &c.Half[FromClient], &c.Half[FromServer]
			last := c.Log[len(c.Log)-1]
			last.TS = 0 // the rows name packets by frame
			got := facts{cl.FIN.Frame, sv.FIN.Frame, cl.RST.Frame, sv.RST.Frame, sv.RSTCount, sv.SeqBytes(), c.Closed, last}
			if got != row.want {
				t.Errorf("got  %+v\nwant %+v", got, row.want)
			}
		})
	}
}

func TestRecordSegmentLog(t *testing.T) {
	type facts struct {
		Logged     []int64 // frames in the log
		Dropped    int     // the connection's entries over the cap
		Stats      int64   // the tracker's count of them
		Tail       []int64 // frames among the last packets
		ZeekState  string
		ZeekLetter string
	}
	hs := handshakeOf()
	ack := seg(cli, srv, FlagACK, 1001, 5001, "")
	resyn := func() *decode.Packet { return seg(cli, srv, FlagSYN, 1000, 0, "") }
	rows := []struct {
		name   string
		maxLog int
		pkts   []*decode.Packet
		want   facts
	}{
		{"only the packets that matter are logged; every one is among the last",
			64, then(hs, seg(srv, cli, FlagACK, 5001, 1001, "220 hi\r\n"), ack, ack),
			facts{Logged: []int64{1, 2, 4}, Tail: []int64{1, 2, 3, 4, 5, 6}, ZeekState: "S1", ZeekLetter: "ShAd"}},
		{"past the cap entries are counted, not kept",
			2, []*decode.Packet{resyn(), resyn(), resyn(), resyn()},
			facts{Logged: []int64{1, 2}, Dropped: 2, Stats: 2, Tail: []int64{1, 2, 3, 4}, ZeekState: "S0", ZeekLetter: "S"}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			c, tr := track(t, Options{MaxSegLog: row.maxLog}, every(row.pkts...))
			got := facts{frames(c.Log), c.SegLogDropped, tr.Stats().SegLogDropped, frames(c.LastSegs()), c.ConnState(), c.History()}
			w := row.want
			if !sameFrames(got.Logged, w.Logged) || got.Dropped != w.Dropped || got.Stats != w.Stats ||
				!sameFrames(got.Tail, w.Tail) || got.ZeekState != w.ZeekState || got.ZeekLetter != w.ZeekLetter {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
		})
	}
}
