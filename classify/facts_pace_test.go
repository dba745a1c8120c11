package classify

import (
	"testing"
	"time"
)

// Round trips from real connections, whichever side the capture was on:
// each leg the smaller of the handshake's and the data's measure.
func TestRoundTripFromRealHandshakes(t *testing.T) {
	for _, tc := range []struct {
		file string
		port uint16
		want time.Duration
		how  string
	}{
		// A client-side capture: SYN out, SYN-ACK back 347 ms later, but
		// the server acknowledges the client's data within 340.6 ms.
		{"zeek/Traces/smtp.pcap", 25, 340609 * time.Microsecond, "handshake and data/ACK pairs"},
		// The 206 download: 72.4 ms to a server across the Internet.
		{"zeek/Traces/http/206_example_b.pcap", 80, 72356 * time.Microsecond, "handshake"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := loadCapture(t, corpusFile(t, tc.file))
			d, how, ok := roundTrip(c.connTo(t, tc.port))
			if !ok || how != tc.how || d != tc.want {
				t.Errorf("round trip %v by %q (%v), want %v by %q", d, how, ok, tc.want, tc.how)
			}
		})
	}
}

// Without a whole handshake the quickest data/ACK pairs of both sides add
// up to the round trip; with neither side's there is none.
func TestRoundTripWithoutHandshake(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "zeek/Traces/smtp.pcap"))
	for _, conn := range c.conns {
		if !conn.Midstream {
			continue
		}
		d, how, ok := roundTrip(conn)
		cl, sv := conn.Half[0].Traffic().AckRTTSamples, conn.Half[1].Traffic().AckRTTSamples
		switch {
		case cl > 0 && sv > 0:
			if !ok || how != "data/ACK pairs" || d != time.Duration(conn.Half[0].Traffic().AckRTTMin+conn.Half[1].Traffic().AckRTTMin) {
				t.Errorf("conn %d: %v %q %v", conn.ID, d, how, ok)
			}
		case ok:
			t.Errorf("conn %d: a round trip %v from one side's samples only", conn.ID, d)
		}
	}
}
