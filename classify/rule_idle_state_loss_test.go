package classify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestIdleStateLoss(t *testing.T) {
	ms := time.Millisecond
	// session: a working control connection that falls silent for idle,
	// then the client sends a command.
	session := func(w *wire, idle time.Duration) (*wconn, uint32) {
		c := w.open(cli, srv, 64, 63)
		for range 4 {
			c.data(tcpflow.FromClient, ms, 10)
			c.data(tcpflow.FromServer, ms, 30)
			c.ack(tcpflow.FromClient, ms)
		}
		seq := c.next[tcpflow.FromClient]
		c.data(tcpflow.FromClient, idle, 5)
		return c, seq
	}
	cases := []struct {
		name    string
		build   func(w *wire)
		cause   string // "" when idle-state-loss must not hold
		conf    float64
		also    string // a cause that must be contributing
		summary []string
		ev      []string
	}{
		{
			name: "unanswered after five minutes",
			build: func(w *wire) {
				c, seq := session(w, 5*time.Minute)
				c.resend(tcpflow.FromClient, seq, 5, backoff(5)...)
				c.pkt(tcpflow.FromClient, time.Second, tcpflow.FlagFIN|tcpflow.FlagACK, 0, nil)
			},
			cause: "idle-state-loss", conf: 0.85, also: "path-loss-timeout",
			summary: []string{"After 5.0 minutes with no packet either way", "client's next packet (frame 16) was never answered",
				"retransmitted 5 times at +0.20, +0.60, +1.40, +3.00, +6.20 s", "No TCP keepalive was sent during the silence (none on the whole connection)."},
		},
		{
			name: "unanswered after two minutes: below the common timeouts, less sure",
			build: func(w *wire) {
				c, seq := session(w, 2*time.Minute)
				c.resend(tcpflow.FromClient, seq, 5, backoff(4)...)
			},
			cause: "idle-state-loss", conf: 0.8, also: "path-loss-timeout",
		},
		{
			name: "after 30 s it is plain loss",
			build: func(w *wire) {
				c, seq := session(w, 30*time.Second)
				c.resend(tcpflow.FromClient, seq, 5, backoff(5)...)
				c.pkt(tcpflow.FromClient, time.Second, tcpflow.FlagFIN|tcpflow.FlagACK, 0, nil)
			},
			also: "path-loss-timeout",
		},
		{
			name: "reset by a box that forgot the connection",
			build: func(w *wire) {
				c, _ := session(w, 10*time.Minute)
				c.rst(tcpflow.FromServer, ms, withTTL(64))
			},
			cause: "idle-state-loss", conf: forgedConnMany + 0.03, also: "middlebox-reset",
			summary: []string{"After 10.0 minutes", "answered by a RST in the server's name that the server did not send (TTL 64 (0 hops) against TTL 63 (1 hop))"},
			ev:      []string{"5 other packets on this connection arrived with TTL 63 (1 hop)"},
		},
		{
			name: "reset by the server itself",
			build: func(w *wire) {
				c, _ := session(w, 10*time.Minute)
				c.rst(tcpflow.FromServer, ms)
			},
		},
		{
			name: "answered after the silence",
			build: func(w *wire) {
				c, _ := session(w, 10*time.Minute)
				c.data(tcpflow.FromServer, ms, 30)
				c.rst(tcpflow.FromClient, ms)
			},
		},
		{
			// Keepalives after two hours of silence: the probes go
			// unanswered (the peer's state was gone long before).
			name: "keepalive probes unanswered",
			build: func(w *wire) {
				c := w.open(cli, srv, 64, 63)
				c.data(tcpflow.FromClient, ms, 10)
				c.data(tcpflow.FromServer, ms, 30)
				c.ack(tcpflow.FromClient, ms)
				for i := range 3 {
					wait := 75 * time.Second
					if i == 0 {
						wait = 2 * time.Hour
					}
					c.pkt(tcpflow.FromClient, wait, tcpflow.FlagACK, 0, []over{withSeq(c.next[tcpflow.FromClient] - 1)})
				}
			},
			cause: "idle-state-loss", conf: 0.85,
			summary: []string{"After 2.0 hours", "followed by keepalive probes until frame 9", "was 198.51.100.10:40000's TCP keepalive probe"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			tc.build(w)
			b := w.cases()[0]
			b.Kind = KindControl
			v := decide(b)
			if tc.also != "" && v.Cause != tc.also && !slices.Contains(v.Contributing, tc.also) {
				t.Errorf("%s neither the verdict nor contributing (verdict %s, contributing %v)", tc.also, v.Cause, v.Contributing)
			}
			f := checkRule(t, "idle-state-loss", b, tc.cause != "")
			if f == nil {
				return
			}
			if v.Cause != tc.cause {
				t.Errorf("verdict %s (%s), want %s", v.Cause, v.Summary, tc.cause)
			}
			findingIs(t, f, tc.conf, tc.summary, tc.ev)
		})
	}
}

// The lab's idle-state-loss capture: a stateful firewall with a 50 s
// conntrack timeout forgets the control connection during a 65 s silence
// with no keepalives; the client's PWD (frame 18) is retransmitted 6 times
// and never answered.
func TestIdleStateLossLabCapture(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "idle-state-loss"))
	ctl := breakOn(c.judge(), KindControl)
	if ctl == nil {
		t.Fatal("no break on the control connection")
	}
	if ctl.Cause != "idle-state-loss" {
		t.Errorf("verdict %s (contributing %v), want idle-state-loss", ctl.Cause, ctl.Contributing)
	}
	says(t, "summary", ctl.Summary, "After 65 s with no packet either way", "retransmitted 6 times", "No TCP keepalive was sent during the silence")
	var ev []string
	for _, e := range ctl.Evidence {
		ev = append(ev, e.Text)
	}
	if !strings.Contains(strings.Join(ev, "\n"), "the first packet after 65 s with no packet either way") {
		t.Errorf("evidence does not mention the silence before the command:\n%s", strings.Join(ev, "\n"))
	}
}
