package correlate

import (
	"fmt"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// handshake-incomplete: SYN and SYN-ACK, and no third ACK. Proven where
// the packet that vanished is seen leaving one point and missing at the
// other: the SYN-ACK (left the TCP server's side, never reached the
// client's) or the handshake's ACK (left the client's side, never reached
// the server's). Contradicted when the server's side saw the ACK arrive.
func init() {
	registerProof(proofRule{Cause: "handshake-incomplete", Prove: proveHandshakeIncomplete})
}

// isHandshakeACK is the TCP client's first ACK without SYN or RST.
func isHandshakeACK(pk analysis.PathPacket) bool {
	return pk.FromClient && pk.Flags&tcpflow.FlagACK != 0 && pk.Flags&(tcpflow.FlagSYN|tcpflow.FlagRST) == 0
}

func proveHandshakeIncomplete(pc *proofCase) proofOutcome {
	for _, ps := range pc.pairs() {
		here := pc.conn(ps.here, ps.hereConn)
		if here == nil {
			continue
		}
		clientSide := sendingPoint(ps.pair, tcpClientDir(here))
		serverSide := otherPoint(ps.pair, clientSide)
		cConn, sConn := pc.conn(ps.here, ps.hereConn), pc.conn(ps.there, ps.thereConn)
		if clientSide != ps.here {
			cConn, sConn = sConn, cConn
		}
		if k := find(sConn, isSYNACK); k >= 0 && find(cConn, isSYNACK) < 0 {
			pk := sConn.Packets[k]
			text := fmt.Sprintf("the SYN-ACK left %s at %s %s and never reached %s's capture: it vanished on the path",
				sConn.Server, pc.name(serverSide), frameWord(pk), pc.name(clientSide))
			return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.evidence(serverSide, pk, text)}}
		}
		if k := find(sConn, isHandshakeACK); k >= 0 {
			pk := sConn.Packets[k]
			text := fmt.Sprintf("the handshake's ACK reached %s (%s): the handshake completed there", pc.name(serverSide), frameWord(pk))
			return proofOutcome{Contradiction: text, Evidence: []analysis.Evidence{pc.evidence(serverSide, pk, text)}}
		}
		if k := find(cConn, isHandshakeACK); k >= 0 {
			pk := cConn.Packets[k]
			text := fmt.Sprintf("the handshake's ACK left %s at %s %s and never reached %s's capture: it vanished on the path",
				cConn.Client, pc.name(clientSide), frameWord(pk), pc.name(serverSide))
			return proofOutcome{Proven: true, Evidence: []analysis.Evidence{pc.evidence(clientSide, pk, text)}}
		}
	}
	return proofOutcome{}
}
