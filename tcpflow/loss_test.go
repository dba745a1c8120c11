package tcpflow

import (
	"testing"
	"time"
)

func TestRetransRun(t *testing.T) {
	const ms = time.Millisecond
	cases := []struct {
		name string
		run  func(f *feeder)
		dir  Dir
		want RetransRun // Times compared up to Count; Since and Acked by frame
	}{
		{
			// A command after an idle time, retransmitted with a doubling
			// timer and never answered: the timer started at the command.
			name: "unanswered command backs off",
			run: func(f *feeder) {
				handshake(f, 1000, 5000)
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), 30*time.Second) // frame 4
				for _, gap := range []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms} {
					f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), gap)
				}
			},
			dir:  FromClient,
			want: RetransRun{Seq: 1001, Len: 5, Count: 4, Since: Ref{Frame: 4}, Last: Ref{Frame: 8}},
		},
		{
			// The peer's ACK ends the run and is counted as its packet.
			name: "acknowledged after two",
			run: func(f *feeder) {
				handshake(f, 1000, 5000)
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), ms)
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), 200*ms)
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), 400*ms)
				f.send(seg(srv, cli, FlagACK, 5001, 1006, ""), ms) // frame 7
			},
			dir:  FromClient,
			want: RetransRun{Seq: 1001, Len: 5, Count: 2, Since: Ref{Frame: 4}, Last: Ref{Frame: 6}, PeerPackets: 1, Acked: Ref{Frame: 7}},
		},
		{
			// In a flight of segments the timer restarts on each ACK of
			// new data (RFC 6298 5.3): the run's timer started at the
			// client's ACK of the first segment.
			name: "bulk: timer from the last ACK of new data",
			run: func(f *feeder) {
				handshake(f, 1000, 5000)
				f.send(seg(srv, cli, FlagACK, 5001, 1001, "aaaa"), ms)     // 4
				f.send(seg(srv, cli, FlagACK, 5005, 1001, "bbbb"), ms)     // 5
				f.send(seg(srv, cli, FlagACK, 5009, 1001, "cccc"), ms)     // 6
				f.send(seg(cli, srv, FlagACK, 1001, 5005, ""), ms)         // 7: acks aaaa
				f.send(seg(srv, cli, FlagACK, 5005, 1001, "bbbb"), 300*ms) // 8
				f.send(seg(cli, srv, FlagACK, 1001, 5005, ""), ms)         // 9: dup ack, no progress
				f.send(seg(srv, cli, FlagACK, 5005, 1001, "bbbb"), 600*ms) // 10
			},
			dir:  FromServer,
			want: RetransRun{Seq: 5005, Len: 4, Count: 2, Since: Ref{Frame: 7}, SinceAck: true, Last: Ref{Frame: 10}, PeerPackets: 1},
		},
		{
			// Retransmitting another segment starts a new run.
			name: "new segment, new run",
			run: func(f *feeder) {
				handshake(f, 1000, 5000)
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "USER a\r\n"), ms) // 4
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "USER a\r\n"), ms) // 5
				f.send(seg(srv, cli, FlagACK, 5001, 1009, ""), ms)                   // 6
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1009, 5001, "PASS b\r\n"), ms) // 7
				f.send(seg(cli, srv, FlagACK|FlagPSH, 1009, 5001, "PASS b\r\n"), ms) // 8
			},
			dir:  FromClient,
			want: RetransRun{Seq: 1009, Len: 8, Count: 1, Since: Ref{Frame: 7}, Last: Ref{Frame: 8}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
			tc.run(f)
			got := r.opened[0].Half[tc.dir].Traffic().RetransRun
			w := tc.want
			if got.Seq != w.Seq || got.Len != w.Len || got.Count != w.Count || got.SinceAck != w.SinceAck ||
				got.Since.Frame != w.Since.Frame || got.Last.Frame != w.Last.Frame ||
				got.PeerPackets != w.PeerPackets || got.Acked.Frame != w.Acked.Frame {
				t.Errorf("run = seq %d len %d count %d since #%d (ack %v) last #%d peer %d acked #%d\nwant seq %d len %d count %d since #%d (ack %v) last #%d peer %d acked #%d",
					got.Seq, got.Len, got.Count, got.Since.Frame, got.SinceAck, got.Last.Frame, got.PeerPackets, got.Acked.Frame,
					w.Seq, w.Len, w.Count, w.Since.Frame, w.SinceAck, w.Last.Frame, w.PeerPackets, w.Acked.Frame)
			}
			if got.Active() != w.Acked.IsZero() {
				t.Errorf("Active() = %v with Acked #%d", got.Active(), got.Acked.Frame)
			}
		})
	}
}

func TestRetransRunTimesBackoff(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	handshake(f, 1000, 5000)
	f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), time.Second)
	start := f.ts
	gap := 200 * time.Millisecond
	for range RetransRunTimes + 2 {
		f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), gap)
		gap *= 2
	}
	run := r.opened[0].Half[FromClient].Traffic().RetransRun
	if run.Count != RetransRunTimes+2 || run.Last.Frame != f.frame {
		t.Fatalf("count %d last #%d, want %d and #%d", run.Count, run.Last.Frame, RetransRunTimes+2, f.frame)
	}
	want := int64(0)
	g := int64(200 * time.Millisecond)
	for i, ts := range run.Times {
		want += g
		g *= 2
		if ts-start != want {
			t.Errorf("retransmission %d at +%v, want +%v", i+1, time.Duration(ts-start), time.Duration(want))
		}
	}
}

func TestAfterRSTAndLastSent(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	handshake(f, 1000, 5000)
	f.send(seg(srv, cli, FlagACK|FlagPSH, 5001, 1001, "220 hi\r\n"), time.Millisecond) // 4
	f.send(seg(srv, cli, FlagACK|FlagRST, 5009, 1001, ""), time.Millisecond)           // 5: a RST in the server's name
	f.send(seg(cli, srv, FlagACK, 1001, 5009, ""), time.Millisecond)                   // 6
	f.send(seg(srv, cli, FlagACK, 5009, 1001, ""), time.Millisecond)                   // 7: a pure ACK is not "more to send"
	f.send(seg(srv, cli, FlagACK|FlagPSH, 5009, 1001, "more\r\n"), time.Millisecond)   // 8: the real server goes on
	f.send(seg(cli, srv, FlagRST, 1001, 0, ""), time.Millisecond)                      // 9
	c := r.opened[0]
	s, cl := c.Half[FromServer], c.Half[FromClient]
	if s.Traffic().AfterRST.Frame != 8 || s.Traffic().AfterRST.Seq != 5009 || s.Traffic().AfterRST.Len != 6 {
		t.Errorf("server AfterRST #%d seq %d len %d, want #8 seq 5009 len 6", s.Traffic().AfterRST.Frame, s.Traffic().AfterRST.Seq, s.Traffic().AfterRST.Len)
	}
	if !cl.Traffic().AfterRST.IsZero() {
		t.Errorf("client AfterRST #%d, want none", cl.Traffic().AfterRST.Frame)
	}
	if s.LastSent.Frame != 8 || cl.LastSent.Frame != 6 {
		t.Errorf("LastSent server #%d client #%d, want #8 and #6 (resets do not count)", s.LastSent.Frame, cl.LastSent.Frame)
	}
}

func TestTTLStatsCountAndLast(t *testing.T) {
	var s TTLStats
	for i, ttl := range []uint8{63, 63, 63, 61, 61} {
		s.Add(ttl, Ref{Frame: int64(i + 1)})
	}
	if s.Count(63) != 3 || s.Count(61) != 2 || s.Count(64) != 0 || s.Last() != 61 {
		t.Errorf("Count(63)=%d Count(61)=%d Count(64)=%d Last=%d", s.Count(63), s.Count(61), s.Count(64), s.Last())
	}
	if s.Shift.Frame != 4 || s.ShiftFrom != 63 || s.ShiftTo != 61 {
		t.Errorf("shift #%d %d→%d, want #4 63→61", s.Shift.Frame, s.ShiftFrom, s.ShiftTo)
	}
}

func TestRSTTimesNoRoundTrip(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	handshake(f, 1000, 5000)
	f.send(seg(cli, srv, FlagACK|FlagPSH, 1001, 5001, "PWD\r\n"), time.Millisecond)
	f.send(seg(srv, cli, FlagACK|FlagRST, 5001, 1006, ""), 30*time.Microsecond)
	if h := r.opened[0].Half[FromClient]; h.Traffic().AckRTTSamples != 0 {
		t.Errorf("%d round-trip samples from a RST/ACK (min %d ns), want none", h.Traffic().AckRTTSamples, h.Traffic().AckRTTMin)
	}
}
