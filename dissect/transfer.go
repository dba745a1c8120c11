package dissect

import (
	"net/netip"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Transfer directions, modes and statuses.
const (
	DirectionDownload = "download" // RETR LIST NLST MLSD: the FTP server sends
	DirectionUpload   = "upload"   // STOR STOU APPE: the FTP client sends
	DirectionUnknown  = "unknown"  // inferred transfers of encrypted sessions

	ModePassive = "passive" // PASV/EPSV: the FTP client connects
	ModeActive  = "active"  // PORT/EPRT (or the default port): the FTP server connects
	ModeUnknown = "unknown"

	StatusComplete  = "complete"
	StatusFailed    = "failed"
	StatusTruncated = "truncated"
	StatusAborted   = "aborted"

	// CmdUnknown is the Cmd of a transfer inferred from a data connection
	// while the control connection was encrypted.
	CmdUnknown = "?"
)

// Transfer is one data-transfer command (RETR STOR STOU APPE LIST NLST
// MLSD) and what became of it, or a data connection seen while the control
// connection was encrypted (Cmd "?", Inferred).
type Transfer struct {
	Cmd       string
	Path      string      // the command's argument
	At        tcpflow.Ref // the command (for inferred ones: the data connection's first packet)
	Direction string
	Mode      string
	// Endpoint is the negotiated data endpoint: the server's address:port
	// from 227/229 for passive transfers, the client's from PORT/EPRT for
	// active ones; invalid when nothing was negotiated.
	Endpoint netip.AddrPort

	// Conn is the linked data connection (nil if none appeared); Data is
	// its link record. Sender is the direction of Conn that carries the
	// file's bytes.
	Conn   *tcpflow.Conn
	Data   *DataConn
	Sender tcpflow.Dir
	// Inferred: Conn was linked by hosts and time alone (encrypted
	// control connection).
	Inferred bool

	Prelim *Reply // the first 1xx (125/150), nil if none
	Final  *Reply // the completion reply (2xx, 4xx, 5xx), nil if none

	// ExpectedBytes is the size announced before the transfer: a 213
	// reply to SIZE of the same path (RFC 3659 §4), or "(N bytes)" in the
	// 150 text; -1 when unknown. ExpectedFrom says which ("size", "150").
	ExpectedBytes int64
	ExpectedFrom  string
	// RestOffset is the REST marker in effect for this transfer (RFC 3659
	// §5): a download then sends the file from that offset.
	RestOffset int64

	// Aborted: ABOR was sent before the final reply. AbortAt is the ABOR;
	// AbortBytes is what Bytes() said when it was sent: the file's bytes
	// that had crossed the capture point by then (what followed was
	// already in flight or is the sender's reaction to it).
	Aborted    bool
	AbortAt    tcpflow.Ref
	AbortBytes int64

	exp *expectation // the negotiated channel it claimed, while linking
}

// Bytes returns the payload the data connection carried in the sending
// direction, as the capture's sequence numbers show it (bytes the capture
// missed included, retransmissions counted once). 0 without a data
// connection. For inferred transfers the sending direction is the one that
// carried more. Over TLS (PROT P) it is the application data after the
// handshake (datatls.go).
func (t *Transfer) Bytes() int64 {
	if t.Conn == nil {
		return 0
	}
	if n, ok := t.tlsAppBytes(); ok {
		return n
	}
	if t.Direction == DirectionUnknown {
		return max(t.Conn.Half[tcpflow.FromClient].SeqBytes(), t.Conn.Half[tcpflow.FromServer].SeqBytes())
	}
	return t.Conn.Half[t.Sender].SeqBytes()
}

// want returns the number of bytes the data connection should carry, -1
// when unknown. SIZE and the 150 "(N bytes)" announce the whole file; after
// REST a download sends only the part from the offset on.
func (t *Transfer) want() int64 {
	if t.ExpectedBytes < 0 {
		return -1
	}
	if t.Direction == DirectionDownload && t.RestOffset > 0 {
		return max(t.ExpectedBytes-t.RestOffset, 0)
	}
	return t.ExpectedBytes
}

// Status sums up the transfer. The rules, first match wins:
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
//     carried fewer bytes than announced — even when the server replied
//  226. In stream mode (RFC 959 §3.4.1) the end of the file is the
//     sender closing the connection: a reset before that FIN, or a FIN
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
func (t *Transfer) Status() string {
	final := t.Final
	if final != nil && !final.Valid {
		final = nil // an invalid reply code confirms nothing
	}
	if t.Aborted || (final != nil && final.Code == 426) {
		return StatusAborted
	}
	data := t.Conn != nil && established(t.Conn)
	if final != nil && final.Code >= 400 && final.Code < 600 {
		if data && t.Bytes() > 0 {
			// Part of the file moved before the server gave up (421
			// data connection timed out, 451 local error): the transfer
			// was cut short, not refused.
			return StatusTruncated
		}
		return StatusFailed
	}
	want := t.want()
	if data && (t.resetBeforeEOF() || (want >= 0 && t.Bytes() < want && t.endSeen())) {
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
	return StatusTruncated
}

// endSeen reports whether the capture shows the data connection's end
// (the sender's FIN or a reset). Without it, fewer bytes than announced
// means the capture stopped seeing the connection (a capture filter, a
// dropped tail, the capture ending), not that the transfer was cut: the
// server's final reply is then the better word on it.
func (t *Transfer) endSeen() bool {
	c := t.Conn
	if !c.Half[tcpflow.FromClient].RST.IsZero() || !c.Half[tcpflow.FromServer].RST.IsZero() {
		return true
	}
	if t.Direction == DirectionUnknown {
		return !c.Half[tcpflow.FromClient].FIN.IsZero() || !c.Half[tcpflow.FromServer].FIN.IsZero()
	}
	return !c.Half[t.Sender].FIN.IsZero()
}

// established reports whether a connection got past its SYN: the
// responder answered with a SYN-ACK, the capture picked it up mid-stream,
// or payload flowed.
func established(c *tcpflow.Conn) bool {
	return !c.Half[tcpflow.FromServer].SYN.IsZero() || c.Midstream ||
		c.Half[tcpflow.FromClient].Bytes > 0 || c.Half[tcpflow.FromServer].Bytes > 0
}

// resetBeforeEOF reports whether either side reset the data connection
// before the sender's FIN (or with no FIN from the sender at all).
func (t *Transfer) resetBeforeEOF() bool {
	sender := t.Sender
	if t.Direction == DirectionUnknown {
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

// transferVerbs maps the data-transfer commands to their direction.
var transferVerbs = map[string]string{
	"RETR": DirectionDownload,
	"LIST": DirectionDownload,
	"NLST": DirectionDownload,
	"MLSD": DirectionDownload,
	"STOR": DirectionUpload,
	"STOU": DirectionUpload,
	"APPE": DirectionUpload,
}
