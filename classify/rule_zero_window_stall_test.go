package classify

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestZeroWindowStall(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	for _, tc := range []struct {
		name    string
		script  func(ctl, data *sconn)
		cause   string  // the data connection's break, "" for none
		conf    float64 // of the zero-window-stall verdict
		summary string
	}{
		{name: "client stops reading, then resets", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 7)
			data.rst(cl, 5*time.Second)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "zero-window-stall", conf: 0.85,
			summary: "The client stopped reading the data connection of RETR big.bin after 30,000 bytes: its window stayed at zero for 30.41 s while the server probed it 7 times, then the client reset the connection."},
		{name: "server gives up on a stalled client", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 3)
			data.rst(sv, time.Second)
			ctl.send(sv, time.Millisecond, "426 Data connection timed out.\r\n")
			ctl.ack(cl, time.Millisecond)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "zero-window-stall", conf: 0.85,
			summary: "then the server reset the connection"},
		{name: "one probe, then the receiver resets: its own end, not a stall waited out", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 1)
			data.rst(cl, 10*time.Millisecond)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "client-abort"},
		{name: "a rate-limited server killed mid-upload: its reset 1.3 s into a zero window", script: func(ctl, data *sconn) {
			data.bulk(cl, 30000, 100*time.Microsecond)
			data.shutWindow(sv, time.Millisecond)
			data.linuxProbes(cl, 2)
			data.rst(sv, 600*time.Millisecond)
			ctl.closeBoth(sv, time.Millisecond)
		}, cause: "server-reset"},
		{name: "no probe: not a stall", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.rst(cl, 50*time.Millisecond)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "client-abort"},
		{name: "the window reopens and the transfer completes", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 4)
			data.win[cl] = 65535
			data.ack(cl, time.Second)
			data.bulk(sv, 20000, 100*time.Microsecond)
			finishTransfer(ctl, data, sv)
		}},
		// The server's data timeout fires while the client's window is
		// shut: 426 and the control connection closed. The client's
		// application then wakes up and reads: its window update comes
		// after the server gave up, and changes nothing.
		{name: "the server gives up, then the client reads again", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 4)
			ctl.send(sv, time.Second, "426 Data connection timed out.\r\n")
			ctl.ack(cl, time.Millisecond)
			ctl.closeBoth(sv, time.Millisecond)
			data.win[cl] = 65535
			data.ack(cl, 2*time.Second)
			data.bulk(sv, 8000, 100*time.Microsecond)
			data.closeBoth(sv, time.Millisecond)
		}, cause: "zero-window-stall", conf: 0.85,
			summary: "its window stayed at zero for 6.01 s while the server probed it 4 times, then the server gave up with 426 \"Data connection timed out.\" on the control connection (frame 70). The window reopened only 2.00 s later"},
		// The server resets the data connection while the window is shut;
		// the client's window update crosses the RST on the wire.
		{name: "the server resets, and the client's window update crosses it", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 3)
			data.rst(sv, time.Second)
			data.win[cl] = 65535
			data.ack(cl, time.Millisecond)
			ctl.send(sv, time.Millisecond, "426 Connection closed; transfer aborted.\r\n")
			ctl.ack(cl, time.Millisecond)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "zero-window-stall", conf: 0.85,
			summary: "probed it 3 times, then the server reset the connection. The window reopened only 1.0 ms later"},
		// Flow control that worked: the window reopened and data moved
		// again before anybody gave up; the client's later reset is not
		// the stall's doing.
		{name: "the window reopens, data moves, then the client resets", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 3)
			data.win[cl] = 65535
			data.ack(cl, time.Second)
			data.bulk(sv, 8000, 100*time.Microsecond)
			data.rst(cl, time.Second)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "client-abort"},
		{name: "still shut when the capture ends", script: func(ctl, data *sconn) {
			data.bulk(sv, 30000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.linuxProbes(sv, 4)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			ctl, data := ftpTransfer(s, "RETR big.bin", 7, 10*time.Millisecond)
			tc.script(ctl, data)
			vs := s.finish().judge()
			brk := breakOn(vs, KindData)
			switch {
			case tc.cause == "" && brk != nil:
				t.Fatalf("unexpected data break %s: %s", brk.Cause, brk.Summary)
			case tc.cause == "":
				return
			case brk == nil || brk.Cause != tc.cause:
				t.Fatalf("data break %+v, want %s", brk, tc.cause)
			case tc.cause != "zero-window-stall":
				if slices.Contains(brk.Contributing, "zero-window-stall") {
					t.Errorf("zero-window-stall should not hold: %v", brk.Contributing)
				}
				return
			}
			if brk.Confidence != tc.conf || !strings.Contains(brk.Summary, tc.summary) {
				t.Errorf("%.2f %q, want %.2f and %q", brk.Confidence, brk.Summary, tc.conf, tc.summary)
			}
			if brk.Class != ClassProtocol {
				t.Errorf("class %s", brk.Class)
			}
			if len(brk.Evidence) < 3 || !strings.Contains(brk.Evidence[0].Text, "advertises a zero window") {
				t.Errorf("evidence %+v", brk.Evidence)
			}
		})
	}
}

// zeek 206_example_b: the client's window sits at zero 57 times and
// reopens; what ends the connection a minute later is the server
// retransmitting into silence. A zero window that reopened is no stall.
func TestZeroWindowReopenedIsNoStall(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "zeek/Traces/http/206_example_b.pcap"))
	conn := c.connTo(t, 80)
	cl := &conn.Half[tcpflow.FromClient]
	if cl.ZeroWindows == 0 || cl.WindowClosed() {
		t.Fatalf("capture changed? %d zero windows, closed at the end %v", cl.ZeroWindows, cl.WindowClosed())
	}
	b := c.streamCase(conn, "reset")
	if f := ruleFor(t, "zero-window-stall").Check(b); f != nil {
		t.Errorf("zero-window-stall on a reopened window: %s", f.Summary)
	}
}

// The lab's capture (server side): the client reads 30,000 bytes and
// stops; its window is zero from frame 62, the server probes in frames
// 63–70, pyftpdlib's data timeout answers 421 (frame 72) and closes the
// control connection (74), the client resets the data connection (75).
// The server gave up first: its 421 is what the summary names.
func TestZeroWindowStallSample(t *testing.T) {
	vs := loadCapture(t, sampleFile(t, "zero-window-stall")).judge()
	data := sampleVerdict(t, vs, KindData, "zero-window-stall")
	if data.Confidence != 0.85 || !strings.Contains(data.Summary, "its window stayed at zero for 9.92 s while the server probed it 5 times, then the server gave up with 421 \"Data connection timed out.\" on the control connection (frame 72)") {
		t.Errorf("data: %.2f %s", data.Confidence, data.Summary)
	}
	for _, f := range []int64{62, 70, 72, 75} {
		if !framesOf(data)[f] {
			t.Errorf("data evidence lacks frame %d: %+v", f, data.Evidence)
		}
	}
	ctl := sampleVerdict(t, vs, KindControl, "zero-window-stall")
	if !strings.HasPrefix(ctl.Summary, "The control connection ended over a stalled transfer: the client stopped reading") {
		t.Errorf("control: %s", ctl.Summary)
	}
	for _, f := range []int64{72, 74} {
		if !framesOf(ctl)[f] {
			t.Errorf("control evidence lacks frame %d: %+v", f, ctl.Evidence)
		}
	}
}

// A real capture (classify/testdata/README.md): pyftpdlib gives up on a
// client whose window has been shut for 6 s (421, then the control
// connection closed); the client reopens its window 2 s later. Linux
// probed the shut window by resending its edge segment, not with 0-byte
// probes. Both connections are zero-window stalls.
func TestZeroWindowReopenedAfterGiveUpRealCapture(t *testing.T) {
	vs := loadCapture(t, filepath.Join("testdata", "zero-window-reopened-ftplib-pyftpdlib.pcap")).judge()
	data := sampleVerdict(t, vs, KindData, "zero-window-stall")
	says(t, "data", data.Summary, "while the server probed it 5 times, then the server gave up with 421 \"Data connection timed out.\" on the control connection (frame 38). The window reopened only 1.99 s later (frame 44)")
	for _, f := range []int64{28, 38, 44} {
		if !framesOf(data)[f] {
			t.Errorf("data evidence lacks frame %d: %+v", f, data.Evidence)
		}
	}
	sampleVerdict(t, vs, KindControl, "zero-window-stall")
}
