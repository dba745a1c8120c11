package correlate

import (
	"slices"

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
	// seqShift and ackShift are what j's sequence and acknowledgement
	// numbers in this direction exceed i's by (connMatch.shift).
	seqShift, ackShift uint32
}

// dupWindow is how close in time two identical packets must be to be
// one packet the capture took twice rather than a retransmission.
const dupWindow = int64(1e9)

// scratch is the tables matching and counting reuse from one
// connection to the next, so that their cost is a few allocations per
// run rather than per packet.
type scratch struct {
	last  map[dupKey]int64
	byID  chain[withID]
	byKey chain[segKey]
	// copies and credited serve countDirection (path.go).
	copies   map[copyKey]bool
	credited map[seqRange]bool
	spans    [4][]seqRange
}

func newScratch() *scratch {
	return &scratch{
		last: map[dupKey]int64{}, byID: newChain[withID](), byKey: newChain[segKey](),
		copies: map[copyKey]bool{}, credited: map[seqRange]bool{},
	}
}

// dupKey is a packet as a capture would take it twice.
type dupKey struct {
	segKey
	ipid uint16
	hash uint64
}

// withID is a packet's key and IP ID.
type withID struct {
	segKey
	ipid uint16
}

// chain lists, per key, the packets having it in capture order, as a
// linked list through next: head[key] is the first not yet paired.
type chain[K comparable] struct {
	head map[K]int
	next []int
}

func newChain[K comparable]() chain[K] { return chain[K]{head: map[K]int{}} }

// reset empties the chain for n packets.
func (c *chain[K]) reset(n int) {
	clear(c.head)
	c.next = slices.Grow(c.next[:0], n)[:n]
}

// build links packets n (in reverse, so that each list is in capture
// order) under their keys.
func (c *chain[K]) build(n int, key func(int) (K, bool)) {
	c.reset(n)
	for k := n - 1; k >= 0; k-- {
		kk, ok := key(k)
		if !ok {
			continue
		}
		if h, seen := c.head[kk]; seen {
			c.next[k] = h
		} else {
			c.next[k] = -1
		}
		c.head[kk] = k
	}
}

// take finds the first packet under key not yet paired (paired[c] >= 0)
// that ok accepts, and moves the head past the paired ones; -1 for none.
// blocked reports whether unpaired packets were there but none accepted.
func (c *chain[K]) take(key K, paired []int, ok func(int) bool) (found int, blocked bool) {
	h, seen := c.head[key]
	if !seen {
		return -1, false
	}
	for h >= 0 && paired[h] >= 0 {
		h = c.next[h]
	}
	c.head[key] = h
	for at := h; at >= 0; at = c.next[at] {
		if paired[at] < 0 && ok(at) {
			return at, false
		}
	}
	return -1, h >= 0
}

// matchPackets pairs the packets of each direction of m.
func matchPackets(m *connMatch, a, b *analysis.ConnPackets, sc *scratch) {
	for d := range 2 {
		dm := &m.dir[d]
		fromClientI := d == 0
		fromClientJ := fromClientI != m.flip
		dm.seqShift, dm.ackShift = m.shift[d], m.shift[1-d]
		dm.pi, dm.dupI = direction(a.Packets, fromClientI, sc)
		dm.pj, dm.dupJ = direction(b.Packets, fromClientJ, sc)
		pairDirection(dm, a.Packets, b.Packets, sc)
	}
}

// direction lists one direction's packets, capture duplicates left out:
// the same IP ID (not 0, which some stacks send on every packet), key
// and payload as a packet of the last dupWindow.
func direction(pkts []analysis.PathPacket, fromClient bool, sc *scratch) (idx []int, dups int) {
	clear(sc.last)
	for n := range pkts {
		p := &pkts[n]
		if p.FromClient != fromClient {
			continue
		}
		if p.IPID != 0 {
			k := dupKey{keyOf(p), p.IPID, p.Hash}
			if t, ok := sc.last[k]; ok && p.TS-t <= dupWindow && p.TS >= t {
				dups++
				continue
			}
			sc.last[k] = p.TS
		}
		idx = append(idx, n)
	}
	return idx, dups
}

// pairDirection pairs pi with pj: first packets with the same IP ID as
// well, then the rest in capture order.
func pairDirection(dm *dirMatch, a, b []analysis.PathPacket, sc *scratch) {
	dm.toJ, dm.toI = fill(len(dm.pi), -1), fill(len(dm.pj), -1)
	sc.byID.build(len(dm.pj), func(n int) (withID, bool) {
		p := &b[dm.pj[n]]
		return withID{shiftedKey(p, dm.seqShift, dm.ackShift), p.IPID}, p.IPID != 0
	})
	sc.byKey.build(len(dm.pj), func(n int) (segKey, bool) { return shiftedKey(&b[dm.pj[n]], dm.seqShift, dm.ackShift), true })
	for n, k := range dm.pi {
		p := &a[k]
		if p.IPID == 0 {
			continue
		}
		c, _ := sc.byID.take(withID{keyOf(p), p.IPID}, dm.toI, func(c int) bool { return samePayload(p, &b[dm.pj[c]]) })
		if c >= 0 {
			dm.toJ[n], dm.toI[c] = c, n
		}
	}
	for n, k := range dm.pi {
		if dm.toJ[n] >= 0 {
			continue
		}
		p := &a[k]
		c, blocked := sc.byKey.take(keyOf(p), dm.toI, func(c int) bool { return samePayload(p, &b[dm.pj[c]]) })
		switch {
		case c >= 0:
			dm.toJ[n], dm.toI[c] = c, n
		case blocked:
			dm.rewritten++
		}
	}
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
