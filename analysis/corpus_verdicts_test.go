package analysis_test

import (
	"path/filepath"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// corpusVerdicts are public captures whose breaks are clear from the
// packets; each entry says why.
var corpusVerdicts = []struct {
	capture string
	want    []string // kind/cause of every break, in order
	why     string
}{
	{"zeek/Traces/ftp/ftp-auth-tls.pcap", nil,
		"AUTH TLS → 234, then TLS 1.3: the client's 28-byte record (QUIT, frame 79) is answered by a 36-byte record " +
			"(221, frame 80), the client sends a 24-byte close_notify (frame 82), the server FINs (83) and resets (84) " +
			"the socket it closed with unread data: an orderly end of an encrypted session"},
	{"suricata-verify/tests/ftp-quit/input.pcap", []string{"control/server-close"},
		"the server FINs (frame 4) before any banner; the client's QUIT arrives after that and the server's " +
			"RST (frame 7) answers it: the close is the cause, the RST its consequence"},
	{"nDPI/pcap/ftp_failed.pcap", []string{"control/login-failures"},
		"USER answered 530 'This FTP server is anonymous only.' twice, then the client QUITs: the login was refused"},
	{"zeek/Traces/ftp/ftp-password-pass-command.pcap", []string{"control/login-failures"},
		"USER/PASS answered 530 'Login incorrect.' (frame 11) and nothing after it logs in"},
	{"zeek/Traces/ftp/ipv6-multiline-reply.pcap", []string{"control/file-unavailable"},
		"SIZE and RETR libssh-0.5.2.tar.gz answered 550 'No such file or directory' (frame 44); the client " +
			"then leaves with a FIN (frame 45) and no QUIT; the server's unprompted 221 (frame 47) answers no " +
			"command, and the client's RSTs (48, 50) answer that late segment on a closed socket: one break, " +
			"the refused file, not a client abort"},
	{"suricata-verify/tests/ftp-retr-bypass-realserver/input.pcap", []string{"control/data-connection-failed"},
		"RETR without PORT or PASV answered 425 'Use PORT or PASV first.'; the session then QUITs normally"},
}

func TestCorpusVerdicts(t *testing.T) {
	root := corpusRoot(t)
	for _, c := range corpusVerdicts {
		t.Run(c.capture, func(t *testing.T) {
			res := analyseFile(t, filepath.Join(root, c.capture), analysis.Options{})
			var got []string
			for _, b := range res.Breaks {
				got = append(got, string(b.Connection.Kind)+"/"+b.Cause)
			}
			if len(got) != len(c.want) {
				t.Fatalf("breaks %v, want %v: %s", got, c.want, c.why)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("break %d is %s, want %s: %s", i+1, got[i], c.want[i], c.why)
				}
			}
		})
	}
}
