package dissect

import (
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// TestImplicitFTPSOnPort990: port 990 is a control port by default, so an
// implicit FTPS session (TLS from the client's first byte, no greeting in
// clear for Sniff to find) is a session without --ports, its server's
// TLS is recorded as such (classify's implicitTLS: not not-ftp), and its
// data connections are linked by hosts like those of AUTH TLS sessions.
func TestImplicitFTPSOnPort990(t *testing.T) {
	h := newHarness(t, Options{})
	ctl := h.open(ctlCli, srvAddr+":990")
	hello := h.send(ctl, tcpflow.FromClient, string(record(22, 1, 0, 0, 1, 0)))
	h.send(ctl, tcpflow.FromServer, string(append(record(22, 2, 0, 0, 1, 0), record(20, 1)...)))
	h.send(ctl, tcpflow.FromClient, string(append(record(20, 1), record(22, 9, 9, 9)...)))
	h.send(ctl, tcpflow.FromServer, string(record(23, 7, 7, 7, 7)))
	data := h.open(cliAddr+":40001", srvAddr+":50000")
	h.fin(data, tcpflow.FromServer)
	h.fin(ctl, tcpflow.FromClient)
	s := h.session()
	f := s.TLSFacts
	if s.NotFTP == nil || s.NotFTP.Kind != "tls" || f.First[tcpflow.FromClient] != hello || !f.First[tcpflow.FromClient].Before(s.NotFTP.At) ||
		s.Replies != 0 || s.TLS || !f.HandshakeDone() {
		t.Errorf("NotFTP %+v, TLS facts %+v, %d replies", s.NotFTP, f, s.Replies)
	}
	if len(s.Transfers) != 1 || s.Transfers[0].Conn != data || !s.Transfers[0].Inferred {
		t.Errorf("transfers %+v", s.Transfers)
	}
	if len(s.Anomalies) != 0 {
		t.Errorf("anomalies %+v", s.Anomalies)
	}
}
