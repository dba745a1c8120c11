package correlate

import (
	"fmt"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// pasv-address-mismatch: the 227 advertises an address other than the
// server's. Proven when the translation is seen directly: the session's
// control connection reaches the server under one address at one point
// and another at the other, so a NAT between them rewrote it and left
// the 227 alone. Contradicted when both points see the same server
// address: no translation happened between them.
func init() {
	registerProof(proofRule{Cause: "pasv-address-mismatch", Prove: provePASVAddressMismatch})
}

func provePASVAddressMismatch(pc *proofCase) proofOutcome {
	control := pc.Conn
	if pc.Verdict.Connection.Kind != classify.KindControl {
		control = pc.controlOf(pc.Verdict.Session)
	}
	for _, ps := range pc.pairsOf(control) {
		here, there := pc.conn(ps.here, ps.hereConn), pc.conn(ps.there, ps.thereConn)
		if here == nil || there == nil || len(there.Packets) == 0 {
			continue
		}
		hs, ts := sender(here, dirToClient), sender(there, dirToClient)
		if hs.Addr() == ts.Addr() {
			text := fmt.Sprintf("the FTP server is %s at both %s and %s: no NAT between the points rewrote its address", hs.Addr(), pc.name(ps.here), pc.name(ps.there))
			return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.evidence(ps.there, there.Packets[0], text)}}
		}
		text := fmt.Sprintf("the FTP server is %s at %s and %s at %s: a NAT between the points translates the address, and the 227 was not rewritten with it",
			ts.Addr(), pc.name(ps.there), hs.Addr(), pc.name(ps.here))
		if ps.pair.Translation != "" {
			text += " (" + ps.pair.Translation + ")"
		}
		return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.evidence(ps.there, there.Packets[0], text)}}
	}
	return proofOutcome{}
}

// controlOf is a session's control connection at the verdict's point.
func (pc *proofCase) controlOf(session string) int {
	for k, cp := range pc.vs[pc.Point].Result.Packets {
		if cp.Kind == classify.KindControl && cp.Session == session {
			return k
		}
	}
	return -1
}
