package correlate

import (
	"math"

	"github.com/ftpcap/ftpcap/analysis"
)

// Which point is nearer the FTP client, and how far apart the clocks are.
//
// Every router on the way takes one from the TTL, so the FTP client's
// packets arrive with a higher TTL at the point nearer it, and the
// server's with a higher TTL at the point nearer the server. Where the
// TTLs are the same at both points (no router between them), the order
// in which the points see each direction's packets tells, whatever the
// clocks say: a packet of the client's reaches the point nearer the
// client first, so the difference of capture times tB−tA is larger, by
// twice the delay between the points, for the client's packets than for
// the server's. Failing both (one direction matched, the same TTLs), the
// points are taken in the order given.
//
// The clock offset of B against A comes from the matched packets:
// min(tB−tA) over packets travelling from A to B is the offset plus the
// smallest delay from A to B; min(tA−tB) over packets travelling back is
// the smallest delay from B to A minus the offset. Taking the path as
// symmetric (the same smallest delay both ways, as on a path of routers
// without an asymmetric link), half their difference is the offset and
// half their sum the one-way delay. An asymmetric path puts half the
// difference of its two delays into the offset. Matching never reads
// the clocks, so an offset of hours is measured like one of microseconds.
//
// Over a long capture the clocks drift apart: the offset measured from
// the first tenth of the matched packets and from the last tenth gives
// the drift, in parts per million, when the capture lasts long enough
// to measure it (driftSpan).

// driftSpan is the shortest stretch of matched packets over which a
// drift is estimated: over less, a few microseconds of queueing would
// read as many parts per million.
const driftSpan = int64(60e9)

// orient decides whether i is the point nearer the FTP client, from the
// TTLs of the matched packets, then their timing, then the order given.
// byTTL says whether the TTLs decided, and contradicts whether timing
// disagreed with them.
func orient(m *connMatch, a, b *analysis.ConnPackets) (byTTL, contradicts bool) {
	cd := clientDir(a)
	var nearI, nearJ int
	var diffs [2][]int64
	for d := range 2 {
		dm := &m.dir[d]
		fromFTPClient := d == cd
		for n, c := range dm.toJ {
			if c < 0 {
				continue
			}
			pa, pb := &a.Packets[dm.pi[n]], &b.Packets[dm.pj[c]]
			if len(diffs[d]) < 1024 {
				diffs[d] = append(diffs[d], pb.TS-pa.TS)
			}
			switch {
			case pa.TTL == pb.TTL:
			case (pa.TTL > pb.TTL) == fromFTPClient:
				nearI++
			default:
				nearJ++
			}
		}
	}
	byTiming, timed := 0, len(diffs[0]) > 0 && len(diffs[1]) > 0
	if timed {
		mc, ms := median(diffs[cd]), median(diffs[1-cd])
		switch {
		case mc > ms:
			byTiming = 1
		case mc < ms:
			byTiming = -1
		}
	}
	switch {
	case nearI != nearJ:
		m.aIsI = nearI > nearJ
		return true, byTiming != 0 && (byTiming > 0) != m.aIsI
	case byTiming != 0:
		m.aIsI = byTiming > 0
	default:
		m.aIsI = true
	}
	return false, false
}

// clientDir is the TCP direction in which the FTP client sends (0: the
// TCP client), as point i's analysis oriented the connection.
func clientDir(c *analysis.ConnPackets) int {
	if c.FTPServerIsClient {
		return 1
	}
	return 0
}

// travelsIJ reports whether direction d of m (as i sees it) travels from
// point i to point j: its sender is on i's side.
func travelsIJ(m *connMatch, a *analysis.ConnPackets, d int) bool {
	return (d == clientDir(a)) == m.aIsI
}

// clockPair is the clocks of two points as their matched packets show
// them: off is j's clock minus i's; delay the smallest one-way delay
// from i to j (0) and back (1); both ways tells whether packets matched
// in both directions, without which off includes a one-way delay.
type clockPair struct {
	ok, bothWays bool
	off          int64
	delay        [2]int64
	driftPPM     float64
	drifted      bool // a drift was measured
	matched      int64
	// at and atOff are the times (i's clock) of the first and last
	// tenths of the matched packets and the offsets measured there, for
	// offsetAt when the clocks drift.
	at, atOff [2]int64
}

// offsetAt is j's clock minus i's at time t of i's clock: the offset
// over the whole capture, or where the clocks drift, the offset of the
// first and last tenths drawn as a line through t.
func (cp *clockPair) offsetAt(t int64) int64 {
	if !cp.drifted || cp.at[1] == cp.at[0] {
		return cp.off
	}
	frac := float64(t-cp.at[0]) / float64(cp.at[1]-cp.at[0])
	return cp.atOff[0] + int64(frac*float64(cp.atOff[1]-cp.atOff[0]))
}

// toJ turns a time of i's clock into j's, toI back.
func (cp *clockPair) toJ(t int64) int64 { return t + cp.offsetAt(t) }
func (cp *clockPair) toI(t int64) int64 { return t - cp.offsetAt(t-cp.off) }

// minima is the smallest tJ−tI of packets travelling i→j (ij) and tI−tJ
// of packets travelling j→i (ji), over matched packets with tI in
// [from, to].
type minima struct {
	ij, ji       int64
	hasIJ, hasJI bool
}

func (mn *minima) add(travelIJ bool, diff int64) {
	if travelIJ {
		if !mn.hasIJ || diff < mn.ij {
			mn.ij, mn.hasIJ = diff, true
		}
		return
	}
	if !mn.hasJI || -diff < mn.ji {
		mn.ji, mn.hasJI = -diff, true
	}
}

// offset is j's clock minus i's from the minima (see the top).
func (mn *minima) offset() int64 {
	switch {
	case mn.hasIJ && mn.hasJI:
		return (mn.ij - mn.ji) / 2
	case mn.hasIJ:
		return mn.ij
	default:
		return -mn.ji
	}
}

// measureClocks estimates the clocks of points i and j from the matched
// packets of their connections.
func measureClocks(ms []*connMatch, res []*analysis.Result) clockPair {
	var all minima
	var cp clockPair
	tMin, tMax := int64(math.MaxInt64), int64(math.MinInt64)
	eachPair(ms, res, func(tI, tJ int64, ij bool) {
		all.add(ij, tJ-tI)
		tMin, tMax = min(tMin, tI), max(tMax, tI)
		cp.matched++
	})
	if cp.matched == 0 {
		return cp
	}
	cp.ok, cp.bothWays = true, all.hasIJ && all.hasJI
	cp.off = all.offset()
	if cp.bothWays {
		half := (all.ij + all.ji) / 2
		cp.delay = [2]int64{half, half}
	}
	if span := tMax - tMin; span >= driftSpan {
		var first, last minima
		tenth := span / 10
		eachPair(ms, res, func(tI, tJ int64, ij bool) {
			switch {
			case tI <= tMin+tenth:
				first.add(ij, tJ-tI)
			case tI >= tMax-tenth:
				last.add(ij, tJ-tI)
			}
		})
		if first.hasIJ && first.hasJI && last.hasIJ && last.hasJI {
			cp.drifted = true
			cp.driftPPM = float64(last.offset()-first.offset()) / float64(span-tenth) * 1e6
			cp.at = [2]int64{tMin + tenth/2, tMax - tenth/2}
			cp.atOff = [2]int64{first.offset(), last.offset()}
		}
	}
	return cp
}

// eachPair calls f with the capture times of every matched packet of ms
// at both points and whether it travelled from i to j.
func eachPair(ms []*connMatch, res []*analysis.Result, f func(tI, tJ int64, ij bool)) {
	for _, m := range ms {
		a, b := &res[m.i].Packets[m.ci], &res[m.j].Packets[m.cj]
		for d := range 2 {
			dm := &m.dir[d]
			ij := travelsIJ(m, a, d)
			for n, c := range dm.toJ {
				if c >= 0 {
					f(a.Packets[dm.pi[n]].TS, b.Packets[dm.pj[c]].TS, ij)
				}
			}
		}
	}
}

// connDelay is the smallest one-way delay of one connection's matched
// packets from i to j (0) and back (1), the clocks' offset taken out; 0
// where none travelled that way.
func connDelay(m *connMatch, res []*analysis.Result, cp *clockPair) [2]int64 {
	var mn minima
	eachPair([]*connMatch{m}, res, func(tI, tJ int64, ij bool) { mn.add(ij, tJ-cp.toJ(tI)) })
	var d [2]int64
	if mn.hasIJ {
		d[0] = mn.ij
	}
	if mn.hasJI {
		d[1] = mn.ji
	}
	return d
}
