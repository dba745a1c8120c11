package correlate

import (
	"fmt"

	"github.com/ftpcap/ftpcap/analysis"
)

// syn-unanswered: the SYNs were silently dropped. Proven when they left
// the verdict's point and no point on the other side of the path has
// them, though its capture covers the time. Contradicted when the other
// point saw the SYN arrive: the path delivered it, and either the answer
// vanished on the way back or the server never sent one.
func init() {
	registerProof(proofRule{Cause: "syn-unanswered", Prove: proveSYNUnanswered})
}

func proveSYNUnanswered(pc *proofCase) proofOutcome {
	cp := pc.conn(pc.Point, pc.Conn)
	if cp == nil {
		return proofOutcome{}
	}
	dir := tcpClientDir(cp)
	for _, ps := range pc.pairs() {
		if sendingPoint(ps.pair, dir) != ps.here {
			continue // the verdict's point is the receiving side
		}
		there := pc.conn(ps.there, ps.thereConn)
		k := find(there, isSYN)
		if k < 0 {
			continue
		}
		arrived := there.Packets[k]
		if j := find(there, isSYNACK); j >= 0 {
			answer := there.Packets[j]
			text := fmt.Sprintf("the SYN reached %s (%s) and %s answered it (SYN-ACK at %s), which never reached %s: the answer vanished on the path, not the SYN",
				pc.name(ps.there), frameWord(arrived), sender(there, 1-dir), frameWord(answer), pc.name(ps.here))
			return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.evidence(ps.there, answer, text)}}
		}
		text := fmt.Sprintf("the SYN reached %s (%s): the path delivered it and %s never answered",
			pc.name(ps.there), frameWord(arrived), sender(there, 1-dir))
		return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.evidence(ps.there, arrived, text)}}
	}
	if out, ok := pc.synVanished(cp); ok {
		return out
	}
	return proofOutcome{}
}
