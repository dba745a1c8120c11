package dissect

import (
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

func TestTransferStatus(t *testing.T) {
	reply := func(code int) *Reply { return &Reply{Code: code, Valid: code != 0} }
	// conn builds a data connection; the FTP server sends FromServer.
	type connFacts struct {
		answered bool  // SYN-ACK seen
		finAt    int64 // frame of the sender's FIN, 0 for none
		rstAt    int64 // frame of a RST from the receiver, 0 for none
	}
	conn := func(f connFacts) *tcpflow.Conn {
		c := &tcpflow.Conn{}
		c.Half[tcpflow.FromClient].SYN = ref(1)
		if f.answered {
			c.Half[tcpflow.FromServer].SYN = ref(2)
		}
		if f.finAt > 0 {
			c.Half[tcpflow.FromServer].FIN = ref(f.finAt)
		}
		if f.rstAt > 0 {
			c.Half[tcpflow.FromClient].RST = ref(f.rstAt)
		}
		return c
	}
	ok := connFacts{answered: true, finAt: 10}
	const unknown = -1 // no size announced
	tests := []struct {
		name     string
		tr       Transfer
		want     string
		inferred bool
		expected int64
	}{
		{"226 after a clean transfer", Transfer{Final: reply(226), Conn: conn(ok)}, StatusComplete, false, unknown},
		{"250 is positive too", Transfer{Final: reply(250), Conn: conn(ok)}, StatusComplete, false, unknown},
		{"226, no data connection in the capture", Transfer{Final: reply(226)}, StatusComplete, false, unknown},
		{"ABOR before the final reply", Transfer{Aborted: true, Final: reply(226), Conn: conn(ok)}, StatusAborted, false, unknown},
		{"426 without ABOR", Transfer{Final: reply(426), Conn: conn(ok)}, StatusAborted, false, unknown},
		{"425", Transfer{Final: reply(425)}, StatusFailed, false, unknown},
		{"550 even with a connection", Transfer{Final: reply(550), Conn: conn(ok)}, StatusFailed, false, unknown},
		{"451 mid-transfer", Transfer{Prelim: reply(150), Final: reply(451), Conn: conn(ok)}, StatusFailed, false, unknown},
		{"226 but reset before the sender's FIN", Transfer{Final: reply(226), Conn: conn(connFacts{answered: true, rstAt: 5})}, StatusTruncated, false, unknown},
		{"226, reset after the sender's FIN", Transfer{Final: reply(226), Conn: conn(connFacts{answered: true, finAt: 5, rstAt: 6})}, StatusComplete, false, unknown},
		{"226 but fewer bytes than SIZE said", Transfer{Final: reply(226), Conn: conn(ok)}, StatusTruncated, false, 100},
		{"226, announced size reached", Transfer{Final: reply(226), Conn: conn(ok)}, StatusComplete, false, 0},
		{"REST past the announced size", Transfer{Direction: DirectionDownload, Final: reply(226), Conn: conn(ok), RestOffset: 100}, StatusComplete, false, 100},
		{"refused data connection, no reply", Transfer{Conn: conn(connFacts{rstAt: 3})}, StatusFailed, false, unknown},
		{"no connection, no reply", Transfer{Prelim: reply(150)}, StatusFailed, false, unknown},
		{"invalid final reply, no connection", Transfer{Final: reply(0)}, StatusFailed, false, unknown},
		{"data flowed, no final reply", Transfer{Prelim: reply(150), Conn: conn(ok)}, StatusTruncated, false, unknown},
		{"no final reply, announced size reached", Transfer{Conn: conn(ok)}, StatusComplete, false, 0},
		{"inferred, answered", Transfer{Direction: DirectionUnknown, Conn: conn(ok)}, StatusComplete, true, unknown},
		{"inferred, never answered", Transfer{Direction: DirectionUnknown, Conn: conn(connFacts{})}, StatusFailed, true, unknown},
		{"inferred, reset", Transfer{Direction: DirectionUnknown, Conn: conn(connFacts{answered: true, rstAt: 5})}, StatusTruncated, true, unknown},
	}
	for _, tt := range tests {
		tr := tt.tr
		tr.Inferred = tt.inferred
		tr.ExpectedBytes = tt.expected
		tr.Sender = tcpflow.FromServer
		if got := tr.Status(); got != tt.want {
			t.Errorf("%s: Status() = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestTransferBytes(t *testing.T) {
	if (&Transfer{}).Bytes() != 0 {
		t.Error("no connection: bytes != 0")
	}
	c := &tcpflow.Conn{}
	c.Half[tcpflow.FromServer].Bytes = 10 // Bytes counts retransmissions; SeqBytes is what is used
	if (&Transfer{Conn: c, Sender: tcpflow.FromServer}).Bytes() != 0 {
		t.Error("bytes taken from Half.Bytes instead of SeqBytes")
	}
}
