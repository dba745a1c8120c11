package classify

import (
	"strings"
	"testing"
	"time"
)

func TestSynUnansweredScripts(t *testing.T) {
	syn := func(ttl uint8, after time.Duration) pk {
		return pk{from: cli, to: srv, flags: fSYN, seq: 1000, ttl: ttl, mss: 1460, after: after}
	}
	tests := []struct {
		name      string
		packets   []pk
		icmp      *icmpErr
		wantCause string
		wantConf  float64
		summary   []string // parts the summary must contain
	}{
		{"Linux schedule seen at the client",
			[]pk{syn(64, 0), syn(64, time.Second), syn(64, 2*time.Second), syn(64, 4*time.Second)}, nil,
			"syn-unanswered", 0.85, []string{"4 SYNs (at 0 s, +1 s, +3 s, +7 s)", "capture is at the sender's side"}},
		{"one SYN seen two hops from the client",
			[]pk{syn(62, 0)}, nil,
			"syn-unanswered", 0.6, []string{"1 SYN (at 0 s)", "passed the capture point"}},
		{"two SYNs",
			[]pk{syn(64, 0), syn(64, 3*time.Second)}, nil,
			"syn-unanswered", 0.8, []string{"2 SYNs (at 0 s, +3 s)"}},
		{"a RST answers: refused, not unanswered",
			[]pk{syn(64, 0), {from: srv, to: cli, flags: fRST | fACK, ack: 1001, ttl: 63, after: time.Millisecond}}, nil,
			"connection-refused", 0.9, nil},
		{"an ICMP answers: unreachable, not unanswered",
			[]pk{syn(64, 0), syn(64, time.Second)},
			&icmpErr{sender: "198.51.100.1", from: cli, to: srv, seq: 1000, typ: 3, code: 1, ttl: 64, after: 2 * time.Second},
			"icmp-unreachable", 0.95, []string{"host unreachable (ICMP type 3 code 1)", "router 198.51.100.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newNetScript(t)
			n.send(tc.packets...)
			if tc.icmp != nil {
				n.icmp(*tc.icmp)
			}
			v := onlyBreak(t, n.finish())
			if v.Cause != tc.wantCause || v.Confidence != tc.wantConf || v.Kind != KindControl {
				t.Errorf("verdict %s/%s %.2f, want %s %.2f on the control connection: %s", v.Kind, v.Cause, v.Confidence, tc.wantCause, tc.wantConf, v.Summary)
			}
			says(t, "summary", v.Summary, tc.summary...)
			if tc.wantCause != "syn-unanswered" {
				for _, c := range v.Contributing {
					if c == "syn-unanswered" {
						t.Errorf("syn-unanswered contributes although the SYN was answered")
					}
				}
			}
		})
	}
}

// Real captures whose opener sent something besides SYNs, or got an
// answer: the rule must stay silent.
func TestSynUnansweredNotOnAnsweredOrMissedHandshakes(t *testing.T) {
	rule := ruleFor(t, "syn-unanswered")
	for _, tc := range []struct{ capture, why string }{
		{"zeek/Traces/tcp/syn-then-rst.pcap", "the opener reset its own SYN: it gave up or never meant to connect"},
		{"arkime/pcap/no-syn-ack.pcap", "the SYN-ACK was not captured, but the opener went on with ACKs and data"},
		{"nDPI/pcap/tcp_scan.pcapng", "closed ports answered the SYNs with RST/ACK"},
		{"zeek/Traces/tcp/syn-then-ack-then-rst.pcap", "the opener sent an ACK: it had an answer the capture missed"},
	} {
		c := loadCapture(t, corpusFile(t, tc.capture))
		for _, conn := range c.conns {
			if f := rule.Check(c.streamCase(conn, "test")); f != nil {
				t.Errorf("%s %v→%v: syn-unanswered fired (%s), but %s", tc.capture, conn.Client, conn.Server, f.Summary, tc.why)
			}
		}
	}
}

// zeek's fragmented-syn.pcap: one SYN (sent in two IPv4 fragments, whole
// at frame 2) and nothing else: unanswered in the capture, with the
// weakest confidence.
func TestSynUnansweredSingleRealSYN(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "zeek/Traces/ipv4/fragmented-syn.pcap"))
	if len(c.conns) != 1 {
		t.Fatalf("%d connections, want 1", len(c.conns))
	}
	f := ruleFor(t, "syn-unanswered").Check(c.streamCase(c.conns[0], "never established"))
	if f == nil || f.Confidence != 0.6 || !strings.Contains(f.Summary, "1 SYN (at 0 s)") || len(f.Evidence) != 1 || f.Evidence[0].At.Frame != 2 {
		t.Fatalf("finding %+v", f)
	}
}

// The lab's capture: curl's SYNs to port 21 dropped by a router rule,
// captured on the client's veth.
func TestSynUnansweredLabSample(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "syn-unanswered"))
	bs := breaksOf(c)
	if len(bs) != 1 || bs[0].Cause != "syn-unanswered" || bs[0].Kind != KindControl || bs[0].Confidence < 0.85 {
		t.Fatalf("breaks %+v, want one control/syn-unanswered at 0.85 or more", bs)
	}
	v := bs[0]
	if !strings.Contains(v.Summary, "at 0 s, +1") || !strings.Contains(v.Summary, "capture is at the sender's side") {
		t.Errorf("summary: %s", v.Summary)
	}
	if !evidenceHas(v.Evidence, "first SYN (0 router hops from the capture point)", "TTL 64") {
		t.Errorf("evidence lacks the first SYN with its TTL: %+v", v.Evidence)
	}
}

// Judged for counting only, an unanswered attempt gets the same verdict,
// cause and confidence, without the words nobody will read.
func TestSynUnansweredCountOnly(t *testing.T) {
	judge := func(countOnly bool) []Verdict {
		s := newNetScript(t)
		for i := range 4 {
			s.send(pk{from: "192.0.2.10:40000", to: "198.51.100.7:21", flags: fSYN, seq: 1000, after: time.Duration(1<<i) * time.Second})
		}
		c := s.finish()
		c.ctx.CountOnly = countOnly
		return c.judge()
	}
	full, counted := judge(false), judge(true)
	if len(full) != 1 || len(counted) != 1 || full[0].Cause != "syn-unanswered" {
		t.Fatalf("verdicts %+v / %+v, want one syn-unanswered each", full, counted)
	}
	f, c := full[0], counted[0]
	if c.Cause != f.Cause || c.Class != f.Class || c.Confidence != f.Confidence || c.Info != f.Info {
		t.Errorf("counted %s %s %.2f, full %s %s %.2f", c.Class, c.Cause, c.Confidence, f.Class, f.Cause, f.Confidence)
	}
	if f.Summary == "" || len(f.Evidence) != 4 {
		t.Errorf("full verdict: summary %q, %d evidence lines", f.Summary, len(f.Evidence))
	}
	if c.Summary != "" || len(c.Evidence) != 0 {
		t.Errorf("counted verdict still worded: %q, %d evidence lines", c.Summary, len(c.Evidence))
	}
}
