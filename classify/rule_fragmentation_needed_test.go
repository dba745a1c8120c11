package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Real captures with ICMP fragmentation-needed / packet-too-big, read as
// findings: what the sender did after the message.
func TestFragmentationNeededRealCaptures(t *testing.T) {
	tests := []struct {
		capture  string
		port     uint16 // server port of the connection
		v6       bool
		wantConf float64
		summary  []string
	}{
		{"zeek/Traces/smtp.pcap", 25, false, 0.9, []string{"router 192.168.1.1 said fragmentation needed, next-hop MTU 1492, for a 1,500-byte packet (frame 26)",
			"PMTU discovery worked: the sender's segments went from 1,460 to 1,452 bytes (first at frame 27)"}},
		// The endpoint itself bounces 1,645-byte packets with MTU 1500,
		// while the capture shows the sender's packets at 1500 at most.
		{"suricata-verify/tests/filestore-5408/input.pcap", 80, false, 0.7, []string{"the destination host 74.121.139.112 itself said fragmentation needed, next-hop MTU 1500, for a 1,645-byte packet",
			"already fitted"}},
		{"tcpflow/decode/testdata/mtu-path-sender.pcap", 18021, true, 0.6, []string{"packet too big, next-hop MTU 1280, for a 4,072-byte packet", "above segmentation offload"}},
	}
	rule := ruleFor(t, "fragmentation-needed")
	for _, tc := range tests {
		t.Run(tc.capture, func(t *testing.T) {
			path := corpusFileOrRepo(t, tc.capture)
			c := loadCapture(t, path)
			var conn *tcpflow.Conn
			for _, x := range c.conns {
				if x.Server.Port() == tc.port && len(x.ICMP) > 0 && x.Client.Addr().Is6() == tc.v6 {
					conn = x
					break
				}
			}
			if conn == nil {
				t.Fatal("no connection with ICMP errors")
			}
			f := rule.Notice(c.streamCase(conn, ""))
			if f == nil || f.Confidence != tc.wantConf {
				t.Fatalf("finding %+v, want confidence %.2f", f, tc.wantConf)
			}
			says(t, "summary", f.Summary, tc.summary...)
			if !evidenceHas(f.Evidence, "next-hop MTU", "quoting a") {
				t.Errorf("evidence lacks the ICMP: %+v", f.Evidence)
			}
		})
	}
}

// corpusFileOrRepo resolves a path of the public corpus, or one inside
// this repository when it starts with a package directory.
func corpusFileOrRepo(t *testing.T, rel string) string {
	if strings.HasPrefix(rel, "tcpflow/") {
		return "../" + rel
	}
	return corpusFile(t, rel)
}

// A sender that keeps sending packets too big after the message, and a
// connection that then dies: the break's cause, proven by the ICMP.
func TestFragmentationNeededIgnored(t *testing.T) {
	const s, c = "203.0.113.20:30001", "198.51.100.10:40200"
	tests := []struct {
		name      string
		resend    int // payload of the resends after the message
		wantCheck bool
		wantConf  float64
	}{
		{"resent at the old size", 1448, true, 0.9},
		{"resent smaller: PMTU discovery worked", 1228, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newNetScript(t)
			n.send(
				pk{from: c, to: s, flags: fSYN, seq: 1000, ttl: 62, mss: 1460},
				pk{from: s, to: c, flags: fSYN | fACK, seq: 5000, ack: 1001, mss: 1460, after: time.Millisecond},
				pk{from: c, to: s, flags: fACK, seq: 1001, ack: 5001, ttl: 62, after: time.Millisecond},
				pk{from: s, to: c, flags: fACK, seq: 5001, ack: 1001, n: 1448, df: true, after: time.Millisecond},
			)
			n.icmp(icmpErr{sender: "203.0.113.1", from: s, to: c, seq: 5001, typ: 3, code: 4, mtu: 1280, qlen: 1500, after: time.Millisecond})
			for i := 0; i < 3; i++ {
				n.send(pk{from: s, to: c, flags: fACK, seq: 5001, ack: 1001, n: tc.resend, df: true, after: time.Duration(200<<i) * time.Millisecond})
			}
			n.send(pk{from: c, to: s, flags: fRST | fACK, seq: 1001, ack: 5001, ttl: 62, after: 5 * time.Second})
			cap := n.finish()
			b := cap.streamCase(cap.conns[0], "data connection reset")
			rule := ruleFor(t, "fragmentation-needed")
			f := rule.Check(b)
			if (f != nil) != tc.wantCheck {
				t.Fatalf("check %+v, want a finding: %v", f, tc.wantCheck)
			}
			if f != nil {
				if f.Confidence != tc.wantConf || !strings.Contains(f.Summary, "kept sending packets too big for it (3 after the message") ||
					!strings.Contains(f.Summary, "next-hop MTU 1280, for a 1,500-byte packet") {
					t.Errorf("finding %.2f %s", f.Confidence, f.Summary)
				}
				if !evidenceHas(f.Evidence, "still larger than 1,280 bytes") || !evidenceHas(f.Evidence, "bounced packet") {
					t.Errorf("evidence %+v", f.Evidence)
				}
				return
			}
			if nf := rule.Notice(b); nf == nil || !strings.Contains(nf.Summary, "went from 1,448 to 1,228 bytes") {
				t.Errorf("notice %+v, want PMTU discovery at work", nf)
			}
		})
	}
}

// The lab's capture: a download across a 1280-byte link with ICMP
// allowed: the server lowers its segment size and the transfer completes.
func TestFragmentationNeededLabSample(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "fragmentation-needed"))
	if bs := breaksOf(c); len(bs) != 0 {
		t.Fatalf("breaks %+v, want none", bs)
	}
	var found *Verdict
	for _, v := range findingsOf(c) {
		if v.Cause == "fragmentation-needed" {
			found = &v
		}
	}
	if found == nil || !strings.Contains(found.Summary, "next-hop MTU 1280") || !strings.Contains(found.Summary, "PMTU discovery worked") {
		t.Fatalf("finding %+v, want PMTU discovery at work with MTU 1280", found)
	}
}
