package classify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestPathLossTimeout(t *testing.T) {
	ms := time.Millisecond
	// stall: the server's data flows, then one segment is never
	// acknowledged and is retransmitted on the given schedule.
	stall := func(w *wire, waits []time.Duration, answer func(c *wconn, seq uint32)) *wconn {
		c := w.open(cli, "203.0.113.20:30000", 64, 63)
		c.exchange(10, ms)
		seq := c.next[tcpflow.FromServer]
		c.data(tcpflow.FromServer, ms, 1448)
		for _, wait := range waits {
			c.resend(tcpflow.FromServer, seq, 1448, wait)
			if answer != nil {
				answer(c, seq)
			}
		}
		return c
	}
	cases := []struct {
		name    string
		build   func(w *wire)
		cause   string // the verdict's cause; "" when path-loss-timeout must not hold at all
		conf    float64
		summary []string
		ev      []string
	}{
		{
			name: "backoff until the sender resets",
			build: func(w *wire) {
				c := stall(w, backoff(5), nil)
				c.rst(tcpflow.FromServer, 3*time.Second)
			},
			cause: "path-loss-timeout", conf: 0.8,
			summary: []string{"retransmitted 5 times at +0.20, +0.60, +1.40, +3.00, +6.20 s", "no packet came back from 198.51.100.10:40000",
				"until the server gave up with a RST", "byte 14,480 of its stream (1,448 bytes"},
			ev: []string{"after frame 24 (its first transmission)", "each wait longer than the last"},
		},
		{
			name:  "backoff until the capture ends",
			build: func(w *wire) { stall(w, backoff(6), nil) },
			cause: "path-loss-timeout", conf: 0.75,
			summary: []string{"retransmitted 6 times", "until the capture ends"},
		},
		{
			name: "many retransmissions: the first eight and the last",
			build: func(w *wire) {
				c := stall(w, backoff(10), nil)
				c.rst(tcpflow.FromServer, time.Second)
			},
			cause: "path-loss-timeout", conf: 0.8,
			summary: []string{"retransmitted 10 times at +0.20, +0.60, +1.40, +3.00, +6.20, +12.60, +25.40, +51.00 … +204.60 s"},
		},
		{
			name: "level waits are still unanswered loss, less sure",
			build: func(w *wire) {
				c := stall(w, []time.Duration{time.Second, time.Second, time.Second}, nil)
				c.rst(tcpflow.FromServer, time.Second)
			},
			cause: "path-loss-timeout", conf: 0.7,
		},
		{
			name: "the peer's packets never acknowledge it",
			build: func(w *wire) {
				c := stall(w, backoff(4), func(c *wconn, seq uint32) { c.ack(tcpflow.FromClient, ms, withAck(seq)) })
				c.rst(tcpflow.FromServer, time.Second)
			},
			cause: "path-loss-timeout", conf: 0.65,
			summary: []string{"198.51.100.10:40000's 4 packets in that time never acknowledged it"},
		},
		{
			name: "capture loss is said and lowers confidence",
			build: func(w *wire) {
				c := w.open(cli, "203.0.113.20:30000", 64, 63)
				c.exchange(3, ms)
				c.next[tcpflow.FromServer] += 1448 // a segment the capture missed …
				c.data(tcpflow.FromServer, ms, 1448)
				c.ack(tcpflow.FromClient, ms) // … that the client acknowledged
				seq := c.next[tcpflow.FromServer]
				c.data(tcpflow.FromServer, ms, 1448)
				c.resend(tcpflow.FromServer, seq, 1448, backoff(5)...)
				c.rst(tcpflow.FromServer, time.Second)
			},
			cause: "path-loss-timeout", conf: 0.75,
			ev: []string{"the capture itself missed 1,448 bytes", "not the network"},
		},
		{
			name: "recovered: acknowledged after two",
			build: func(w *wire) {
				c := stall(w, backoff(2), nil)
				c.ack(tcpflow.FromClient, ms)
				c.rst(tcpflow.FromClient, time.Second)
			},
		},
		{
			name: "the peer answered with a reset",
			build: func(w *wire) {
				c := stall(w, backoff(3), nil)
				c.rst(tcpflow.FromClient, ms)
			},
		},
		{
			name: "a zero window holds the sender back",
			build: func(w *wire) {
				c := stall(w, backoff(1), nil)
				c.ack(tcpflow.FromClient, ms, withWin(0), withAck(c.next[tcpflow.FromServer]-1448))
				c.resend(tcpflow.FromServer, c.next[tcpflow.FromServer]-1448, 1448, 400*ms, 800*ms)
				c.rst(tcpflow.FromServer, time.Second)
			},
		},
		{
			name: "a single retransmission is not a timeout",
			build: func(w *wire) {
				c := stall(w, backoff(1), nil)
				c.rst(tcpflow.FromServer, time.Second)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			tc.build(w)
			b := w.cases()[0]
			f := checkRule(t, "path-loss-timeout", b, tc.cause != "")
			if f == nil {
				return
			}
			findingIs(t, f, tc.conf, tc.summary, tc.ev)
			if v := decide(b); v.Cause != tc.cause {
				t.Errorf("verdict %s (%s), want %s", v.Cause, v.Summary, tc.cause)
			}
		})
	}
}

// Real captures with retransmissions that were answered: zeek's
// retransmit-fast009 (fast retransmissions, then the client's RST) and
// 206_example_b (a download with zero windows and ~56 retransmissions).
// Neither is a path that stopped delivering.
func TestPathLossTimeoutNotOnRecoveredLoss(t *testing.T) {
	for _, file := range []string{"zeek/Traces/tcp/retransmit-fast009.pcap", "zeek/Traces/http/206_example_b.pcap"} {
		t.Run(file, func(t *testing.T) {
			c := loadCapture(t, corpusFile(t, file))
			retrans := int64(0)
			for _, conn := range c.conns {
				retrans += conn.Half[0].Retransmits + conn.Half[1].Retransmits
				if f := ruleFor(t, "path-loss-timeout").Check(c.streamCase(conn, "reset")); f != nil {
					t.Errorf("%v→%v: path-loss-timeout holds: %s", conn.Client, conn.Server, f.Summary)
				}
			}
			if retrans == 0 {
				t.Error("the capture has no retransmissions: the test proves nothing")
			}
		})
	}
}

// The lab's path-loss-timeout capture (client side): a router drops every
// packet of the data connection both ways during an upload; the client
// retransmits the first unacknowledged segment 5 times (frames 208–212,
// RTO doubling), its TCP gives up (tcp_retries2=5), and the client then
// closes the control connection with STOR still waiting.
func TestPathLossTimeoutLabCapture(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "path-loss-timeout"))
	s := c.session(t)
	if len(s.Data) != 1 {
		t.Fatalf("%d data connections, want 1", len(s.Data))
	}
	data := dataCase(s, s.Data[0], c.ctx, "transfer truncated")
	f := ruleFor(t, "path-loss-timeout").Check(data)
	if f == nil {
		t.Fatal("path-loss-timeout does not hold on the data connection")
	}
	says(t, "data summary", f.Summary, "the client's segment at byte 131,072 of its stream (1,448 bytes",
		"retransmitted 5 times at +0.21, +0.63, +1.46, +3.12, +6.48 s", "no packet came back from 203.0.113.20:30008")
	if ev := evidenceText(f); !strings.Contains(ev, "after frame 161 (its first transmission), each wait longer than the last") {
		t.Errorf("evidence does not show the backoff from the first transmission:\n%s", ev)
	}
	if f.Evidence[0].At.Frame != 212 || !near(f.Confidence, 0.75) {
		t.Errorf("evidence at frame %d confidence %.2f, want frame 212 and 0.75", f.Evidence[0].At.Frame, f.Confidence)
	}
	ctl := breakOn(c.judge(), KindControl)
	if ctl == nil || ctl.Cause != "path-loss-timeout" {
		t.Fatalf("control break %+v, want path-loss-timeout", ctl)
	}
	if !strings.Contains(ctl.Summary, "The client ended the control connection (frame 213) while STOR big.bin was still waiting for its reply") ||
		!slices.Contains(ctl.Contributing, "client-abort") {
		t.Errorf("control verdict %q (contributing %v)", ctl.Summary, ctl.Contributing)
	}
}
