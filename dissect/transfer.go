package dissect

import (
	"net/netip"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Direction says which end of a transfer sends the file's bytes.
type Direction string

// Transfer directions.
const (
	DirectionDownload Direction = "download" // RETR LIST NLST MLSD: the FTP server sends
	DirectionUpload   Direction = "upload"   // STOR STOU APPE: the FTP client sends
	DirectionUnknown  Direction = "unknown"  // inferred transfers of encrypted sessions
)

// Mode says which end of a transfer's data connection opens it.
type Mode string

// Transfer modes.
const (
	ModePassive Mode = "passive" // PASV/EPSV: the FTP client connects
	ModeActive  Mode = "active"  // PORT/EPRT (or the default port): the FTP server connects
	ModeUnknown Mode = "unknown"
)

// CmdUnknown is the Cmd of a transfer inferred from a data connection
// while the control connection was encrypted.
const CmdUnknown = "?"

// Transfer is one data-transfer command (RETR STOR STOU APPE LIST NLST
// MLSD) and what became of it, or a data connection seen while the control
// connection was encrypted (Cmd "?", Inferred).
type Transfer struct {
	Cmd       string
	Path      string      // the command's argument
	At        tcpflow.Ref // the command (for inferred ones: the data connection's first packet)
	Direction Direction
	Mode      Mode
	// Endpoint is the negotiated data endpoint: the server's address:port
	// from 227/229 for passive transfers, the client's from PORT/EPRT for
	// active ones; invalid when nothing was negotiated or the capture cut
	// the endpoint off (a snap length: Data.Match is MatchHostsOnly).
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

// WantBytes returns the number of bytes the data connection should carry,
// -1 when unknown. SIZE and the 150 "(N bytes)" announce the whole file;
// after REST a download sends only the part from the offset on.
func (t *Transfer) WantBytes() int64 {
	if t.ExpectedBytes < 0 {
		return -1
	}
	if t.Direction == DirectionDownload && t.RestOffset > 0 {
		return max(t.ExpectedBytes-t.RestOffset, 0)
	}
	return t.ExpectedBytes
}

// transferVerbs maps the data-transfer commands to their direction.
var transferVerbs = map[string]Direction{
	"RETR": DirectionDownload,
	"LIST": DirectionDownload,
	"NLST": DirectionDownload,
	"MLSD": DirectionDownload,
	"STOR": DirectionUpload,
	"STOU": DirectionUpload,
	"APPE": DirectionUpload,
}

// IsTransferVerb reports whether verb is a data-transfer command (RETR
// STOR STOU APPE LIST NLST MLSD).
func IsTransferVerb(verb string) bool {
	_, ok := transferVerbs[verb]
	return ok
}
