package classify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestNoWindowScaling(t *testing.T) {
	const rtt = 100 * time.Millisecond
	for _, tc := range []struct {
		name    string
		ws      int8
		script  func(ctl, data *sconn)
		finding string  // substring of the finding on the data connection
		conf    float64 // the finding's confidence
		broke   string  // the data connection's break cause
	}{
		{name: "window-limited upload", ws: tcpflow.WScaleNone, script: func(ctl, data *sconn) {
			data.windowed(tcpflow.FromClient, 600000, 65535, rtt)
			finishTransfer(ctl, data, tcpflow.FromClient)
		}, finding: "the client sent no more than the server's 65,535-byte window per 100.1 ms round trip", conf: 0.9},
		{name: "off but not limiting", ws: tcpflow.WScaleNone, script: func(ctl, data *sconn) {
			data.bulk(tcpflow.FromClient, 600000, 10*time.Microsecond)
			finishTransfer(ctl, data, tcpflow.FromClient)
		}, finding: "600,000 bytes were not held back by it", conf: 0.8},
		{name: "too small to matter", ws: tcpflow.WScaleNone, script: func(ctl, data *sconn) {
			data.bulk(tcpflow.FromClient, 20000, 10*time.Microsecond)
			finishTransfer(ctl, data, tcpflow.FromClient)
		}},
		{name: "scaling on", ws: 7, script: func(ctl, data *sconn) {
			data.windowed(tcpflow.FromClient, 600000, 65535, rtt)
			finishTransfer(ctl, data, tcpflow.FromClient)
		}},
		{name: "window-limited then the client gives up", ws: tcpflow.WScaleNone, script: func(ctl, data *sconn) {
			data.windowed(tcpflow.FromClient, 400000, 65535, rtt)
			data.rst(tcpflow.FromClient, time.Millisecond)
			ctl.send(tcpflow.FromServer, time.Millisecond, "426 Connection closed; transfer aborted.\r\n")
			ctl.exchange("QUIT", time.Millisecond, "221 Goodbye.")
			ctl.closeBoth(tcpflow.FromServer, time.Millisecond)
		}, broke: "no-window-scaling"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			ctl, data := ftpTransfer(s, "STOR big.bin", tc.ws, rtt)
			tc.script(ctl, data)
			vs := s.finish().judge()
			f := dataVerdict(vs, "no-window-scaling", true)
			switch {
			case tc.finding == "" && f != nil && tc.broke == "":
				t.Errorf("unexpected finding: %s", f.Summary)
			case tc.finding != "" && f == nil:
				t.Fatalf("no no-window-scaling finding; verdicts %+v", vs)
			case tc.finding != "" && (!strings.Contains(f.Summary, tc.finding) || f.Confidence != tc.conf):
				t.Errorf("finding %.2f %q, want %.2f and %q", f.Confidence, f.Summary, tc.conf, tc.finding)
			}
			if f != nil && !strings.Contains(f.Summary, "the client's SYN carried no window-scale option") {
				t.Errorf("finding does not say which SYN lacked the option: %s", f.Summary)
			}
			// The control connection always says it, once.
			_, all := verdictsOf(vs, "no-window-scaling")
			onControl := 0
			for _, v := range all {
				if v.Kind == KindControl {
					onControl++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[tc.ws == tcpflow.WScaleNone]; onControl != want {
				t.Errorf("%d control-connection findings, want %d", onControl, want)
			}
			brk := breakOn(vs, KindData)
			switch {
			case tc.broke == "" && brk != nil:
				t.Errorf("unexpected data break %s: %s", brk.Cause, brk.Summary)
			case tc.broke != "" && (brk == nil || brk.Cause != tc.broke):
				t.Fatalf("data break %+v, want %s", brk, tc.broke)
			case tc.broke != "":
				if !slices.Contains(brk.Contributing, "client-abort") {
					t.Errorf("client-abort should contribute: %v", brk.Contributing)
				}
				if !strings.Contains(brk.Summary, "window-limited with window scaling off") {
					t.Errorf("summary %q", brk.Summary)
				}
			}
		})
	}
}

// Real handshakes without the option: the words say which SYN lacked it,
// and small connections carry no finding.
func TestNoWindowScalingCorpus(t *testing.T) {
	for _, tc := range []struct {
		file  string
		words string
	}{
		{"arkime/pcap/http-basicauth.pcap", "the server's SYN-ACK carried no window-scale option (the client offered shift 3)"},
		{"nDPI/pcap/ftp-start-tls.pcap", "the client's SYN carried no window-scale option"},
		{"suricata-verify/tests/ftp-retr-bypass-realserver/input.pcap", "the client's SYN carried no window-scale option"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := loadCapture(t, corpusFile(t, tc.file))
			conn := c.conns[0]
			if got := scalingWords(conn); got != tc.words {
				t.Errorf("scalingWords = %q, want %q", got, tc.words)
			}
			if f := noticeNoWindowScaling(c.streamCase(conn, "")); f != nil {
				t.Errorf("finding on a connection of %d bytes: %s", conn.Half[1].Bytes, f.Summary)
			}
		})
	}
}

// A connection picked up mid-stream has unknown scaling: never a finding,
// and the words say why.
func TestNoWindowScalingUnknown(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "zeek/Traces/smtp.pcap"))
	for _, conn := range c.conns {
		if !conn.Midstream {
			continue
		}
		if f := noticeNoWindowScaling(c.streamCase(conn, "")); f != nil {
			t.Errorf("finding on a mid-stream connection: %s", f.Summary)
		}
		if w := scalingWords(conn); !strings.Contains(w, "handshake predates the capture") {
			t.Errorf("words %q", w)
		}
		return
	}
	t.Fatal("smtp.pcap has no mid-stream connection")
}

// zeek 206_example_b: an HTTP download of 1 MB with scaling off on both
// SYNs, from a server across the Internet: a finding.
func TestNoWindowScalingHTTPDownload(t *testing.T) {
	c := loadCapture(t, corpusFile(t, "zeek/Traces/http/206_example_b.pcap"))
	conn := c.connTo(t, 80)
	f := noticeNoWindowScaling(c.streamCase(conn, ""))
	if f == nil {
		t.Fatal("no finding")
	}
	t.Logf("%.2f %s", f.Confidence, f.Summary)
	for _, e := range f.Evidence {
		t.Logf("  #%d %s", e.At.Frame, e.Text)
	}
	if !strings.Contains(f.Summary, "the client's SYN carried no window-scale option") {
		t.Errorf("summary %q", f.Summary)
	}
	if len(f.Evidence) < 3 || f.Evidence[0].At.Frame != 1 || !strings.Contains(f.Evidence[0].Text, "SYN without window scale") {
		t.Errorf("evidence should start with the SYN (frame 1): %+v", f.Evidence)
	}
}

// The lab's captures: lftp uploading 600,000 bytes with scaling off in
// the client's namespace across a 50 ms delay line (beside the client:
// a finding on the control and the data connection), and curl giving up
// on the same upload across 150 ms each way (beside the server: the data
// connection dies window-limited, the control connection with it).
func TestNoWindowScalingSamples(t *testing.T) {
	vs := loadCapture(t, sampleFile(t, "no-window-scaling")).judge()
	_, findings := verdictsOf(vs, "no-window-scaling")
	if len(vs) != 2 || len(findings) != 2 {
		t.Fatalf("want two findings and nothing else, got %+v", vs)
	}
	data := dataVerdict(vs, "no-window-scaling", true)
	if data == nil || !strings.Contains(data.Summary, "the transfer was window-limited: the client sent no more than the server's 65,535-byte window per 101.0 ms round trip (483.9 kB/s sustained)") {
		t.Errorf("data finding: %+v", data)
	} else if f := framesOf(data); !f[30] || !f[32] {
		t.Errorf("data evidence lacks the SYN and SYN-ACK (30, 32): %+v", data.Evidence)
	}

	vs = loadCapture(t, sampleFile(t, "no-window-scaling-timeout")).judge()
	d := sampleVerdict(t, vs, KindData, "no-window-scaling")
	if d.Confidence != 0.78 || !strings.Contains(d.Summary, "per 300.8 ms round trip (178.9 kB/s sustained), and the connection then broke (transfer truncated)") {
		t.Errorf("data break: %.2f %s", d.Confidence, d.Summary)
	}
	if f := framesOf(d); !f[17] || !f[18] {
		t.Errorf("data evidence lacks the SYN and SYN-ACK (17, 18): %+v", d.Evidence)
	}
	c := sampleVerdict(t, vs, KindControl, "no-window-scaling")
	if !framesOf(c)[410] || !slices.Contains(c.Contributing, "client-abort") {
		t.Errorf("control break lacks the client's FIN (410) or client-abort: %+v", c)
	}
}

// An attempt the server never answered, or answered with a reset, opened
// no windows: its SYN without the option is not a finding (a SYN flood's
// half a million SYNs would each make one), while the attempt's own
// verdict stands.
func TestNoWindowScalingNotOnUnansweredAttempts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer []pk
		cause  string
	}{
		{name: "unanswered", cause: "syn-unanswered"},
		{name: "refused", answer: []pk{{from: "198.51.100.7:21", to: "192.0.2.10:40000", flags: fRST | fACK, ack: 1001, after: time.Millisecond}}, cause: "connection-refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			s.send(
				pk{from: "192.0.2.10:40000", to: "198.51.100.7:21", flags: fSYN, seq: 1000},
				pk{from: "192.0.2.10:40000", to: "198.51.100.7:21", flags: fSYN, seq: 1000, after: time.Second},
			)
			s.send(tc.answer...)
			c := s.finish()
			if _, _, state := c.session(t).Control.WindowScaling(); state != "off" {
				t.Fatalf("window scaling %q: the script's SYNs should carry no option", state)
			}
			vs := c.judge()
			causes := []string{}
			for _, v := range vs {
				causes = append(causes, v.Cause)
			}
			if slices.Contains(causes, "no-window-scaling") || !slices.Contains(causes, tc.cause) {
				t.Errorf("verdicts %v, want %s and no no-window-scaling", causes, tc.cause)
			}
		})
	}
}
