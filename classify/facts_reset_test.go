package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
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
			signs: []string{"went on sending after the RST: 1,448 bytes"}, tookEffct: true,
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
			says(t, "ttlText", o.ttlText(b.Conn), tc.textHas...)
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
