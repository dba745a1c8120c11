package classify

import (
	"testing"

	"github.com/ftpcap/ftpcap/dissect"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// frameRef is a packet reference at a frame number.
func frameRef(frame int64) tcpflow.Ref { return tcpflow.Ref{Frame: frame, TS: frame * 1000} }

func TestTransferStatus(t *testing.T) {
	reply := func(code int) *dissect.Reply { return &dissect.Reply{Code: code, Valid: code != 0} }
	// conn builds a data connection; the FTP server sends FromServer.
	type connFacts struct {
		answered bool  // SYN-ACK seen
		finAt    int64 // frame of the sender's FIN, 0 for none
		rstAt    int64 // frame of a RST from the receiver, 0 for none
	}
	conn := func(f connFacts) *tcpflow.Conn {
		c := &tcpflow.Conn{}
		c.Half[tcpflow.FromClient].SYN = frameRef(1)
		if f.answered {
			c.Half[tcpflow.FromServer].SYN = frameRef(2)
		}
		if f.finAt > 0 {
			c.Half[tcpflow.FromServer].FIN = frameRef(f.finAt)
		}
		if f.rstAt > 0 {
			c.Half[tcpflow.FromClient].RST = frameRef(f.rstAt)
		}
		return c
	}
	ok := connFacts{answered: true, finAt: 10}
	const unknown = -1 // no size announced
	tests := []struct {
		name     string
		tr       dissect.Transfer
		want     TransferStatus
		inferred bool
		expected int64
	}{
		{"226 after a clean transfer", dissect.Transfer{Final: reply(226), Conn: conn(ok)}, StatusComplete, false, unknown},
		{"250 is positive too", dissect.Transfer{Final: reply(250), Conn: conn(ok)}, StatusComplete, false, unknown},
		{"226, no data connection in the capture", dissect.Transfer{Final: reply(226)}, StatusComplete, false, unknown},
		{"ABOR before the final reply", dissect.Transfer{Aborted: true, Final: reply(226), Conn: conn(ok)}, StatusAborted, false, unknown},
		{"426 without ABOR", dissect.Transfer{Final: reply(426), Conn: conn(ok)}, StatusAborted, false, unknown},
		{"425", dissect.Transfer{Final: reply(425)}, StatusFailed, false, unknown},
		{"550 even with a connection", dissect.Transfer{Final: reply(550), Conn: conn(ok)}, StatusFailed, false, unknown},
		{"451 mid-transfer", dissect.Transfer{Prelim: reply(150), Final: reply(451), Conn: conn(ok)}, StatusFailed, false, unknown},
		{"226 but reset before the sender's FIN", dissect.Transfer{Final: reply(226), Conn: conn(connFacts{answered: true, rstAt: 5})}, StatusTruncated, false, unknown},
		{"226, reset after the sender's FIN", dissect.Transfer{Final: reply(226), Conn: conn(connFacts{answered: true, finAt: 5, rstAt: 6})}, StatusComplete, false, unknown},
		{"226 but fewer bytes than SIZE said", dissect.Transfer{Final: reply(226), Conn: conn(ok)}, StatusTruncated, false, 100},
		{"226, announced size reached", dissect.Transfer{Final: reply(226), Conn: conn(ok)}, StatusComplete, false, 0},
		{"REST past the announced size", dissect.Transfer{Direction: dissect.DirectionDownload, Final: reply(226), Conn: conn(ok), RestOffset: 100}, StatusComplete, false, 100},
		{"refused data connection, no reply", dissect.Transfer{Conn: conn(connFacts{rstAt: 3})}, StatusFailed, false, unknown},
		{"no connection, no reply", dissect.Transfer{Prelim: reply(150)}, StatusFailed, false, unknown},
		{"invalid final reply, no connection", dissect.Transfer{Final: reply(0)}, StatusFailed, false, unknown},
		{"data flowed, no final reply", dissect.Transfer{Prelim: reply(150), Conn: conn(ok)}, StatusTruncated, false, unknown},
		{"no final reply, announced size reached", dissect.Transfer{Conn: conn(ok)}, StatusComplete, false, 0},
		{"inferred, answered", dissect.Transfer{Direction: dissect.DirectionUnknown, Conn: conn(ok)}, StatusComplete, true, unknown},
		{"inferred, never answered", dissect.Transfer{Direction: dissect.DirectionUnknown, Conn: conn(connFacts{})}, StatusFailed, true, unknown},
		{"inferred, reset", dissect.Transfer{Direction: dissect.DirectionUnknown, Conn: conn(connFacts{answered: true, rstAt: 5})}, StatusTruncated, true, unknown},
	}
	for _, tt := range tests {
		tr := tt.tr
		tr.Inferred = tt.inferred
		tr.ExpectedBytes = tt.expected
		tr.Sender = tcpflow.FromServer
		if got := TransferStatusOf(&dissect.Session{}, &tr); got != tt.want {
			t.Errorf("%s: TransferStatus = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestTransferBytes(t *testing.T) {
	if (&dissect.Transfer{}).Bytes() != 0 {
		t.Error("no connection: bytes != 0")
	}
	c := &tcpflow.Conn{}
	c.Half[tcpflow.FromServer].Bytes = 10 // Bytes counts retransmissions; SeqBytes is what is used
	if (&dissect.Transfer{Conn: c, Sender: tcpflow.FromServer}).Bytes() != 0 {
		t.Error("bytes taken from Half.Bytes instead of SeqBytes")
	}
}
