package classify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestRouteChange(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name    string
		build   func(w *wire)
		holds   bool
		conf    float64
		summary []string
		ev      []string
	}{
		{
			// As the lab's detour: the server's packets come two hops
			// longer, a little data gets through, then nothing; the
			// client gives up 8 s later.
			name: "detour, then the data stops",
			build: func(w *wire) {
				c := w.open(cli, "203.0.113.20:30000", 64, 63)
				c.exchange(10, ms)
				c.ttl[tcpflow.FromServer] = 61
				c.exchange(5, ms)
				c.rst(tcpflow.FromClient, 8*time.Second)
			},
			holds: true, conf: 0.85,
			summary: []string{"changed route mid-connection (TTL 63 (1 hop) before frame 24, TTL 61 (3 hops) from it on)",
				"after 5 packets on the new route the server's data stopped (frame 32, 8.0 ms after the change)", "nothing more came from it for 8.00 s"},
			ev: []string{"had arrived with TTL 63 (1 hop), 11 of them; this one came with TTL 61 (3 hops), as did the 4 after it: 2 more hops on the path", "the connection ends: RST/ACK"},
		},
		{
			name: "detour, then unanswered retransmissions",
			build: func(w *wire) {
				c := w.open(cli, "203.0.113.20:30000", 64, 63)
				c.exchange(10, ms)
				c.ttl[tcpflow.FromServer] = 62
				c.exchange(2, ms)
				seq := c.next[tcpflow.FromServer]
				c.data(tcpflow.FromServer, ms, 1448)
				c.resend(tcpflow.FromServer, seq, 1448, backoff(4)...)
				c.rst(tcpflow.FromServer, time.Second)
			},
			holds: true, conf: 0.85,
			summary: []string{"TTL 62 (2 hops) from it on", "was retransmitted 4 times"},
		},
		{
			name: "trouble long after the change",
			build: func(w *wire) {
				c := w.open(cli, "203.0.113.20:30000", 64, 63)
				c.exchange(10, ms)
				c.ttl[tcpflow.FromServer] = 61
				c.exchange(5, 30*time.Second)
				c.rst(tcpflow.FromClient, 8*time.Second)
			},
			holds: true, conf: 0.7,
		},
		{
			// Another initial TTL is another sender (a proxy taking
			// over), not another route.
			name: "another sender, not another route",
			build: func(w *wire) {
				c := w.open(cli, "203.0.113.20:30000", 64, 63)
				c.exchange(10, ms)
				c.ttl[tcpflow.FromServer] = 126
				c.exchange(5, ms)
				c.rst(tcpflow.FromClient, 8*time.Second)
			},
		},
		{
			name: "one odd packet is not a route",
			build: func(w *wire) {
				c := w.open(cli, "203.0.113.20:30000", 64, 63)
				c.exchange(10, ms)
				c.data(tcpflow.FromServer, ms, 1448, withTTL(61))
				c.exchange(5, ms)
				c.rst(tcpflow.FromClient, 8*time.Second)
			},
		},
		{
			// The data kept flowing until the client reset: the new
			// route worked.
			name: "new route, no trouble",
			build: func(w *wire) {
				c := w.open(cli, "203.0.113.20:30000", 64, 63)
				c.exchange(10, ms)
				c.ttl[tcpflow.FromServer] = 61
				c.exchange(5, ms)
				c.rst(tcpflow.FromClient, ms)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t)
			tc.build(w)
			b := w.cases()[0]
			f := checkRule(t, "route-change", b, tc.holds)
			if f == nil {
				return
			}
			findingIs(t, f, tc.conf, tc.summary, tc.ev)
			if v := decide(b); tc.conf >= 0.85 && v.Cause != "route-change" {
				t.Errorf("verdict %s (%s), want route-change", v.Cause, v.Summary)
			}
		})
	}
}

// The lab's route-change capture (client side): 1.5 s into a download the
// router sends the server's packets through a second router (TTL 63 → 61
// from frame 155), which passes 13 segments and then drops everything; the
// client's QUIT on the control connection, on the same path, is
// retransmitted unanswered.
func TestRouteChangeLabCapture(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "route-change"))
	vs := c.judge()
	data, ctl := breakOn(vs, KindData), breakOn(vs, KindControl)
	if data == nil || data.Cause != "route-change" || !near(data.Confidence, 0.85) {
		t.Fatalf("data break %+v, want route-change at 0.85", data)
	}
	says(t, "data summary", data.Summary, "TTL 63 (1 hop) before frame 155, TTL 61 (3 hops) from it on", "after 13 packets on the new route the server's data stopped (frame 179, 47 µs after the change)")
	if ctl == nil || ctl.Cause != "route-change" || !slices.Contains(ctl.Contributing, "path-loss-timeout") {
		t.Fatalf("control break %+v, want route-change with path-loss-timeout contributing", ctl)
	}
	if !strings.Contains(ctl.Summary, "On the control connection, on the same path, the client's segment at byte 94 of its stream (6 bytes") {
		t.Errorf("control summary: %s", ctl.Summary)
	}
}

func TestSameHosts(t *testing.T) {
	w := newWire(t)
	a := w.open(cli, srv, 64, 63)
	b := w.open("203.0.113.20:20", "198.51.100.10:50000", 63, 64) // active mode: the server connects back
	o := w.open("198.51.100.11:40000", srv, 64, 63)
	if !sameHosts(a.conn, b.conn) || sameHosts(a.conn, o.conn) {
		t.Errorf("sameHosts: control/active data %v, control/other client %v", sameHosts(a.conn, b.conn), sameHosts(a.conn, o.conn))
	}
}
