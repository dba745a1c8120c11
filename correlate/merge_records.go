package correlate

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// node is one point's connection: its index in the point's
// Result.Packets.
type node struct{ point, conn int }

// connGroups says which of the points' connections are one connection:
// those the correlation paired, joined through every pair (with three
// points a connection seen at all three is one group).
type connGroups struct {
	group   map[node]int
	members [][]node
	pairs   [][]int // indices into Correlation.Pairs, by group
	// listed maps a point's Result.Connections index to its node.
	listed []map[int]node
	// lone holds the pair of a connection only one point saw (the
	// other side -1), counted against the other point's capture.
	lone map[node]int
}

func groupConnections(vs []Vantage, c *Correlation) *connGroups {
	g := &connGroups{group: map[node]int{}, listed: make([]map[int]node, len(vs)), lone: map[node]int{}}
	for p, v := range vs {
		g.listed[p] = map[int]node{}
		if v.Result == nil {
			continue
		}
		for k, cp := range v.Result.Packets {
			if cp.Connection >= 0 {
				g.listed[p][cp.Connection] = node{p, k}
			}
		}
	}
	for i, pr := range c.Pairs {
		a, b := node{pr.A, pr.ConnA}, node{pr.B, pr.ConnB}
		switch va, vb := g.valid(vs, a), g.valid(vs, b); {
		case va && !vb && pr.ConnB < 0:
			g.lone[a] = i
			continue
		case vb && !va && pr.ConnA < 0:
			g.lone[b] = i
			continue
		case !va || !vb:
			continue
		}
		ga, gb := g.ensure(a), g.ensure(b)
		if ga != gb {
			g.join(ga, gb)
		}
		g.pairs[g.group[a]] = append(g.pairs[g.group[a]], i)
	}
	return g
}

func (g *connGroups) valid(vs []Vantage, n node) bool {
	return n.point >= 0 && n.point < len(vs) && vs[n.point].Result != nil &&
		n.conn >= 0 && n.conn < len(vs[n.point].Result.Packets)
}

// ensure returns n's group, making it one of its own.
func (g *connGroups) ensure(n node) int {
	if id, ok := g.group[n]; ok {
		return id
	}
	id := len(g.members)
	g.group[n] = id
	g.members = append(g.members, []node{n})
	g.pairs = append(g.pairs, nil)
	return id
}

// join moves group b's members and pairs into group a.
func (g *connGroups) join(a, b int) {
	for _, n := range g.members[b] {
		g.group[n] = a
	}
	g.members[a] = append(g.members[a], g.members[b]...)
	g.pairs[a] = append(g.pairs[a], g.pairs[b]...)
	g.members[b], g.pairs[b] = nil, nil
}

// of returns the group of a point's connection, if another point saw it.
func (g *connGroups) of(n node) (int, bool) {
	id, ok := g.group[n]
	return id, ok
}

// nearestClient picks, among a group's members, the one at the point
// nearest the FTP client: a point that is the client's side (A) of one of
// the group's pairs and the server's side (B) of none; else the first
// point given. Its records lead: the addresses are the ones the client
// used (before any NAT), the times the ones its user lived, and the bytes
// of a download the ones that arrived.
func (g *connGroups) nearestClient(id int, c *Correlation) node {
	members := slices.Clone(g.members[id])
	slices.SortFunc(members, func(a, b node) int { return cmp.Or(cmp.Compare(a.point, b.point), cmp.Compare(a.conn, b.conn)) })
	isA, isB := map[int]bool{}, map[int]bool{}
	for _, i := range g.pairs[id] {
		isA[c.Pairs[i].A] = true
		isB[c.Pairs[i].B] = true
	}
	for _, n := range members {
		if isA[n.point] && !isB[n.point] {
			return n
		}
	}
	return members[0]
}

// sessKey is a session at one point.
type sessKey struct {
	point int
	id    string
}

// sessionMerge is the merged session list and the new id of every
// point's session.
type sessionMerge struct {
	list []analysis.Session
	id   map[sessKey]string
}

// mergeSessions lists each session once: sessions whose control
// connections the correlation paired are one session, recorded as the
// point nearest the FTP client saw it (nearestClient says why), broken
// when any point's record of it is. Sessions are numbered anew in order
// of their start on the first point's clock.
func (m *merger) mergeSessions() sessionMerge {
	parent := map[sessKey]sessKey{}
	var find func(k sessKey) sessKey
	find = func(k sessKey) sessKey {
		p, ok := parent[k]
		if !ok || p == k {
			return k
		}
		root := find(p)
		parent[k] = root
		return root
	}
	type joined struct{ any, lead sessKey }
	var leads []joined
	for id, members := range m.conns.members {
		var keys []sessKey
		for _, n := range members {
			cp := m.vs[n.point].Result.Packets[n.conn]
			if cp.Kind == classify.KindControl && cp.Session != "" {
				keys = append(keys, sessKey{n.point, cp.Session})
			}
		}
		if len(keys) < 2 {
			continue
		}
		for _, k := range keys[1:] {
			ra, rb := find(keys[0]), find(k)
			if ra != rb {
				parent[rb] = ra
			}
		}
		lead := m.conns.nearestClient(id, m.c)
		leads = append(leads, joined{keys[0], sessKey{lead.point, m.vs[lead.point].Result.Packets[lead.conn].Session}})
	}
	leadOf := map[sessKey]sessKey{} // a joined session's root → its leading record
	for _, j := range leads {
		if _, done := leadOf[find(j.any)]; !done {
			leadOf[find(j.any)] = j.lead
		}
	}

	type rec struct {
		key   sessKey
		s     analysis.Session
		order int
	}
	var recs []rec
	broken := map[sessKey]bool{}
	for p, v := range m.vs {
		if v.Result == nil {
			continue
		}
		for _, s := range v.Result.Sessions {
			k := sessKey{p, s.ID}
			if s.Outcome == analysis.OutcomeBroken {
				broken[find(k)] = true
			}
			if lead, joined := leadOf[find(k)]; joined && lead != k {
				continue
			}
			recs = append(recs, rec{k, m.sessionOnRef(p, s), idNumber(s.ID)})
		}
	}
	slices.SortStableFunc(recs, func(a, b rec) int {
		return cmp.Or(a.s.Start.Compare(b.s.Start), cmp.Compare(a.key.point, b.key.point), cmp.Compare(a.order, b.order))
	})
	out := sessionMerge{list: make([]analysis.Session, 0, len(recs)), id: map[sessKey]string{}}
	newID := map[sessKey]string{} // root → new id
	for i, r := range recs {
		id := "S" + strconv.Itoa(i+1)
		newID[find(r.key)] = id
		r.s.ID = id
		if broken[find(r.key)] {
			r.s.Outcome = analysis.OutcomeBroken
		}
		out.list = append(out.list, r.s)
	}
	for p, v := range m.vs {
		if v.Result == nil {
			continue
		}
		for _, s := range v.Result.Sessions {
			k := sessKey{p, s.ID}
			out.id[k] = newID[find(k)]
		}
	}
	return out
}

// sessionOnRef is point p's session with its times on the first point's
// clock and its inputs numbered in the merged list.
func (m *merger) sessionOnRef(p int, s analysis.Session) analysis.Session {
	s.Start, s.End = m.toRef(p, s.Start), m.toRef(p, s.End)
	s.Input += m.inputBase[p]
	s.Transfers = slices.Clone(s.Transfers)
	for i := range s.Transfers {
		t := &s.Transfers[i]
		t.Start, t.End = m.toRef(p, t.Start), m.toRef(p, t.End)
		t.Input += m.inputBase[p]
		t.SeqGraph = m.seqGraphOnRef(p, t.SeqGraph)
	}
	s.Timeline = m.timelineOnRef(p, s.Timeline)
	return s
}

// seqGraphOnRef is a copy of point p's time-sequence graph on the first
// point's clock: its points are times since its Start, so moving Start
// and End moves them all, and the break a verdict marks (on the first
// point's clock) lands where it happened.
func (m *merger) seqGraphOnRef(p int, g *analysis.SeqGraph) *analysis.SeqGraph {
	if g == nil {
		return nil
	}
	out := *g
	out.Start, out.End = m.toRef(p, g.Start), m.toRef(p, g.End)
	return &out
}

// timelineOnRef is a copy of point p's session timeline on the first
// point's clock.
func (m *merger) timelineOnRef(p int, tl *analysis.Timeline) *analysis.Timeline {
	if tl == nil {
		return nil
	}
	out := *tl
	out.Start, out.End = m.toRef(p, tl.Start), m.toRef(p, tl.End)
	out.Exchanges = slices.Clone(tl.Exchanges)
	for i := range out.Exchanges {
		x := &out.Exchanges[i]
		x.At, x.ReplyAt = m.toRef(p, x.At), m.toRef(p, x.ReplyAt)
	}
	out.Data = slices.Clone(tl.Data)
	for i := range out.Data {
		d := &out.Data[i]
		d.Start, d.End = m.toRef(p, d.Start), m.toRef(p, d.End)
	}
	return &out
}

// mergeConnections lists each connection once: one the correlation
// paired is recorded as the point nearest the FTP client saw it, with the
// pair's counts of what was sent, delivered, dropped and injected
// between the points as its path. A connection only one point saw has
// the counts the correlation made of it against the other point's
// capture (what left towards it was dropped), or no path when the other
// point is not on its way.
func (m *merger) mergeConnections(sessions sessionMerge) []analysis.Connection {
	out := []analysis.Connection{}
	for p, v := range m.vs {
		if v.Result == nil {
			continue
		}
		for i, conn := range v.Result.Connections {
			var path *analysis.ConnPath
			if n, ok := m.conns.listed[p][i]; ok {
				if id, grouped := m.conns.of(n); grouped {
					if m.conns.nearestClient(id, m.c) != n {
						continue // listed with the leading point's record
					}
					path = m.pathOf(id)
				} else if k, lone := m.conns.lone[n]; lone {
					path = pairPath(m.c.Pairs[k])
				}
			}
			conn.Start, conn.End = m.toRef(p, conn.Start), m.toRef(p, conn.End)
			conn.Input += m.inputBase[p]
			if conn.Session != "" {
				conn.Session = sessions.id[sessKey{p, conn.Session}]
			}
			conn.Path = path
			out = append(out, conn)
		}
	}
	slices.SortStableFunc(out, func(a, b analysis.Connection) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Input, b.Input), cmp.Compare(a.Frame, b.Frame))
	})
	return out
}

// pathOf is a group's path counts: its first pair's (with three points,
// the pair the correlation found first, normally the outermost points).
func (m *merger) pathOf(id int) *analysis.ConnPath {
	if len(m.conns.pairs[id]) == 0 {
		return nil
	}
	return pairPath(m.c.Pairs[m.conns.pairs[id][0]])
}

func pairPath(pr Pair) *analysis.ConnPath {
	p := &analysis.ConnPath{ClientToServer: pathCounts(pr.Path[0]), ServerToClient: pathCounts(pr.Path[1]), Translation: pr.Translation}
	if pr.Delay != [2]time.Duration{} && pr.ConnA >= 0 && pr.ConnB >= 0 {
		p.DelayS = &analysis.DirDelays{ClientToServer: pr.Delay[0].Seconds(), ServerToClient: pr.Delay[1].Seconds()}
	}
	return p
}

func pathCounts(d DirCounts) analysis.PathCounts {
	return analysis.PathCounts{Sent: d.Sent, Delivered: d.Delivered, Dropped: d.Dropped, Injected: d.Injected}
}
