package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// The lab's middlebox captures: an nftables "reject with tcp reset" on a
// router answers for the server. On the control connection (client-side
// capture) the client's PWD after an idle spell gets the router's RST;
// on the data connection (captured between two routers) the router next to
// the server resets the transfer and the client then resets its control
// connection.
func TestMiddleboxResetLabCaptures(t *testing.T) {
	cases := []struct {
		sample string
		kind   ConnKind
		frame  int64 // the forged RST
		conf   float64
		text   []string
	}{
		{sample: "middlebox-reset-control", kind: KindControl, frame: 22, conf: forgedConnMany,
			text: []string{"1 hop nearer the capture point than the server", "TTL 64 (0 hops) against TTL 63 (1 hop)", "6 other packets on this connection"}},
		{sample: "middlebox-reset-data", kind: KindData, frame: 171, conf: forgedConnMany,
			text: []string{"TTL 64 (0 hops) against TTL 63 (1 hop)", "93 other packets on this connection", "reset the data connection of RETR slow.bin"}},
		{sample: "middlebox-reset-data", kind: KindControl, frame: 171, conf: forgedConnMany - 0.05,
			text: []string{"The client ended the control connection (frame 172) 53 µs after a RST forged in the server's name ended the data connection of RETR slow.bin"}},
	}
	for _, tc := range cases {
		t.Run(tc.sample+"/"+string(tc.kind), func(t *testing.T) {
			c := loadCapture(t, sampleFile(t, tc.sample))
			got := breakOn(c.judge(), tc.kind)
			if got == nil {
				t.Fatalf("no break on the %s connection", tc.kind)
			}
			if got.Cause != "middlebox-reset" || got.Class != ClassNetwork {
				t.Fatalf("verdict %s/%s (%s), want network/middlebox-reset", got.Class, got.Cause, got.Summary)
			}
			if !near(got.Confidence, tc.conf) {
				t.Errorf("confidence %.2f, want %.2f", got.Confidence, tc.conf)
			}
			says(t, "summary", got.Summary, tc.text...)
			if got.Evidence[0].At.Frame != tc.frame {
				t.Errorf("first evidence frame %d, want the RST's %d", got.Evidence[0].At.Frame, tc.frame)
			}
			for _, cause := range got.Contributing {
				if cause == "server-reset" || cause == "client-abort" {
					t.Errorf("%s still holds beside the forged reset", cause)
				}
			}
		})
	}
}

// zeek's rst-inject-rae: a RST/ACK in the responder's name answers the
// SYN (TTL 46 against the responder's 49, IP ID and window copied from the
// SYN, ack = the SYN's seq); the client ignores it, the handshake
// completes and the responder itself resets the connection later (TTL 49,
// IP ID next in its counter). The break is the responder's own reset; the
// injected one is a finding.
func TestMiddleboxResetInjectedThenIgnored(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "zeek/Traces/tcp/rst-inject-rae.pcap"))
	if len(c.conns) != 1 {
		t.Fatalf("%d connections, want 1", len(c.conns))
	}
	b := c.streamCase(c.conns[0], "reset")
	v := decide(b)
	if v.Cause != "server-reset" || v.Evidence[len(v.Evidence)-1].At.Frame != 7 {
		t.Errorf("break verdict %s at frame %d (%s), want server-reset at frame 7", v.Cause, v.Evidence[len(v.Evidence)-1].At.Frame, v.Summary)
	}
	if !strings.Contains(v.Evidence[len(v.Evidence)-1].Text, "the host itself sent it") {
		t.Errorf("server-reset evidence %q does not say the host sent it", v.Evidence[len(v.Evidence)-1].Text)
	}
	mb := ruleFor(t, "middlebox-reset")
	if f := mb.Check(b); f != nil {
		t.Errorf("middlebox-reset holds for the break (%s), but the injected RST did not end the connection", f.Summary)
	}
	f := mb.Notice(b)
	if f == nil {
		t.Fatal("no middlebox-reset finding for the injected RST")
	}
	// In capture order: the SYN it answered (frame 1), then the RST.
	if f.Confidence < 0.9 || len(f.Evidence) < 2 || f.Evidence[0].At.Frame != 1 || f.Evidence[1].At.Frame != 2 ||
		!strings.HasPrefix(f.Evidence[1].Text, "reset:") {
		t.Errorf("finding confidence %.2f, evidence %+v; want ≥ 0.9, the SYN (frame 1) then the RST (frame 2)", f.Confidence, f.Evidence)
	}
	says(t, "finding", f.Summary+"\n"+evidenceText(f), "TTL 46 (18 hops)", "TTL 49 (15 hops)", "2 other packets", "3 hops more than the server's",
		"IP ID 0x1555", "accepted the very SYN", "does not acknowledge the SYN", "did not end the connection",
		"came 233.7 ms after the earliest packet it can answer (frame 1), while 1.2.0.3:6649's packets take at least 1.27 s")
}

// A RST forged in the server's name ends the connection: middlebox-reset
// is the verdict and server-reset steps aside; the client's resets
// answering the real server's data afterwards are consequences, not an
// abort.
func TestMiddleboxResetEndsConnection(t *testing.T) {
	ms := time.Millisecond
	w := newWire(t)
	c := w.open(cli, "203.0.113.20:30000", 64, 63)
	c.exchange(10, ms)
	c.rst(tcpflow.FromServer, ms, withTTL(64))
	c.data(tcpflow.FromServer, ms, 1448)
	c.pkt(tcpflow.FromClient, ms, tcpflow.FlagRST, 0, nil)
	b := w.cases()[0]
	v := decide(b)
	if v.Cause != "middlebox-reset" || v.Class != ClassNetwork {
		t.Fatalf("verdict %s/%s (%s), want network/middlebox-reset", v.Class, v.Cause, v.Summary)
	}
	for _, cause := range v.Contributing {
		if cause == "server-reset" || cause == "client-abort" {
			t.Errorf("%s still holds beside the forged reset", cause)
		}
	}
	says(t, "summary", v.Summary, "1 hop nearer the capture point than the server", "TTL 64 (0 hops) against TTL 63 (1 hop)", "12 other packets on this connection")
	if !near(v.Confidence, forgedConnMany+strongSignWeight) {
		t.Errorf("confidence %.2f, want %.2f (TTL and the server carrying on)", v.Confidence, forgedConnMany+strongSignWeight)
	}
}

// nDPI's tcp_scan: SYNs to closed ports answered by the target itself;
// each is connection-refused, with the hop distance of the target's
// answers on its open ports as the evidence.
func TestConnectionRefusedByTheHostOnRealScan(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "nDPI/pcap/tcp_scan.pcapng"))
	refused := 0
	for _, conn := range c.conns {
		if conn.Server.Port() != 445 && conn.Server.Port() != 3389 {
			continue
		}
		v := decide(c.streamCase(conn, "refused"))
		if v.Cause != "connection-refused" {
			t.Errorf("port %d: verdict %s (%s), want connection-refused", conn.Server.Port(), v.Cause, v.Summary)
			continue
		}
		refused++
		if ev := v.Evidence[len(v.Evidence)-1].Text; !strings.Contains(ev, "2 packets on other connections (TTL 64, 0 hops): the host itself sent it") {
			t.Errorf("port %d: refusal evidence %q", conn.Server.Port(), ev)
		}
	}
	if refused != 2 {
		t.Errorf("%d refused connections judged, want 2 (445 and 3389)", refused)
	}
}
