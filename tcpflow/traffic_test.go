package tcpflow

import (
	"testing"
	"time"
)

// TestTrafficMadeOnlyWhenNeeded: a connection that is only a handshake, a
// refusal or a SYN's retransmissions records no traffic facts, so it stays
// small; a side sending payload gets them; and the shared zero value
// readers see stays zero.
func TestTrafficMadeOnlyWhenNeeded(t *testing.T) {
	cases := []struct {
		name         string
		send         func(f *feeder)
		client, serv bool // want traffic facts made
	}{
		{"syn retransmitted", func(f *feeder) {
			f.send(seg(cli, srv, FlagSYN, 1000, 0, ""), 0)
			f.send(seg(cli, srv, FlagSYN, 1000, 0, ""), time.Second)
			f.send(seg(cli, srv, FlagSYN, 1000, 0, ""), 2*time.Second)
		}, false, false},
		{"refused", func(f *feeder) {
			f.send(seg(cli, srv, FlagSYN, 1000, 0, ""), 0)
			f.send(seg(srv, cli, FlagRST|FlagACK, 0, 1001, ""), time.Millisecond)
		}, false, false},
		{"handshake only", func(f *feeder) {
			f.send(seg(cli, srv, FlagSYN, 1000, 0, ""), 0)
			f.send(seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""), time.Millisecond)
			f.send(seg(cli, srv, FlagACK, 1001, 5001, ""), time.Millisecond)
		}, false, false},
		{"server greets", func(f *feeder) {
			f.send(seg(cli, srv, FlagSYN, 1000, 0, ""), 0)
			f.send(seg(srv, cli, FlagSYN|FlagACK, 5000, 1001, ""), time.Millisecond)
			f.send(seg(cli, srv, FlagACK, 1001, 5001, ""), time.Millisecond)
			f.send(seg(srv, cli, FlagACK|FlagPSH, 5001, 1001, "220 hi\r\n"), time.Millisecond)
			f.send(seg(cli, srv, FlagACK, 1001, 5009, ""), time.Millisecond)
		}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
			tc.send(f)
			c := r.opened[0]
			if got := c.Half[FromClient].tr != nil; got != tc.client {
				t.Errorf("client traffic made %v, want %v", got, tc.client)
			}
			if got := c.Half[FromServer].tr != nil; got != tc.serv {
				t.Errorf("server traffic made %v, want %v", got, tc.serv)
			}
			if c.Half[FromClient].Traffic() == nil || c.Half[FromServer].Traffic() == nil {
				t.Fatal("Traffic returned nil")
			}
			if noTraffic != (Traffic{}) {
				t.Fatal("the shared zero Traffic was written to")
			}
		})
	}
	t.Run("facts read back", func(t *testing.T) {
		tc := cases[3] // the server's greeting is timed to the client's ACK
		r := &recorder{}
		f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
		tc.send(f)
		if got := r.opened[0].Half[FromServer].Traffic().AckRTTSamples; got != 1 {
			t.Errorf("server RTT samples %d, want 1", got)
		}
	})
}
