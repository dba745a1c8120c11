package correlate

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// A proof rule looks at one verdict a point's own analysis made and at
// what the other points saw of the same connection, and says whether
// the points together prove it. Each lives in its own file,
// proof_<cause>.go, and registers itself in init, like classify's rules;
// a cause with no proof rule stays inferred.
type proofRule struct {
	Cause string
	Prove func(pc *proofCase) proofOutcome
}

// proofOutcome is what a proof rule found. Evidence names the other
// point's view (each item's Vantage set, its time on that point's
// clock). Contradiction, when the other view shows the verdict wrong,
// says how in one sentence; it is reported, never hidden.
type proofOutcome struct {
	Proven        bool
	Evidence      []analysis.Evidence
	Contradiction string
}

var proofRules = map[string]proofRule{}

func registerProof(r proofRule) {
	if classify.CauseClass(r.Cause) == "" {
		panic("correlate: proof rule for a cause not in the catalog: " + r.Cause)
	}
	if _, dup := proofRules[r.Cause]; dup {
		panic("correlate: two proof rules for " + r.Cause)
	}
	proofRules[r.Cause] = r
}

// prove runs the verdict's proof rule.
func prove(pc *proofCase) proofOutcome {
	r, ok := proofRules[pc.Verdict.Cause]
	if !ok {
		return proofOutcome{}
	}
	return r.Prove(pc)
}

// proofCase is a verdict made at one point, with access to every point's
// packets and the correlation.
type proofCase struct {
	Verdict analysis.Verdict
	Point   int
	// Conn is the verdict's connection in the point's Result.Packets, -1
	// when the point kept no packets of it.
	Conn int
	vs   []Vantage
	c    *Correlation
	// sessionConns lists the point's kept connections of each session
	// (indexKept); nil in a case built by hand, where every kept
	// connection is looked at.
	sessionConns map[string][]int
}

// pairSide is a pair seen from the verdict's point: here is the
// verdict's point and connection, there the other point's.
type pairSide struct {
	pair                *Pair
	here, there         int
	hereConn, thereConn int
}

// pairs are the pairs holding the verdict's connection.
func (pc *proofCase) pairs() []pairSide { return pc.pairsOf(pc.Conn) }

// pairsOf are the pairs holding one of the verdict's point's connections.
func (pc *proofCase) pairsOf(conn int) []pairSide {
	if conn < 0 {
		return nil
	}
	var out []pairSide
	for _, p := range pc.c.PairsOf(pc.Point, conn) {
		switch {
		case p.A == pc.Point && p.ConnA == conn:
			out = append(out, pairSide{p, p.A, p.B, p.ConnA, p.ConnB})
		case p.B == pc.Point && p.ConnB == conn:
			out = append(out, pairSide{p, p.B, p.A, p.ConnB, p.ConnA})
		}
	}
	return out
}

// partnered reports whether another point saw one of the verdict's
// point's connections (a pair whose other side is a connection, not -1).
func (pc *proofCase) partnered(conn int) bool {
	for _, ps := range pc.pairsOf(conn) {
		if pc.conn(ps.there, ps.thereConn) != nil {
			return true
		}
	}
	return false
}

// tcpClientDir is the FTP direction of a connection's SYN.
func tcpClientDir(cp *analysis.ConnPackets) int {
	if cp.FTPServerIsClient {
		return dirToClient
	}
	return dirToServer
}

// conn is a point's kept connection (nil when out of range).
func (pc *proofCase) conn(point, k int) *analysis.ConnPackets {
	if point < 0 || point >= len(pc.vs) || pc.vs[point].Result == nil {
		return nil
	}
	ps := pc.vs[point].Result.Packets
	if k < 0 || k >= len(ps) {
		return nil
	}
	return &ps[k]
}

// packet resolves a packet reference.
func (pc *proofCase) packet(ref PacketRef) (*analysis.ConnPackets, analysis.PathPacket, bool) {
	cp := pc.conn(ref.Point, ref.Conn)
	if cp == nil || ref.Packet < 0 || ref.Packet >= len(cp.Packets) {
		return nil, analysis.PathPacket{}, false
	}
	return cp, cp.Packets[ref.Packet], true
}

// name is a point's name.
func (pc *proofCase) name(point int) string { return pointName(pc.vs, point) }

// evidence is a fact about a packet at a point, on that point's clock.
func (pc *proofCase) evidence(point int, pk analysis.PathPacket, text string) analysis.Evidence {
	e := analysis.Evidence{Frame: pk.Frame, Text: text, Vantage: pc.name(point)}
	if pk.TS != 0 {
		e.Time = time.Unix(0, pk.TS).UTC()
	}
	if r := pc.vs[point].Result; r != nil && pk.Input >= 0 && pk.Input < len(r.Inputs) {
		e.Input = r.Inputs[pk.Input].Path
	}
	return e
}

// fact is a fact about a point's capture as a whole (no packet to cite).
func (pc *proofCase) fact(point int, text string) analysis.Evidence {
	return analysis.Evidence{Text: text, Vantage: pc.name(point)}
}

// Directions of an FTP connection, as Pair.Path counts them.
const (
	dirToServer = 0 // FTP client to FTP server
	dirToClient = 1
)

// ftpDir is the FTP direction of a packet: an active-mode data
// connection's TCP client is the FTP server.
func ftpDir(cp *analysis.ConnPackets, pk analysis.PathPacket) int {
	if pk.FromClient != cp.FTPServerIsClient {
		return dirToServer
	}
	return dirToClient
}

// sendingPoint is the point of a pair on the sending side of a direction:
// the FTP client's side (A) sends to the server.
func sendingPoint(p *Pair, dir int) int {
	if dir == dirToServer {
		return p.A
	}
	return p.B
}

// otherPoint is the pair's point that is not point.
func otherPoint(p *Pair, point int) int {
	if p.A == point {
		return p.B
	}
	return p.A
}

// sender is the address a direction's packets come from at a point.
func sender(cp *analysis.ConnPackets, dir int) netip.AddrPort {
	ftpClient, ftpServer := cp.Client, cp.Server
	if cp.FTPServerIsClient {
		ftpClient, ftpServer = cp.Server, cp.Client
	}
	if dir == dirToServer {
		return ftpClient
	}
	return ftpServer
}

// find returns the index of the first packet of cp that matches, -1 when
// none does.
func find(cp *analysis.ConnPackets, match func(analysis.PathPacket) bool) int {
	if cp == nil {
		return -1
	}
	for i, pk := range cp.Packets {
		if match(pk) {
			return i
		}
	}
	return -1
}

// isSYN and isSYNACK tell a handshake's packets.
func isSYN(pk analysis.PathPacket) bool {
	return pk.Flags&(tcpflow.FlagSYN|tcpflow.FlagACK) == tcpflow.FlagSYN
}

func isSYNACK(pk analysis.PathPacket) bool {
	return pk.Flags&(tcpflow.FlagSYN|tcpflow.FlagACK) == tcpflow.FlagSYN|tcpflow.FlagACK
}

func isRST(pk analysis.PathPacket) bool { return pk.Flags&tcpflow.FlagRST != 0 }

// frameWord cites a packet: "frame 812".
func frameWord(pk analysis.PathPacket) string { return "frame " + strconv.FormatInt(pk.Frame, 10) }

// keptConns finds a verdict's connection among a point's kept
// connections by kind and ends (either way round), without a scan of
// every connection for every verdict: a capture with thousands of breaks
// and a hundred thousand connections would spend minutes there.
type keptConns struct {
	byEnds    map[keptConnKey]int
	bySession map[string][]int
}

type keptConnKey struct {
	kind           string
	client, server string
}

// indexKept indexes a point's kept connections; the first of two with
// the same kind and ends (a port reused) is the one found, as a scan in
// order would find it.
func indexKept(r *analysis.Result) keptConns {
	idx := keptConns{byEnds: map[keptConnKey]int{}, bySession: map[string][]int{}}
	if r == nil {
		return idx
	}
	for k, cp := range r.Packets {
		c, s := cp.Client.String(), cp.Server.String()
		for _, key := range []keptConnKey{{string(cp.Kind), c, s}, {string(cp.Kind), s, c}} {
			if _, ok := idx.byEnds[key]; !ok {
				idx.byEnds[key] = k
			}
		}
		idx.bySession[cp.Session] = append(idx.bySession[cp.Session], k)
	}
	return idx
}

// of is the verdict's connection, -1 when the point kept none.
func (idx keptConns) of(v analysis.Verdict) int {
	if k, ok := idx.byEnds[keptConnKey{string(v.Connection.Kind), v.Connection.Client, v.Connection.Server}]; ok {
		return k
	}
	return -1
}

// synVanished proves that a connection attempt's SYNs left the verdict's
// point and never reached a point on the other side of the path: no
// connection there has the SYN's initial sequence number, though that
// point's capture covers the time the SYNs were sent. It returns the
// proof, or ok false when no such point can say.
func (pc *proofCase) synVanished(cp *analysis.ConnPackets) (proofOutcome, bool) {
	first := find(cp, isSYN)
	if first < 0 {
		return proofOutcome{}, false
	}
	syn := cp.Packets[first]
	var last analysis.PathPacket
	syns := 0
	for _, pk := range cp.Packets {
		if isSYN(pk) {
			last = pk
			syns++
		}
	}
	// The SYN travels from the TCP client: the far point is the other
	// side of a pair in which the verdict's point is on the TCP client's
	// side (A when the FTP client opened the connection).
	synDir := ftpDir(cp, syn)
	for _, p := range pc.c.Pairs {
		if sendingPoint(&p, synDir) != pc.Point {
			continue
		}
		far := otherPoint(&p, pc.Point)
		if !pc.covers(far, pc.Point, syn.TS, last.TS) {
			continue
		}
		if k := pc.connWithISN(far, cp.ISN[0]); k >= 0 {
			return proofOutcome{}, false // it did arrive: the pair rules say more
		}
		text := fmt.Sprintf("no SYN of %s (ISN %d) reached %s's capture, which covers the time it was sent: the %d SYN(s) from %s at %s %s on vanished on the path",
			sender(cp, synDir), cp.ISN[0], pc.name(far), syns, sender(cp, synDir), pc.name(pc.Point), frameWord(syn))
		return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.fact(far, text)}}, true
	}
	return proofOutcome{}, false
}

// covers reports whether point far's capture spans the times from..to of
// point at's clock.
func (pc *proofCase) covers(far, at int, from, to int64) bool {
	if far < 0 || far >= len(pc.vs) {
		return false
	}
	r := pc.vs[far].Result
	if r == nil || len(r.Inputs) == 0 {
		return false
	}
	shift := func(point int) int64 {
		if point >= 0 && point < len(pc.c.Points) {
			return int64(pc.c.Points[point].ClockOffset)
		}
		return 0
	}
	var first, last int64
	for i, in := range r.Inputs {
		f, l := in.First.UnixNano()-shift(far), in.Last.UnixNano()-shift(far)
		if i == 0 || f < first {
			first = f
		}
		if i == 0 || l > last {
			last = l
		}
	}
	from, to = from-shift(at), to-shift(at)
	return first <= from && to <= last
}

// connWithISN finds a point's connection whose TCP client chose isn.
func (pc *proofCase) connWithISN(point int, isn uint32) int {
	if point < 0 || point >= len(pc.vs) {
		return -1
	}
	r := pc.vs[point].Result
	if r == nil {
		return -1
	}
	for k, cp := range r.Packets {
		if cp.SawSYN[0] && cp.ISN[0] == isn {
			return k
		}
	}
	return -1
}
