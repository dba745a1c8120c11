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
func init() {
	registerProof(proofRule{Cause: "middlebox-reset", Prove: proveMiddleboxReset})
}

func proveMiddleboxReset(pc *proofCase) proofOutcome {
	for _, ps := range pc.pairs() {
		here, there := pc.conn(ps.here, ps.hereConn), pc.conn(ps.there, ps.thereConn)
		if here == nil {
			continue
		}
		if there == nil {
			if out, ok := pc.loneInjectedRST(ps); ok {
				return out
			}
			continue
		}
		for _, rst := range here.Packets {
			dir := ftpDir(here, rst)
			if !isRST(rst) || sendingPoint(ps.pair, dir) == ps.here {
				continue // not a reset this point received
			}
			claimed := sender(there, dir)
			if k := find(there, func(pk analysis.PathPacket) bool { return isRST(pk) && ftpDir(there, pk) == dir }); k >= 0 {
				left := there.Packets[k]
				text := fmt.Sprintf("%s at %s: the RST left %s itself; the reset at %s %s is the endpoint's, not injected",
					frameWord(left), pc.name(ps.there), claimed, pc.name(ps.here), frameWord(rst))
				return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.evidence(ps.there, left, text)}}
			}
			text := fmt.Sprintf("%s's capture: no RST left %s (%d packets of it seen there); the RST at %s %s was injected on the path",
				pc.name(ps.there), claimed, countDir(there, dir), pc.name(ps.here), frameWord(rst))
			return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.lastOf(ps.there, there, dir, text)}}
		}
	}
	return proofOutcome{}
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
