package classify

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// protPSession scripts an explicit-FTPS session (AUTH TLS, then TLS
// records on the control connection, so the commands are invisible) with
// one TLS data connection, whose end and the session's after it the test
// writes. The data connection's handshake is TLS 1.2: the server's
// certificate chain alone is over a kilobyte, more than the file moved.
func protPSession(t *testing.T, sender tcpflow.Dir, fileRecords int) (s *netScript, ctl, data *sconn) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	s = newNetScript(t)
	ctl = ftpControl(s, time.Millisecond)
	tlsAuthExchange(ctl)
	ctl.send(cl, time.Millisecond, clientHello)
	ctl.send(sv, time.Millisecond, serverHello)
	ctl.send(cl, time.Millisecond, clientFinish)
	ctl.send(sv, time.Millisecond, serverFinish)
	for range 4 { // USER/PASS/PBSZ/PROT/PASV/RETR and their replies
		ctl.send(cl, 20*time.Millisecond, appData)
		ctl.send(sv, 5*time.Millisecond, appData)
	}
	data = s.conn(cliData, srvData, 7, 7, 10*time.Millisecond)
	data.send(cl, time.Millisecond, clientHello)
	data.send(sv, time.Millisecond, serverHello)
	data.send(cl, time.Millisecond, clientFinish)
	data.send(sv, time.Millisecond, serverFinish)
	for range fileRecords {
		data.send(sender, 100*time.Microsecond, tlsRecord(23, 0x0303, 1000))
		data.ack(sender.Other(), 100*time.Microsecond)
	}
	return s, ctl, data
}

// The session goes on after the data connection: the 226 and the next
// command travel encrypted, then QUIT, 221 and FINs.
func goOn(ctl *sconn) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	ctl.send(sv, 5*time.Millisecond, appData) // 226
	ctl.send(cl, 50*time.Millisecond, appData)
	ctl.send(sv, 5*time.Millisecond, appData)
	ctl.ack(cl, time.Millisecond)
	ctl.closeBoth(cl, time.Millisecond)
}

func TestTLSDataTeardown(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	for _, tc := range []struct {
		name   string
		sender tcpflow.Dir
		end    func(ctl, data *sconn)
		brk    bool // a data-connection break
	}{
		// vsftpd, ProFTPD and others: close_notify, then the socket is
		// closed with the client's close_notify unread, so the kernel
		// resets instead of closing.
		{"download: the server's close_notify, then its RST, the session goes on", sv, func(ctl, data *sconn) {
			data.send(sv, time.Millisecond, encryptedAlert)
			data.rst(sv, 100*time.Microsecond)
			goOn(ctl)
		}, false},
		{"upload: the client's close_notify, then its RST, the session goes on", cl, func(ctl, data *sconn) {
			data.send(cl, time.Millisecond, encryptedAlert)
			data.rst(cl, 100*time.Microsecond)
			goOn(ctl)
		}, false},
		{"TLS 1.3-sized closing alert, then RST, the session goes on", sv, func(ctl, data *sconn) {
			data.send(sv, time.Millisecond, tlsRecord(23, 0x0303, tls13AlertBody))
			data.rst(sv, 100*time.Microsecond)
			goOn(ctl)
		}, false},
		// No close_notify before the RST: the file was cut.
		{"RST without close_notify", sv, func(ctl, data *sconn) {
			data.rst(sv, time.Millisecond)
			goOn(ctl)
		}, true},
		// close_notify and RST, but the control connection is reset right
		// after: the session did not go on.
		{"close_notify and RST, then the control connection is reset", sv, func(ctl, data *sconn) {
			data.send(sv, time.Millisecond, encryptedAlert)
			data.rst(sv, 100*time.Microsecond)
			ctl.rst(sv, 5*time.Millisecond)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ctl, data := protPSession(t, tc.sender, 3)
			tc.end(ctl, data)
			c := s.finish()
			if brk := breakOn(c.judge(), KindData); (brk != nil) != tc.brk {
				t.Errorf("data break %+v, want a break: %v", brk, tc.brk)
			}
		})
	}
}

// Inferred transfers of an encrypted session take their direction and
// size from the application data after the handshake: a 3,000-byte
// upload is an upload of 3,000 bytes of records, although the server's
// certificate and handshake records weigh more than that.
func TestTLSDataDirectionAndBytes(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	for _, tc := range []struct {
		name   string
		sender tcpflow.Dir
		want   dissect.Direction
	}{
		{"upload", cl, dissect.DirectionUpload},
		{"download", sv, dissect.DirectionDownload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ctl, data := protPSession(t, tc.sender, 3)
			data.send(tc.sender, time.Millisecond, encryptedAlert)
			data.closeBoth(tc.sender, time.Millisecond)
			goOn(ctl)
			c := s.finish()
			sess := c.session(t)
			if len(sess.Transfers) != 1 {
				t.Fatalf("%d transfers", len(sess.Transfers))
			}
			tr := sess.Transfers[0]
			if tr.Direction != tc.want || tr.Bytes() != 3*1000 {
				t.Errorf("direction %s, %d bytes; want %s, 3000 (application data, no handshake, no alert)", tr.Direction, tr.Bytes(), tc.want)
			}
			if f := tr.Data.TLS(); f == nil || f.AppRecords[tc.sender] != 3 || f.Finished[cl].IsZero() || f.Finished[sv].IsZero() {
				t.Errorf("TLS facts %+v", f)
			}
			if brk := breakOn(c.judge(), KindData); brk != nil {
				t.Errorf("data break %s: %s", brk.Cause, brk.Summary)
			}
		})
	}
}

// On an encrypted session nothing is worded with the "?" of an unreadable
// command, and no summary claims the server sent no error: its replies
// could not be seen.
func TestEncryptedSessionWording(t *testing.T) {
	sv := tcpflow.FromServer
	s, ctl, data := protPSession(t, sv, 3)
	data.rst(sv, time.Millisecond) // no close_notify: the file was cut
	goOn(ctl)
	brk := breakOn(s.finish().judge(), KindData)
	if brk == nil {
		t.Fatal("no data break")
	}
	text := brk.Summary + "\n" + evidenceText(&brk.Finding)
	for _, bad := range []string{"?", "no error"} {
		if strings.Contains(text, bad) {
			t.Errorf("%q in %s", bad, text)
		}
	}
	says(t, "summary", brk.Summary, "The server reset the data connection of an encrypted download after 3,000 bytes; the control connection was encrypted, so whether the server replied with an error cannot be seen.")
	says(t, "evidence", text, "the command that asked for it travelled encrypted on the control connection")
}

// A real PROT P session (classify/testdata/README.md): lftp against
// pyftpdlib, download, upload and listing all succeeded. pyftpdlib ends
// the download's data connection with close_notify and then a RST, no
// FIN; the listing's with a FIN and then a RST. Neither is a break, and
// the inferred transfers take their directions and sizes from the
// application data: 200,000 bytes each way plus TLS 1.3's per-record
// overhead and session tickets, never the handshakes.
func TestTLSDataRealSession(t *testing.T) {
	c := loadCapture(t, filepath.Join("testdata", "ftps-prot-p-lftp-pyftpdlib.pcap"), 2121)
	s := c.session(t)
	var got []string
	for _, tr := range s.Transfers {
		got = append(got, fmt.Sprintf("%s %d", tr.Direction, tr.Bytes()))
	}
	if want := []string{"download 200490", "upload 200240", "download 414"}; !slices.Equal(got, want) {
		t.Errorf("transfers %v, want %v", got, want)
	}
	if !tlsOrderlyTeardown(s, s.Transfers[0]) {
		t.Error("the download's close_notify and RST not taken as a TLS teardown")
	}
	for i, tr := range s.Transfers {
		if st := TransferStatusOf(s, tr); st != StatusComplete {
			t.Errorf("transfer %d is %s, want complete: a close_notify then RST ends a TLS transfer", i+1, st)
		}
	}
	for _, v := range breaksOf(c) {
		t.Errorf("break %s %s: %s", v.Kind, v.Cause, v.Summary)
	}
}

// The server closes an encrypted control connection while the client's
// last record is unanswered: nothing may claim the server gave no reply.
func TestEncryptedServerCloseWording(t *testing.T) {
	cl, sv := tcpflow.FromClient, tcpflow.FromServer
	s, ctl, data := protPSession(t, sv, 3)
	data.send(sv, time.Millisecond, encryptedAlert)
	data.closeBoth(sv, time.Millisecond)
	ctl.send(sv, 5*time.Millisecond, appData) // 226
	ctl.send(cl, 50*time.Millisecond, appData)
	ctl.ack(sv, time.Millisecond)
	ctl.closeBoth(sv, time.Second)
	brk := breakOn(s.finish().judge(), KindControl)
	if brk == nil {
		t.Fatal("no control break")
	}
	if strings.Contains(brk.Summary, "no reply") || strings.Contains(brk.Summary, "no error") {
		t.Errorf("%s: %s", brk.Cause, brk.Summary)
	}
}
