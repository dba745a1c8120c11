package dissect

import (
	"net/netip"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Session is one FTP control connection, what was said on it and the data
// connections it opened. The Analyzer fills it while the connections run and
// hands it to the done callback once; after that nothing changes it.
type Session struct {
	// ID is 1-based, in the order sessions were recognised: at the control
	// connection's first packet for ControlPorts (so in order of first
	// packet), at the client's first command for sessions found by their
	// banner on other ports.
	ID      int
	Control *tcpflow.Conn
	// ByBanner: the session runs on a port outside ControlPorts and was
	// recognised by the server's 220 greeting.
	ByBanner bool

	// Data are the data connections linked to this session, in the order
	// they opened (capped at Options.MaxLog; DataDropped counts the rest).
	Data        []*DataConn
	DataDropped int

	User   string // argument of the last USER command
	Banner string // text of the 220 greeting

	// TLS: AUTH TLS/SSL was answered 234 (RFC 4217 §4): from the end of
	// that reply the control connection carries TLS records, so commands,
	// replies and PASV/PORT are no longer visible. TLSAt is the 234 reply.
	TLS   bool
	TLSAt tcpflow.Ref
	// TLSFacts are what the TLS record headers showed after the 234 (or
	// on a control connection that spoke TLS from its first byte).
	TLSFacts TLSFacts

	// Log holds the command/reply exchanges in order (capped at
	// Options.MaxLog; LogDropped counts the rest).
	Log        []Exchange
	LogDropped int
	// Commands and Replies count every command line and complete reply,
	// including those past the Log cap. LastReply is the last reply seen.
	Commands  int
	Replies   int
	LastReply *Reply
	// PendingDropped counts commands that stopped waiting for a reply
	// because more than Options.MaxPendingCommands were outstanding.
	PendingDropped int

	// Transfers are the data-transfer commands (capped at Options.MaxLog;
	// TransfersDropped counts the rest).
	Transfers        []*Transfer
	TransfersDropped int

	// Anomalies lists protocol oddities in order (capped at maxListed per
	// session; AnomaliesDropped counts the rest). AnomalyCounts counts
	// every anomaly by key, listed or not.
	Anomalies        []Anomaly
	AnomalyCounts    map[string]int
	AnomaliesDropped int

	// AddrMismatches are PASV/PORT/EPRT replies and commands advertising an
	// address other than the one the capture shows for that host (capped
	// at maxListed; AddrMismatchesDropped counts the rest).
	AddrMismatches        []AddrMismatch
	AddrMismatchesDropped int

	// NotFTP is set when the server's first bytes on this control
	// connection were not an FTP reply.
	NotFTP *NotFTP

	// ControlGaps counts, per direction of the control connection, the
	// gaps in what the capture holds of it (capture loss, or a snap
	// length cutting packets); ControlGapBytes the bytes they lost and
	// FirstControlGap where the first one was noticed. What was said
	// around a gap may be missing: a reply, a command, the end of a line
	// (Command.Cut, Reply.Cut).
	ControlGaps     [2]int
	ControlGapBytes [2]int64
	FirstControlGap [2]tcpflow.Ref
}

// Command is one client command line.
type Command struct {
	Verb  string // upper-cased
	Arg   string // "****" for PASS unless Options.ShowPasswords
	Known bool   // Verb is a command of RFC 959 or a registered extension
	At    tcpflow.Ref
	// Cut: the capture lost the end of the line (a gap), so Arg is
	// incomplete.
	Cut bool
}

// Reply is one complete server reply: a single line, or the lines of a
// multi-line reply from "ddd-" to "ddd " (RFC 959 §4.2).
type Reply struct {
	// Code is the three-digit reply code, 0 when the reply had no valid
	// code (then Valid is false).
	Code  int
	Valid bool
	// Text is the reply text: each line without the leading code, joined
	// by "\n", cut at maxReplyText bytes.
	Text  string
	Lines int
	At    tcpflow.Ref // packet carrying the first byte of the first line
	End   tcpflow.Ref // packet carrying the first byte of the last line
	// LineStarts has one entry per line (the first maxLineStarts lines;
	// Lines counts them all): the packet carrying the line's first byte
	// and the code the line itself starts with. A differential test
	// against tshark, which shows one row per packet and repeats the code
	// on each continuation packet that starts with it, needs both.
	LineStarts []LineStart
	// Cut: the capture lost part of the reply (a gap cut a line, or the
	// last line of a multi-line reply): the code is the server's, the
	// text incomplete.
	Cut bool
}

// LineStart locates one line of a reply.
type LineStart struct {
	At tcpflow.Ref
	// Code is the valid three-digit code this line starts with, 0 when it
	// starts with anything else (continuation text).
	Code int
}

// Positive reports whether the reply is a valid 1xx, 2xx or 3xx.
func (r *Reply) Positive() bool { return r.Valid && r.Code >= 100 && r.Code < 400 }

// Preliminary reports whether the reply is a valid 1xx: the command is
// still in progress and another reply will follow (RFC 959 §4.2).
func (r *Reply) Preliminary() bool { return r.Valid && r.Code >= 100 && r.Code < 200 }

// Exchange is a command and the replies paired with it, or an unsolicited
// reply (Cmd nil: the greeting, a 421 closing an idle session, or a reply
// nobody asked for).
type Exchange struct {
	Cmd     *Command
	Replies []Reply
}

// Anomaly is a departure from the protocol, under a stable snake_case key
// (see the Anomaly* constants).
type Anomaly struct {
	Key    string
	From   tcpflow.Dir
	At     tcpflow.Ref
	Detail string
}

// AddrMismatch: a PASV/PORT/EPRT endpoint names an address other than the
// one the control connection shows for that host (the server's for 227, the
// client's for PORT/EPRT): NAT without an FTP-aware helper, a multi-homed
// server, or a third-party (FXP) transfer.
type AddrMismatch struct {
	Cmd        string // PASV, PORT or EPRT
	Advertised netip.AddrPort
	Actual     netip.Addr
	At         tcpflow.Ref // the 227 reply or the PORT/EPRT command
}

// NotFTP describes a control connection whose server did not speak FTP.
type NotFTP struct {
	// Kind: "ssh", "http", "tls", "smtp-esmtp"… or "unknown".
	Kind string
	// Prefix is the first bytes, quoted with non-printables escaped.
	Prefix string
	At     tcpflow.Ref
}

// DataConn is a connection linked to a session as its data channel.
type DataConn struct {
	Conn *tcpflow.Conn
	// Transfer is the transfer it carried, nil when no transfer command
	// claimed the negotiated endpoint.
	Transfer *Transfer
	// Inferred: linked because it joined the control connection's two
	// hosts while the control connection was encrypted, not because a
	// negotiated endpoint matched.
	Inferred bool
	// Match says how it was linked: MatchHosts (the negotiated port
	// between the control connection's two hosts), MatchAdvertised (the
	// address:port the 227/PORT/EPRT advertised, e.g. behind NAT),
	// MatchDefaultPort (RFC 959's default data port, no PORT or PASV),
	// MatchHostsOnly (the capture cut the negotiated port off: the next
	// connection between the two hosts) or MatchInferred.
	Match string
	// FromFTPServer is the direction of Conn in which the FTP server sends:
	// FromServer for passive connections (the FTP client connects),
	// FromClient for active ones (the FTP server connects).
	FromFTPServer tcpflow.Dir

	ctl *control // the owning session while it runs
	tls *dataTLS // its TLS records, when its session used TLS (TLS())
}

// Data-connection link kinds (DataConn.Match).
const (
	MatchHosts       = "hosts"
	MatchAdvertised  = "advertised"
	MatchDefaultPort = "default-port"
	MatchHostsOnly   = "hosts-only"
	MatchInferred    = "inferred"
)
