package correlate

import (
	"fmt"

	"github.com/ftpcap/ftpcap/analysis"
)

// mtu-blackhole: proven when full-size segments left the sending side's
// point and never reached the receiving side's while smaller packets of
// the same direction did. Contradicted when nothing at all was dropped
// between the points.
func init() {
	registerProof(proofRule{Cause: "mtu-blackhole", Prove: proveMTUBlackhole})
}

// fullSizeShare: a segment within a tenth of the direction's largest
// payload counts as full-size (MSS-sized, allowing for options).
const fullSizeShare = 0.9

func proveMTUBlackhole(pc *proofCase) proofOutcome {
	var clean *pairSide
	for _, ps := range pc.pairs() {
		for dir := range 2 {
			if out, ok := pc.bigDropped(ps, dir); ok {
				return out
			}
		}
		if ps.pair.Path[0].Dropped == 0 && ps.pair.Path[1].Dropped == 0 && ps.pair.Path[0].Sent+ps.pair.Path[1].Sent > 0 {
			clean = &ps
		}
	}
	if clean != nil {
		text := fmt.Sprintf("every segment that left %s or %s reached the other: no segment, full-size or not, was dropped between the points",
			pc.name(clean.here), pc.name(clean.there))
		return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.fact(clean.there, text)}}
	}
	return proofOutcome{}
}

// bigDropped looks at one direction of a pair: full-size segments
// dropped between the points, smaller ones delivered.
func (pc *proofCase) bigDropped(ps pairSide, dir int) (proofOutcome, bool) {
	from := sendingPoint(ps.pair, dir)
	fromConn := ps.hereConn
	if from != ps.here {
		fromConn = ps.thereConn
	}
	cp := pc.conn(from, fromConn)
	if cp == nil {
		return proofOutcome{}, false
	}
	largest := 0
	for _, pk := range cp.Packets {
		if ftpDir(cp, pk) == dir {
			largest = max(largest, pk.Len)
		}
	}
	full := func(pk analysis.PathPacket) bool { return float64(pk.Len) >= fullSizeShare*float64(largest) }
	var first analysis.PathPacket
	bigDropped, smallDropped := 0, 0
	for _, ref := range ps.pair.Dropped {
		dcp, pk, ok := pc.packet(ref)
		if !ok || ref.Point != from || ftpDir(dcp, pk) != dir {
			continue
		}
		if full(pk) && pk.Len > 0 {
			if bigDropped == 0 {
				first = pk
			}
			bigDropped++
		} else {
			smallDropped++
		}
	}
	// Small packets of the same direction (bare ACKs, the handshake, a
	// short last segment) that got through show the path itself works.
	smallSent := 0
	for _, pk := range cp.Packets {
		if ftpDir(cp, pk) == dir && !full(pk) {
			smallSent++
		}
	}
	if bigDropped == 0 || smallSent <= smallDropped {
		return proofOutcome{}, false
	}
	to := otherPoint(ps.pair, from)
	text := fmt.Sprintf("the %d-byte segment at %s %s never reached %s's capture: %d full-size segment(s) from %s were dropped between the points while %d smaller one(s) got through",
		first.Len, pc.name(from), frameWord(first), pc.name(to), bigDropped, sender(cp, dir), smallSent-smallDropped)
	return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.evidence(from, first, text)}}, true
}
