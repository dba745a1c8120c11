package correlate

import (
	"fmt"

	"github.com/ftpcap/ftpcap/analysis"
)

// middlebox-reset: the RST the verdict's point received claims to come
// from the other end. Proven when the point on that end's side saw no
// RST leave in that direction: it exists only at the receiving side, so
// something on the path between the points injected it. Contradicted
// when the sending side's point saw the endpoint send it.
//
// The resets tested are those the verdict cites as evidence, on any of
// its session's connections: a control-connection verdict blames the
// reset forged on the data connection, and the control connection's own
// reset (the client giving up after it) is the endpoint's and proves
// nothing either way. A verdict that cites no reset has its own
// connection's received resets tested.
func init() {
	registerProof(proofRule{Cause: "middlebox-reset", Prove: proveMiddleboxReset})
}

func proveMiddleboxReset(pc *proofCase) proofOutcome {
	var contradiction *proofOutcome
	cited := pc.citedResets()
	for _, rst := range cited {
		for _, ps := range pc.pairsOf(rst.conn) {
			out, ok := pc.testReset(ps, rst.packet)
			switch {
			case !ok:
			case out.Proven:
				return out
			case contradiction == nil:
				contradiction = &out
			}
		}
	}
	if contradiction != nil {
		return *contradiction
	}
	if len(cited) > 0 {
		return proofOutcome{}
	}
	for _, ps := range pc.pairs() {
		here := pc.conn(ps.here, ps.hereConn)
		if here == nil {
			continue
		}
		for _, rst := range here.Packets {
			if out, ok := pc.testReset(ps, rst); ok {
				return out
			}
		}
	}
	return proofOutcome{}
}

// citedReset is a reset among the verdict's evidence: its connection at
// the verdict's point and the packet.
type citedReset struct {
	conn   int
	packet analysis.PathPacket
}

// citedResets finds the verdict's evidence frames that are resets among
// the packets its point kept of the session's connections. An evidence
// item and a kept packet are the same packet when frame and capture time
// agree (frame numbers alone repeat across rotated files).
func (pc *proofCase) citedResets() []citedReset {
	r := pc.vs[pc.Point].Result
	if r == nil {
		return nil
	}
	type at struct {
		frame int64
		ts    int64
	}
	cited := map[at]bool{}
	for _, e := range pc.Verdict.Evidence {
		if e.Frame > 0 {
			cited[at{e.Frame, e.Time.UnixNano()}] = true
		}
	}
	conns := pc.sessionConns[pc.Verdict.Session]
	if pc.sessionConns == nil {
		conns = make([]int, len(r.Packets))
		for k := range conns {
			conns[k] = k
		}
	}
	var out []citedReset
	for _, k := range conns {
		cp := &r.Packets[k]
		if cp.Session != pc.Verdict.Session {
			continue
		}
		for _, pk := range cp.Packets {
			if isRST(pk) && cited[at{pk.Frame, pk.TS}] {
				out = append(out, citedReset{conn: k, packet: pk})
			}
		}
	}
	return out
}

// testReset says what the other point shows of a reset this point
// received: proven injected when no reset left the claimed sender
// there, contradicted when one did; ok is false for a packet that is not
// a reset this point received, or a pair whose other side kept nothing
// (then a reset the correlation counted injected still proves it).
func (pc *proofCase) testReset(ps pairSide, rst analysis.PathPacket) (proofOutcome, bool) {
	here, there := pc.conn(ps.here, ps.hereConn), pc.conn(ps.there, ps.thereConn)
	if here == nil {
		return proofOutcome{}, false
	}
	if there == nil {
		return pc.loneInjectedRST(ps)
	}
	dir := ftpDir(here, rst)
	if !isRST(rst) || sendingPoint(ps.pair, dir) == ps.here {
		return proofOutcome{}, false // not a reset this point received
	}
	claimed := sender(there, dir)
	if k := find(there, func(pk analysis.PathPacket) bool { return isRST(pk) && ftpDir(there, pk) == dir }); k >= 0 {
		left := there.Packets[k]
		text := fmt.Sprintf("%s at %s: the RST left %s itself; the reset at %s %s is the endpoint's, not injected",
			frameWord(left), pc.name(ps.there), claimed, pc.name(ps.here), frameWord(rst))
		return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.evidence(ps.there, left, text)}}, true
	}
	text := fmt.Sprintf("%s's capture: no RST left %s (%d packets of it seen there); the RST at %s %s was injected on the path",
		pc.name(ps.there), claimed, countDir(there, dir), pc.name(ps.here), frameWord(rst))
	return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.lastOf(ps.there, there, dir, text)}}, true
}

// countDir counts a connection's packets in one FTP direction.
func countDir(cp *analysis.ConnPackets, dir int) int {
	n := 0
	for _, pk := range cp.Packets {
		if ftpDir(cp, pk) == dir {
			n++
		}
	}
	return n
}

// lastOf cites the last packet a point saw in one direction (the last
// the endpoint really sent), or the point's capture as a whole when it
// saw none.
func (pc *proofCase) lastOf(point int, cp *analysis.ConnPackets, dir int, text string) analysis.Evidence {
	for i := len(cp.Packets) - 1; i >= 0; i-- {
		if ftpDir(cp, cp.Packets[i]) == dir {
			return pc.evidence(point, cp.Packets[i], text)
		}
	}
	return pc.fact(point, text)
}

// loneInjectedRST proves a reset on a connection the other point never
// saw at all (a SYN answered by a forged reset): the correlation counted
// the RST injected, arrived from the other point's side without passing
// it, within its capture.
func (pc *proofCase) loneInjectedRST(ps pairSide) (proofOutcome, bool) {
	for _, ref := range ps.pair.Injected {
		cp, rst, ok := pc.packet(ref)
		if !ok || ref.Point != ps.here || !isRST(rst) {
			continue
		}
		text := fmt.Sprintf("%s's capture has no packet of this connection, though it covers the time: the RST claiming %s at %s %s never passed it and was injected on the path",
			pc.name(ps.there), sender(cp, ftpDir(cp, rst)), pc.name(ps.here), frameWord(rst))
		return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.fact(ps.there, text)}}, true
	}
	return proofOutcome{}, false
}
