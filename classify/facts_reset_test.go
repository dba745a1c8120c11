package classify

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// wire builds connections packet by packet with every IP fact under the
// test's control (TTL, IP ID, DF, window), through the real tracker, for
// edge cases no public capture has. Sequence numbers are tracked per side
// so a test only says who sends what.
type wire struct {
	t     testing.TB
	tr    *tcpflow.Tracker
	keep  *connKeeper
	frame int64
	ts    int64
}

// connKeeper is a tracker Handler that keeps every connection.
type connKeeper struct{ conns []*tcpflow.Conn }

func (k *connKeeper) Opened(c *tcpflow.Conn)                               { k.conns = append(k.conns, c) }
func (k *connKeeper) Sniff(*tcpflow.Conn, tcpflow.Dir, []byte) bool        { return false }
func (k *connKeeper) Data(*tcpflow.Conn, tcpflow.Dir, []byte, tcpflow.Ref) {}
func (k *connKeeper) Gap(*tcpflow.Conn, tcpflow.Dir, int64, tcpflow.Ref)   {}
func (k *connKeeper) Closed(*tcpflow.Conn)                                 {}

func newWire(t testing.TB) *wire {
	k := &connKeeper{}
	return &wire{t: t, tr: tcpflow.NewTracker(tcpflow.Options{}, k), keep: k, ts: 1.7e18}
}

// wconn is one connection being built: its ends, next sequence numbers,
// and the facts each side's packets carry unless a packet says otherwise.
type wconn struct {
	w            *wire
	ends         [2]netip.AddrPort
	next         [2]uint32
	ttl          [2]uint8
	ipid         [2]uint16
	df           [2]bool
	win          [2]uint16
	conn         *tcpflow.Conn
	synSeq, isn1 uint32
}

// open makes a connection with a completed handshake: the client's packets
// arrive with TTL cttl, the server's with sttl.
func (w *wire) open(client, server string, cttl, sttl uint8) *wconn {
	c := w.start(client, server, cttl, sttl)
	c.pkt(tcpflow.FromServer, time.Millisecond, tcpflow.FlagSYN|tcpflow.FlagACK, 0, nil)
	c.pkt(tcpflow.FromClient, time.Millisecond, tcpflow.FlagACK, 0, nil)
	return c
}

// start sends only the client's SYN.
func (w *wire) start(client, server string, cttl, sttl uint8) *wconn {
	c := &wconn{w: w, ends: [2]netip.AddrPort{netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)},
		next: [2]uint32{1000, 900000}, ttl: [2]uint8{cttl, sttl}, ipid: [2]uint16{0x1000, 0x5000},
		df: [2]bool{true, true}, win: [2]uint16{64240, 65160}}
	c.synSeq = c.next[0]
	c.pkt(tcpflow.FromClient, 0, tcpflow.FlagSYN, 0, nil)
	c.conn = w.keep.conns[len(w.keep.conns)-1]
	return c
}

// over changes one packet's facts.
type over func(p *decode.Packet)

func withTTL(ttl uint8) over     { return func(p *decode.Packet) { p.TTL = ttl } }
func withIPID(id uint16) over    { return func(p *decode.Packet) { p.IPID = id } }
func withSeq(seq uint32) over    { return func(p *decode.Packet) { p.Seq = seq } }
func withAck(ack uint32) over    { return func(p *decode.Packet) { p.Ack = ack } }
func withWin(win uint16) over    { return func(p *decode.Packet) { p.Win = win } }
func withDF(df bool) over        { return func(p *decode.Packet) { p.DF = df } }
func withFlags(flags uint8) over { return func(p *decode.Packet) { p.Flags = flags } }

// pkt sends one packet from d, dt after the previous one, with n payload
// bytes; SYN and FIN take a sequence number, as payload does.
func (c *wconn) pkt(d tcpflow.Dir, dt time.Duration, flags uint8, n int, ov []over) *decode.Packet {
	w := c.w
	w.frame++
	w.ts += int64(dt)
	src, dst := c.ends[d], c.ends[d.Other()]
	p := &decode.Packet{Src: src.Addr(), Dst: dst.Addr(), SrcPort: src.Port(), DstPort: dst.Port(),
		TTL: c.ttl[d], IPID: c.ipid[d], DF: c.df[d], Flags: flags, Seq: c.next[d], Win: c.win[d],
		WScale: decode.WScaleNone, PayloadLen: n, Payload: make([]byte, n), IPLen: 40 + n}
	if flags&tcpflow.FlagACK != 0 {
		p.Ack = c.next[d.Other()]
	}
	for _, o := range ov {
		o(p)
	}
	c.ipid[d]++
	if p.Flags&tcpflow.FlagRST == 0 && p.Seq == c.next[d] {
		c.next[d] += uint32(n)
		if flags&(tcpflow.FlagSYN|tcpflow.FlagFIN) != 0 {
			c.next[d]++
		}
	}
	w.tr.Packet(p, tcpflow.Ref{Frame: w.frame, TS: w.ts})
	return p
}

// data sends n bytes from d; ack sends a pure ACK; rst a RST/ACK.
func (c *wconn) data(d tcpflow.Dir, dt time.Duration, n int, ov ...over) {
	c.pkt(d, dt, tcpflow.FlagACK|tcpflow.FlagPSH, n, ov)
}
func (c *wconn) ack(d tcpflow.Dir, dt time.Duration, ov ...over) {
	c.pkt(d, dt, tcpflow.FlagACK, 0, ov)
}
func (c *wconn) rst(d tcpflow.Dir, dt time.Duration, ov ...over) {
	c.pkt(d, dt, tcpflow.FlagRST|tcpflow.FlagACK, 0, ov)
}

// exchange sends n rounds of server data answered by client ACKs.
func (c *wconn) exchange(n int, dt time.Duration) {
	for range n {
		c.data(tcpflow.FromServer, dt, 1448)
		c.ack(tcpflow.FromClient, time.Millisecond)
	}
}

// cases flushes the tracker and returns a Case for each connection (read
// as a download: the TCP server sends), sharing the capture's host table.
func (w *wire) cases() []*Case {
	w.tr.Flush()
	cap := &capture{ctx: &Context{Hosts: w.tr.Hosts()}}
	var out []*Case
	for _, c := range w.keep.conns {
		out = append(out, cap.streamCase(c, "reset"))
	}
	return out
}

// rstOf returns the first RST of a case's connection.
func rstOf(t *testing.T, b *Case) tcpflow.Seg {
	t.Helper()
	segs, _ := knownSegs(b.Conn)
	for _, s := range segs {
		if s.Flags&tcpflow.FlagRST != 0 {
			return s
		}
	}
	t.Fatal("no RST in the connection")
	return tcpflow.Seg{}
}

const (
	cli = "198.51.100.10:40000"
	srv = "203.0.113.20:21"
)

func TestJudgeReset(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name      string
		build     func(w *wire)
		verdict   ttlVerdict
		forged    bool
		conf      float64  // checked when forged
		signs     []string // each must appear in one sign's text
		noSigns   bool
		textHas   []string // in ttlText
		tookEffct bool
	}{
		{
			name: "the server's own RST",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				c.rst(tcpflow.FromServer, ms)
			},
			verdict: ttlMatches, textHas: []string{"TTL 63 (1 hop)", "6 other packets on this connection", "all of them"},
			tookEffct: true,
		},
		{
			name: "a RST one hop nearer the capture point",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				c.rst(tcpflow.FromServer, ms, withTTL(64))
			},
			verdict: ttlDiffers, forged: true, conf: forgedConnMany,
			textHas:   []string{"the RST arrived with TTL 64 (0 hops)", "6 other packets on this connection arrived with TTL 63 (1 hop)"},
			tookEffct: true,
		},
		{
			name: "two reference packets only",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.data(tcpflow.FromServer, ms, 100)
				c.rst(tcpflow.FromServer, ms, withTTL(64))
			},
			verdict: ttlDiffers, forged: true, conf: forgedConnFew, tookEffct: true,
		},
		{
			// Another stack on the same host would use another initial
			// TTL but cross the same routers.
			name: "other initial TTL, same hop count",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(4, ms)
				c.rst(tcpflow.FromServer, ms, withTTL(127))
			},
			verdict: ttlMatches, tookEffct: true,
		},
		{
			name: "the sender's own TTL varies: no verdict",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(4, ms)
				c.ttl[tcpflow.FromServer] = 61
				c.exchange(4, ms)
				c.rst(tcpflow.FromServer, ms, withTTL(64))
			},
			verdict: ttlNoVerdict, textHas: []string{"2 different TTLs"}, tookEffct: true,
		},
		{
			name: "one odd packet among many: the usual TTL still counts",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(25, ms)
				c.data(tcpflow.FromServer, ms, 100, withTTL(62))
				c.exchange(2, ms)
				c.rst(tcpflow.FromServer, ms, withTTL(64))
			},
			verdict: ttlDiffers, forged: true, conf: forgedConnFew, textHas: []string{"29 other packets on this connection arrived with TTL 63 (1 hop) (28 of them; none with the RST's)"},
			tookEffct: true,
		},
		{
			name: "one odd packet among many, and the RST has the odd TTL",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(25, ms)
				c.data(tcpflow.FromServer, ms, 100, withTTL(62))
				c.rst(tcpflow.FromServer, ms, withTTL(62))
			},
			verdict: ttlNoVerdict, tookEffct: true,
		},
		{
			// The real server carries on after a RST in its name, and the
			// client, which dropped the connection, answers with resets.
			name: "the purported sender goes on sending",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				c.rst(tcpflow.FromServer, ms, withTTL(64))
				c.data(tcpflow.FromServer, ms, 1448)
				c.pkt(tcpflow.FromClient, ms, tcpflow.FlagRST, 0, nil)
			},
			verdict: ttlDiffers, forged: true, conf: forgedConnMany + strongSignWeight,
			signs: []string{"went on sending after the RST: 1448 bytes"}, tookEffct: true,
		},
		{
			// Its own data reordered behind its RST is no sign: it lies
			// before the RST's sequence number.
			name: "earlier data captured after the RST",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				old := c.next[tcpflow.FromServer]
				c.next[tcpflow.FromServer] += 1448
				c.rst(tcpflow.FromServer, ms)
				c.data(tcpflow.FromServer, 0, 1448, withSeq(old))
			},
			verdict: ttlMatches, noSigns: true, tookEffct: true,
		},
		{
			name: "no TTL verdict but two strong signs",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(3, ms)
				c.ttl[tcpflow.FromServer] = 60
				c.exchange(3, ms)
				c.ack(tcpflow.FromClient, ms, withIPID(0x4242))
				c.rst(tcpflow.FromServer, ms, withTTL(64), withIPID(0x4242))
				c.data(tcpflow.FromServer, ms, 1448)
			},
			verdict: ttlNoVerdict, forged: true, conf: forgedSignsOnly,
			signs: []string{"IP ID 0x4242 is the IP ID of the packet it answers", "went on sending"}, tookEffct: true,
		},
		{
			name: "sequence number outside the receiver's window",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				c.rst(tcpflow.FromServer, ms, withTTL(64), withSeq(c.next[tcpflow.FromServer]+5_000_000))
			},
			verdict: ttlDiffers, forged: true, conf: forgedConnMany + strongSignWeight,
			signs: []string{"outside 198.51.100.10:40000's receive window"}, tookEffct: true,
		},
		{
			name: "a stepped burst of resets",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				n := c.next[tcpflow.FromServer]
				for i := range uint32(3) {
					c.rst(tcpflow.FromServer, ms, withTTL(64), withSeq(n+i*1460))
				}
			},
			verdict: ttlDiffers, forged: true, conf: forgedConnMany + weakSignWeight,
			signs: []string{"3 RSTs within", "stepped across the receiver's window"}, tookEffct: true,
		},
		{
			// A FIN then RSTs answering the peer's last segments step by
			// one: a genuine stack's pattern (suricata's
			// output-eve-ftp-data has 14 of them).
			name: "two resets stepping by one",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				n := c.next[tcpflow.FromServer]
				c.pkt(tcpflow.FromServer, ms, tcpflow.FlagRST, 0, []over{withSeq(n)})
				c.pkt(tcpflow.FromServer, ms, tcpflow.FlagRST, 0, []over{withSeq(n + 1)})
			},
			verdict: ttlMatches, noSigns: true, tookEffct: true,
		},
		{
			name: "the client ignored it and went on",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.exchange(5, ms)
				c.rst(tcpflow.FromServer, ms, withTTL(64))
				c.data(tcpflow.FromClient, time.Second, 10)
			},
			verdict: ttlDiffers, forged: true, conf: forgedConnMany, tookEffct: false,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			tc.build(w)
			b := w.cases()[0]
			o := judgeReset(b, rstOf(t, b))
			if o.ttl.verdict != tc.verdict || o.forged != tc.forged {
				t.Errorf("verdict %d forged %v, want %d %v (%s)", o.ttl.verdict, o.forged, tc.verdict, tc.forged, o.ttlText(b.Conn))
			}
			if tc.forged && !near(o.confidence, tc.conf) {
				t.Errorf("confidence %.3f, want %.3f (signs %v)", o.confidence, tc.conf, o.signs)
			}
			for _, want := range tc.signs {
				if !signsHave(o.signs, want) {
					t.Errorf("no sign saying %q in %v", want, o.signs)
				}
			}
			if tc.noSigns && len(o.signs) > 0 {
				t.Errorf("signs %v, want none", o.signs)
			}
			for _, want := range tc.textHas {
				if got := o.ttlText(b.Conn); !strings.Contains(got, want) {
					t.Errorf("ttlText %q lacks %q", got, want)
				}
			}
			if got := tookEffect(b.Conn, o.rst); got != tc.tookEffct {
				t.Errorf("tookEffect = %v, want %v", got, tc.tookEffct)
			}
		})
	}
}

// A RST answering a SYN has no other packet of its sender on its
// connection: the host's other connections in the capture are the
// reference.
func TestJudgeResetAnsweringSYN(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name     string
		others   int   // packets from the server on another connection
		rstTTL   uint8 // the server's packets arrive with 63
		ackPlus  uint32
		verdict  ttlVerdict
		forged   bool
		conf     float64
		wantRule string
		signs    []string
	}{
		{name: "the host refuses", others: 4, rstTTL: 63, ackPlus: 1, verdict: ttlMatches, wantRule: "connection-refused"},
		{name: "a box nearer refuses in its name", others: 4, rstTTL: 64, ackPlus: 1, verdict: ttlDiffers, forged: true,
			conf: forgedHostsMany, wantRule: "middlebox-reset"},
		{name: "few packets to compare with", others: 1, rstTTL: 64, ackPlus: 1, verdict: ttlDiffers, forged: true,
			conf: forgedHostsFew, wantRule: "connection-refused"},
		{name: "nothing to compare with", others: 0, rstTTL: 64, ackPlus: 1, verdict: ttlNoVerdict, wantRule: "connection-refused"},
		{name: "the RST does not acknowledge the SYN", others: 4, rstTTL: 64, ackPlus: 0, verdict: ttlDiffers, forged: true,
			conf: forgedHostsMany + strongSignWeight, wantRule: "middlebox-reset", signs: []string{"does not acknowledge the SYN"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			if tc.others > 0 {
				o := w.open("198.51.100.10:39000", srv, 64, 63)
				for range tc.others - 1 {
					o.data(tcpflow.FromServer, ms, 20)
				}
			}
			c := w.start(cli, "203.0.113.20:30001", 64, 63)
			c.pkt(tcpflow.FromServer, ms, tcpflow.FlagRST|tcpflow.FlagACK, 0,
				[]over{withTTL(tc.rstTTL), withSeq(0), withAck(c.synSeq + tc.ackPlus), withWin(0), withIPID(0)})
			all := w.cases()
			b := all[len(all)-1]
			o := judgeReset(b, rstOf(t, b))
			if o.ttl.verdict != tc.verdict || o.forged != tc.forged || (tc.forged && !near(o.confidence, tc.conf)) {
				t.Errorf("verdict %d forged %v conf %.2f, want %d %v %.2f (%s)", o.ttl.verdict, o.forged, o.confidence,
					tc.verdict, tc.forged, tc.conf, o.ttlText(b.Conn))
			}
			if tc.verdict != ttlNoVerdict && !o.ttl.acrossConns {
				t.Error("the reference should be the host's other connections")
			}
			for _, want := range tc.signs {
				if !signsHave(o.signs, want) {
					t.Errorf("no sign saying %q in %v", want, o.signs)
				}
			}
			if v := decide(b); v.Cause != tc.wantRule {
				t.Errorf("verdict %s (%s), want %s", v.Cause, v.Summary, tc.wantRule)
			}
		})
	}
}

// The public corpus and the lab samples hold one injected RST and dozens
// of genuine ones (a scan's refusals, a UPnP server's resets, clients
// and servers aborting): only the injected one may be called forged, and
// every genuine one with a reference must match its sender's hop distance.
func TestResetAttributionOnRealCaptures(t *testing.T) {
	cases := []struct {
		file    string
		sample  bool
		forged  []int64 // frames of forged RSTs
		genuine int     // RSTs judged the sender's own (TTL matches)
	}{
		{file: "zeek/Traces/tcp/rst-inject-rae.pcap", forged: []int64{2}, genuine: 2},
		{file: "nDPI/pcap/tcp_scan.pcapng", genuine: 7},
		{file: "suricata-verify/tests/output-eve-ftp-data/input.pcap", genuine: 41},
		{file: "zeek/Traces/ftp/ftp-auth-tls.pcap", genuine: 1},
		{file: "zeek/Traces/ftp/ipv6-violation.pcap", genuine: 3},
		{file: "zeek/Traces/ftp/ipv6-multiline-reply.pcap", genuine: 2},
		{file: "zeek/Traces/tcp/retransmit-fast009.pcap", genuine: 1},
		{file: "zeek/Traces/http/206_example_b.pcap", genuine: 2},
		{file: "suricata-verify/tests/ftp-quit/input.pcap", genuine: 1},
		{file: "server-reset", sample: true, genuine: 1},
		{file: "client-killed", sample: true},
		{file: "transfer-aborted", sample: true, genuine: 1},
		{file: "data-connection-failed", sample: true, genuine: 1},
		{file: "login-failures", sample: true, genuine: 1},
		{file: "permission-denied", sample: true, genuine: 1},
		{file: "connection-refused", sample: true},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			var path string
			if tc.sample {
				path = sampleFile(t, tc.file)
			} else {
				path = corpusFile(t, tc.file)
			}
			c := loadCapture(t, path)
			var forged []int64
			genuine := 0
			for _, conn := range c.conns {
				b := c.streamCase(conn, "reset")
				for _, o := range forgedResets(b) {
					if o.forged {
						forged = append(forged, o.rst.Frame)
					}
					if o.ttl.verdict == ttlMatches {
						genuine++
					}
				}
			}
			if len(forged) != len(tc.forged) || (len(forged) > 0 && forged[0] != tc.forged[0]) {
				t.Errorf("forged RSTs in frames %v, want %v", forged, tc.forged)
			}
			if genuine < tc.genuine {
				t.Errorf("%d RSTs matched their sender's hop distance, want at least %d", genuine, tc.genuine)
			}
		})
	}
}

func signsHave(signs []resetSign, want string) bool {
	for _, s := range signs {
		if strings.Contains(s.text, want) {
			return true
		}
	}
	return false
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// A RST can only answer a packet a round trip after it passed the capture
// point (client side here: 40 ms to the server and back). Timed from the
// earliest packet it can answer, a genuine RST answering the start of a
// burst is not taken for one too fast.
func TestResetTiming(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name string
		tail func(c *wconn)
		sign bool
	}{
		{
			name: "answers 1 ms after the client's segment",
			tail: func(c *wconn) {
				c.data(tcpflow.FromClient, ms, 100)
				c.rst(tcpflow.FromServer, ms)
			},
			sign: true,
		},
		{
			name: "answers the first of a burst a round trip later",
			tail: func(c *wconn) {
				c.data(tcpflow.FromClient, ms, 1448)
				acked := c.next[tcpflow.FromClient]
				for range 9 {
					c.data(tcpflow.FromClient, 4*ms, 1448)
				}
				c.rst(tcpflow.FromServer, 5*ms, withAck(acked))
			},
		},
		{
			name: "a bare RST echoing an ACK the client sent long before",
			tail: func(c *wconn) {
				c.ack(tcpflow.FromClient, ms)
				c.ack(tcpflow.FromClient, 100*ms)
				c.pkt(tcpflow.FromServer, ms, tcpflow.FlagRST, 0, nil)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			c := w.start(cli, srv, 64, 63)
			c.pkt(tcpflow.FromServer, 40*ms, tcpflow.FlagSYN|tcpflow.FlagACK, 0, nil)
			c.pkt(tcpflow.FromClient, 0, tcpflow.FlagACK, 0, nil)
			tc.tail(c)
			b := w.cases()[0]
			o := judgeReset(b, rstOf(t, b))
			if got := signsHave(o.signs, "while 203.0.113.20:21's packets take at least 40.0 ms to come back"); got != tc.sign {
				t.Errorf("timing sign %v, want %v (signs %v)", got, tc.sign, o.signs)
			}
		})
	}
}
