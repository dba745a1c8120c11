package classify

import (
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// TransferStatus is what became of a transfer, as the report names it.
// TransferStatusOf decides it.
type TransferStatus string

// Transfer statuses.
const (
	StatusComplete  TransferStatus = "complete"
	StatusFailed    TransferStatus = "failed"
	StatusTruncated TransferStatus = "truncated"
	StatusAborted   TransferStatus = "aborted"
)

// TransferStatuses lists every status.
func TransferStatuses() []TransferStatus {
	return []TransferStatus{StatusComplete, StatusFailed, StatusTruncated, StatusAborted}
}

// TransferStatusOf sums up a transfer as one of the Status* values. The
// rules, first match wins:
//
//  1. aborted: the client sent ABOR before the final reply, or the final
//     reply is 426. RFC 959 §4.1.3 (ABOR) and §4.2: 426 "Connection closed;
//     transfer aborted" is the server's answer to the aborted command
//     (followed by 226 to ABOR itself); a 426 without ABOR is the server
//     cutting the transfer.
//  2. failed: the final reply is 4xx or 5xx and no data moved (425 could
//     not open the data connection, 450/550 file unavailable, 452/552
//     storage…). RFC 959 §4.2: 4yz and 5yz mean the action did not take
//     place. When data did move before the error (421 data connection
//     timed out, 451 local error), the transfer was cut short: truncated.
//  3. truncated: the data connection was established and either was reset
//     before the sender's FIN, or ended (FIN or RST in the capture) having
//     carried fewer bytes than announced, even when the server replied 226.
//     In stream mode (RFC 959 §3.4.1) the end of the file is the sender
//     closing the connection: a reset before that FIN, or a FIN
//     before the announced size, means the receiver did not get the whole
//     file, whatever the 226 says (226 only says the server closed its
//     end). A reset after the sender's FIN is teardown noise.
//  4. complete: the final reply is 2xx (and rule 3 did not fire). A
//     capture filtered to the control port shows no data connection; the
//     server's 226 is then the only word on the transfer and is taken.
//  5. Inferred transfers (encrypted control: no replies visible): complete
//     when the responder answered the data connection's SYN (or the capture
//     began mid-connection), else failed.
//  6. failed: no data connection was established and the server never
//     confirmed the transfer (no final reply, or only 1xx/3xx/invalid).
//  7. complete: no final reply, but the data connection carried at least
//     the announced size: the data itself proves the transfer.
//  8. truncated: data flowed but the session ended before the server's
//     final reply (control connection cut mid-transfer or capture ended).
func TransferStatusOf(s *dissect.Session, t *dissect.Transfer) TransferStatus {
	final := t.Final
	if final != nil && !final.Valid {
		final = nil // an invalid reply code confirms nothing
	}
	if t.Aborted || (final != nil && final.Code == 426) {
		return StatusAborted
	}
	data := t.Conn != nil && dataOpened(t.Conn)
	if final != nil && final.Code >= 400 && final.Code < 600 {
		if data && t.Bytes() > 0 {
			// Part of the file moved before the server gave up (421
			// data connection timed out, 451 local error): the transfer
			// was cut short, not refused.
			return StatusTruncated
		}
		return StatusFailed
	}
	want := t.WantBytes()
	if data && ((resetBeforeEOF(t) && !tlsOrderlyTeardown(s, t)) || (want >= 0 && t.Bytes() < want && dataEndSeen(t))) {
		return StatusTruncated
	}
	if final != nil && final.Code >= 200 && final.Code < 300 {
		return StatusComplete
	}
	if t.Inferred {
		if data {
			return StatusComplete
		}
		return StatusFailed
	}
	if !data {
		return StatusFailed
	}
	if want >= 0 && t.Bytes() >= want {
		return StatusComplete
	}
	if finalLost(s, t) && orderlyDataEnd(t) {
		return StatusComplete
	}
	return StatusTruncated
}

// finalLost: the transfer has no final reply in the capture, but the
// capture lost bytes of the server's replies after the transfer began and
// the server answered a later command. Replies come in command order (RFC
// 959 §4.2), so the final reply was sent and is in the part the capture
// missed: the data connection is then the word on the transfer.
func finalLost(s *dissect.Session, t *dissect.Transfer) bool {
	if s == nil || s.ControlGaps[tcpflow.FromServer] == 0 {
		return false
	}
	later := false
	replies(s, func(c *dissect.Command, r *dissect.Reply) bool {
		if c != nil && t.At.Before(c.At) && r.Valid && r.Code >= 200 {
			later = true
			return false
		}
		return true
	})
	return later
}

// orderlyDataEnd: the file's sender closed the data connection with a
// FIN that its peer acknowledged, and nobody reset it before that: in
// stream mode (RFC 959 §3.4.1) the whole file arrived.
func orderlyDataEnd(t *dissect.Transfer) bool {
	c := t.Conn
	if t.Direction == dissect.DirectionUnknown || resetBeforeEOF(t) {
		return false
	}
	h := &c.Half[t.Sender]
	return !h.FIN.IsZero() && !seqBelow(c.Half[t.Sender.Other()].AckedHigh, h.HighSeq+1)
}

// dataEndSeen reports whether the capture shows the data connection's end
// (the sender's FIN or a reset). Without it, fewer bytes than announced
// means the capture stopped seeing the connection (a capture filter, a
// dropped tail, the capture ending), not that the transfer was cut: the
// server's final reply is then the better word on it.
func dataEndSeen(t *dissect.Transfer) bool {
	c := t.Conn
	if !c.Half[tcpflow.FromClient].RST.IsZero() || !c.Half[tcpflow.FromServer].RST.IsZero() {
		return true
	}
	if t.Direction == dissect.DirectionUnknown {
		return !c.Half[tcpflow.FromClient].FIN.IsZero() || !c.Half[tcpflow.FromServer].FIN.IsZero()
	}
	return !c.Half[t.Sender].FIN.IsZero()
}

// dataOpened reports whether a data connection got past its SYN: the
// responder sent a SYN, the capture picked it up mid-stream, or payload
// flowed.
func dataOpened(c *tcpflow.Conn) bool {
	return !c.Half[tcpflow.FromServer].SYN.IsZero() || c.Midstream ||
		c.Half[tcpflow.FromClient].Bytes > 0 || c.Half[tcpflow.FromServer].Bytes > 0
}

// resetBeforeEOF reports whether either side reset the data connection
// before the sender's FIN (or with no FIN from the sender at all).
func resetBeforeEOF(t *dissect.Transfer) bool {
	sender := t.Sender
	if t.Direction == dissect.DirectionUnknown {
		if t.Conn.Half[tcpflow.FromClient].SeqBytes() > t.Conn.Half[tcpflow.FromServer].SeqBytes() {
			sender = tcpflow.FromClient
		} else {
			sender = tcpflow.FromServer
		}
	}
	fin := t.Conn.Half[sender].FIN
	for d := range t.Conn.Half {
		rst := t.Conn.Half[d].RST
		if !rst.IsZero() && (fin.IsZero() || rst.Before(fin)) {
			return true
		}
	}
	return false
}
