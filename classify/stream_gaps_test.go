package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// TestStreamGapsLowerConfidence: a verdict on a session whose control
// stream the capture did not have whole says so and is less certain.
func TestStreamGapsLowerConfidence(t *testing.T) {
	for _, gap := range []bool{false, true} {
		s := newNetScript(t)
		c := loggedInControl(s)
		c.exchange("PWD", 2*time.Millisecond, `257 "/" is the current directory`)
		c.send(tcpflow.FromClient, 50*time.Millisecond, "SIZE missing.bin\r\n")
		if gap {
			// The capture lost a 100-byte segment of the server's (a
			// long reply it cut), then has the 550.
			c.next[tcpflow.FromServer] += 100
		}
		c.send(tcpflow.FromServer, 2*time.Millisecond, "550 missing.bin: No such file or directory\r\n")
		c.ack(tcpflow.FromClient, time.Millisecond)
		quitBoth(c)
		vs := s.finish().judge()
		v := breakOn(vs, KindControl)
		if v == nil || v.Cause != "file-unavailable" {
			t.Fatalf("gap %v: want file-unavailable:\n%s", gap, verdictLines(vs))
		}
		says := evidenceHas(v.Evidence, "the capture is missing 100 bytes of the server's replies")
		switch {
		case gap && (!near(v.Confidence, 0.68) || !says):
			t.Errorf("with a gap: confidence %.2f (want 0.68), evidence %q", v.Confidence, evidenceText(&v.Finding))
		case !gap && (!near(v.Confidence, 0.85) || says):
			t.Errorf("without a gap: confidence %.2f (want 0.85), evidence %q", v.Confidence, evidenceText(&v.Finding))
		}
		if gap && !strings.Contains(evidenceText(&v.Finding), "a reply may be missing") {
			t.Errorf("evidence %q does not say what may be missing", evidenceText(&v.Finding))
		}
	}
}

// TestMissingDirection: a connection whose server packets the capture
// lacks, though the client acknowledges them, has lost a direction; a
// SYN nobody answered has not.
func TestMissingDirection(t *testing.T) {
	n := newNetScript(t)
	n.send(
		pk{from: cli, to: srv, flags: fSYN, seq: 1000},
		pk{from: cli, to: srv, flags: fACK, seq: 1001, ack: 9001, after: time.Millisecond},
		pk{from: cli, to: srv, flags: fACK | fPSH, seq: 1001, ack: 9020, data: "USER u\r\n", after: time.Millisecond},
		pk{from: "198.51.100.10:40100", to: "203.0.113.20:30000", flags: fSYN, seq: 5000, after: time.Millisecond},
	)
	out := n.finish()
	for _, c := range out.conns {
		d, ok := MissingDirection(c)
		switch c.Server.Port() {
		case 21:
			if !ok || d != tcpflow.FromServer {
				t.Errorf("control connection: missing %v %v, want the server's direction", d, ok)
			}
		default:
			if ok {
				t.Errorf("an unanswered SYN read as a lost direction (%v)", d)
			}
		}
	}
	if rating, notes := RateCapture(CaptureDefects{OneSided: 2}); rating != QualityPoor || len(notes) != 1 ||
		!strings.Contains(notes[0], "2 connections have only one direction in the capture") {
		t.Errorf("rating %s, notes %q", rating, notes)
	}
}
