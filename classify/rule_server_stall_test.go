package classify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestServerStall(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	for _, tc := range []struct {
		name    string
		cmd     string
		script  func(ctl, data *sconn)
		cause   string // the data connection's break ("": any but server-stall)
		conf    float64
		summary string
	}{
		{name: "server goes quiet, client gives up", cmd: "RETR big.bin", script: func(ctl, data *sconn) {
			data.bulk(sv, 100000, 100*time.Microsecond)
			data.rst(cl, 20*time.Second)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "server-stall", conf: 0.8,
			summary: "Nothing arrived from the server on the data connection of RETR big.bin after 100,000 bytes for 20.00 s, with every byte acknowledged and the client's window open (8,388,480 bytes), no retransmissions; then the client reset the connection."},
		{name: "server's keepalive shows it is there", cmd: "RETR big.bin", script: func(ctl, data *sconn) {
			data.bulk(sv, 100000, 100*time.Microsecond)
			data.probe(sv, 10*time.Second) // a keepalive: no data
			data.ack(cl, time.Millisecond)
			data.rst(cl, 10*time.Second)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "server-stall", conf: 0.85, summary: "The server stopped sending on the data connection of RETR big.bin after 100,000 bytes: 20.00 s of silence"},
		{name: "server never starts sending", cmd: "RETR big.bin", script: func(ctl, data *sconn) {
			data.fin(cl, 30*time.Second)
			data.fin(sv, time.Millisecond)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "server-stall", conf: 0.85, summary: "after 0 bytes: 30.07 s of silence"},
		{name: "a short pause is not a stall", cmd: "RETR big.bin", script: func(ctl, data *sconn) {
			data.bulk(sv, 100000, 100*time.Microsecond)
			data.rst(cl, 2*time.Second)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "client-abort"},
		{name: "a pause like the ones before is pacing", cmd: "RETR big.bin", script: func(ctl, data *sconn) {
			for range 3 {
				data.bulk(sv, 20000, 100*time.Microsecond)
				data.ack(cl, 2*time.Millisecond)
				data.send(sv, 3*time.Second, strings.Repeat("x", 100)) // after a pause of 3 s
				data.ack(cl, time.Millisecond)
			}
			data.fin(sv, 6*time.Second) // killed in the next pause
			data.fin(cl, time.Millisecond)
			ctl.closeBoth(cl, time.Millisecond)
		}},
		{name: "unacknowledged data is loss, not a stall", cmd: "RETR big.bin", script: func(ctl, data *sconn) {
			data.bulk(sv, 100000, 100*time.Microsecond)
			acked := data.next[sv]
			data.send(sv, time.Millisecond, strings.Repeat("x", mss)) // never acknowledged
			data.packetAck(cl, 20*time.Second, tcpflow.FlagRST|tcpflow.FlagACK, "", 0, acked)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "client-abort"},
		{name: "a shut window is the client's doing", cmd: "RETR big.bin", script: func(ctl, data *sconn) {
			data.bulk(sv, 100000, 100*time.Microsecond)
			data.shutWindow(cl, time.Millisecond)
			data.rst(cl, 20*time.Second)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "client-abort"},
		{name: "an upload's server is the receiver", cmd: "STOR big.bin", script: func(ctl, data *sconn) {
			data.bulk(cl, 100000, 100*time.Microsecond)
			data.rst(cl, 20*time.Second)
			ctl.closeBoth(cl, time.Millisecond)
		}, cause: "client-abort"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			ctl, data := ftpTransfer(s, tc.cmd, 7, 10*time.Millisecond)
			data.win = [2]uint16{65535, 65535}
			tc.script(ctl, data)
			vs := s.finish().judge()
			brk := breakOn(vs, KindData)
			if brk == nil || (tc.cause != "" && brk.Cause != tc.cause) {
				t.Fatalf("data break %+v, want %s", brk, tc.cause)
			}
			if tc.cause != "server-stall" {
				if slices.Contains(brk.Contributing, "server-stall") {
					t.Errorf("server-stall should not hold: %v", brk.Contributing)
				}
				return
			}
			if brk.Confidence != tc.conf || !strings.Contains(brk.Summary, tc.summary) {
				t.Errorf("%.2f %q, want %.2f and %q", brk.Confidence, brk.Summary, tc.conf, tc.summary)
			}
			if brk.Class != ClassServerPolicy {
				t.Errorf("class %s", brk.Class)
			}
		})
	}
}

// The lab's server-close capture: pyftpdlib, throttled, killed with
// SIGKILL a second into its first pause. A second's silence is a
// throttle's pause, not a stall.
func TestServerStallNotOnAKilledThrottledServer(t *testing.T) {
	for _, v := range loadCapture(t, sampleFile(t, "server-close")).judge() {
		if v.Cause == "server-stall" || slices.Contains(v.Contributing, "server-stall") {
			t.Errorf("server-stall on %s: %s", v.Kind, v.Summary)
		}
	}
}

// The lab's capture (beside the client): pyftpdlib is stopped with
// SIGSTOP after 131,072 bytes (last data frame 142); 12 s later curl gives
// up and closes the data (169) and control (170) connections; the
// server's kernel still acknowledges both.
func TestServerStallSample(t *testing.T) {
	vs := loadCapture(t, sampleFile(t, "server-stall")).judge()
	data := sampleVerdict(t, vs, KindData, "server-stall")
	want := "The server stopped sending on the data connection of RETR slow.bin after 131,072 of 200,000 bytes: 12.00 s of silence with every byte acknowledged and the client's window open (178,176 bytes), no retransmissions; then the client closed the connection."
	if data.Confidence != 0.85 || data.Summary != want || !slices.Contains(data.Contributing, "client-abort") {
		t.Errorf("data: %.2f %s (contributing %v)", data.Confidence, data.Summary, data.Contributing)
	}
	for _, f := range []int64{142, 169} {
		if !framesOf(data)[f] {
			t.Errorf("data evidence lacks frame %d", f)
		}
	}
	ctl := sampleVerdict(t, vs, KindControl, "server-stall")
	if !framesOf(ctl)[170] || !strings.HasPrefix(ctl.Summary, "The control connection ended over a stalled transfer") {
		t.Errorf("control: %s %+v", ctl.Summary, ctl.Evidence)
	}
}

// The lab's middlebox-reset-data capture: the data stops, and 2 s later
// the server says 426: its side of the data connection was reset (by a
// router, out of this capture's sight). The server's application spoke:
// no stall, whatever the client's wait afterwards.
func TestServerStallNotWhenTheServerReplies426(t *testing.T) {
	for _, v := range loadCapture(t, sampleFile(t, "middlebox-reset-data")).judge() {
		if v.Cause == "server-stall" || slices.Contains(v.Contributing, "server-stall") {
			t.Errorf("server-stall on %s: %s", v.Kind, v.Summary)
		}
	}
}
