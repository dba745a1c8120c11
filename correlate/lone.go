package correlate

import (
	"net/netip"

	"github.com/ftpcap/ftpcap/analysis"
)

// Connections seen at one point only. A SYN that left the client's point
// and never reached the server's, a data connection a firewall between
// them blocked, a reset a middlebox sent on its own: the connection
// exists at one point and not at the other. Between two points that share
// other connections (so that their clocks are placed), a connection one
// of them saw within the other's capture, to or from a host that the
// shared connections show lies beyond the other point, is a Pair with
// the other side's connection -1: what its point saw leave towards the
// other point is dropped, what arrived from the other point's side is
// injected. A connection to a host no shared connection reached through
// the other point (a client talking to a second server) is left out: the
// other point may simply not be on its path.

// lonePairs adds the Pairs of the connections only i or only j saw.
func (r *run) lonePairs(i, j int, ms []*connMatch) {
	cp := r.clocks[i][j]
	if !cp.ok || len(ms) == 0 {
		return
	}
	votes := 0
	usedI, usedJ := map[int]bool{}, map[int]bool{}
	farI, farJ := map[netip.Addr]bool{}, map[netip.Addr]bool{}
	for _, m := range ms {
		if m.aIsI {
			votes++
		} else {
			votes--
		}
		usedI[m.ci], usedJ[m.cj] = true, true
	}
	aIsI := votes >= 0
	for _, m := range ms {
		// The far end as either point sees it: behind a NAT between them
		// a client may reach the server under the address the server's
		// point knows it by (a 227 advertising the server's own).
		ci, cj := &r.res[i].Packets[m.ci], &r.res[j].Packets[m.cj]
		farI[farEnd(ci, aIsI)], farI[farEnd(cj, aIsI)] = true, true
		farJ[farEnd(cj, !aIsI)], farJ[farEnd(ci, !aIsI)] = true, true
	}
	for _, side := range []struct {
		p, q int
		used map[int]bool
		far  map[netip.Addr]bool
		pIsA bool
	}{{i, j, usedI, farI, aIsI}, {j, i, usedJ, farJ, !aIsI}} {
		for c := range r.res[side.p].Packets {
			conn := &r.res[side.p].Packets[c]
			if side.used[c] || !side.far[farEnd(conn, side.pIsA)] {
				continue
			}
			if pair, ok := r.lonePair(side.p, side.q, c, side.pIsA); ok {
				r.out.Pairs = append(r.out.Pairs, pair)
			}
		}
	}
}

// farEnd is the address of the connection's end beyond the other point:
// the FTP server's at the point nearer the client (A), the FTP client's
// at the other.
func farEnd(c *analysis.ConnPackets, atA bool) netip.Addr {
	ftpServer, ftpClient := c.Server, c.Client
	if c.FTPServerIsClient {
		ftpServer, ftpClient = ftpClient, ftpServer
	}
	if atA {
		return ftpServer.Addr()
	}
	return ftpClient.Addr()
}

// lonePair counts connection c, seen at point p only, against point q's
// capture; ok is false when none of its packets falls within it.
func (r *run) lonePair(p, q, c int, pIsA bool) (Pair, bool) {
	conn := &r.res[p].Packets[c]
	off, _, _ := r.offset(p, q) // q's clock minus p's
	lo, hi := p, q
	if lo > hi {
		lo, hi = hi, lo
	}
	delay := r.clocks[lo][hi].delay[0]
	fates := make([]Fate, len(conn.Packets))
	pair := Pair{A: p, B: q, ConnA: c, ConnB: -1, FateA: fates}
	if !pIsA {
		pair = Pair{A: q, B: p, ConnA: -1, ConnB: c, FateB: fates}
	}
	counted := false
	for _, fromClient := range []bool{true, false} {
		idx, _ := direction(conn.Packets, fromClient, r.sc)
		s := side{point: p, conn: c, c: conn, idx: idx}
		k := 0
		if fromClient == conn.FTPServerIsClient {
			k = 1 // the FTP server sends
		}
		sentFromP := (k == 0) == pIsA
		dc := &pair.Path[k]
		for n, at := range idx {
			ts := conn.Packets[at].TS
			if sentFromP {
				if !r.win[q].holds(ts + off + delay) {
					continue
				}
				dc.Sent++
				dc.Dropped++
				fates[at] = FateDropped
				if len(pair.Dropped) < 2*r.opts.MaxRefs {
					pair.Dropped = append(pair.Dropped, s.ref(n))
				}
			} else {
				if !r.win[q].holds(ts + off - delay) {
					continue
				}
				dc.Injected++
				fates[at] = FateInjected
				if len(pair.Injected) < 2*r.opts.MaxRefs {
					pair.Injected = append(pair.Injected, s.ref(n))
				}
			}
			counted = true
		}
	}
	return pair, counted
}
