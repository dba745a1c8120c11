package classify

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Captured at the client's side: the client's packets leave with TTL 64,
// the server's arrive with 62 (two routers).
func TestDataChannelBlockedScripts(t *testing.T) {
	const pasvData = "203.0.113.20:30001"
	const cliData = "198.51.100.10:40400"
	synsTo := func(n *netScript, from, to string, ttl uint8) {
		for _, gap := range []time.Duration{time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
			n.send(pk{from: from, to: to, flags: fSYN, seq: 4000, ttl: ttl, mss: 1460, after: gap})
		}
	}
	tests := []struct {
		name      string
		run       func(n *netScript, c *ctlScript)
		wantCause string
		wantConf  float64
		wantKind  ConnKind
		summary   []string
	}{
		{"passive: SYNs to the EPSV port unanswered, the client gives up and QUITs", func(n *netScript, c *ctlScript) {
			c.cmd("EPSV")
			c.reply("229 Entering Extended Passive Mode (|||30001|)")
			synsTo(n, cliData, pasvData, 64)
			c.quit()
		}, "data-channel-blocked", 0.9, KindData, []string{"The passive data connection 198.51.100.10:40400 → 203.0.113.20:30001 (EPSV, 229 at frame",
			"got 4 SYNs (at 0 s, +1 s, +3 s, +7 s) and no answer (captured at the opener's side)", "control connection still worked (the server's 221 at frame"}},
		{"active: the server's SYNs to the PORT endpoint unanswered, then 425", func(n *netScript, c *ctlScript) {
			c.cmd("PORT 198,51,100,10,157,208")
			c.reply("200 PORT ok")
			c.cmd("RETR small.bin")
			synsTo(n, "203.0.113.20:20", cliData, 62)
			c.reply("425 Failed to establish connection.")
			c.quit()
		}, "data-channel-blocked", 0.9, KindData, []string{"The active data connection 203.0.113.20:20 → 198.51.100.10:40400 (PORT at frame",
			"opened by the FTP server", "got 4 SYNs", "no answer in the capture", "(the server's 425 at frame"}},
		{"passive: a router rejects the SYN with admin-prohibited", func(n *netScript, c *ctlScript) {
			c.cmd("EPSV")
			c.reply("229 Entering Extended Passive Mode (|||30001|)")
			n.send(pk{from: cliData, to: pasvData, flags: fSYN, seq: 4000, mss: 1460, after: time.Millisecond})
			n.icmp(icmpErr{sender: "198.51.100.1", from: cliData, to: pasvData, seq: 4000, typ: 3, code: 13, after: time.Millisecond})
			c.quit()
		}, "data-channel-blocked", 0.95, KindData, []string{"answered by communication administratively prohibited (ICMP type 3 code 13) from router 198.51.100.1"}},
		// Blocked means no answer; a RST one hop nearer than the server's
		// packets on the control connection is a box on the path
		// answering in the server's name.
		{"passive: a reset one hop closer than the server answers the SYN", func(n *netScript, c *ctlScript) {
			c.cmd("EPSV")
			c.reply("229 Entering Extended Passive Mode (|||30001|)")
			n.send(pk{from: cliData, to: pasvData, flags: fSYN, seq: 4000, mss: 1460, after: time.Millisecond},
				pk{from: pasvData, to: cliData, flags: fRST | fACK, ack: 4001, ttl: 63, after: time.Millisecond})
			c.quit()
		}, "middlebox-reset", 0.82, KindData, []string{"A RST in the server's name (frame", "came from 1 hop nearer the capture point than the server: TTL 63 (1 hop) against TTL 62 (2 hops)",
			"on the server's 8 packets on the control connection.", "refused the passive data connection 198.51.100.10:40400 → 203.0.113.20:30001 (EPSV, 229 at frame"}},
		{"active: a reset one hop closer than the client answers the server's SYN", func(n *netScript, c *ctlScript) {
			c.cmd("PORT 198,51,100,10,157,208")
			c.reply("200 PORT ok")
			c.cmd("RETR small.bin")
			n.send(pk{from: "203.0.113.20:20", to: cliData, flags: fSYN, seq: 4000, ttl: 62, mss: 1460, after: time.Millisecond},
				pk{from: cliData, to: "203.0.113.20:20", flags: fRST | fACK, ack: 4001, ttl: 63, after: time.Millisecond})
			c.reply("425 Failed to establish connection.")
			c.quit()
		}, "middlebox-reset", 0.82, KindData, []string{"A RST in the client's name (frame", "TTL 63 (1 hop) against TTL 64 (0 hops)",
			"refused the active data connection 203.0.113.20:20 → 198.51.100.10:40400 (PORT at frame"}},
		{"active: the client host itself refuses the server's SYN: the 425's cause, not a middlebox", func(n *netScript, c *ctlScript) {
			c.cmd("PORT 198,51,100,10,157,208")
			c.reply("200 PORT ok")
			c.cmd("RETR small.bin")
			n.send(pk{from: "203.0.113.20:20", to: cliData, flags: fSYN, seq: 4000, ttl: 62, mss: 1460, after: time.Millisecond},
				pk{from: cliData, to: "203.0.113.20:20", flags: fRST | fACK, ack: 4001, ttl: 64, after: time.Millisecond})
			c.reply("425 Failed to establish connection.")
			c.quit()
		}, "data-connection-failed", 0.75, KindData, nil},
		{"passive: the server's own TTL varies, so its TTL says nothing: the host's refusal", func(n *netScript, c *ctlScript) {
			n.send(pk{from: srv, to: cli, flags: fACK, seq: c.sseq, ack: c.cseq, ttl: 60, after: time.Millisecond})
			c.cmd("EPSV")
			c.reply("229 Entering Extended Passive Mode (|||30001|)")
			n.send(pk{from: cliData, to: pasvData, flags: fSYN, seq: 4000, mss: 1460, after: time.Millisecond},
				pk{from: pasvData, to: cliData, flags: fRST | fACK, ack: 4001, ttl: 63, after: time.Millisecond})
			c.quit()
		}, "connection-refused", 0.9, KindData, nil},
		{"passive: the server host itself refuses: a closed port, not a block", func(n *netScript, c *ctlScript) {
			c.cmd("EPSV")
			c.reply("229 Entering Extended Passive Mode (|||30001|)")
			n.send(pk{from: cliData, to: pasvData, flags: fSYN, seq: 4000, mss: 1460, after: time.Millisecond},
				pk{from: pasvData, to: cliData, flags: fRST | fACK, ack: 4001, ttl: 62, after: time.Millisecond})
			c.quit()
		}, "connection-refused", 0.9, KindData, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, c := loggedIn(t)
			tc.run(n, c)
			v := onlyBreak(t, n.finish())
			if v.Cause != tc.wantCause || v.Confidence != tc.wantConf || v.Kind != tc.wantKind {
				t.Fatalf("verdict %s/%s %.2f (contributing %v), want %s/%s %.2f: %s", v.Kind, v.Cause, v.Confidence, v.Contributing, tc.wantKind, tc.wantCause, tc.wantConf, v.Summary)
			}
			says(t, "summary", v.Summary, tc.summary...)
			if tc.wantCause == "data-channel-blocked" && !evidenceHas(v.Evidence, "client sends ") {
				t.Errorf("evidence lacks the negotiating command: %+v", v.Evidence)
			}
		})
	}
}

// When the control connection went quiet too, the data ports are not
// singled out: the whole path failed.
func TestDataChannelBlockedNotWhenControlDiesToo(t *testing.T) {
	n, c := loggedIn(t)
	c.cmd("EPSV")
	c.reply("229 Entering Extended Passive Mode (|||30001|)")
	for _, gap := range []time.Duration{time.Millisecond, time.Second, 2 * time.Second} {
		n.send(pk{from: "198.51.100.10:40400", to: "203.0.113.20:30001", flags: fSYN, seq: 4000, after: gap})
	}
	for _, v := range breaksOf(n.finish()) {
		if v.Cause == "data-channel-blocked" || slices.Contains(v.Contributing, "data-channel-blocked") {
			t.Errorf("data-channel-blocked with no control reply after the data SYNs: %s", v.Summary)
		}
	}
}

// The lab's captures: passive (tnftp, the router drops the passive port
// range) and active (lftp PORT, the router drops the server's port 20).
func TestDataChannelBlockedLabSamples(t *testing.T) {
	for _, tc := range []struct{ sample, kind string }{
		{"data-channel-blocked", "passive"},
		{"data-channel-blocked-active", "active"},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			c := loadCapture(t, sampleFile(t, tc.sample))
			found := false
			for _, v := range breaksOf(c) {
				if v.Kind != KindData {
					continue
				}
				found = true
				if v.Cause != "data-channel-blocked" || v.Confidence < 0.9 || !strings.Contains(v.Summary, "The "+tc.kind+" data connection") {
					t.Errorf("data break %s %.2f: %s", v.Cause, v.Confidence, v.Summary)
				}
			}
			if !found {
				t.Errorf("no data-connection break: %+v", breaksOf(c))
			}
		})
	}
}

// A client that gives up on the session when its data connection fails
// closes the control connection without QUIT, every command answered: one
// break, the data connection's (spec/causes.md: a client that leaves
// without QUIT breaks nothing of its own; the data channel that never
// worked is the break).
func TestDataChannelBlockedClientLeavesAfter(t *testing.T) {
	n, c := loggedIn(t)
	c.cmd("EPSV")
	c.reply("229 Entering Extended Passive Mode (|||30001|)")
	for _, gap := range []time.Duration{time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		n.send(pk{from: "198.51.100.10:40400", to: "203.0.113.20:30001", flags: fSYN, seq: 4000, after: gap})
	}
	n.send(
		pk{from: cli, to: srv, flags: fFIN | fACK, seq: c.cseq, ack: c.sseq, after: 8 * time.Second},
		pk{from: srv, to: cli, flags: fFIN | fACK, seq: c.sseq, ack: c.cseq + 1, ttl: 62, after: time.Millisecond},
		pk{from: cli, to: srv, flags: fACK, seq: c.cseq + 1, ack: c.sseq + 1, after: time.Millisecond},
	)
	bs := breaksOf(n.finish())
	if len(bs) != 1 || bs[0].Kind != KindData {
		t.Fatalf("%d breaks, want 1 on the data connection: %+v", len(bs), bs)
	}
	v := bs[0]
	if v.Cause != "data-channel-blocked" || v.Confidence != 0.9 {
		t.Errorf("%s break %s %.2f: %s", v.Kind, v.Cause, v.Confidence, v.Summary)
	}
	// Only FINs crossed the control connection after the SYNs: the path
	// delivered, but no data moved, so it did not "still work".
	if !strings.Contains(v.Summary, "while packets still crossed the control connection both ways (until frame 17, no data)") ||
		strings.Contains(v.Summary, "still worked") {
		t.Errorf("the break does not say what crossed the control connection: %s", v.Summary)
	}
}

// A reset answering a data connection's SYN is another box's
// (middlebox-reset) only when judgeReset is sure of it: with fewer than
// three of the host's packets to compare its TTL with, or the host's own
// TTL varying, the host is taken to have refused the connection itself.
func TestForgedResetAnsweringDataSYN(t *testing.T) {
	for _, tc := range []struct {
		name   string
		host   []uint8 // TTLs of the host's packets on another connection
		rstTTL uint8
		want   string // in middlebox-reset's summary, "" when the host sent it
	}{
		{"one hop nearer than the host's packets", []uint8{62, 62, 62, 62}, 63,
			"came from 1 hop nearer the capture point than the server: TTL 63 (1 hop) against TTL 62 (2 hops) on the server's 4 packets on other connections"},
		{"the host's own hop distance", []uint8{62, 62, 62, 62}, 62, ""},
		{"two packets to compare with", []uint8{62, 62}, 63, ""},
		{"the host's own TTL varies", []uint8{62, 60, 62, 60}, 63, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			o := w.open("198.51.100.10:39000", srv, 64, tc.host[0])
			for _, ttl := range tc.host[1:] {
				o.data(tcpflow.FromServer, time.Millisecond, 20, withTTL(ttl))
			}
			c := w.start(cli, "203.0.113.20:30001", 64, 62)
			c.pkt(tcpflow.FromServer, time.Millisecond, tcpflow.FlagRST|tcpflow.FlagACK, 0,
				[]over{withTTL(tc.rstTTL), withSeq(0), withAck(c.synSeq + 1), withWin(0), withIPID(0)})
			all := w.cases()
			v := decide(all[len(all)-1])
			switch {
			case tc.want == "" && v.Cause != "connection-refused":
				t.Errorf("%s %.2f on the host's own refusal, want connection-refused: %s", v.Cause, v.Confidence, v.Summary)
			case tc.want != "" && (v.Cause != "middlebox-reset" || !strings.Contains(v.Summary, tc.want)):
				t.Errorf("%s %.2f %q, want middlebox-reset and %q", v.Cause, v.Confidence, v.Summary, tc.want)
			}
		})
	}
}

// A real capture (classify/testdata/README.md): a router's nftables
// "reject with tcp reset" answers curl's data SYNs to vsftpd's passive
// ports in the server's name, one hop nearer than the server. Every break
// is middlebox-reset; nothing is data-channel-blocked.
func TestForgedDataResetRealCapture(t *testing.T) {
	bs := breaksOf(loadCapture(t, filepath.Join("testdata", "forged-data-rst-curl-vsftpd.pcap")))
	kinds := map[ConnKind]int{}
	for _, v := range bs {
		kinds[v.Kind]++
		if v.Cause != "middlebox-reset" || v.Confidence < 0.75 || slices.Contains(v.Contributing, "data-channel-blocked") {
			t.Errorf("%s break %s %.2f (contributing %v): %s", v.Kind, v.Cause, v.Confidence, v.Contributing, v.Summary)
		}
	}
	// curl tries a second data connection after the first is reset
	// (one break, with the earlier attempt in its evidence), then closes
	// the control connection with every command answered: no break of
	// its own.
	if kinds[KindData] != 1 || kinds[KindControl] != 0 {
		t.Errorf("breaks by kind %v, want 1 data and no control", kinds)
	}
	if len(bs) == 1 && !strings.Contains(bs[0].Summary, "The client had tried once before, failing the same way.") {
		t.Errorf("the break does not count the earlier attempt: %s", bs[0].Summary)
	}
}
