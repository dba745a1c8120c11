package classify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// tlsRecord builds a TLS record: content type, record version and a body
// starting with first (a handshake type, or an alert's level and
// description), padded to n bytes.
func tlsRecord(ctype byte, version uint16, n int, first ...byte) string {
	body := make([]byte, max(n, len(first)))
	copy(body, first)
	return string(append([]byte{ctype, byte(version >> 8), byte(version), byte(len(body) >> 8), byte(len(body))}, body...))
}

var (
	clientHello     = tlsRecord(22, 0x0301, 200, 1)
	serverHello     = tlsRecord(22, 0x0303, 80, 2) + tlsRecord(22, 0x0303, 900, 11) + tlsRecord(22, 0x0303, 4, 14)
	clientFinish    = tlsRecord(22, 0x0303, 70, 16) + tlsRecord(20, 0x0303, 1, 1) + tlsRecord(22, 0x0303, 40)
	serverFinish    = tlsRecord(20, 0x0303, 1, 1) + tlsRecord(22, 0x0303, 40)
	appData         = tlsRecord(23, 0x0303, 40)
	alertUnknownCA  = tlsRecord(21, 0x0303, 2, 2, 48)
	alertProtoVer   = tlsRecord(21, 0x0301, 2, 2, 70)
	encryptedAlert  = tlsRecord(21, 0x0303, 26)
	sshBanner       = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
	tlsAuthExchange = func(c *sconn) { c.exchange("AUTH TLS", 2*time.Millisecond, "234 Proceed with negotiation.") }
)

func TestTLSHandshakeFailure(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	for _, tc := range []struct {
		name     string
		implicit bool // no FTP greeting: the client opens with TLS
		script   func(c *sconn)
		cause    string // the control break, "" for none
		conf     float64
		summary  string
	}{
		{name: "client rejects the certificate", script: func(c *sconn) {
			tlsAuthExchange(c)
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, serverHello)
			c.send(cl, time.Millisecond, alertUnknownCA)
			c.closeBoth(cl, time.Millisecond)
		}, cause: "tls-handshake-failure", conf: 0.9,
			summary: "The TLS handshake after AUTH TLS failed: the client sent a fatal unknown_ca alert (48); the client sent ClientHello; the server sent ServerHello, Certificate, ServerHelloDone; record-layer versions TLS 1.0, TLS 1.2 (also what TLS 1.3 records carry); then the client closed the connection."},
		{name: "no common protocol version", script: func(c *sconn) {
			tlsAuthExchange(c)
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, alertProtoVer)
			c.closeBoth(sv, time.Millisecond)
		}, cause: "tls-handshake-failure", conf: 0.9,
			summary: "the server sent a fatal protocol_version alert (70); the client sent ClientHello; the server sent no handshake message, one record; record-layer versions TLS 1.0;"},
		{name: "an encrypted alert before the handshake ends", script: func(c *sconn) {
			tlsAuthExchange(c)
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, serverHello)
			c.send(cl, time.Millisecond, clientFinish)
			c.send(sv, time.Millisecond, encryptedAlert)
			c.rst(sv, time.Millisecond)
		}, cause: "tls-handshake-failure", conf: 0.9, summary: "the server sent an encrypted alert (its name is not visible)"},
		{name: "closed with no alert", script: func(c *sconn) {
			tlsAuthExchange(c)
			c.send(cl, time.Millisecond, clientHello)
			c.closeBoth(sv, time.Second)
		}, cause: "tls-handshake-failure", conf: 0.85,
			summary: "did not complete: the connection ended with no alert; the client sent ClientHello; the server sent no TLS record;"},
		{name: "a completed handshake and an orderly end", script: func(c *sconn) {
			tlsAuthExchange(c)
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, serverHello)
			c.send(cl, time.Millisecond, clientFinish)
			c.send(sv, time.Millisecond, serverFinish)
			c.send(cl, time.Millisecond, appData)
			c.send(sv, time.Millisecond, appData)
			c.closeBoth(sv, time.Millisecond)
		}},
		{name: "the capture ends mid-handshake", script: func(c *sconn) {
			tlsAuthExchange(c)
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, serverHello)
		}},
		{name: "implicit FTPS that works", implicit: true, script: func(c *sconn) {
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, serverHello)
			c.send(cl, time.Millisecond, clientFinish)
			c.send(sv, time.Millisecond, serverFinish)
			c.send(cl, time.Millisecond, appData)
			c.send(sv, time.Millisecond, appData)
			c.closeBoth(sv, time.Millisecond)
		}},
		{name: "implicit FTPS refused by the server", implicit: true, script: func(c *sconn) {
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, alertProtoVer)
			c.closeBoth(sv, time.Millisecond)
		}, cause: "tls-handshake-failure", conf: 0.9, summary: "The implicit FTPS handshake failed: the server sent a fatal protocol_version alert (70)"},
		{name: "implicit FTPS client, explicit server", implicit: true, script: func(c *sconn) {
			c.send(sv, time.Millisecond, "220 lab FTP\r\n")
			c.send(cl, time.Millisecond, clientHello)
			c.send(sv, time.Millisecond, "500 Unknown command.\r\n")
			c.closeBoth(cl, time.Second)
		}, cause: "tls-handshake-failure", conf: 0.85,
			summary: "could not start: the client opened with a TLS ClientHello, but the server greets in plain FTP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			var c *sconn
			if tc.implicit {
				c = s.conn(cli, srv, 7, 7, 10*time.Millisecond)
			} else {
				c = ftpControl(s, time.Millisecond)
			}
			tc.script(c)
			vs := s.finish().judge()
			var brk *Verdict
			for i := range vs {
				if !vs[i].Info {
					if brk != nil {
						t.Errorf("second break %s: %s", vs[i].Cause, vs[i].Summary)
					}
					brk = &vs[i]
				}
			}
			switch {
			case tc.cause == "" && brk != nil:
				t.Fatalf("unexpected break %s: %s", brk.Cause, brk.Summary)
			case tc.cause == "":
				return
			case brk == nil || brk.Cause != tc.cause:
				t.Fatalf("break %+v, want %s", brk, tc.cause)
			}
			if brk.Confidence != tc.conf || !strings.Contains(brk.Summary, tc.summary) {
				t.Errorf("%.2f %q\nwant %.2f and %q", brk.Confidence, brk.Summary, tc.conf, tc.summary)
			}
			if brk.Class != ClassProtocol || slices.Contains(brk.Contributing, "not-ftp") {
				t.Errorf("class %s, contributing %v", brk.Class, brk.Contributing)
			}
		})
	}
}

// Real FTPS sessions whose handshakes complete: zeek's AUTH TLS session
// on loopback (ended by the server's FIN and RST) and nDPI's, which goes
// back to cleartext after CCC. Neither is a TLS failure.
func TestTLSHandshakeFailureCorpus(t *testing.T) {
	for _, file := range []string{"zeek/Traces/ftp/ftp-auth-tls.pcap", "nDPI/pcap/ftp-start-tls.pcap"} {
		t.Run(file, func(t *testing.T) {
			c := loadCapture(t, corpusFile(t, file))
			s := c.session(t)
			if !s.TLS || !s.TLSFacts.HandshakeDone() || tlsHandshakeFailed(s) {
				t.Errorf("TLS %v, handshake done %v, failed %v", s.TLS, s.TLSFacts.HandshakeDone(), tlsHandshakeFailed(s))
			}
			for _, v := range c.judge() {
				if v.Cause == "tls-handshake-failure" || slices.Contains(v.Contributing, "tls-handshake-failure") {
					t.Errorf("%s: %s", v.Cause, v.Summary)
				}
			}
		})
	}
}

// The lab's captures: curl rejecting vsftpd's self-signed certificate
// (unknown_ca from the client, frame 14; vsftpd's plaintext 500 OOPS
// after it), and curl offering only TLS 1.3 to pyftpdlib limited to 1.2
// (protocol_version from the server, frame 12).
func TestTLSHandshakeFailureSamples(t *testing.T) {
	for _, tc := range []struct {
		sample  string
		summary string
		frames  []int64
	}{
		{"tls-handshake-failure", "The TLS handshake after AUTH SSL failed: the client sent a fatal unknown_ca alert (48); the client sent ClientHello; the server sent ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone;", []int64{11, 12, 14, 18}},
		{"tls-handshake-failure-version", "The TLS handshake after AUTH SSL failed: the server sent a fatal protocol_version alert (70); the client sent ClientHello; the server sent no handshake message, one record;", []int64{10, 11, 12, 13}},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			v := sampleVerdict(t, loadCapture(t, sampleFile(t, tc.sample)).judge(), KindControl, "tls-handshake-failure")
			if v.Confidence != 0.9 || !strings.HasPrefix(v.Summary, tc.summary) {
				t.Errorf("%.2f %s", v.Confidence, v.Summary)
			}
			for _, f := range tc.frames {
				if !framesOf(v)[f] {
					t.Errorf("evidence lacks frame %d: %+v", f, v.Evidence)
				}
			}
		})
	}
}
