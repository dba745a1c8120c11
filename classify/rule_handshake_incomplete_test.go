package classify

import (
	"strings"
	"testing"
	"time"
)

func TestHandshakeIncompleteScripts(t *testing.T) {
	// TTLs place the capture: the server's packets leave it with 64 at
	// the server's side; the client's arrive with 63, one router away.
	syn := func(ttl uint8, after time.Duration) pk {
		return pk{from: cli, to: srv, flags: fSYN, seq: 1000, ttl: ttl, mss: 1460, after: after}
	}
	synAck := func(ttl uint8, after time.Duration) pk {
		return pk{from: srv, to: cli, flags: fSYN | fACK, seq: 9000, ack: 1001, ttl: ttl, mss: 1460, after: after}
	}
	tests := []struct {
		name     string
		packets  []pk
		wantConf float64
		summary  []string
	}{
		{"server side: SYN-ACK resent, the client's ACK never arrives",
			[]pk{syn(63, 0), synAck(64, time.Millisecond), synAck(64, time.Second), synAck(64, 2*time.Second), synAck(64, 4*time.Second)},
			0.9, []string{"SYN-ACK, sent 4 times (at 0 s, +1 s, +3 s, +7 s), and no ACK", "did not resend its SYN, so the SYN-ACK reached it", "capture is at the responder's side"}},
		{"server side: the client resends its SYN after the SYN-ACK",
			[]pk{syn(63, 0), synAck(64, time.Millisecond), syn(63, time.Second), synAck(64, time.Millisecond), syn(63, 2*time.Second)},
			0.9, []string{"resent its SYN 2 times after the SYN-ACK, so the SYN-ACK never reached it", "lost between here and the opener"}},
		{"client side: the SYN-ACK arrives and the client resends its SYN",
			[]pk{syn(64, 0), synAck(62, 20*time.Millisecond), syn(64, time.Second)},
			0.9, []string{"never reached it", "opener's host dropped it before TCP saw it"}},
		{"one SYN, one SYN-ACK, then the capture ends",
			[]pk{syn(63, 0), synAck(64, time.Millisecond)},
			0.5, []string{"may have ended too soon"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newNetScript(t)
			n.send(tc.packets...)
			v := onlyBreak(t, n.finish())
			if v.Cause != "handshake-incomplete" || v.Confidence != tc.wantConf || v.Kind != KindControl {
				t.Fatalf("verdict %s/%s %.2f, want control/handshake-incomplete %.2f: %s", v.Kind, v.Cause, v.Confidence, tc.wantConf, v.Summary)
			}
			says(t, "summary", v.Summary, tc.summary...)
			if !evidenceHas(v.Evidence, "first SYN-ACK", "TTL") {
				t.Errorf("evidence lacks the SYN-ACK: %+v", v.Evidence)
			}
		})
	}
}

// An opener that resets the SYN-ACK received it and refused it: the
// handshake did not fail on the path.
func TestHandshakeIncompleteNotWhenTheOpenerResets(t *testing.T) {
	n := newNetScript(t)
	n.send(
		pk{from: cli, to: srv, flags: fSYN, seq: 1000, ttl: 63},
		pk{from: srv, to: cli, flags: fSYN | fACK, seq: 9000, ack: 1001, after: time.Millisecond},
		pk{from: cli, to: srv, flags: fRST, seq: 1001, ttl: 63, after: time.Millisecond},
	)
	for _, v := range n.finish().judge() {
		if v.Cause == "handshake-incomplete" {
			t.Errorf("handshake-incomplete for a refused SYN-ACK: %s", v.Summary)
		}
	}
}

// Real handshakes that completed, or whose SYN-ACK the capture missed
// while the opener went on: not incomplete.
func TestHandshakeIncompleteNotOnRealHandshakes(t *testing.T) {
	rule := ruleFor(t, "handshake-incomplete")
	for _, capture := range []string{"zeek/Traces/tcp/rst-inject-rae.pcap", "arkime/pcap/no-syn-ack.pcap", "zeek/Traces/ftp/ipv4.pcap"} {
		c := loadCapture(t, corpusFile(t, capture))
		for _, conn := range c.conns {
			if f := rule.Check(c.streamCase(conn, "test")); f != nil {
				t.Errorf("%s %v→%v: %s", capture, conn.Client, conn.Server, f.Summary)
			}
		}
	}
}

// The lab's capture: every packet from the client to port 21 except SYNs
// is dropped by the router; captured on the server's veth.
func TestHandshakeIncompleteLabSample(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "handshake-incomplete"))
	bs := breaksOf(c)
	if len(bs) != 1 || bs[0].Cause != "handshake-incomplete" || bs[0].Kind != KindControl || bs[0].Confidence < 0.9 {
		t.Fatalf("breaks %+v, want one control/handshake-incomplete at 0.9", bs)
	}
	if !strings.Contains(bs[0].Summary, "capture is at the responder's side") {
		t.Errorf("summary does not place the capture at the server: %s", bs[0].Summary)
	}
}
