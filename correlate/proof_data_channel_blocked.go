package correlate

import (
	"fmt"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// data-channel-blocked: the data connection's SYNs got no answer. Proven
// when they left the opening side's point and never reached the other
// point (its capture covering the time), or when the answer left the far
// side and vanished. When the SYNs did arrive and nothing answered, the
// block is at the far host, not between the points: the verdict stays
// inferred and says so.
func init() {
	registerProof(proofRule{Cause: "data-channel-blocked", Prove: proveDataChannelBlocked})
}

func proveDataChannelBlocked(pc *proofCase) proofOutcome {
	var arrivedOut proofOutcome
	for _, k := range pc.dataAttempts() {
		cp := pc.conn(pc.Point, k)
		dir := tcpClientDir(cp)
		for _, ps := range pc.pairsOf(k) {
			if sendingPoint(ps.pair, dir) != ps.here {
				continue
			}
			there := pc.conn(ps.there, ps.thereConn)
			j := find(there, isSYN)
			if j < 0 {
				continue
			}
			if a := find(there, isSYNACK); a >= 0 && find(cp, isSYNACK) < 0 {
				pk := there.Packets[a]
				text := fmt.Sprintf("the data connection's SYN reached %s (%s) and its SYN-ACK (%s) never reached %s: blocked on the way back",
					pc.name(ps.there), frameWord(there.Packets[j]), frameWord(pk), pc.name(ps.here))
				return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.evidence(ps.there, pk, text)}}
			}
			text := fmt.Sprintf("the data connection's SYN reached %s (%s): nothing between the points blocked it; %s did not answer",
				pc.name(ps.there), frameWord(there.Packets[j]), sender(there, 1-dir))
			arrivedOut = proofOutcome{Evidence: []analysis.Evidence{pc.evidence(ps.there, there.Packets[j], text)}}
		}
		if !pc.partnered(k) {
			if out, ok := pc.synVanished(cp); ok {
				return out
			}
		}
	}
	return arrivedOut
}

// dataAttempts are the verdict's data connections at its point: its own
// connection when it is one, else the session's data connections of the
// verdict's transfer that opened with a SYN.
func (pc *proofCase) dataAttempts() []int {
	if pc.Verdict.Connection.Kind == classify.KindData {
		if pc.Conn >= 0 {
			return []int{pc.Conn}
		}
		return nil
	}
	var out []int
	for k, cp := range pc.vs[pc.Point].Result.Packets {
		if cp.Kind == classify.KindData && cp.Session == pc.Verdict.Session && cp.SawSYN[0] &&
			(pc.Verdict.Transfer == 0 || cp.Transfer == pc.Verdict.Transfer) {
			out = append(out, k)
		}
	}
	return out
}
