package classify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestSlowServerReply(t *testing.T) {
	const fast, slow = 2 * time.Millisecond, 1200 * time.Millisecond
	for _, tc := range []struct {
		name    string
		script  func(c *sconn)
		finding string // substring of the finding's summary, "" for none
		cause   string // the control break's cause, "" for no break
		conf    float64
		contrib bool // slow-server-reply among the contributing causes
	}{
		{name: "every reply a second late", script: func(c *sconn) {
			c.exchange("USER ftplab", slow, "331 Password please")
			c.exchange("PASS secret", slow, "230 Logged in")
			c.exchange("PWD", slow, `257 "/"`)
			c.exchange("QUIT", fast, "221 Bye")
			c.closeBoth(tcpflow.FromServer, time.Millisecond)
		}, finding: "3 of 5 replies came 200.0 ms or more beyond the 10.1 ms round trip"},
		{name: "one slow reply is no pattern", script: func(c *sconn) {
			c.exchange("USER ftplab", fast, "331 Password please")
			c.exchange("PASS secret", slow, "230 Logged in")
			c.exchange("PWD", fast, `257 "/"`)
			c.exchange("QUIT", fast, "221 Bye")
			c.closeBoth(tcpflow.FromServer, time.Millisecond)
		}},
		{name: "delayed 530s are a login policy", script: func(c *sconn) {
			c.exchange("USER ftplab", fast, "331 Password please")
			c.exchange("PASS wrong", 3*time.Second, "530 Login incorrect.")
			c.exchange("USER ftplab", fast, "331 Password please")
			c.exchange("PASS wrong", 3*time.Second, "530 Login incorrect.")
			c.exchange("QUIT", fast, "221 Bye")
			c.closeBoth(tcpflow.FromServer, time.Millisecond)
		}, cause: "login-failures", conf: 0.75},
		{name: "client gives up after a long wait", script: func(c *sconn) {
			c.exchange("USER ftplab", fast, "331 Password please")
			c.exchange("PASS secret", fast, "230 Logged in")
			c.exchange("PWD", 0, "")
			c.closeBoth(tcpflow.FromClient, 30*time.Second)
		}, cause: "slow-server-reply", conf: 0.8},
		{name: "client gives up after slow replies", script: func(c *sconn) {
			c.exchange("USER ftplab", 1500*time.Millisecond, "331 Password please")
			c.exchange("PASS secret", 3*time.Second, "230 Logged in")
			c.exchange("PWD", 0, "")
			c.rst(tcpflow.FromClient, 4*time.Second)
		}, finding: "", cause: "slow-server-reply", conf: 0.8},
		{name: "a short wait may be a person", script: func(c *sconn) {
			c.exchange("USER ftplab", fast, "331 Password please")
			c.exchange("PWD", 0, "")
			c.closeBoth(tcpflow.FromClient, 2*time.Second)
		}, cause: "client-abort", conf: 0.75, contrib: true},
		{name: "a quick give-up is not waiting", script: func(c *sconn) {
			c.exchange("USER ftplab", fast, "331 Password please")
			c.exchange("PWD", 0, "")
			c.closeBoth(tcpflow.FromClient, 100*time.Millisecond)
		}, cause: "client-abort", conf: 0.75},
		{name: "an unacknowledged command may never have arrived", script: func(c *sconn) {
			c.exchange("USER ftplab", fast, "331 Password please")
			c.send(tcpflow.FromClient, 50*time.Millisecond, "PWD\r\n")
			c.rst(tcpflow.FromClient, 30*time.Second)
		}, cause: "client-abort", conf: 0.75},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			tc.script(ftpControl(s, 5*time.Millisecond))
			vs := s.finish().judge()
			_, findings := verdictsOf(vs, "slow-server-reply")
			switch {
			case tc.finding == "" && len(findings) > 0 && tc.cause == "":
				t.Errorf("unexpected finding: %s", findings[0].Summary)
			case tc.finding != "" && len(findings) != 1:
				t.Errorf("%d slow-server-reply findings, want 1 (verdicts %+v)", len(findings), vs)
			case tc.finding != "" && !strings.Contains(findings[0].Summary, tc.finding):
				t.Errorf("finding %q, want it to say %q", findings[0].Summary, tc.finding)
			}
			ctl := breakOn(vs, KindControl)
			switch {
			case tc.cause == "" && ctl != nil:
				t.Errorf("unexpected break %s: %s", ctl.Cause, ctl.Summary)
			case tc.cause != "" && ctl == nil:
				t.Errorf("no control break, want %s", tc.cause)
			case tc.cause != "" && (ctl.Cause != tc.cause || ctl.Confidence != tc.conf):
				t.Errorf("break %s %.2f (%s), want %s %.2f", ctl.Cause, ctl.Confidence, ctl.Summary, tc.cause, tc.conf)
			}
			if ctl != nil && tc.contrib != slices.Contains(ctl.Contributing, "slow-server-reply") {
				t.Errorf("contributing %v, want slow-server-reply among them: %v", ctl.Contributing, tc.contrib)
			}
		})
	}
}

// The greeting counts: a server that takes its time to say 220 (reverse
// DNS, an overloaded accept loop) and then to answer is slow.
func TestSlowGreetingAndGiveUp(t *testing.T) {
	s := newNetScript(t)
	c := s.conn(cli, srv, 7, 7, 20*time.Millisecond)
	c.closeBoth(tcpflow.FromClient, 10*time.Second)
	vs := s.finish().judge()
	breaks, _ := verdictsOf(vs, "slow-server-reply")
	if len(breaks) != 1 || breaks[0].Confidence != 0.8 {
		t.Fatalf("want one slow-server-reply break at 0.80, got %+v", vs)
	}
	if want := "gave up waiting for the server's greeting after 10.00 s"; !strings.Contains(breaks[0].Summary, want) {
		t.Errorf("summary %q, want %q", breaks[0].Summary, want)
	}
}

// vsftpd's delay_failed_login makes every 530 take about 3 s: that is a
// policy, not a slow server.
func TestSlowServerReplyLoginFailuresSample(t *testing.T) {
	vs := loadCapture(t, sampleFile(t, "login-failures")).judge()
	if b, f := verdictsOf(vs, "slow-server-reply"); len(b)+len(f) > 0 {
		t.Errorf("slow-server-reply on deliberately delayed 530s: %+v %+v", b, f)
	}
}

// A real vsftpd 2.3.5 session (suricata-verify bug-3519, captured beside
// the client): the greeting takes 1.46 s (vsftpd resolving the client's
// name) and PASS 305 ms on a 3.9 ms round trip (the handshake took 7.3 ms,
// but the server acknowledges the client's commands within 3.5 ms: its
// SYN-ACK was slow). The first PORT's reply
// comes 4.1 s late too, but the client retransmitted PORT four times
// before the server acknowledged it: the path's delay, not the server's.
func TestSlowServerReplyVsftpdGreeting(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "suricata-verify/tests/bug-3519/input.pcap"))
	_, findings := verdictsOf(c.judge(), "slow-server-reply")
	if len(findings) != 1 {
		t.Fatalf("%d findings, want 1", len(findings))
	}
	f := findings[0]
	want := "The server answered slowly: 2 of 5 replies came 200.0 ms or more beyond the 3.9 ms round trip (slowest the greeting: 220 after 1.46 s)."
	if f.Summary != want || f.Class != ClassServerPolicy || !f.Info {
		t.Errorf("%s %q\nwant %q", f.Class, f.Summary, want)
	}
	var frames []int64
	for _, e := range f.Evidence {
		frames = append(frames, e.At.Frame)
		if strings.Contains(e.Text, "PORT") {
			t.Errorf("the retransmitted PORT counted: %s", e.Text)
		}
	}
	if len(frames) != 3 || frames[1] != 4 || frames[2] != 14 {
		t.Errorf("evidence frames %v, want the round trip, then #4 (220) and #14 (230)", frames)
	}
}

// The lab's captures: pyftpdlib waiting 1 s before every reply (a
// finding; the session ends well), and waiting 1.5 s more for each reply
// until lftp (net:timeout 4) gives up on USER (frame 17, FIN frame 19).
func TestSlowServerReplySamples(t *testing.T) {
	vs := loadCapture(t, sampleFile(t, "slow-server-reply")).judge()
	_, findings := verdictsOf(vs, "slow-server-reply")
	if len(vs) != 1 || len(findings) != 1 || !strings.HasPrefix(findings[0].Summary, "The server answered slowly: 9 of 10 replies came 200.0 ms or more beyond the 20 µs round trip") {
		t.Errorf("slow-server-reply: %+v", vs)
	}
	vs = loadCapture(t, sampleFile(t, "slow-server-reply-timeout")).judge()
	v := sampleVerdict(t, vs, KindControl, "slow-server-reply")
	want := "The client gave up waiting for the reply to USER ftplab after 4.00 s (the server had acknowledged the command) and closed the connection; 2 of 3 replies came 200.0 ms or more beyond the 16 µs round trip (slowest the reply to OPTS UTF8 ON: 530 after 3.00 s)."
	if v.Confidence != 0.8 || v.Summary != want {
		t.Errorf("%.2f %s", v.Confidence, v.Summary)
	}
	if f := framesOf(v); !f[17] || !f[19] || !f[10] || !f[16] {
		t.Errorf("evidence %+v, want frames 10, 16, 17, 19", v.Evidence)
	}
}
