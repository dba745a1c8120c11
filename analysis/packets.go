package analysis

import (
	"net/netip"

	"github.com/ftpcap/ftpcap/classify"
)

// Every packet of the FTP connections, for correlating captures of the
// same traffic taken at several points (package correlate). Kept only
// when Options.KeepPackets asks, within a budget; not part of the JSON
// contract.

// ConnPackets is every packet one capture holds of one FTP connection.
type ConnPackets struct {
	Session  string            // S1…, the session the connection belongs to
	Kind     classify.ConnKind // control or data
	Transfer int               // 1-based transfer index of a data connection (0: none)
	// Connection is the connection's index in Result.Connections, -1
	// when the list was capped before it.
	Connection int
	// Client and Server are the TCP ends as this capture saw them (a NAT
	// between two capture points rewrites them). FTPServerIsClient: an
	// active-mode data connection, opened by the FTP server.
	Client, Server    netip.AddrPort
	FTPServerIsClient bool
	// ISN holds each side's initial sequence number, valid where SawSYN
	// (index 0: the TCP client's SYN, 1: the server's SYN-ACK).
	ISN    [2]uint32
	SawSYN [2]bool
	// Packets are in capture order. Dropped counts the packets past the
	// budget (Options.MaxKeptPackets), not kept.
	Packets []PathPacket
	Dropped int64
}

// PathPacket is one packet as a capture point saw it: where (input,
// frame, capture time on this capture's clock) and what a path rarely
// changes (IP ID, sequence and acknowledgement numbers, flags, payload
// length and hash), with what it does change (TTL, window after MSS
// clamping is not compared).
type PathPacket struct {
	Input      int
	Frame      int64
	TS         int64 // capture time, Unix nanoseconds, this capture's clock
	FromClient bool  // sent by the TCP client
	Flags      uint8 // tcpflow.FlagFIN…FlagCWR
	Seq, Ack   uint32
	Len        int    // TCP payload length (as the IP header states it)
	IPID       uint16 // 0 for IPv6
	TTL        uint8
	Win        uint16 // raw advertised window
	// Hash is a 64-bit FNV-1a hash of the captured payload (0: none, or
	// cut by the snap length before any byte).
	Hash uint64
}
