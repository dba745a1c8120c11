package correlate

import (
	"github.com/ftpcap/ftpcap/analysis"
)

// Matching the packets of one connection seen at two points, direction
// by direction. A packet is the same at both when its sequence and
// acknowledgement numbers, flags and payload length are, and its payload
// hash where both points captured the whole payload. Several packets may
// share all of that (a retransmission with nothing new to acknowledge,
// duplicate ACKs): the IP ID, which a sender gives each packet afresh and
// most NATs keep, tells them apart first; what is left is paired in
// capture order, which a path keeps for copies of one segment. Copies
// the capture itself took twice (same IP ID as well) are set aside
// first, so that they read neither as lost nor as injected. Packets cut
// or merged on the way (segmentation offload, a proxy) match no single
// packet and are judged by their sequence ranges (path.go).

// dirMatch is one TCP direction of a matched connection.
type dirMatch struct {
	// pi and pj are the direction's packets at i and j (indices in each
	// connection's Packets, capture order, capture duplicates left out).
	pi, pj []int
	// toJ[n] is the index in pj of pi[n]'s partner, -1 for none; toI
	// the reverse.
	toJ, toI []int
	// dupI, dupJ count the capture duplicates left out.
	dupI, dupJ int
	// rewritten counts packets alike in all but their payload (an FTP
	// ALG rewriting a PORT command or a 227 reply to the same length).
	rewritten int
}

// dupWindow is how close in time two identical packets must be to be
// one packet the capture took twice rather than a retransmission.
const dupWindow = int64(1e9)

// matchPackets pairs the packets of each direction of m.
func matchPackets(m *connMatch, a, b *analysis.ConnPackets) {
	for d := range 2 {
		dm := &m.dir[d]
		fromClientI := d == 0
		fromClientJ := fromClientI != m.flip
		dm.pi, dm.dupI = direction(a.Packets, fromClientI)
		dm.pj, dm.dupJ = direction(b.Packets, fromClientJ)
		pairDirection(dm, a.Packets, b.Packets)
	}
}

// direction lists one direction's packets, capture duplicates left out:
// the same IP ID (not 0, which some stacks send on every packet), key
// and payload as a packet of the last dupWindow.
func direction(pkts []analysis.PathPacket, fromClient bool) (idx []int, dups int) {
	type full struct {
		segKey
		ipid uint16
		hash uint64
	}
	last := map[full]int64{}
	for n := range pkts {
		p := &pkts[n]
		if p.FromClient != fromClient {
			continue
		}
		if p.IPID != 0 {
			k := full{keyOf(p), p.IPID, p.Hash}
			if t, ok := last[k]; ok && p.TS-t <= dupWindow && p.TS >= t {
				dups++
				continue
			}
			last[k] = p.TS
		}
		idx = append(idx, n)
	}
	return idx, dups
}

// pairDirection pairs pi with pj: first packets with the same IP ID as
// well, then the rest in capture order.
func pairDirection(dm *dirMatch, a, b []analysis.PathPacket) {
	dm.toJ, dm.toI = fill(len(dm.pi), -1), fill(len(dm.pj), -1)
	type withID struct {
		segKey
		ipid uint16
	}
	byID := map[withID][]int{}
	byKey := map[segKey][]int{}
	for n, k := range dm.pj {
		p := &b[k]
		if p.IPID != 0 {
			byID[withID{keyOf(p), p.IPID}] = append(byID[withID{keyOf(p), p.IPID}], n)
		}
		byKey[keyOf(p)] = append(byKey[keyOf(p)], n)
	}
	for n, k := range dm.pi {
		p := &a[k]
		if p.IPID == 0 {
			continue
		}
		if c := firstFree(byID[withID{keyOf(p), p.IPID}], dm.toI, p, b, dm.pj); c >= 0 {
			dm.toJ[n], dm.toI[c] = c, n
		}
	}
	// cursor skips, per key, the candidates already paired, so that a
	// burst of identical duplicate ACKs costs no more than its length.
	cursor := map[segKey]int{}
	for n, k := range dm.pi {
		if dm.toJ[n] >= 0 {
			continue
		}
		p := &a[k]
		key := keyOf(p)
		list := byKey[key]
		at := cursor[key]
		for at < len(list) && dm.toI[list[at]] >= 0 {
			at++
		}
		cursor[key] = at
		if c := firstFree(list[at:], dm.toI, p, b, dm.pj); c >= 0 {
			dm.toJ[n], dm.toI[c] = c, n
		} else if at < len(list) {
			dm.rewritten++
		}
	}
}

// firstFree is the first candidate not yet paired whose payload may be
// p's, -1 for none.
func firstFree(cands, paired []int, p *analysis.PathPacket, b []analysis.PathPacket, pj []int) int {
	for _, c := range cands {
		if paired[c] < 0 && samePayload(p, &b[pj[c]]) {
			return c
		}
	}
	return -1
}

// samePayload reports whether two packets of the same length may carry
// the same bytes: their hashes agree, or one is unknown or covers only
// what a snap length left.
func samePayload(x, y *analysis.PathPacket) bool {
	if x.Len == 0 || x.Hash == 0 || y.Hash == 0 || x.Cut || y.Cut {
		return true
	}
	return x.Hash == y.Hash
}

func fill(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}
