package classify

import (
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtInt(0), "0"},
		{fmtInt(999), "999"},
		{fmtInt(65535), "65,535"},
		{fmtInt(-1234567), "-1,234,567"},
		{fmtDur(28 * time.Microsecond), "28 µs"},
		{fmtDur(850 * time.Microsecond), "850 µs"},
		{fmtDur(12345 * time.Microsecond), "12.3 ms"},
		{fmtDur(4567 * time.Millisecond), "4.57 s"},
		{fmtDur(12934 * time.Millisecond), "12.93 s"},
		{fmtDur(125 * time.Second), "125 s"},
		{minutesText(95 * time.Second), "95 s"},
		{minutesText(372 * time.Second), "6.2 minutes"},
		{minutesText(126 * time.Minute), "2.1 hours"},
		{seconds(0), "0"},
		{seconds(7e9), "7"},
		{seconds(1234567890), "1.235"},
		{seconds(14_349e6), "14.3"},
		{fmtRate(512), "512 B/s"},
		{fmtRate(25500), "25.5 kB/s"},
		{fmtRate(1.25e6), "1.25 MB/s"},
		{times(1), "once"},
		{times(2), "twice"},
		{times(9), "9 times"},
		{plural(1, "SYN"), "1 SYN"},
		{plural(0, "hop"), "0 hops"},
		{plural(4, "SYN"), "4 SYNs"},
		{times(1460), "1,460 times"},
		{plural(1460, "byte"), "1,460 bytes"},
		{count(1, "byte"), "1 byte"},
		{count(34776, "byte"), "34,776 bytes"},
		{count(0, "reply"), "0 replies"},
		{count(3, "key"), "3 keys"},
		{count(2, "retransmission"), "2 retransmissions"},
		{count(1, "other packet"), "1 other packet"},
		{transferName(&dissect.Transfer{Cmd: "RETR", Path: "big.iso"}), "RETR big.iso"},
		{transferName(&dissect.Transfer{Cmd: dissect.CmdUnknown, Direction: dissect.DirectionDownload}), "an encrypted download"},
		{transferName(&dissect.Transfer{Cmd: dissect.CmdUnknown, Direction: dissect.DirectionUnknown}), "an encrypted transfer"},
		{bytesOf(&dissect.Transfer{ExpectedBytes: -1}), "0 bytes"},
		{abortedBytesOf(&dissect.Transfer{AbortBytes: 262144, ExpectedBytes: 1048576}), "262,144 of 1,048,576 bytes"},
		{hopsText(63), "TTL 63 (1 hop)"},
		{hopsText(64), "TTL 64 (0 hops)"},
		{upperFirst("the data connection"), "The data connection"},
		{upperFirst("42 bytes"), "42 bytes"},
		{lowerFirst("The client stopped"), "the client stopped"},
		{endedHow(tcpflow.Seg{Flags: tcpflow.FlagRST | tcpflow.FlagACK}), "reset"},
		{endedHow(tcpflow.Seg{Flags: tcpflow.FlagFIN | tcpflow.FlagACK}), "closed"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// Sides and connections are named by their FTP roles: on an active-mode
// data connection the FTP server is the TCP client.
func TestPartyNames(t *testing.T) {
	tr := &dissect.Transfer{Cmd: "RETR", Path: "big.iso"}
	active := &Case{Kind: KindData, Data: &dissect.DataConn{FromFTPServer: tcpflow.FromClient}, Transfer: tr}
	passive := &Case{Kind: KindData, Data: &dissect.DataConn{FromFTPServer: tcpflow.FromServer}}
	control := &Case{Kind: KindControl}
	for _, tc := range []struct{ got, want string }{
		{ftpRole(active, tcpflow.FromClient), "server"},
		{ftpRole(active, tcpflow.FromServer), "client"},
		{ftpRole(passive, tcpflow.FromServer), "server"},
		{ftpRole(control, tcpflow.FromClient), "client"},
		{connName(active), "the data connection of RETR big.iso"},
		{connName(passive), "a data connection"},
		{connName(control), "the control connection"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
