package classify

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// What is and is not a break, from what FTP and TCP mean (spec/causes.md,
// "What is and is not a break"): scripted sessions in the shapes real
// clients and servers make, each judged whole.

const pasv227 = "227 Entering Passive Mode (203,0,113,20,117,48)."

// loggedInControl opens a control connection and logs in.
func loggedInControl(s *netScript) *sconn {
	c := ftpControl(s, time.Millisecond)
	c.exchange("USER ftplab", 2*time.Millisecond, "331 Password please")
	c.exchange("PASS secret", 2*time.Millisecond, "230 Logged in")
	return c
}

// quitBoth ends a control connection with QUIT, 221 and FINs.
func quitBoth(c *sconn) {
	c.exchange("QUIT", time.Millisecond, "221 Goodbye.")
	c.closeBoth(tcpflow.FromServer, time.Millisecond)
}

// download scripts PASV, a data connection, RETR and n bytes with 226.
func download(s *netScript, c *sconn, path string, n int) {
	c.exchange("PASV", 2*time.Millisecond, pasv227)
	d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
	c.exchange("RETR "+path, 2*time.Millisecond, "150 Opening BINARY mode data connection.")
	d.bulk(tcpflow.FromServer, n, 100*time.Microsecond)
	d.closeBoth(tcpflow.FromServer, time.Millisecond)
	c.send(tcpflow.FromServer, time.Millisecond, "226 Transfer complete.\r\n")
	c.ack(tcpflow.FromClient, time.Millisecond)
}

// causesOf lists a session's breaks as "kind:cause".
func causesOf(vs []Verdict) []string {
	var out []string
	for _, v := range vs {
		if !v.Info {
			out = append(out, string(v.Kind)+":"+v.Cause)
		}
	}
	return out
}

func TestWhatIsABreak(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script func(s *netScript)
		want   []string // kind:cause of every break, in order
		says   string   // in the first break's summary
	}{
		{name: "curl: SIZE of a missing file, data connection opened and closed unused, reset by the server",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("PASV", 2*time.Millisecond, pasv227)
				d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
				c.exchange("TYPE I", 2*time.Millisecond, "200 Switching to Binary mode.")
				c.exchange("SIZE missing.bin", 2*time.Millisecond, "550 Could not get file size.")
				d.fin(tcpflow.FromClient, time.Millisecond)
				d.rst(tcpflow.FromServer, time.Millisecond)
				quitBoth(c)
			},
			want: []string{"control:file-unavailable"},
			says: `SIZE missing.bin was refused: 550 "Could not get file size.", and the client left with QUIT.`},
		{name: "a client that resets its unused data connection after a 550 to SIZE",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPSV", 2*time.Millisecond, "229 Entering Extended Passive Mode (|||30000|)")
				d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
				c.exchange("SIZE missing.bin", 2*time.Millisecond, "550 missing.bin: No such file or directory")
				d.rst(tcpflow.FromClient, time.Millisecond)
				quitBoth(c)
			},
			want: []string{"control:file-unavailable"}},
		{name: "lftp on Pure-FTPd: PRET RETR of a missing file",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("PRET RETR missing.bin", 2*time.Millisecond, "550 Can't open missing.bin: No such file or directory")
				quitBoth(c)
			},
			want: []string{"control:file-unavailable"}, says: "PRET RETR missing.bin was refused"},
		{name: "SIZE refused, MDTM refused, client closes without QUIT: one break",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("SIZE gone.txt", 2*time.Millisecond, "550 gone.txt: No such file or directory")
				c.exchange("MDTM gone.txt", 2*time.Millisecond, "550 gone.txt: No such file or directory")
				c.closeBoth(tcpflow.FromClient, time.Millisecond)
			},
			want: []string{"control:file-unavailable"}, says: "closed the control connection without QUIT"},
		{name: "a 550 to SIZE before an upload that succeeds is no break",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("SIZE up.bin", 2*time.Millisecond, "550 Could not get file size.")
				c.exchange("PASV", 2*time.Millisecond, pasv227)
				d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
				c.exchange("STOR up.bin", 2*time.Millisecond, "150 Ok to send data.")
				d.bulk(tcpflow.FromClient, 5000, 100*time.Microsecond)
				d.closeBoth(tcpflow.FromClient, time.Millisecond)
				c.send(tcpflow.FromServer, time.Millisecond, "226 Transfer complete.\r\n")
				quitBoth(c)
			}},
		{name: "CWD refused, then MKD and CWD work: no break",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("CWD new", 2*time.Millisecond, "550 Failed to change directory.")
				c.exchange("MKD new", 2*time.Millisecond, `257 "/new" created`)
				c.exchange("CWD new", 2*time.Millisecond, "250 Directory successfully changed.")
				quitBoth(c)
			}},
		{name: "MKD of a directory that exists is no refusal (suricata-verify ftp-epsv, ProFTPD)",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("MKD testdir", 2*time.Millisecond, "550 testdir: File exists")
				quitBoth(c)
			}},
		{name: "MFMT refused after an upload is cosmetic: no break",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("MFMT 20261129125711 big.bin", 2*time.Millisecond, "550 Not enough privileges.")
				quitBoth(c)
			}},
		{name: "wget: leaves without QUIT after a complete download; a goodbye after its FIN answers nothing",
			script: func(s *netScript) {
				c := loggedInControl(s)
				download(s, c, "small.bin", 20000)
				c.fin(tcpflow.FromClient, 5*time.Millisecond)
				c.send(tcpflow.FromServer, time.Millisecond, "226 Logout.\r\n")
				c.fin(tcpflow.FromServer, 100*time.Microsecond)
				c.rst(tcpflow.FromClient, time.Millisecond)
			}},
		{name: "a client that leaves with a RST of its own once everything was answered breaks nothing",
			script: func(s *netScript) {
				c := loggedInControl(s)
				download(s, c, "small.bin", 3000)
				c.rst(tcpflow.FromClient, 5*time.Millisecond)
			}},
		{name: "Pure-FTPd's 550 Logout after the client's FIN is no error reply",
			script: func(s *netScript) {
				c := loggedInControl(s)
				download(s, c, "small.bin", 3000)
				c.fin(tcpflow.FromClient, 5*time.Millisecond)
				c.send(tcpflow.FromServer, time.Millisecond, "550 Logout.\r\n")
				c.rst(tcpflow.FromClient, time.Millisecond)
			}},
		{name: "PORT refused with 500, then QUIT: the data channel never worked",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("PORT 198,51,100,10,156,65", 2*time.Millisecond, "500 Illegal PORT command.")
				quitBoth(c)
			},
			want: []string{"control:ftp-command-rejected"}, says: "PORT 198,51,100,10,156,65"},
		{name: "EPRT refused with 550 by policy, then QUIT",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPRT |1|198.51.100.10|40001|", 2*time.Millisecond, "550 Permission denied.")
				quitBoth(c)
			},
			want: []string{"control:permission-denied"}},
		{name: "ProFTPD <Limit EPRT PORT> DenyAll: 501 worded as a denial is the server's policy",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPRT |1|198.51.100.10|57407|", 2*time.Millisecond, "501 EPRT: Operation not permitted")
				c.exchange("PORT 198,51,100,10,188,207", 2*time.Millisecond, "501 PORT: Operation not permitted")
				quitBoth(c)
			},
			want: []string{"control:permission-denied"}, says: "PORT 198,51,100,10,188,207 was refused"},
		{name: "a 227 whose endpoint is never reached, then QUIT",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("PASV", 2*time.Millisecond, pasv227)
				c.send(tcpflow.FromClient, 20*time.Second, "QUIT\r\n")
				c.send(tcpflow.FromServer, time.Millisecond, "221 Goodbye.\r\n")
				c.closeBoth(tcpflow.FromServer, time.Millisecond)
			},
			want: []string{"control:data-channel-blocked"}, says: "never reached the data endpoint that PASV offered"},
		{name: "ProFTPD MaxClients: a 530 naming the server's capacity is service-unavailable, not a login failure",
			script: func(s *netScript) {
				c := ftpControl(s, time.Millisecond)
				c.exchange("USER ftplab", 2*time.Millisecond, "331 Password required for ftplab")
				c.exchange("PASS secret", 2*time.Millisecond, "530 Sorry, the maximum number of allowed clients (2) are already connected.")
				c.closeBoth(tcpflow.FromClient, time.Millisecond)
			},
			want: []string{"control:service-unavailable"}},
		{name: "ftp-srv: 551 for a missing file is a refused file",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPSV", 2*time.Millisecond, "229 EPSV OK (|||30000|)")
				d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
				c.exchange("RETR pub/missing.txt", 2*time.Millisecond, "551 ENOENT: no such file or directory, stat '/srv/pub/missing.txt'")
				d.closeBoth(tcpflow.FromClient, time.Millisecond)
				quitBoth(c)
			},
			want: []string{"control:file-unavailable"}},
		{name: "ftp-srv: an upload's bytes taken, then 550 permission denied and a reset: refused, on the control connection",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPSV", 2*time.Millisecond, "229 EPSV OK (|||30000|)")
				d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
				c.exchange("STOR ro/up.txt", 2*time.Millisecond, "150 File status okay; about to open data connection")
				d.bulk(tcpflow.FromClient, 3000, 100*time.Microsecond)
				d.fin(tcpflow.FromClient, time.Millisecond)
				d.rst(tcpflow.FromServer, time.Millisecond)
				c.send(tcpflow.FromServer, 40*time.Millisecond, "550 EACCES: permission denied, open '/srv/ro/up.txt'\r\n")
				quitBoth(c)
			},
			want: []string{"control:permission-denied"}},
		{name: "ncftp: MDTM with a timestamp sets the time; its refusal is cosmetic",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("MDTM 20261206092818 up/s.txt", 2*time.Millisecond, "550 ENOENT: no such file or directory")
				quitBoth(c)
			}},
		{name: "ProFTPD answers ABOR's 226 only after the client gave up waiting: one break, the abort",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPSV", 2*time.Millisecond, "229 Entering Extended Passive Mode (|||30000|)")
				d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
				c.exchange("RETR pub/slow.txt", 2*time.Millisecond, "150 Opening BINARY mode data connection for pub/slow.txt (400000 bytes)")
				d.bulk(tcpflow.FromServer, 16384, time.Millisecond)
				c.send(tcpflow.FromClient, time.Millisecond, "ABOR\r\n")
				c.send(tcpflow.FromServer, 400*time.Millisecond, "426 Transfer aborted. Data connection closed.\r\n")
				d.closeBoth(tcpflow.FromServer, time.Millisecond)
				c.fin(tcpflow.FromClient, 30*time.Second)
				c.send(tcpflow.FromServer, time.Millisecond, "226 Abort successful\r\n")
				c.rst(tcpflow.FromClient, 100*time.Microsecond)
			},
			want: []string{"data:client-abort"}},
		{name: "Pure-FTPd answers a garbled ABOR with 500 during the transfer: the 500 is ABOR's, the abort is the break",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPSV", 2*time.Millisecond, "229 Extended Passive mode OK (|||30000|)")
				d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
				c.exchange("RETR pub/slow.txt", 2*time.Millisecond, "150 Accepted data connection")
				d.bulk(tcpflow.FromServer, 49152, time.Millisecond)
				c.send(tcpflow.FromClient, time.Millisecond, "ABOR\r\n")
				c.send(tcpflow.FromServer, 60*time.Millisecond, "500 Unknown command\r\n")
				d.rst(tcpflow.FromClient, 10*time.Millisecond)
				c.fin(tcpflow.FromClient, 20*time.Millisecond)
				c.send(tcpflow.FromServer, 40*time.Millisecond, "500 0.100 seconds (measured here), 478.36 Kbytes per second\r\n")
				c.rst(tcpflow.FromClient, 100*time.Microsecond)
			},
			want: []string{"data:client-abort"}},
		{name: "ncftp asks PASV three times into a blocked data port: one break",
			script: func(s *netScript) {
				c := loggedInControl(s)
				for i, port := range []string{"30000", "30001", "30002"} {
					p, _ := strconv.Atoi(port)
					c.exchange("PASV", 2*time.Millisecond, fmt.Sprintf("227 Entering Passive Mode (203,0,113,20,%d,%d)", p/256, p%256))
					for k, gap := range []time.Duration{time.Millisecond, time.Second, 2 * time.Second} {
						s.send(pk{from: fmt.Sprintf("198.51.100.10:%d", 41000+i), to: "203.0.113.20:" + port, flags: fSYN, seq: uint32(7000 + k), after: gap})
					}
				}
				quitBoth(c)
			},
			want: []string{"data:data-channel-blocked"}, says: "The client had tried twice before, failing the same way."},
		{name: "EPSV refused, PASV works: the fallback is no break",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("EPSV", 2*time.Millisecond, "500 Unknown command.")
				download(s, c, "small.bin", 3000)
				quitBoth(c)
			}},
		{name: "a reply after the client's FIN does not answer the command it waited for",
			script: func(s *netScript) {
				c := loggedInControl(s)
				c.exchange("MDTM small.bin", 0, "")
				c.fin(tcpflow.FromClient, 30*time.Second)
				c.send(tcpflow.FromServer, time.Millisecond, "213 20261129125711\r\n")
				c.fin(tcpflow.FromServer, time.Millisecond)
				c.ack(tcpflow.FromClient, time.Millisecond)
			},
			want: []string{"control:slow-server-reply"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			tc.script(s)
			vs := s.finish().judge()
			got := causesOf(vs)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("breaks %v, want %v:\n%s", got, tc.want, verdictLines(vs))
			}
			if tc.says != "" && !strings.Contains(breaksSummary(vs), tc.says) {
				t.Errorf("summary %q does not say %q", breaksSummary(vs), tc.says)
			}
		})
	}
}

// TestClientAbortDatedByFirstClose: a client that closes a data connection
// mid-transfer and then resets the late segments is dated by its FIN.
func TestClientAbortDatedByFirstClose(t *testing.T) {
	s := newNetScript(t)
	c := loggedInControl(s)
	c.exchange("PASV", 2*time.Millisecond, pasv227)
	d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
	c.exchange("RETR big.bin", 2*time.Millisecond, "150 Opening BINARY mode data connection for big.bin (100000 bytes).")
	d.bulk(tcpflow.FromServer, 30000, 100*time.Microsecond)
	d.fin(tcpflow.FromClient, time.Millisecond)
	d.bulk(tcpflow.FromServer, 3000, 100*time.Microsecond)
	d.rst(tcpflow.FromClient, time.Millisecond)
	c.fin(tcpflow.FromClient, time.Millisecond)
	c.fin(tcpflow.FromServer, time.Millisecond)
	out := s.finish()
	vs := out.judge()
	v := breakOn(vs, KindData)
	if v == nil || v.Cause != "client-abort" {
		t.Fatalf("want a client-abort on the data connection:\n%s", verdictLines(vs))
	}
	fin := v.Conn.Half[tcpflow.FromClient].FIN
	if v.Time != fin {
		t.Errorf("dated at frame %d, want the client's FIN at frame %d:\n%s", v.Time.Frame, fin.Frame, verdictLines(vs))
	}
	if !strings.Contains(v.Summary, "closed the data connection") {
		t.Errorf("summary %q: want the client's close, not its later reset", v.Summary)
	}
}

// TestCommandAfterServerCloseIsNotPending: a command the client sends
// after the server's FIN was never waiting when the server closed.
func TestCommandAfterServerCloseIsNotPending(t *testing.T) {
	s := newNetScript(t)
	c := loggedInControl(s)
	c.fin(tcpflow.FromServer, 10*time.Second)
	c.send(tcpflow.FromClient, time.Millisecond, "NOOP\r\n")
	c.rst(tcpflow.FromServer, time.Millisecond)
	vs := s.finish().judge()
	v := breakOn(vs, KindControl)
	if v == nil {
		t.Fatalf("no control break:\n%s", verdictLines(vs))
	}
	if strings.Contains(v.Summary, "NOOP") {
		t.Errorf("summary blames the NOOP sent after the server's FIN: %q", v.Summary)
	}
}

func TestRefusalKind(t *testing.T) {
	for _, tc := range []struct {
		verb string
		code int
		text string
		want string
	}{
		{"RETR", 550, "Failed to open file.", refusedAbsent},                                   // vsftpd
		{"RETR", 550, "missing.bin: No such file or directory", refusedAbsent},                 // ProFTPD
		{"STOR", 553, "Can't open that file: No such file or directory", refusedAbsent},        // Pure-FTPd, missing directory
		{"STOR", 553, "Could not create file.", refusedPermission},                             // vsftpd
		{"STOR", 550, "up.bin: Permission denied", refusedPermission},                          // ProFTPD
		{"MKD", 550, "Not enough privileges.", refusedPermission},                              // pyftpdlib
		{"DELE", 550, "Delete operation failed.", refusedPermission},                           // a 550 to DELE, no word of absence
		{"SIZE", 550, "Could not get file size.", refusedAbsent},                               // vsftpd
		{"STOR", 552, "Quota exceeded", refusedPermission},                                     // Pure-FTPd quota
		{"RETR", 450, "File busy", refusedAbsent},                                              // RFC 959: busy
		{"CWD", 550, "Can't change directory to /x: No such file or directory", refusedAbsent}, // Pure-FTPd
		{"RETR", 550, "Access is denied.", refusedPermission},                                  // IIS
	} {
		if got := refusalKind(tc.verb, tc.code, tc.text); got != tc.want {
			t.Errorf("%s → %d %q: %s, want %s", tc.verb, tc.code, tc.text, got, tc.want)
		}
	}
}

// verdictLines prints verdicts for a failure message.
func verdictLines(vs []Verdict) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s %s/%s info=%v conf=%.2f why: %s\n", v.Kind, v.Class, v.Cause, v.Info, v.Confidence, v.Summary)
	}
	return b.String()
}

func breaksSummary(vs []Verdict) string {
	for _, v := range vs {
		if !v.Info {
			return v.Summary
		}
	}
	return ""
}

// TestServerKilledMidDownload: a server process killed mid-download ends
// the data connection short of the file; the client, seeing it, closes
// both connections before the server's kernel closes the control one. The
// server cut the session, not the client.
func TestServerKilledMidDownload(t *testing.T) {
	for _, tc := range []struct {
		name      string
		announced bool // the size was announced (SIZE 213)
		want      []string
	}{
		{"size announced, client closes control first", true, []string{"control:server-close", "data:server-close"}},
		{"no size, server closes control with no final reply", false, []string{"control:server-close", "data:server-close"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNetScript(t)
			c := loggedInControl(s)
			if tc.announced {
				c.exchange("SIZE slow.txt", 2*time.Millisecond, "213 400000")
			}
			c.exchange("PASV", 2*time.Millisecond, pasv227)
			d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
			c.exchange("RETR slow.txt", 2*time.Millisecond, "150 Opening BINARY mode data connection")
			d.bulk(tcpflow.FromServer, 49152, time.Millisecond)
			d.fin(tcpflow.FromServer, 500*time.Millisecond)
			if tc.announced {
				d.fin(tcpflow.FromClient, time.Millisecond)
				c.fin(tcpflow.FromClient, 100*time.Microsecond)
				c.fin(tcpflow.FromServer, 3*time.Millisecond)
			} else {
				c.fin(tcpflow.FromServer, time.Millisecond)
				d.fin(tcpflow.FromClient, time.Millisecond)
				c.fin(tcpflow.FromClient, time.Millisecond)
			}
			vs := s.finish().judge()
			if got := causesOf(vs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("breaks %v, want %v:\n%s", got, tc.want, verdictLines(vs))
			}
		})
	}
}

// TestServerKilledAfterUploadEOF: the client sent the whole file and its
// FIN (the end of the file in stream mode); the rate-limited server had
// not read it all when it was killed, so its kernel reset the data
// connection with data unread, and closed the control connection with no
// reply. The client's FIN is no abort; the server's reset is the break.
func TestServerKilledAfterUploadEOF(t *testing.T) {
	s := newNetScript(t)
	c := loggedInControl(s)
	c.exchange("EPSV", 2*time.Millisecond, "229 Entering Extended Passive Mode (|||30000|)")
	d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
	c.exchange("STOR up/k.txt", 2*time.Millisecond, "150 Ok to send data.")
	d.bulk(tcpflow.FromClient, 400000, 100*time.Microsecond)
	d.fin(tcpflow.FromClient, time.Millisecond)
	d.rst(tcpflow.FromServer, 2*time.Second)
	c.fin(tcpflow.FromServer, time.Millisecond)
	c.fin(tcpflow.FromClient, 40*time.Millisecond)
	vs := s.finish().judge()
	if got, want := causesOf(vs), []string{"control:server-close", "data:server-reset"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("breaks %v, want %v:\n%s", got, want, verdictLines(vs))
	}
}

// TestFinalReplyLostByTheCapture: the capture lost the 226 of an upload
// (a gap in the server's replies where it belongs), the data connection
// ended in order and the server answered the next command: the transfer
// is complete, not truncated.
func TestFinalReplyLostByTheCapture(t *testing.T) {
	for _, lost := range []bool{false, true} {
		s := newNetScript(t)
		c := loggedInControl(s)
		c.exchange("PASV", 2*time.Millisecond, pasv227)
		d := s.conn(cliData, srvData, 7, 7, 20*time.Millisecond)
		c.exchange("STOR up.bin", 2*time.Millisecond, "150 Ok to send data.")
		d.bulk(tcpflow.FromClient, 60000, 100*time.Microsecond)
		d.closeBoth(tcpflow.FromClient, time.Millisecond)
		if lost {
			c.next[tcpflow.FromServer] += uint32(len("226 Transfer complete.\r\n"))
		} else {
			c.send(tcpflow.FromServer, time.Millisecond, "226 Transfer complete.\r\n")
		}
		quitBoth(c)
		out := s.finish()
		vs := out.judge()
		if got := causesOf(vs); len(got) != 0 {
			t.Errorf("lost %v: breaks %v, want none:\n%s", lost, got, verdictLines(vs))
		}
		sess := out.session(t)
		if st := TransferStatusOf(sess, sess.Transfers[0]); st != StatusComplete {
			t.Errorf("lost %v: the upload is %s, want complete", lost, st)
		}
	}
}
