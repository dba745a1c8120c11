package correlate

import (
	"cmp"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Matching connections between two points. What a path rarely changes
// names a connection at both: its initial sequence numbers, random 32-bit
// values a NAT rewriting addresses and ports keeps (Linux masquerading
// does). A connection whose handshake one of the points missed is found
// by its packets instead: sequence and acknowledgement numbers, flags
// and lengths, which are as random. Neither depends on the clocks, which may be hours apart;
// timing only chooses between candidates that share an ISN. A firewall
// that randomises ISNs defeats both; what is left is then matched by its
// ends and start time (matchByEnds), its sequence numbers compared less
// the shift.

// connMatch is one connection seen at two points, i and j (i < j in the
// order given), and its packets paired up.
type connMatch struct {
	i, j   int // points
	ci, cj int // connections in each point's Result.Packets
	// flip: the TCP client at i is the TCP server at j (a connection
	// picked up mid-stream at both, oriented differently).
	flip bool
	// dir holds each TCP direction's packets as i sees it (0: i's TCP
	// client sends), paired with j's.
	dir [2]dirMatch
	// aIsI: i is the point nearer the FTP client (orient.go).
	aIsI bool
	// shift is, per TCP direction as i sees it, what j's sequence
	// numbers exceed i's by: 0 but where a firewall between the points
	// rewrote them (matchByEnds).
	shift [2]uint32
}

// keyFlags are the flags a path leaves alone and that tell packets
// apart (PSH moves with re-segmentation; ECE and CWR are left out so that
// ECN bleaching does not hide a packet).
const keyFlags = tcpflow.FlagSYN | tcpflow.FlagFIN | tcpflow.FlagRST | tcpflow.FlagACK

// segKey is what identifies a packet at two points, IP ID and payload
// hash aside.
type segKey struct {
	seq, ack uint32
	len      int32
	flags    uint8
}

func keyOf(p *analysis.PathPacket) segKey {
	return segKey{seq: p.Seq, ack: p.Ack, len: int32(p.Len), flags: p.Flags & keyFlags}
}

// shiftedKey is a packet's key with its sequence number less seqShift
// and its acknowledgement number (when it has one) less ackShift: j's
// packet in i's numbers.
func shiftedKey(p *analysis.PathPacket, seqShift, ackShift uint32) segKey {
	k := keyOf(p)
	k.seq -= seqShift
	if p.Flags&tcpflow.FlagACK != 0 {
		k.ack -= ackShift
	}
	return k
}

// voteDepth is how many of a connection's first packets index it for
// matching without a handshake, and voteEnough how many agreeing packets
// settle a match early.
// A key more than votePerKey connections share (a crafted capture)
// votes for none.
const (
	voteDepth  = 64
	voteEnough = 8
	votePerKey = 16
)

// matchConns finds the connections points i and j both saw.
func matchConns(i, j int, a, b []analysis.ConnPackets) []*connMatch {
	usedA, usedB := make([]bool, len(a)), make([]bool, len(b))
	var out []*connMatch
	out = append(out, matchByISN(i, j, a, b, usedA, usedB)...)
	out = append(out, matchByPackets(i, j, a, b, usedA, usedB)...)
	out = append(out, matchByEnds(i, j, a, b, usedA, usedB, out)...)
	slices.SortFunc(out, func(x, y *connMatch) int { return cmp.Or(cmp.Compare(x.ci, y.ci), cmp.Compare(x.cj, y.cj)) })
	return out
}

// matchByISN pairs the connections whose handshake both points saw (at
// least one SYN of the same side) by their ISNs. Where several of j's
// connections share an ISN (a client reusing one, a flood tool sending
// the same one every time, or chance on a large capture), the one whose
// start lies nearest the typical distance between the two clocks is
// taken, then the one with the same ends; only the isnNear nearest in
// time are looked at, so that a flood of one ISN costs no more than
// many.
func matchByISN(i, j int, a, b []analysis.ConnPackets, usedA, usedB []bool) []*connMatch {
	var byISN [2]map[uint32][]int
	for side := range byISN {
		byISN[side] = map[uint32][]int{}
	}
	for k := range b {
		for side := range 2 {
			if b[k].SawSYN[side] {
				byISN[side][b[k].ISN[side]] = append(byISN[side][b[k].ISN[side]], k)
			}
		}
	}
	for side := range byISN {
		for _, bucket := range byISN[side] {
			slices.SortStableFunc(bucket, func(x, y int) int { return cmp.Compare(startOf(&b[x]), startOf(&b[y])) })
		}
	}
	var out []*connMatch
	var shifts []int64
	ambiguous := []int{}
	for k := range a {
		c, n := only(&a[k], b, byISN)
		switch {
		case n == 1 && !usedB[c]:
			usedA[k], usedB[c] = true, true
			out = append(out, &connMatch{i: i, j: j, ci: k, cj: c})
			shifts = append(shifts, startOf(&b[c])-startOf(&a[k]))
		case n > 1:
			ambiguous = append(ambiguous, k)
		}
	}
	shift := median(shifts)
	if len(shifts) == 0 && len(ambiguous) > 0 {
		shift = firstStart(b) - firstStart(a) // no better guess: the captures began together
	}
	for _, k := range ambiguous {
		if best := nearest(&a[k], b, byISN, usedB, shift); best >= 0 {
			usedA[k], usedB[best] = true, true
			out = append(out, &connMatch{i: i, j: j, ci: k, cj: best})
		}
	}
	return out
}

// isnNear is how many of the connections sharing an ISN, nearest in
// time on each side, an ambiguous one is compared with.
const isnNear = 32

// isnCompatible reports whether y may be x seen elsewhere, found by
// x's ISN of side: the other side's ISNs agree where both saw it.
func isnCompatible(x, y *analysis.ConnPackets, side int) bool {
	other := 1 - side
	return !x.SawSYN[other] || !y.SawSYN[other] || x.ISN[other] == y.ISN[other]
}

// only finds the connection of b sharing x's ISNs: n is 0 for none, 1
// for one (c), 2 for several.
func only(x *analysis.ConnPackets, b []analysis.ConnPackets, byISN [2]map[uint32][]int) (c, n int) {
	c = -1
	for side := range 2 {
		if !x.SawSYN[side] {
			continue
		}
		bucket := byISN[side][x.ISN[side]]
		if len(bucket) > isnNear {
			return -1, 2
		}
		for _, k := range bucket {
			if !isnCompatible(x, &b[k], side) || k == c {
				continue
			}
			if c >= 0 {
				return -1, 2
			}
			c = k
		}
	}
	if c < 0 {
		return -1, 0
	}
	return c, 1
}

// nearest chooses among the unused connections of b sharing x's ISNs the
// one nearest in time (closer), looking at isnNear on each side of
// where x would fall.
func nearest(x *analysis.ConnPackets, b []analysis.ConnPackets, byISN [2]map[uint32][]int, usedB []bool, shift int64) int {
	best := -1
	for side := range 2 {
		if !x.SawSYN[side] {
			continue
		}
		bucket := byISN[side][x.ISN[side]]
		at, _ := slices.BinarySearchFunc(bucket, startOf(x)+shift, func(k int, t int64) int { return cmp.Compare(startOf(&b[k]), t) })
		for _, k := range bucket[max(at-isnNear, 0):min(at+isnNear, len(bucket))] {
			if usedB[k] || !isnCompatible(x, &b[k], side) {
				continue
			}
			if best < 0 || closer(x, &b[k], &b[best], shift) {
				best = k
			}
		}
	}
	return best
}

// endsWindow is how far apart, after the typical distance between the
// clocks, the starts of two connections with the same ends and other
// ISNs may lie to be one connection.
const endsWindow = int64(2e9)

// matchByEnds pairs what is left by ends and time: a firewall between
// the points that randomises initial sequence numbers (as Cisco ASAs do
// by default) leaves the addresses and ports alone but shifts every
// sequence and acknowledgement number of a side by a constant, so
// neither ISNs nor packets match. Both points must have seen the
// connection's SYNs that were shifted: the shift of each side is the
// difference of its ISNs (0 for a side whose SYN a point missed, which
// then must not have been rewritten). Of several candidates the one
// starting nearest the typical distance between the clocks is taken.
func matchByEnds(i, j int, a, b []analysis.ConnPackets, usedA, usedB []bool, matched []*connMatch) []*connMatch {
	type ends struct{ client, server netip.AddrPort }
	byEnds := map[ends][]int{}
	for k := range b {
		if !usedB[k] && (b[k].SawSYN[0] || b[k].SawSYN[1]) {
			e := ends{b[k].Client, b[k].Server}
			byEnds[e] = append(byEnds[e], k)
		}
	}
	if len(byEnds) == 0 {
		return nil
	}
	var shifts []int64
	for _, m := range matched {
		shifts = append(shifts, startOf(&b[m.cj])-startOf(&a[m.ci]))
	}
	shift := median(shifts)
	if len(shifts) == 0 {
		// Nothing else matched to place the clocks: only captures whose
		// clocks overlap as they are, within a minute, are taken to be of
		// the same time.
		if !overlap(a, b, int64(time.Minute)) {
			return nil
		}
		shift = firstStart(b) - firstStart(a)
	}
	var out []*connMatch
	for k := range a {
		x := &a[k]
		if usedA[k] || !(x.SawSYN[0] || x.SawSYN[1]) {
			continue
		}
		best, bestD := -1, endsWindow+1
		for _, c := range byEnds[ends{x.Client, x.Server}] {
			if d := abs(startOf(&b[c]) - startOf(x) - shift); !usedB[c] && d < bestD {
				best, bestD = c, d
			}
		}
		if best < 0 {
			continue
		}
		m := &connMatch{i: i, j: j, ci: k, cj: best}
		for side := range 2 {
			if x.SawSYN[side] && b[best].SawSYN[side] {
				m.shift[side] = b[best].ISN[side] - x.ISN[side]
			}
		}
		usedA[k], usedB[best] = true, true
		out = append(out, m)
	}
	return out
}

// closer reports whether y is a better partner for x than z: its start
// nearer x's shifted by the typical distance between the clocks, then
// the same ends.
func closer(x, y, z *analysis.ConnPackets, shift int64) bool {
	dy, dz := abs(startOf(y)-startOf(x)-shift), abs(startOf(z)-startOf(x)-shift)
	if dy != dz {
		return dy < dz
	}
	return sameEnds(x, y) && !sameEnds(x, z)
}

func sameEnds(x, y *analysis.ConnPackets) bool { return x.Client == y.Client && x.Server == y.Server }

// overlap reports whether the kept packets of a and b span times that
// overlap, read on their own clocks, within slack.
func overlap(a, b []analysis.ConnPackets, slack int64) bool {
	span := func(cs []analysis.ConnPackets) (first, last int64) {
		first, last = math.MaxInt64, math.MinInt64
		for k := range cs {
			if n := len(cs[k].Packets); n > 0 {
				first, last = min(first, cs[k].Packets[0].TS), max(last, cs[k].Packets[n-1].TS)
			}
		}
		return first, last
	}
	fa, la := span(a)
	fb, lb := span(b)
	return fa <= la && fb <= lb && fa <= lb+slack && fb <= la+slack
}

// firstStart is the earliest start of the connections.
func firstStart(cs []analysis.ConnPackets) int64 {
	first := int64(0)
	for k := range cs {
		if t := startOf(&cs[k]); t != 0 && (first == 0 || t < first) {
			first = t
		}
	}
	return first
}

// startOf is the time of a connection's first kept packet, 0 without.
func startOf(c *analysis.ConnPackets) int64 {
	if len(c.Packets) == 0 {
		return 0
	}
	return c.Packets[0].TS
}

type vote struct {
	conn int
	flip bool
}

// matchByPackets pairs the connections left over, which a point saw
// without their handshake: j's first packets are indexed, and each of
// i's connections votes with its packets for the connection (and the
// orientation) they are found in. A connection with a single packet
// needs that packet; others need two agreeing packets, so that one
// coincidence does not pair two connections.
func matchByPackets(i, j int, a, b []analysis.ConnPackets, usedA, usedB []bool) []*connMatch {
	index := map[segKey][]voteKeyed{}
	for k := range b {
		if usedB[k] {
			continue
		}
		for n := range min(len(b[k].Packets), voteDepth) {
			p := &b[k].Packets[n]
			if list := index[keyOf(p)]; len(list) <= votePerKey {
				index[keyOf(p)] = append(list, voteKeyed{conn: k, fromClient: p.FromClient})
			}
		}
	}
	if len(index) == 0 {
		return nil
	}
	var out []*connMatch
	for k := range a {
		if usedA[k] {
			continue
		}
		best, n := countVotes(a[k].Packets, index, usedB)
		need := min(2, len(a[k].Packets))
		if n < need || need == 0 {
			continue
		}
		usedA[k], usedB[best.conn] = true, true
		out = append(out, &connMatch{i: i, j: j, ci: k, cj: best.conn, flip: best.flip})
	}
	return out
}

type voteKeyed struct {
	conn       int
	fromClient bool
}

// countVotes finds the connection of the index most of pkts are found in,
// stopping once one has voteEnough.
func countVotes(pkts []analysis.PathPacket, index map[segKey][]voteKeyed, usedB []bool) (vote, int) {
	votes := map[vote]int{}
	var best vote
	bestN := 0
	for n := range pkts {
		p := &pkts[n]
		list := index[keyOf(p)]
		if len(list) > votePerKey {
			continue
		}
		for _, e := range list {
			if usedB[e.conn] {
				continue
			}
			v := vote{conn: e.conn, flip: e.fromClient != p.FromClient}
			votes[v]++
			if votes[v] > bestN {
				best, bestN = v, votes[v]
			}
		}
		if bestN >= voteEnough {
			break
		}
	}
	return best, bestN
}

func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
