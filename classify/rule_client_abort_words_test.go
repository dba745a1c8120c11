package classify

import (
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// "aborted after N bytes" counts what had crossed when the client sent
// ABOR, not what the data connection carried in all: the segments the
// server had in flight (or sent before it read the ABOR) came after.
func TestClientAbortCountsBytesAtABOR(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	s := newNetScript(t)
	ctl, data := ftpTransfer(s, "RETR big.bin", 7, 10*time.Millisecond)
	data.bulk(sv, 30000, 100*time.Microsecond)
	ctl.send(cl, time.Millisecond, "ABOR\r\n")
	data.bulk(sv, 10000, 100*time.Microsecond)
	data.rst(cl, time.Millisecond)
	ctl.send(sv, time.Millisecond, "426 Connection closed; transfer aborted.\r\n226 ABOR successful.\r\n")
	ctl.ack(cl, time.Millisecond)
	ctl.exchange("QUIT", time.Millisecond, "221 Goodbye.")
	ctl.closeBoth(sv, time.Millisecond)
	brk := breakOn(s.finish().judge(), KindData)
	if brk == nil || brk.Cause != "client-abort" {
		t.Fatalf("data break %+v, want client-abort", brk)
	}
	says(t, "summary", brk.Summary, "The client aborted RETR big.bin (ABOR) after 30,000 bytes.")
	says(t, "evidence", evidenceText(&brk.Finding), "client sends ABOR; 30,000 bytes of the file had crossed the capture point",
		"40,000 bytes in all, 10,000 of them after the ABOR")
}
