package tcpflow

import (
	"github.com/ftpcap/ftpcap/tcpflow/decode"
	"strings"
	"testing"
	"time"
)

func TestRateSeriesMergesAsItGrows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		at        []time.Duration // offsets from the first packet, 1000 bytes each
		width     time.Duration
		used      int
		wantBins  map[int]int64
		wantTotal int64
	}{
		{"one bin", []time.Duration{0, 5 * time.Millisecond}, 10 * time.Millisecond, 1, map[int]int64{0: 2000}, 2000},
		{"fits in the first width", []time.Duration{0, 155 * time.Millisecond}, 10 * time.Millisecond, 16, map[int]int64{0: 1000, 15: 1000}, 2000},
		{"one merge", []time.Duration{0, 15 * time.Millisecond, 160 * time.Millisecond}, 20 * time.Millisecond, 9, map[int]int64{0: 2000, 8: 1000}, 3000},
		{"many merges", []time.Duration{0, time.Second, 10 * time.Second}, 640 * time.Millisecond, 16, map[int]int64{0: 1000, 1: 1000, 15: 1000}, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r RateSeries
			for _, d := range tc.at {
				r.add(1e18+int64(d), 1000)
			}
			if want := 1e18 + int64(tc.at[len(tc.at)-1]); r.Last != want {
				t.Errorf("last %d, want %d", r.Last, want)
			}
			if r.Width != int64(tc.width) || r.Used != tc.used {
				t.Errorf("width %v used %d, want %v %d", time.Duration(r.Width), r.Used, tc.width, tc.used)
			}
			var total int64
			for i, b := range r.Bins {
				total += b
				if want := tc.wantBins[i]; b != want {
					t.Errorf("bin %d = %d, want %d", i, b, want)
				}
			}
			if total != tc.wantTotal {
				t.Errorf("total %d, want %d", total, tc.wantTotal)
			}
		})
	}
}

// handshake opens cli→srv with the given ISNs, 10 ms apart.
func handshake(f *feeder, cisn, sisn uint32) {
	f.send(seg(cli, srv, FlagSYN, cisn, 0, ""), 0)
	f.send(seg(srv, cli, FlagSYN|FlagACK, sisn, cisn+1, ""), 10*time.Millisecond)
	f.send(seg(cli, srv, FlagACK, cisn+1, sisn+1, ""), 10*time.Millisecond)
}

func TestAckRTTSamplesSkipRetransmissions(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	handshake(f, 100, 5000)
	block := strings.Repeat("x", 1000)
	// Timed: 5001..6001 acked 30 ms later.
	f.send(seg(srv, cli, FlagACK, 5001, 101, block), time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 101, 6001, ""), 30*time.Millisecond)
	// Timed, then retransmitted: the ack times nothing (Karn).
	f.send(seg(srv, cli, FlagACK, 6001, 101, block), time.Millisecond)
	f.send(seg(srv, cli, FlagACK, 6001, 101, block), 200*time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 101, 7001, ""), 30*time.Millisecond)
	// Timed again: acked 50 ms later.
	f.send(seg(srv, cli, FlagACK, 7001, 101, block), time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 101, 8001, ""), 50*time.Millisecond)
	if w := r.opened[0].Half[FromClient].MaxWin; w != 65535 {
		t.Errorf("client's largest window %d, want 65535", w)
	}
	h := r.opened[0].Half[FromServer]
	if h.Traffic().AckRTTSamples != 2 || h.Traffic().AckRTTMin != int64(30*time.Millisecond) || h.Traffic().AckRTTMax != int64(50*time.Millisecond) {
		t.Errorf("samples %d min %v max %v, want 2, 30ms, 50ms", h.Traffic().AckRTTSamples, time.Duration(h.Traffic().AckRTTMin), time.Duration(h.Traffic().AckRTTMax))
	}
	if h.Traffic().Sent.Used == 0 || h.Traffic().Sent.Bins[0]+h.Traffic().Sent.Bins[h.Traffic().Sent.Used-1] == 0 {
		t.Errorf("rate series empty: %+v", h.Traffic().Sent)
	}
	var total int64
	for _, b := range h.Traffic().Sent.Bins {
		total += b
	}
	if total != 3000 {
		t.Errorf("rate series counts %d new bytes, want 3000 (retransmission excluded)", total)
	}
}

func TestZeroWindowProbes(t *testing.T) {
	block := strings.Repeat("x", 1000)
	for _, tc := range []struct {
		name string
		// probe sends the sender's probes after the receiver closed its
		// window at sequence 6001.
		probe      func(f *feeder)
		reopen     bool
		wantProbes int64
	}{
		{"linux probes one below the next byte", func(f *feeder) {
			for i := range 3 {
				f.send(seg(srv, cli, FlagACK, 6000, 101, ""), time.Duration(200<<i)*time.Millisecond)
				f.send(closed(seg(cli, srv, FlagACK, 101, 6001, "")), time.Millisecond)
			}
		}, false, 3},
		{"windows probes with one byte", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 6001, 101, "y"), 300*time.Millisecond)
			f.send(closed(seg(cli, srv, FlagACK, 101, 6001, "")), time.Millisecond)
			f.send(seg(srv, cli, FlagACK, 6001, 101, "y"), 600*time.Millisecond)
			f.send(closed(seg(cli, srv, FlagACK, 101, 6001, "")), time.Millisecond)
		}, false, 2},
		// Linux with data in flight when the window shut: the segment at
		// the window's edge, resent whole, is the probe.
		{"linux resends the segment at the window's edge", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 6001, 101, block), time.Millisecond) // in flight: not a probe
			f.send(closed(seg(cli, srv, FlagACK, 101, 6001, "")), time.Millisecond)
			for i := range 3 {
				f.send(seg(srv, cli, FlagACK, 6001, 101, block), time.Duration(200<<i)*time.Millisecond)
				f.send(closed(seg(cli, srv, FlagACK, 101, 6001, "")), time.Millisecond)
			}
		}, false, 3},
		{"pure acks are not probes", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 6001, 101, ""), 300*time.Millisecond)
		}, false, 0},
		{"a reopened window starts the next run afresh", func(f *feeder) {
			f.send(seg(srv, cli, FlagACK, 6000, 101, ""), 200*time.Millisecond)
			f.send(seg(cli, srv, FlagACK, 101, 6001, ""), time.Millisecond) // reopens
			f.send(seg(srv, cli, FlagACK, 6001, 101, block), time.Millisecond)
			f.send(closed(seg(cli, srv, FlagACK, 101, 7001, "")), time.Millisecond)
		}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
			handshake(f, 100, 5000)
			f.send(seg(srv, cli, FlagACK, 5001, 101, block), time.Millisecond)
			f.send(closed(seg(cli, srv, FlagACK, 101, 6001, "")), time.Millisecond)
			since := f.frame
			tc.probe(f)
			c := r.opened[0]
			rcv := c.Half[FromClient]
			if rcv.Traffic().ZeroWinProbes != tc.wantProbes {
				t.Errorf("probes %d, want %d", rcv.Traffic().ZeroWinProbes, tc.wantProbes)
			}
			if tc.wantProbes > 0 && rcv.Traffic().ZeroWinSince.Frame != since {
				t.Errorf("run began at frame %d, want %d", rcv.Traffic().ZeroWinSince.Frame, since)
			}
			if tc.wantProbes > 0 && rcv.Traffic().ZeroWinProbeLast.IsZero() {
				t.Error("no last probe recorded")
			}
			if !rcv.WindowClosed() {
				t.Error("window should be closed at the end")
			}
		})
	}
}

// closed makes p advertise a zero window.
func closed(p *decode.Packet) *decode.Packet {
	p.Win = 0
	return p
}

func TestAppWaitCountsPausesWithAnOpenWindow(t *testing.T) {
	block := strings.Repeat("x", 1000)
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	handshake(f, 100, 5000)
	// The handshake's ACK leaves nothing in flight, but the wait for the
	// first payload is not the sender pacing itself.
	f.send(seg(srv, cli, FlagACK, 5001, 101, block), 500*time.Millisecond)
	f.send(seg(srv, cli, FlagACK, 6001, 101, block), time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 101, 7001, ""), 10*time.Millisecond) // all acked: the pipe is dry
	f.send(seg(srv, cli, FlagACK, 7001, 101, block), time.Second)      // a 1 s pause
	f.send(seg(cli, srv, FlagACK, 101, 8001, ""), 10*time.Millisecond)
	f.send(seg(srv, cli, FlagACK, 8001, 101, block), 2*time.Second) // a 2 s pause
	// A zero window: the sender waits for the window, not by choice.
	f.send(closed(seg(cli, srv, FlagACK, 101, 9001, "")), 10*time.Millisecond)
	f.send(seg(cli, srv, FlagACK, 101, 9001, ""), 5*time.Second) // reopens
	f.send(seg(srv, cli, FlagACK, 9001, 101, block), time.Millisecond)
	// Beside the receiver every ACK leaves nothing in flight as seen
	// there; the next segment arriving sooner than a round trip later
	// (here the handshake's 20 ms) is the path's pace, not a pause.
	for seq := uint32(10001); seq < 20001; seq += 1000 {
		f.send(seg(cli, srv, FlagACK, 101, seq, ""), 100*time.Microsecond)
		f.send(seg(srv, cli, FlagACK, seq, 101, block), 5*time.Millisecond)
	}
	h := r.opened[0].Half[FromServer]
	if h.Traffic().AppWaitMax != int64(2*time.Second) {
		t.Errorf("longest pause %v, want 2s", time.Duration(h.Traffic().AppWaitMax))
	}
	if h.Traffic().AppWaits != 2 {
		t.Errorf("%d pauses, want 2", h.Traffic().AppWaits)
	}
	if want := int64(3 * time.Second); h.Traffic().AppWait != want {
		t.Errorf("waited %v, want %v", time.Duration(h.Traffic().AppWait), time.Duration(want))
	}
}

// The lab's zero-window capture ends with the stalled client's RST, whose
// window field says 2,896: that does not reopen the window.
func TestResetDoesNotReopenAWindow(t *testing.T) {
	r := &recorder{}
	f := &feeder{t: NewTracker(Options{}, r), ts: 1e18}
	handshake(f, 100, 5000)
	f.send(seg(srv, cli, FlagACK, 5001, 101, strings.Repeat("x", 1000)), time.Millisecond)
	f.send(closed(seg(cli, srv, FlagACK, 101, 6001, "")), time.Millisecond)
	f.send(seg(srv, cli, FlagACK, 6000, 101, ""), 200*time.Millisecond)
	rst := seg(cli, srv, FlagRST|FlagACK, 101, 6001, "")
	rst.Win = 2896
	f.send(rst, 10*time.Second)
	h := r.opened[0].Half[FromClient]
	if !h.WindowClosed() || !h.Traffic().WinReopen.IsZero() {
		t.Errorf("window closed %v, reopened at frame %d: a RST reopened it", h.WindowClosed(), h.Traffic().WinReopen.Frame)
	}
}
