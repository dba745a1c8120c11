package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestNotFTP(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	for _, tc := range []struct {
		name    string
		script  func(c *sconn)
		cause   string
		summary string
		first   string // the evidence naming the first bytes
	}{
		{name: "an SSH server on port 21", script: func(c *sconn) {
			c.send(sv, 5*time.Millisecond, sshBanner)
			c.ack(cl, time.Millisecond)
			c.closeBoth(cl, 2*time.Millisecond)
		}, cause: "not-ftp",
			summary: `The server at 203.0.113.20:21 does not speak FTP: it sent an SSH banner ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3") where the 220 greeting belongs.`,
			first:   `server's first bytes: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3" (an SSH banner)`},
		{name: "an HTTP server answering a command", script: func(c *sconn) {
			c.send(cl, time.Second, "USER anonymous\r\n")
			c.send(sv, time.Millisecond, "HTTP/1.1 400 Bad Request\r\n\r\n")
			c.closeBoth(sv, time.Millisecond)
		}, cause: "not-ftp", summary: "it sent an HTTP response", first: "(an HTTP response)"},
		{name: "a TLS record where the greeting belongs", script: func(c *sconn) {
			c.send(sv, 5*time.Millisecond, alertProtoVer)
			c.closeBoth(sv, time.Millisecond)
		}, cause: "not-ftp", summary: "it sent a TLS record", first: "(a TLS record)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			tc.script(s.conn(cli, srv, 7, 7, 10*time.Millisecond))
			vs := s.finish().judge()
			if len(vs) != 1 || vs[0].Info {
				t.Fatalf("want one break, got %+v", vs)
			}
			v := vs[0]
			if v.Cause != tc.cause || v.Class != ClassProtocol || v.Confidence != 0.95 || !strings.Contains(v.Summary, tc.summary) {
				t.Errorf("%s/%s %.2f %q\nwant %s and %q", v.Class, v.Cause, v.Confidence, v.Summary, tc.cause, tc.summary)
			}
			found := false
			for _, e := range v.Evidence {
				found = found || strings.Contains(e.Text, tc.first)
			}
			if !found {
				t.Errorf("no evidence %q in %+v", tc.first, v.Evidence)
			}
		})
	}
}

// The lab's capture: sshd on port 21 sends its banner (frame 6); curl
// waits for a 220 and closes 5 s later (frame 8).
func TestNotFTPSample(t *testing.T) {
	vs := loadCapture(t, sampleFile(t, "not-ftp")).judge()
	v := sampleVerdict(t, vs, KindControl, "not-ftp")
	if len(vs) != 1 || !strings.Contains(v.Summary, `it sent an SSH banner ("SSH-2.0-OpenSSH_9.2p1`) {
		t.Errorf("%d verdicts; %s", len(vs), v.Summary)
	}
	if f := framesOf(v); !f[6] || !f[8] {
		t.Errorf("evidence %+v, want frames 6 and 8", v.Evidence)
	}
}
