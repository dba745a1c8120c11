package correlate

import (
	"cmp"
	"slices"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// A merged verdict's ladder diagrams (kept for the HTML report) show
// every capture point that saw the connection: which points captured
// each packet, the packets dropped between two points and those
// injected between them, and the packets only another point captured
// (the SYN-ACKs that left the server and never reached the client's
// point, for one). The ladders come from the leading point's analysis;
// what the other points saw comes from the correlation.

// ladderKey names a packet by its file and frame at one point.
type ladderKey struct {
	input int
	frame int64
}

// mergeLadders returns the lead point's ladders of a merged verdict
// with the capture points drawn in. ev is the merged verdict's evidence:
// another point's packets it quotes are marked deciding.
func (m *merger) mergeLadders(lead int, ladders []analysis.Ladder, ev []analysis.Evidence) []analysis.Ladder {
	if len(ladders) == 0 || len(m.vs) < 2 || m.vs[lead].Result == nil {
		return ladders
	}
	out := make([]analysis.Ladder, len(ladders))
	for i := range ladders {
		out[i] = m.mergeLadder(lead, ladders[i], ev)
	}
	return out
}

// pointView is what one other point saw of the ladder's connection.
type pointView struct {
	pair  *Pair
	point int
	conn  int // in the point's Result.Packets; -1: it never saw it
	// flip: that point's TCP client is the lead point's TCP server.
	flip bool
	// leadFates and fates are what became of each packet of the lead
	// point's connection and of this point's between the two (nil when
	// the correlation does not say: the refs and the segments tell).
	leadFates, fates []Fate
}

func (m *merger) mergeLadder(lead int, ld analysis.Ladder, ev []analysis.Evidence) analysis.Ladder {
	r := m.vs[lead].Result
	ld.Vantage = m.vs[lead].Name
	pkts := slices.Clone(ld.Packets)
	ld.Packets = pkts
	for i := range pkts {
		pkts[i].Point = ld.Vantage
		pkts[i].Time = m.toRef(lead, pkts[i].Time)
	}
	k := ladderConn(r, pkts)
	var views []pointView
	if k >= 0 {
		for _, p := range m.c.PairsOf(lead, k) {
			v := pointView{pair: p, point: p.B, conn: p.ConnB, leadFates: p.FateA, fates: p.FateB}
			if p.B == lead && p.ConnB == k {
				v.point, v.conn, v.leadFates, v.fates = p.A, p.ConnA, p.FateB, p.FateA
			}
			if v.point < 0 || v.point >= len(m.vs) || m.vs[v.point].Result == nil {
				continue
			}
			if v.conn >= 0 && v.conn < len(m.vs[v.point].Result.Packets) {
				v.flip = flipped(&r.Packets[k], &m.vs[v.point].Result.Packets[v.conn])
			} else {
				v.conn = -1
			}
			views = append(views, v)
		}
	}
	order := m.pointOrder(lead, views)
	bit := make(map[int]uint64, len(order))
	for i, p := range order {
		ld.Points = append(ld.Points, m.vs[p].Name)
		bit[p] = 1 << uint(i)
	}
	for i := range pkts {
		pkts[i].SeenAt = bit[lead]
	}
	if k < 0 {
		return ld
	}
	cp := &r.Packets[k]
	index := make(map[ladderKey]int, len(cp.Packets))
	for n, pk := range cp.Packets {
		index[ladderKey{pk.Input, pk.Frame}] = n
	}
	var extra []analysis.LadderPacket
	for _, v := range views {
		m.markSeen(lead, k, v, pkts, index, bit[v.point])
		extra = append(extra, m.onlyThere(lead, k, v, bit[v.point], ev, windowScales(cp, pkts, index))...)
	}
	if extra = sameOnce(extra); len(extra) > 0 {
		ld.Packets = interleave(pkts, extra)
		ld.Total += int64(len(extra))
	}
	return ld
}

// ladderConn is the index in r.Packets of the connection whose packets
// a ladder draws, found by the frame of its first TCP packet; -1 when
// none holds it.
func ladderConn(r *analysis.Result, pkts []analysis.LadderPacket) int {
	for _, lp := range pkts {
		if lp.ICMP != "" {
			continue
		}
		for k := range r.Packets {
			for _, pk := range r.Packets[k].Packets {
				if pk.Input == lp.Input && pk.Frame == lp.Frame {
					return k
				}
			}
		}
		return -1
	}
	return -1
}

// flipped: the two views of one connection name opposite ends as its TCP
// client (a connection picked up mid-stream), told by the initial
// sequence numbers where both saw a SYN.
func flipped(a, b *analysis.ConnPackets) bool {
	return (a.SawSYN[0] && b.SawSYN[1] && a.ISN[0] == b.ISN[1]) ||
		(a.SawSYN[1] && b.SawSYN[0] && a.ISN[1] == b.ISN[0])
}

// pointOrder is the ladder's points from the FTP client's side to the
// server's: the points a pair places nearer the client than the lead
// point, the lead, then those nearer the server. Two points on the same
// side are ordered as a pair of theirs places them, else as given.
func (m *merger) pointOrder(lead int, views []pointView) []int {
	rank := map[int]int{lead: 0}
	for _, v := range views {
		if v.pair.A == v.point {
			rank[v.point] = -1
		} else {
			rank[v.point] = 1
		}
	}
	order := make([]int, 0, len(rank))
	for p := range rank {
		order = append(order, p)
	}
	slices.Sort(order)
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(rank[a], rank[b]), m.nearerClient(a, b)) })
	return order
}

// nearerClient compares two points by a connection they both saw: -1
// when a is nearer the FTP client, 1 when b is, 0 when no pair says.
func (m *merger) nearerClient(a, b int) int {
	for _, p := range m.c.Pairs {
		if p.ConnA < 0 || p.ConnB < 0 {
			continue
		}
		switch {
		case p.A == a && p.B == b:
			return -1
		case p.A == b && p.B == a:
			return 1
		}
	}
	return 0
}

// markSeen sets, on the lead point's packets, whether the other point
// of v captured them and whether they were dropped or injected between
// the two points. A packet neither dropped nor injected that the other
// point did not capture went by it unseen (capture loss, or outside its
// capture): it gets no mark there.
func (m *merger) markSeen(lead, conn int, v pointView, pkts []analysis.LadderPacket, index map[ladderKey]int, bit uint64) {
	cp := &m.vs[lead].Result.Packets[conn]
	if len(v.leadFates) == len(cp.Packets) {
		markFates(v.leadFates, pkts, index, bit)
		return
	}
	dropped, injected := refsAt(v.pair.Dropped, lead, conn), refsAt(v.pair.Injected, lead, conn)
	partners := m.partnerIndex(v)
	for i := range pkts {
		lp := &pkts[i]
		if lp.ICMP != "" {
			continue
		}
		n, ok := index[ladderKey{lp.Input, lp.Frame}]
		if !ok {
			continue
		}
		switch {
		case dropped[n]:
			lp.PathDropped = true
		case injected[n]:
			lp.PathInjected = true
		default:
			pk := cp.Packets[n]
			key := partnerKey{fromClient: pk.FromClient != v.flip, seg: keyOf(&pk)}
			if left := partners[key]; left > 0 {
				partners[key] = left - 1
				lp.SeenAt |= bit
			}
		}
	}
}

// markFates marks the lead point's packets by the fate the correlation
// gave each.
func markFates(fates []Fate, pkts []analysis.LadderPacket, index map[ladderKey]int, bit uint64) {
	for i := range pkts {
		lp := &pkts[i]
		n, ok := index[ladderKey{lp.Input, lp.Frame}]
		if lp.ICMP != "" || !ok {
			continue
		}
		switch fates[n] {
		case FateSeen:
			lp.SeenAt |= bit
		case FateDropped:
			lp.PathDropped = true
		case FateInjected:
			lp.PathInjected = true
		}
	}
}

// partnerKey is a packet as two points both see it, in the lead point's
// orientation of the connection.
type partnerKey struct {
	fromClient bool
	seg        segKey
}

// partnerIndex counts the packets v's point captured of the connection,
// by what identifies them at both points.
func (m *merger) partnerIndex(v pointView) map[partnerKey]int {
	out := map[partnerKey]int{}
	if v.conn < 0 {
		return out
	}
	for _, pk := range m.vs[v.point].Result.Packets[v.conn].Packets {
		out[partnerKey{fromClient: pk.FromClient, seg: keyOf(&pk)}]++
	}
	return out
}

// refsAt are the packet indices of the refs at one point's connection.
func refsAt(refs []PacketRef, point, conn int) map[int]bool {
	out := map[int]bool{}
	for _, ref := range refs {
		if ref.Point == point && ref.Conn == conn {
			out[ref.Packet] = true
		}
	}
	return out
}

// onlyThere are the packets of the connection v's point captured and the
// lead point's capture has not, because they never got there: dropped
// after leaving v's point, or injected on the way to it. They are drawn
// in the lead point's orientation and relative sequence numbers, on the
// report's clock, with v's point's frame numbers.
func (m *merger) onlyThere(lead, conn int, v pointView, bit uint64, ev []analysis.Evidence, scale [2]int64) []analysis.LadderPacket {
	if v.conn < 0 {
		return nil
	}
	other := &m.vs[v.point].Result.Packets[v.conn]
	base := seqBases(other)
	name := m.vs[v.point].Name
	quoted := map[ladderKey]bool{}
	for _, e := range ev {
		if e.Vantage == name && e.Frame > 0 {
			quoted[ladderKey{m.inputIndex(v.point, e.Input), e.Frame}] = true
		}
	}
	var out []analysis.LadderPacket
	for _, lost := range lostThere(v, other) {
		pk := other.Packets[lost.n]
		fromClient := pk.FromClient != v.flip
		lp := analysis.LadderPacket{
			Frame: pk.Frame, Input: pk.Input, Time: m.toRef(v.point, time.Unix(0, pk.TS).UTC()),
			FromClient: fromClient, Flags: pk.Flags, Len: pk.Len, Win: int64(pk.Win) * scale[sideOf(fromClient)], TTL: pk.TTL, IPID: pk.IPID,
			Point: name, SeenAt: bit, PathDropped: lost.dropped, PathInjected: !lost.dropped,
			Deciding: quoted[ladderKey{pk.Input, pk.Frame}],
		}
		// Each point's own initial sequence numbers: the relative
		// numbers agree where a firewall between them shifts the raw ones.
		lp.Seq, lp.Ack = pk.Seq-base[sideOf(pk.FromClient)], pk.Ack-base[1-sideOf(pk.FromClient)]
		out = append(out, lp)
	}
	return out
}

// maxAddedPerPoint bounds the packets one other point adds to a ladder:
// a long black hole drops thousands, and the drawing shows a few hundred
// arrows at most.
const maxAddedPerPoint = 400

// lostPacket is one of a point's packets the lead point never saw
// because it was dropped or injected between them: its index in the
// point's connection.
type lostPacket struct {
	n       int
	dropped bool
}

// lostThere lists the packets of v's point dropped or injected between
// it and the lead point, by the correlation's fates where it gives them,
// else by its refs, in capture order.
func lostThere(v pointView, other *analysis.ConnPackets) []lostPacket {
	var out []lostPacket
	if len(v.fates) == len(other.Packets) {
		for n, f := range v.fates {
			if (f == FateDropped || f == FateInjected) && len(out) < maxAddedPerPoint {
				out = append(out, lostPacket{n, f == FateDropped})
			}
		}
		return out
	}
	for _, refs := range []struct {
		list    []PacketRef
		dropped bool
	}{{v.pair.Dropped, true}, {v.pair.Injected, false}} {
		for _, ref := range refs.list {
			if ref.Point == v.point && ref.Conn == v.conn && ref.Packet >= 0 && ref.Packet < len(other.Packets) && len(out) < maxAddedPerPoint {
				out = append(out, lostPacket{ref.Packet, refs.dropped})
			}
		}
	}
	slices.SortFunc(out, func(a, b lostPacket) int { return cmp.Compare(a.n, b.n) })
	return out
}

// inputIndex is the index among point's inputs of the file at path (0
// when not found: a point of one file).
func (m *merger) inputIndex(point int, path string) int {
	for i, in := range m.vs[point].Result.Inputs {
		if in.Path == path {
			return i
		}
	}
	return 0
}

// windowScales are the factors each side's raw window field is scaled
// by in the ladder (1 where the ladder does not scale it): the ladder's
// window of a packet after the handshake over the raw field of the same
// packet, as the lead point captured it.
func windowScales(cp *analysis.ConnPackets, pkts []analysis.LadderPacket, index map[ladderKey]int) [2]int64 {
	scale, set := [2]int64{1, 1}, [2]bool{}
	for _, lp := range pkts {
		n, ok := index[ladderKey{lp.Input, lp.Frame}]
		if !ok || lp.ICMP != "" || lp.Flags&tcpflow.FlagSYN != 0 {
			continue
		}
		s, raw := sideOf(lp.FromClient), int64(cp.Packets[n].Win)
		if !set[s] && raw > 0 && lp.Win >= raw && lp.Win%raw == 0 {
			scale[s], set[s] = lp.Win/raw, true
		}
	}
	return scale
}

func sideOf(fromClient bool) int {
	if fromClient {
		return 0
	}
	return 1
}

// seqBases are the numbers a ladder's sequence numbers count from, per
// side (0: the TCP client): the initial sequence number where the SYN
// was seen, else the first sequence number the side sent.
func seqBases(cp *analysis.ConnPackets) [2]uint32 {
	var base [2]uint32
	var set [2]bool
	for s := range 2 {
		if cp.SawSYN[s] {
			base[s], set[s] = cp.ISN[s], true
		}
	}
	for _, pk := range cp.Packets {
		s := sideOf(pk.FromClient)
		if !set[s] {
			base[s], set[s] = pk.Seq, true
		}
	}
	return base
}

// sameOnce joins the copies of one packet that several other points
// captured (the SYN-ACK the router and the server's point both saw leave
// and the client's never got): one packet, seen at each of them, named
// by the first point's frame. The n-th copy of a segment at one point
// joins the n-th at another: retransmissions stay apart.
func sameOnce(extra []analysis.LadderPacket) []analysis.LadderPacket {
	type segment struct {
		fromClient bool
		flags      uint8
		seq, ack   uint32
		len        int
	}
	type copyAt struct {
		seg   segment
		point string
	}
	type nth struct {
		seg segment
		n   int
	}
	copies := map[copyAt]int{}
	at := map[nth]int{}
	out := extra[:0]
	for _, p := range extra {
		seg := segment{p.FromClient, p.Flags, p.Seq, p.Ack, p.Len}
		n := copies[copyAt{seg, p.Point}]
		copies[copyAt{seg, p.Point}] = n + 1
		if i, ok := at[nth{seg, n}]; ok {
			out[i].SeenAt |= p.SeenAt
			out[i].PathDropped = out[i].PathDropped || p.PathDropped
			out[i].PathInjected = out[i].PathInjected || p.PathInjected
			out[i].Deciding = out[i].Deciding || p.Deciding
			continue
		}
		at[nth{seg, n}] = len(out)
		out = append(out, p)
	}
	return out
}

// interleave puts the other points' packets among the ladder's in time
// order, the ladder's own order kept (a ladder of several files need
// not be monotonic); ties go to the ladder's packet.
func interleave(pkts, extra []analysis.LadderPacket) []analysis.LadderPacket {
	slices.SortStableFunc(extra, func(a, b analysis.LadderPacket) int { return a.Time.Compare(b.Time) })
	out := make([]analysis.LadderPacket, 0, len(pkts)+len(extra))
	i := 0
	for _, p := range pkts {
		for i < len(extra) && extra[i].Time.Before(p.Time) {
			out = append(out, extra[i])
			i++
		}
		out = append(out, p)
	}
	return append(out, extra[i:]...)
}
