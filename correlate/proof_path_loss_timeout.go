package correlate

import (
	"fmt"

	"github.com/ftpcap/ftpcap/analysis"
)

// path-loss-timeout: one side retransmitted until it gave up. Proven
// when segments left one point and never reached the other (dropped
// between them). Contradicted when every segment that left one point
// reached the other: the loss is not on the path between them.
func init() {
	registerProof(proofRule{Cause: "path-loss-timeout", Prove: provePathLossTimeout})
}

func provePathLossTimeout(pc *proofCase) proofOutcome {
	var clean *pairSide
	for _, ps := range pc.pairs() {
		for dir := range 2 {
			d := ps.pair.Path[dir]
			if d.Dropped == 0 {
				continue
			}
			from := sendingPoint(ps.pair, dir)
			to := otherPoint(ps.pair, from)
			counts := fmt.Sprintf("%d of the %d packet(s) sent that way were dropped between %s and %s", d.Dropped, d.Sent, pc.name(from), pc.name(to))
			for _, ref := range ps.pair.Dropped {
				if cp, pk, ok := pc.packet(ref); ok && ref.Point == from && ftpDir(cp, pk) == dir {
					text := fmt.Sprintf("left %s at %s %s and never reached %s's capture: %s", sender(cp, dir), pc.name(from), frameWord(pk), pc.name(to), counts)
					return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.evidence(from, pk, text)}}
				}
			}
			return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.fact(from, counts)}}
		}
		if ps.pair.Path[0].Sent+ps.pair.Path[1].Sent > 0 {
			clean = &ps
		}
	}
	if clean != nil {
		text := fmt.Sprintf("every packet that left %s or %s reached the other point: the loss is not between them", pc.name(clean.here), pc.name(clean.there))
		return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.fact(clean.there, text)}}
	}
	return proofOutcome{}
}
