package classify

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	dataCli = "198.51.100.10:40300"
	dataSrv = "203.0.113.20:30001"
)

// epsvUpload scripts a session up to STOR over EPSV: login, EPSV → 229
// for port 30001, the data connection's handshake (MSS 1460 both ways),
// STOR, 150. Captured at the client's side: its packets leave with TTL 64,
// the server's arrive with 62.
func epsvUpload(t *testing.T) (*netScript, *ctlScript) {
	n, c := loggedIn(t)
	c.cmd("EPSV")
	c.reply("229 Entering Extended Passive Mode (|||30001|)")
	n.send(
		pk{from: dataCli, to: dataSrv, flags: fSYN, seq: 50000, mss: 1460, after: time.Millisecond},
		pk{from: dataSrv, to: dataCli, flags: fSYN | fACK, seq: 70000, ack: 50001, ttl: 62, mss: 1460, after: time.Millisecond},
		pk{from: dataCli, to: dataSrv, flags: fACK, seq: 50001, ack: 70001, after: time.Millisecond},
	)
	c.cmd("STOR big.bin")
	c.reply("150 ok")
	return n, c
}

func TestMTUBlackholeUploadStalls(t *testing.T) {
	tests := []struct {
		name      string
		df        bool
		ctlAfter  bool // the control connection exchanges packets during the stall
		wantCause string
		wantConf  float64
	}{
		{"DF segments stuck, control connection alive meanwhile", true, true, "mtu-blackhole", 0.85},
		{"DF segments stuck, nothing else heard after: small ones only passed before", true, false, "", 0.6},
		{"no DF: routers would fragment, no black hole", false, true, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, ctl := epsvUpload(t)
			// Ten full-size segments leave; the first is resent on a
			// doubling timeout and never acknowledged.
			for i := 0; i < 10; i++ {
				n.send(pk{from: dataCli, to: dataSrv, flags: fACK, seq: 50001 + uint32(i*1448), ack: 70001, n: 1448, df: tc.df, after: 50 * time.Microsecond})
			}
			for i := 0; i < 5; i++ {
				n.send(pk{from: dataCli, to: dataSrv, flags: fACK, seq: 50001, ack: 70001, n: 1448, df: tc.df, after: time.Duration(200<<i) * time.Millisecond})
			}
			if tc.ctlAfter {
				ctl.cmdAfter(time.Second, "NOOP")
				ctl.reply("200 ok")
			}
			n.send(pk{from: dataCli, to: dataSrv, flags: fRST | fACK, seq: 50001 + 10*1448, ack: 70001, after: time.Second})
			c := n.finish()
			got := breakOn(c.judge(), KindData)
			if got == nil {
				t.Fatalf("no break on the data connection: %+v", breaksOf(c))
			}
			rule := ruleFor(t, "mtu-blackhole")
			f := rule.Check(&Case{Session: c.sessions[0], Kind: KindData, Conn: got.Conn, Transfer: got.Transfer, Ctx: c.ctx, Why: "test"})
			switch {
			case tc.wantConf == 0 && f != nil:
				t.Fatalf("mtu-blackhole fired: %s", f.Summary)
			case tc.wantConf > 0 && (f == nil || f.Confidence != tc.wantConf):
				t.Fatalf("finding %+v, want confidence %.2f", f, tc.wantConf)
			}
			if tc.wantCause != "" && got.Cause != tc.wantCause {
				t.Errorf("verdict %s (contributing %v), want %s: %s", got.Cause, got.Contributing, tc.wantCause, got.Summary)
			}
			if f == nil {
				return
			}
			says(t, "summary", f.Summary, "Inferred MTU black hole", "198.51.100.10:40300's 1,448-byte DF segments to 203.0.113.20:30001 were sent (frame 16) and resent 5 times (+0.2 s, +0.6 s, +1.4 s, +3 s, +6.2 s)",
				"no ICMP fragmentation-needed in the capture", "MSS of 1460 is more than this path carries")
			if tc.ctlAfter && !evidenceHas(f.Evidence, "control connection", "still carries packets both ways") {
				t.Errorf("evidence lacks the control connection: %+v", f.Evidence)
			}
		})
	}
}

// RFC 4821 probing: after two full-size resends the sender tries the same
// data in a smaller segment, which passes, and the upload goes on: a
// finding, not a break.
func TestMTUBlackholeProbedAround(t *testing.T) {
	n, _ := epsvUpload(t)
	n.send(pk{from: dataCli, to: dataSrv, flags: fACK, seq: 50001, ack: 70001, n: 1448, df: true, after: time.Millisecond})
	for i := 0; i < 2; i++ {
		n.send(pk{from: dataCli, to: dataSrv, flags: fACK, seq: 50001, ack: 70001, n: 1448, df: true, after: time.Duration(200<<i) * time.Millisecond})
	}
	n.send(
		pk{from: dataCli, to: dataSrv, flags: fACK, seq: 50001, ack: 70001, n: 1012, df: true, after: 800 * time.Millisecond},
		pk{from: dataSrv, to: dataCli, flags: fACK, seq: 70001, ack: 51013, ttl: 62, after: 30 * time.Millisecond},
	)
	c := n.finish()
	f := ruleFor(t, "mtu-blackhole").Notice(dataCase(c.sessions[0], c.sessions[0].Data[0], c.ctx, ""))
	if f == nil || f.Confidence != 0.8 || !strings.Contains(f.Summary, "resent in 1,012-byte segments it passed") ||
		!strings.Contains(f.Summary, "largest segment acknowledged from 198.51.100.10: 1,012 bytes") {
		t.Fatalf("finding %+v", f)
	}
}

// Real captures with retransmissions but no black hole: lost segments
// that got through when resent at the same size.
func TestMTUBlackholeNotOnOrdinaryLoss(t *testing.T) {
	rule := ruleFor(t, "mtu-blackhole")
	for _, capture := range []string{"zeek/Traces/tcp/retransmit-fast009.pcap", "zeek/Traces/http/206_example_b.pcap", "zeek/Traces/smtp.pcap"} {
		c := loadCapture(t, corpusFile(t, capture))
		for _, conn := range c.conns {
			b := c.streamCase(conn, "test")
			if f := rule.Check(b); f != nil {
				t.Errorf("%s %v→%v: check %s", capture, conn.Client, conn.Server, f.Summary)
			}
			if f := rule.Notice(b); f != nil {
				t.Errorf("%s %v→%v: notice %s", capture, conn.Client, conn.Server, f.Summary)
			}
		}
	}
}

// The lab's capture: curl uploads across a 1280-byte link whose router's
// fragmentation-needed messages are dropped, captured at the client. The
// 1,448-byte segments never pass, the control connection's small packets
// do; curl gives up and closes the control connection, which carries the
// same cause.
func TestMTUBlackholeLabSample(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "mtu-blackhole"))
	bs := breaksOf(c)
	if len(bs) != 2 {
		t.Fatalf("%d breaks, want 2 (data and control): %+v", len(bs), bs)
	}
	for _, v := range bs {
		if v.Cause != "mtu-blackhole" || v.Confidence != 0.85 || !strings.Contains(v.Summary, "Inferred MTU black hole") ||
			!strings.Contains(v.Summary, "1,448-byte DF segments") || !strings.Contains(v.Summary, "MSS of 1460 is more than this path carries") {
			t.Errorf("%s break %s %.2f: %s", v.Kind, v.Cause, v.Confidence, v.Summary)
		}
	}
}

// The lab's path-loss capture: the data connection's packets are all
// dropped after 131072 bytes of full-size segments got through. Segments
// of that size passed, so the path carries them: not a black hole.
func TestMTUBlackholeNotOnPathLoss(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "path-loss-timeout"))
	for _, v := range c.judge() {
		if v.Cause == "mtu-blackhole" || slices.Contains(v.Contributing, "mtu-blackhole") {
			t.Errorf("mtu-blackhole on %s: %s", v.Kind, v.Summary)
		}
	}
}
