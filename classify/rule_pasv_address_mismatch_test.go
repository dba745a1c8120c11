package classify

import (
	"strings"
	"testing"
	"time"
)

// A server behind NAT advertises 192.0.2.99 in its 227 while the capture
// shows it as 203.0.113.20; port 30001 is 117*256+49.
const natPASV = "227 Entering Passive Mode (192,0,2,99,117,49)."

func TestPASVAddressMismatchScripts(t *testing.T) {
	tests := []struct {
		name      string
		run       func(n *netScript, c *ctlScript)
		wantCause string // "" for no break
		wantConf  float64
		summary   []string
	}{
		{"the client connects to the advertised address and nothing answers", func(n *netScript, c *ctlScript) {
			c.cmd("PASV")
			c.reply(natPASV)
			for _, gap := range []time.Duration{time.Millisecond, time.Second, 2 * time.Second} {
				n.send(pk{from: "198.51.100.10:40500", to: "192.0.2.99:30001", flags: fSYN, seq: 4000, after: gap})
			}
			c.quit()
		}, "pasv-address-mismatch", 0.95, []string{"PASV advertised 192.0.2.99:30001 (frame", "but the server's address in the capture is 203.0.113.20",
			"the data connection 198.51.100.10:40500 → 192.0.2.99:30001 got 3 SYNs (at 0 s, +1 s, +3 s) and no answer", "behind NAT"}},
		{"no data connection appears and RETR fails 425", func(n *netScript, c *ctlScript) {
			c.cmd("PASV")
			c.reply(natPASV)
			c.cmd("RETR small.bin")
			n.send(pk{from: srv, to: cli, flags: fACK, seq: c.sseq, ack: c.cseq, ttl: 62, after: 10 * time.Second})
			c.reply("425 Failed to establish connection.")
			c.quit()
		}, "pasv-address-mismatch", 0.85, []string{"no data connection to either address appears in the capture, and RETR small.bin failed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, c := loggedIn(t)
			tc.run(n, c)
			v := onlyBreak(t, n.finish())
			if v.Cause != tc.wantCause || v.Confidence != tc.wantConf {
				t.Fatalf("verdict %s %.2f (contributing %v), want %s %.2f: %s", v.Cause, v.Confidence, v.Contributing, tc.wantCause, tc.wantConf, v.Summary)
			}
			says(t, "summary", v.Summary, tc.summary...)
			if !evidenceHas(v.Evidence, "227 reply advertises 192.0.2.99:30001; the server's address here is 203.0.113.20") {
				t.Errorf("evidence lacks the 227: %+v", v.Evidence)
			}
		})
	}
}

// The client connected to the server's real address on the advertised
// port (as clients that distrust 227 addresses do) and the transfer
// worked: a finding, no break.
func TestPASVAddressMismatchWorkedAnyway(t *testing.T) {
	const data, cli = "203.0.113.20:30001", "198.51.100.10:40500"
	n, c := loggedIn(t)
	c.cmd("PASV")
	c.reply(natPASV)
	n.send(
		pk{from: cli, to: data, flags: fSYN, seq: 4000, after: time.Millisecond},
		pk{from: data, to: cli, flags: fSYN | fACK, seq: 7000, ack: 4001, ttl: 62, after: time.Millisecond},
		pk{from: cli, to: data, flags: fACK, seq: 4001, ack: 7001, after: time.Millisecond},
	)
	c.cmd("RETR small.bin")
	c.reply("150 here (20 bytes)")
	n.send(
		pk{from: data, to: cli, flags: fACK | fPSH, seq: 7001, ack: 4001, n: 20, ttl: 62, after: time.Millisecond},
		pk{from: data, to: cli, flags: fFIN | fACK, seq: 7021, ack: 4001, ttl: 62, after: time.Millisecond},
		pk{from: cli, to: data, flags: fFIN | fACK, seq: 4001, ack: 7022, after: time.Millisecond},
		pk{from: data, to: cli, flags: fACK, seq: 7022, ack: 4002, ttl: 62, after: time.Millisecond},
	)
	c.reply("226 done")
	c.quit()
	cap := n.finish()
	if bs := breaksOf(cap); len(bs) != 0 {
		t.Fatalf("breaks %+v, want none", bs)
	}
	var f *Verdict
	for _, v := range findingsOf(cap) {
		if v.Cause == "pasv-address-mismatch" {
			f = &v
		}
	}
	if f == nil || !strings.Contains(f.Summary, "the data connection went to 203.0.113.20:30001 anyway and worked") || f.Kind != KindControl {
		t.Fatalf("finding %+v", f)
	}
}

// The lab's capture: pyftpdlib masquerades as 192.0.2.99, which the
// router drops; lftp connects there before sending RETR, gives up after
// 8 s and closes the control connection without QUIT, every command
// answered: one break, on the data connection.
func TestPASVAddressMismatchLabSample(t *testing.T) {
	c := loadCapture(t, sampleFile(t, "pasv-address-mismatch"))
	bs := breaksOf(c)
	if len(bs) != 1 || bs[0].Kind != KindData {
		t.Fatalf("%d breaks, want 1 on the data connection: %+v", len(bs), bs)
	}
	v := bs[0]
	if v.Cause != "pasv-address-mismatch" || v.Confidence != 0.95 ||
		!strings.Contains(v.Summary, "PASV advertised 192.0.2.99:30003") || !strings.Contains(v.Summary, "203.0.113.20") {
		t.Errorf("%s break: %s %.2f: %s", v.Kind, v.Cause, v.Confidence, v.Summary)
	}
}
