package analysis

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"

	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
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
	// Packets are in capture order. Dropped counts the packets not
	// kept: past the budget (Options.MaxKeptPackets), or, for a
	// connection known as FTP only after its first packets (a session
	// found by its banner), those of its first packets the tracker's
	// segment log no longer held.
	Packets []PathPacket
	Dropped int64

	// first is the connection's first packet, which names its record in
	// Result.Connections once they are sorted (indexPackets).
	first packetKey
	start int64
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
	// cut by the snap length before any byte, or unknown for a packet
	// taken from the segment log of a connection known as FTP late).
	Hash uint64
	// Cut: the snap length cut the payload, so Hash covers only the
	// captured prefix (another point may have captured more of it).
	Cut bool
}

// keepPackets takes the kept packets of a finished session's connections
// into the Result, control connection first, before its traces are let
// go.
func (col *collector) keepPackets(s *dissect.Session) {
	id := "S" + strconv.Itoa(s.ID)
	if s.Control != nil {
		col.packets = append(col.packets, connPackets(s.Control, id, classify.KindControl, 0, false))
	}
	for _, dc := range s.Data {
		cp := connPackets(dc.Conn, id, classify.KindData, transferIndex(s, dc.Transfer), dc.FromFTPServer == tcpflow.FromClient)
		col.packets = append(col.packets, cp)
	}
}

// connPackets copies what the tracker kept of one connection.
func connPackets(c *tcpflow.Conn, session string, kind classify.ConnKind, transfer int, ftpServerIsClient bool) ConnPackets {
	kept, dropped := c.KeptPackets()
	cp := ConnPackets{
		Session: session, Kind: kind, Transfer: transfer, Connection: -1,
		Client: c.Client, Server: c.Server, FTPServerIsClient: ftpServerIsClient,
		Packets: make([]PathPacket, len(kept)), Dropped: dropped,
		first: keyOf(c.First), start: c.First.TS,
	}
	for i, h := range c.Half {
		cp.ISN[i], cp.SawSYN[i] = h.ISN, h.SawSYN
	}
	for i := range kept {
		k := &kept[i]
		cp.Packets[i] = PathPacket{
			Input: k.Input, Frame: k.Frame, TS: k.TS, FromClient: k.Dir == tcpflow.FromClient,
			Flags: k.Flags, Seq: k.Seq, Ack: k.Ack, Len: int(k.Len), IPID: k.IPID, TTL: k.TTL,
			Win: k.Win, Hash: k.Hash, Cut: k.Cut,
		}
	}
	return cp
}

// indexPackets orders the kept connections as Result.Connections is
// ordered (by first packet) and points each at its record there, once
// the connections are sorted.
func (r *Result) indexPackets() {
	if len(r.Packets) == 0 {
		return
	}
	slices.SortStableFunc(r.Packets, func(a, b ConnPackets) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.first.input, b.first.input), cmp.Compare(a.first.frame, b.first.frame))
	})
	listed := make(map[packetKey]int, len(r.Connections))
	for i, c := range r.Connections {
		listed[packetKey{c.Input, c.Frame}] = i
	}
	for i := range r.Packets {
		if j, ok := listed[r.Packets[i].first]; ok {
			r.Packets[i].Connection = j
		}
	}
}
