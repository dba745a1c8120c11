// Package correlate matches the packets of captures of the same traffic
// taken at several points (the FTP client's host, the server's, a
// router) and says what each view alone can only infer: which packets
// left one point and never reached the other (dropped on the path), which
// arrived without having been sent (injected on the path: a forged
// reset), how far apart the capture clocks are, and which addresses a
// NAT between them rewrote.
//
// It reads what analysis kept of each capture (analysis.Result with
// Options.KeepPackets) and decides nothing about causes: proof.go and
// the proof rules turn its counts into "proven" or "inferred" for the
// verdicts the single-capture rules made.
package correlate

import (
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// Vantage is one capture point: its name (a free label: "client",
// "server", "router"), its files and what the analysis of them found,
// packets kept.
type Vantage struct {
	Name   string
	Paths  []string
	Result *analysis.Result
}

// Correlation is what the captures show together.
type Correlation struct {
	// Points are the vantage points in the order given; the first is the
	// clock reference.
	Points []Point
	// Pairs are the connections found at two points, one per pair of
	// points that both saw the connection.
	Pairs []Pair
	// Notes say in words what the correlation could not do or found
	// contradictory (files that do not overlap in time, no shared
	// session, a view that contradicts the other).
	Notes []string

	// byConn indexes Pairs by point and connection (PairsOf), made on
	// first use: a merge asks for the pairs of every verdict's
	// connections, and a scan of every pair each time is quadratic.
	// It is made again when pairs were added since (byConnOf counts
	// those it holds).
	byConn   map[pointConn][]int
	byConnOf int
}

// pointConn names a connection at a point: its index in the point's
// Result.Packets.
type pointConn struct{ point, conn int }

// Point is one vantage point's clock and how much of it matched.
type Point struct {
	Name  string
	Paths []string
	// ClockOffset is how far this point's clock is ahead of the first
	// point's (0 for the first); DriftPPM its drift over the capture in
	// parts per million, estimated where the capture is long enough.
	ClockOffset time.Duration
	DriftPPM    float64
	// Matched counts this point's packets found at another point.
	Matched int64
}

// Pair is one connection seen at two points: A is the point nearer the
// FTP client, B the one nearer the FTP server.
type Pair struct {
	A, B int // indices into Points (and the inputs to Correlate)
	// ConnA and ConnB index the connection in each point's
	// Result.Packets; one of them is -1 for a connection seen at one
	// point only (lone.go): its packets that left that point towards the
	// other are dropped, those that arrived there from the other's side
	// injected.
	ConnA, ConnB int
	// Translation names the rewritten ends where a NAT between the two
	// points changed addresses or ports, A's view first
	// ("198.51.100.10:40112 ↔ 192.0.2.1:61000", both ends joined by ", "
	// when both were rewritten; "" when none).
	Translation string
	// Path counts, for each direction of the FTP connection (0: FTP
	// client to FTP server, 1: server to client, also on an active-mode
	// data connection), the packets sent, delivered, dropped and
	// injected between the two points.
	Path [2]DirCounts
	// Delay is the one-way delay from A to B (index 0) and from B to A
	// (1), from the matched packets, after the clock offset.
	Delay [2]time.Duration
	// FateA and FateB say, for each packet of the connection at A and at
	// B (indexed as its Packets), what became of it between the two
	// points; nil for a connection the point did not see.
	FateA, FateB []Fate
	// Dropped and Injected list the packets counted as such (the first
	// ones, up to Options.MaxRefs per direction), for the evidence: a
	// dropped packet at the sending side's point, an injected one at the
	// receiving side's.
	Dropped, Injected []PacketRef
}

// DirCounts is one direction of a connection between two points.
type DirCounts struct {
	// Sent: packets seen at the sending side's point. Delivered: those
	// seen at the receiving side's point too, or acknowledged by the
	// receiver there (capture loss at the receiving point is not network
	// loss). Dropped: sent, neither seen nor acknowledged at the
	// receiving point. Injected: seen at the receiving point, never sent
	// from the sending point (nor acknowledged there). Sent = Delivered
	// + Dropped; packets outside the other point's capture (before its
	// first packet or after its last) count in none. path.go says how
	// each packet is judged.
	Sent, Delivered, Dropped, Injected int64
}

// Fate is what became of one packet between two points.
type Fate uint8

const (
	// FateUnknown: not judged (a copy the capture took twice, a packet
	// outside the other point's capture).
	FateUnknown Fate = iota
	// FateSeen: seen at both points.
	FateSeen
	// FateDelivered: not seen at the other point, yet it went by: its
	// bytes arrived in other segments (re-cut on the way), the receiver
	// acknowledged them (the receiving point's capture missed it), or
	// the sender went on past them (the sending point's capture missed
	// it).
	FateDelivered
	// FateDropped: left the sending point, never reached the receiving
	// point.
	FateDropped
	// FateInjected: reached the receiving point, never left the sending
	// point.
	FateInjected
)

// String names the fate as the report may show it.
func (f Fate) String() string {
	switch f {
	case FateSeen:
		return "seen at both points"
	case FateDelivered:
		return "delivered"
	case FateDropped:
		return "dropped"
	case FateInjected:
		return "injected"
	}
	return "unknown"
}

// PacketRef names a packet at one point.
type PacketRef struct {
	Point int
	Input int
	Frame int64
	TS    int64 // this point's clock
	// Conn is the index of the connection in the point's Result.Packets.
	Conn int
	// Packet is the index in that connection's Packets.
	Packet int
}
