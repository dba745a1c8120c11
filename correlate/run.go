package correlate

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// Options tune a correlation.
type Options struct {
	// MaxRefs caps the packets each Pair lists as dropped and as
	// injected, per direction (default DefaultMaxRefs); the counts count
	// them all.
	MaxRefs int
}

// DefaultMaxRefs is the default of Options.MaxRefs.
const DefaultMaxRefs = 100

// Correlate matches the kept packets (analysis.Options.KeepPackets) of
// every pair of points: connections, then packets, then the clocks, then
// what each direction of each connection lost or gained between them.
// It reads the Results and changes none of them.
func Correlate(vs []Vantage, opts Options) *Correlation {
	if opts.MaxRefs <= 0 {
		opts.MaxRefs = DefaultMaxRefs
	}
	r := &run{opts: opts, out: &Correlation{}, sc: newScratch(), rewrites: map[[2]int]int{}}
	for _, v := range vs {
		res := v.Result
		if res == nil {
			res = &analysis.Result{}
		}
		r.res = append(r.res, res)
		r.out.Points = append(r.out.Points, Point{Name: v.Name, Paths: v.Paths})
		r.win = append(r.win, windowOf(res))
		r.matched = append(r.matched, map[int][]bool{})
		r.missed = append(r.missed, 0)
	}
	r.noteEmptyPoints()
	n := len(vs)
	r.clocks = make([][]clockPair, n)
	for i := range r.clocks {
		r.clocks[i] = make([]clockPair, n)
	}
	var pairs [][]*connMatch // per pair of points, in the order i < j
	for i := range n {
		for j := i + 1; j < n; j++ {
			pairs = append(pairs, r.matchPoints(i, j))
		}
	}
	r.placeClocks()
	for _, ms := range pairs {
		for _, m := range ms {
			r.out.Pairs = append(r.out.Pairs, r.pairOf(m))
		}
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			r.lonePairs(i, j, pairsOf(pairs, i, j))
		}
	}
	r.noteMissed()
	r.noteRewrites()
	r.countMatched()
	return r.out
}

// countMatched fills each point's Matched from the packets marked.
func (r *run) countMatched() {
	for p := range r.out.Points {
		for _, flags := range r.matched[p] {
			for _, m := range flags {
				if m {
					r.out.Points[p].Matched++
				}
			}
		}
	}
}

// run is one correlation under way.
type run struct {
	opts Options
	out  *Correlation
	res  []*analysis.Result
	win  []window
	// clocks[i][j] is what points i and j's matched packets say of their
	// clocks (i < j).
	clocks [][]clockPair
	// missed counts, per point, the packets its capture missed that the
	// other point's and TCP's own account show went by.
	missed []int64
	// rewrites counts, per pair of points, the connections a direction
	// of which lost data and gained other data on the way.
	rewrites map[[2]int]int
	// matched marks, per point and connection, the packets found at
	// another point.
	matched []map[int][]bool
	sc      *scratch
}

// matchPoints matches the connections and packets of points i and j,
// orients each connection and measures the two clocks.
func (r *run) matchPoints(i, j int) []*connMatch {
	a, b := r.res[i].Packets, r.res[j].Packets
	ms := matchConns(i, j, a, b)
	contradictions, rewritten, shifted := 0, 0, 0
	for _, m := range ms {
		if m.shift != [2]uint32{} {
			shifted++
		}
		matchPackets(m, &a[m.ci], &b[m.cj], r.sc)
		if _, contra := orient(m, &a[m.ci], &b[m.cj]); contra {
			contradictions++
		}
		for d := range 2 {
			rewritten += m.dir[d].rewritten
			r.mark(i, m.ci, m.dir[d].pi, m.dir[d].toJ)
			r.mark(j, m.cj, m.dir[d].pj, m.dir[d].toI)
		}
	}
	names := r.out.Points[i].Name + " and " + r.out.Points[j].Name
	if len(ms) == 0 {
		r.noteNothingShared(i, j)
		return nil
	}
	cp := measureClocks(ms, r.res)
	r.clocks[i][j] = cp
	switch {
	case !cp.ok:
		r.note("%s share %s but no packet of them: their clocks cannot be compared", names, conns(len(ms)))
	case !cp.bothWays:
		r.note("%s matched packets in one direction only: the clock offset between them includes the one-way delay", names)
	case cp.delay[0] < 0:
		r.note("%s: packets arrive before they leave by the clock offset the fastest packets give (%s); the clocks drift or jumped during the capture",
			names, time.Duration(cp.delay[0]))
	}
	if contradictions > 0 {
		r.note("%s: on %s the TTLs and the timing disagree about which point is nearer the FTP client; the TTLs were followed",
			names, conns(contradictions))
	}
	if shifted > 0 {
		r.note("%s: on %s the sequence numbers differ between the points by a constant (a firewall randomising initial sequence numbers); matched by their ends and time, and counted in the first point's numbers",
			names, conns(shifted))
	}
	if rewritten > 0 {
		r.note("%s: %d packets differ only in their payload between the points (rewritten on the path, as an FTP ALG rewrites PORT and 227)",
			names, rewritten)
	}
	return ms
}

// mark records which of a connection's packets were matched.
func (r *run) mark(p, conn int, idx, partner []int) {
	flags := r.matched[p][conn]
	if flags == nil {
		flags = make([]bool, len(r.res[p].Packets[conn].Packets))
		r.matched[p][conn] = flags
	}
	for n, k := range idx {
		if partner[n] >= 0 {
			flags[k] = true
		}
	}
}

// placeClocks puts every point's clock against the first's, through
// the pairs whose offsets were measured (a point matched only with a
// third point is placed through it).
func (r *run) placeClocks() {
	n := len(r.out.Points)
	placed := make([]bool, n)
	if n == 0 {
		return
	}
	placed[0] = true
	queue := []int{0}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for q := range n {
			if placed[q] || q == p {
				continue
			}
			off, drift, ok := r.offset(p, q)
			if !ok {
				continue
			}
			placed[q] = true
			r.out.Points[q].ClockOffset = r.out.Points[p].ClockOffset + time.Duration(off)
			r.out.Points[q].DriftPPM = r.out.Points[p].DriftPPM + drift
			queue = append(queue, q)
		}
	}
	for q := 1; q < n; q++ {
		if !placed[q] {
			r.note("%s shares no packet with %s, directly or through another point: its clock cannot be placed", r.out.Points[q].Name, r.out.Points[0].Name)
		}
	}
}

// offset is q's clock minus p's, and the drift of q against p.
func (r *run) offset(p, q int) (int64, float64, bool) {
	if p < q {
		c := r.clocks[p][q]
		return c.off, c.driftPPM, c.ok
	}
	c := r.clocks[q][p]
	return -c.off, -c.driftPPM, c.ok
}

// pairOf is the Pair of a matched connection.
func (r *run) pairOf(m *connMatch) Pair {
	a, b := &r.res[m.i].Packets[m.ci], &r.res[m.j].Packets[m.cj]
	cp := r.clocks[m.i][m.j]
	p := Pair{A: m.i, B: m.j, ConnA: m.ci, ConnB: m.cj}
	if !m.aIsI {
		p.A, p.B, p.ConnA, p.ConnB = m.j, m.i, m.cj, m.ci
	}
	p.Translation = translation(r.res[p.A].Packets[p.ConnA], r.res[p.B].Packets[p.ConnB], m.flip)
	d := connDelay(m, r.res, &cp)
	p.Delay = [2]time.Duration{time.Duration(d[0]), time.Duration(d[1])}
	if !m.aIsI {
		p.Delay[0], p.Delay[1] = p.Delay[1], p.Delay[0]
	}
	fateI, fateJ := make([]Fate, len(a.Packets)), make([]Fate, len(b.Packets))
	p.FateA, p.FateB = fateI, fateJ
	if !m.aIsI {
		p.FateA, p.FateB = fateJ, fateI
	}
	for k := range 2 {
		dir := clientDir(a)
		if k == 1 {
			dir = 1 - dir
		}
		si := side{point: m.i, conn: m.ci, c: a, idx: m.dir[dir].pi, partner: m.dir[dir].toJ, rev: m.dir[1-dir].pi, fate: fateI}
		sj := side{point: m.j, conn: m.cj, c: b, idx: m.dir[dir].pj, partner: m.dir[dir].toI, rev: m.dir[1-dir].pj,
			seqShift: m.dir[dir].seqShift, ackShift: m.dir[dir].ackShift, fate: fateJ}
		v := dirView{s: si, r: sj, toR: cp.toJ, toS: cp.toI, delay: cp.delay[0], winS: r.win[m.i], winR: r.win[m.j], maxRefs: r.opts.MaxRefs}
		if !travelsIJ(m, a, dir) {
			v = dirView{s: sj, r: si, toR: cp.toI, toS: cp.toJ, delay: cp.delay[1], winS: r.win[m.j], winR: r.win[m.i], maxRefs: r.opts.MaxRefs}
		}
		res := countDirection(&v, r.sc)
		r.missed[v.r.point] += res.missedR
		r.missed[v.s.point] += res.missedS
		p.Path[k] = res.counts
		if res.rewrittenData {
			r.rewrites[[2]int{m.i, m.j}]++
		}
		p.Dropped = append(p.Dropped, res.dropped...)
		p.Injected = append(p.Injected, res.injected...)
	}
	return p
}

// translation names the ends a NAT between the points rewrote, A's view
// first: "198.51.100.10:40112 ↔ 192.0.2.1:61000".
func translation(a, b analysis.ConnPackets, flip bool) string {
	bc, bs := b.Client, b.Server
	if flip {
		bc, bs = bs, bc
	}
	var parts []string
	if a.Client != bc {
		parts = append(parts, a.Client.String()+" ↔ "+bc.String())
	}
	if a.Server != bs {
		parts = append(parts, a.Server.String()+" ↔ "+bs.String())
	}
	return strings.Join(parts, ", ")
}

// windowOf is a point's capture: its inputs' first and last packets, or
// its kept packets' when the inputs say nothing. It is taken to begin at
// its first packet (a capture begun in the middle of a transfer, as one
// started when a problem is noticed, is common, and its first packet
// says when it began) and to run on past its last by the quiet before it
// (edgeGrace).
func windowOf(res *analysis.Result) window {
	w := window{first: math.MaxInt64, last: math.MinInt64}
	for _, in := range res.Inputs {
		if in.Packets == 0 || in.First.IsZero() {
			continue
		}
		w.first, w.last = min(w.first, in.First.UnixNano()), max(w.last, in.Last.UnixNano())
	}
	var times []int64
	for _, c := range res.Packets {
		for _, p := range c.Packets {
			times = append(times, p.TS)
		}
	}
	if len(times) == 0 {
		return w
	}
	slices.Sort(times)
	first, last := times[0], times[len(times)-1]
	if w.first > w.last {
		w.first, w.last = first, last
	}
	if len(times) > 1 && w.last == last {
		w.last += edgeGrace(last - times[len(times)-2])
	}
	return w
}

// edgeGrace is how long a capture is taken to have been listening past
// its last packet, given the gap between its last two: a capture that
// waited seconds between packets (SYNs retried, a stalled transfer) was
// still listening a moment after its last, as a capture is stopped by a
// person or a timer, not by the traffic; a busy one that went quiet
// stopped. Up to a second.
func edgeGrace(gap int64) int64 { return min(gap, int64(time.Second)) }

func pairsOf(all [][]*connMatch, i, j int) []*connMatch {
	for _, ms := range all {
		if len(ms) > 0 && ms[0].i == i && ms[0].j == j {
			return ms
		}
	}
	return nil
}

func (r *run) note(format string, args ...any) {
	r.out.Notes = append(r.out.Notes, fmt.Sprintf(format, args...))
}

func conns(n int) string {
	if n == 1 {
		return "1 connection"
	}
	return fmt.Sprintf("%d connections", n)
}

// noteEmptyPoints says which points kept no FTP connection, or not all
// of their packets.
func (r *run) noteEmptyPoints() {
	for p, res := range r.res {
		name := r.out.Points[p].Name
		if len(res.Packets) == 0 {
			r.note("%s holds no FTP connection", name)
			continue
		}
		var dropped int64
		for _, c := range res.Packets {
			dropped += c.Dropped
		}
		if dropped > 0 {
			r.note("%s: %d packets of its FTP connections were not kept (the cap, or found as FTP late): their connections' counts are short of them", name, dropped)
		}
	}
}

// noteNothingShared says why two points share no connection.
func (r *run) noteNothingShared(i, j int) {
	wi, wj := r.win[i], r.win[j]
	ni, nj := r.out.Points[i].Name, r.out.Points[j].Name
	if len(r.res[i].Packets) == 0 || len(r.res[j].Packets) == 0 {
		return // said by noteEmptyPoints
	}
	if wi.first > wi.last || wj.first > wj.last || wi.last < wj.first || wj.last < wi.first {
		r.note("%s and %s do not overlap in time (%s, %s) and share no connection: each is analysed alone",
			ni, nj, span(wi), span(wj))
		return
	}
	r.note("%s and %s overlap in time but share no connection (no initial sequence numbers or packets in common): each is analysed alone", ni, nj)
}

func span(w window) string {
	if w.first > w.last {
		return "no packets"
	}
	f := time.Unix(0, w.first).UTC().Format(time.RFC3339)
	l := time.Unix(0, w.last).UTC().Format(time.RFC3339)
	return f + " to " + l
}

// noteMissed says which points' captures missed packets: those were not
// counted as lost or injected, but a pure ACK such a capture missed
// cannot be told from one the network lost.
func (r *run) noteMissed() {
	for p, n := range r.missed {
		if n == 0 {
			continue
		}
		r.note("%s's capture missed %d packets that went by (the other point saw them, and TCP acknowledged or continued past them): not counted as lost or injected; pure ACKs it missed cannot be told from lost ones and count as dropped",
			r.out.Points[p].Name, n)
	}
}

// noteRewrites reports the contradiction of data both dropped and
// injected in one direction of a connection: what left one point is not
// what reached the other, as when a middlebox rewrites the stream (an
// FTP ALG changing the length of a PORT command or a 227 reply shifts
// every later sequence number, a proxy re-segments with its own). The
// counts of those connections are then not the path's losses.
func (r *run) noteRewrites() {
	for i := range r.out.Points {
		for j := i + 1; j < len(r.out.Points); j++ {
			if n := r.rewrites[[2]int{i, j}]; n > 0 {
				r.note("%s and %s disagree on %s: data left one point and other data reached the other (a middlebox rewrote the stream, as an FTP ALG or a proxy does); their dropped and injected counts are not the path's",
					r.out.Points[i].Name, r.out.Points[j].Name, conns(n))
			}
		}
	}
}

// FateOf says what became of packet n of point's connection conn (its
// index in the point's Result.Packets) between that point and other,
// FateUnknown when the two points share no pair of it.
func (c *Correlation) FateOf(point, conn, n, other int) Fate {
	for _, p := range c.PairsOf(point, conn) {
		fates := p.FateA
		if p.B == point && p.ConnB == conn {
			fates = p.FateB
		}
		if (p.A == other || p.B == other) && n >= 0 && n < len(fates) {
			return fates[n]
		}
	}
	return FateUnknown
}

// PairsOf returns the pairs in which point's connection conn (its index
// in the point's Result.Packets) takes part, as A or as B.
func (c *Correlation) PairsOf(point, conn int) []*Pair {
	ks := c.pairIndex()[pointConn{point, conn}]
	if len(ks) == 0 {
		return nil
	}
	out := make([]*Pair, len(ks))
	for i, k := range ks {
		out[i] = &c.Pairs[k]
	}
	return out
}

// pairIndex is byConn, made on first use and again when pairs were
// added: each pair under both of its connections (a side of -1, a
// connection the other point did not see, is not indexed: no verdict's
// connection is -1).
func (c *Correlation) pairIndex() map[pointConn][]int {
	if c.byConn == nil || c.byConnOf != len(c.Pairs) {
		c.byConnOf = len(c.Pairs)
		c.byConn = make(map[pointConn][]int, 2*len(c.Pairs))
		for k := range c.Pairs {
			p := &c.Pairs[k]
			if p.ConnA >= 0 {
				c.byConn[pointConn{p.A, p.ConnA}] = append(c.byConn[pointConn{p.A, p.ConnA}], k)
			}
			if p.ConnB >= 0 && (p.B != p.A || p.ConnB != p.ConnA) {
				c.byConn[pointConn{p.B, p.ConnB}] = append(c.byConn[pointConn{p.B, p.ConnB}], k)
			}
		}
	}
	return c.byConn
}

// Frame names a packet of a point's files: its input (index in the
// point's Result.Inputs) and 1-based frame number, as evidence does.
type Frame struct {
	Input int
	Frame int64
}

// Where is a packet among a point's kept packets: the connection's index
// in Result.Packets and the packet's in its Packets.
type Where struct{ Conn, Packet int }

// Locate finds the given frames among res's kept packets, in one pass
// over them; a frame of no kept FTP connection is absent from the map.
func Locate(res *analysis.Result, frames []Frame) map[Frame]Where {
	want := make(map[Frame]bool, len(frames))
	for _, f := range frames {
		want[f] = true
	}
	found := map[Frame]Where{}
	if res == nil {
		return found
	}
	for c := range res.Packets {
		for n, p := range res.Packets[c].Packets {
			if f := (Frame{p.Input, p.Frame}); want[f] {
				found[f] = Where{c, n}
			}
		}
	}
	return found
}
