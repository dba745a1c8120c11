package dissect

import "time"

// Options bound what the dissector keeps and say which connections are FTP.
// The zero value of every field means its default.
type Options struct {
	// ControlPorts are the server ports whose connections are FTP control
	// connections from their first packet. Default DefaultControlPorts:
	// 21, and 990 for implicit FTPS. The CLI's --ports appends to the
	// default, so pass the defaults explicitly along with the others.
	// Connections on other ports become sessions only when the server
	// greets with a 220 reply (see Analyzer.Sniff).
	ControlPorts []uint16
	// ShowPasswords keeps PASS arguments. By default they are stored as
	// "****" everywhere (log, anomalies, transfers).
	ShowPasswords bool
	// MaxLineLen caps one control-connection line (default 4096 bytes).
	// Longer lines are cut and counted (anomaly line_too_long).
	MaxLineLen int
	// MaxLog caps Session.Log, Session.Transfers and Session.Data (default
	// 10000 each); the excess is counted in the session and in Stats.
	MaxLog int
	// MaxPendingCommands caps commands waiting for their reply, like Zeek's
	// max_pending_commands (default 20). At the cap the oldest pending
	// command stops waiting; counted (anomaly too_many_pending_commands).
	MaxPendingCommands int
	// DataExpectTimeout: an expected data connection (PASV/EPSV/PORT/EPRT)
	// that does not appear within this much capture time is forgotten and
	// counted (default 2m).
	DataExpectTimeout time.Duration
}

// Defaults.
const (
	DefaultControlPort = 21
	// DefaultImplicitTLSPort is implicit FTPS's control port (IANA's
	// ftps, 990): the client speaks TLS from its first byte, so no 220
	// greeting in clear ever finds the session by its banner.
	DefaultImplicitTLSPort    = 990
	DefaultMaxLineLen         = 4096
	DefaultMaxLog             = 10000
	DefaultMaxPendingCommands = 20
	DefaultDataExpectTimeout  = 2 * time.Minute
)

// DefaultControlPorts returns the control ports used when none are given:
// plain FTP's and implicit FTPS's.
func DefaultControlPorts() []uint16 {
	return []uint16{DefaultControlPort, DefaultImplicitTLSPort}
}

// withDefaults fills zero (or negative) fields with their defaults.
func (o Options) withDefaults() Options {
	if len(o.ControlPorts) == 0 {
		o.ControlPorts = DefaultControlPorts()
	}
	if o.MaxLineLen <= 0 {
		o.MaxLineLen = DefaultMaxLineLen
	}
	if o.MaxLog <= 0 {
		o.MaxLog = DefaultMaxLog
	}
	if o.MaxPendingCommands <= 0 {
		o.MaxPendingCommands = DefaultMaxPendingCommands
	}
	if o.DataExpectTimeout <= 0 {
		o.DataExpectTimeout = DefaultDataExpectTimeout
	}
	return o
}

// portSet is a bitmap of TCP ports: one lookup per connection, no hashing.
type portSet [65536 / 64]uint64

func (s *portSet) add(p uint16)      { s[p/64] |= 1 << (p % 64) }
func (s *portSet) has(p uint16) bool { return s[p/64]&(1<<(p%64)) != 0 }

func newPortSet(ports []uint16) *portSet {
	s := new(portSet)
	for _, p := range ports {
		s.add(p)
	}
	return s
}
