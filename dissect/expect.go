package dissect

import (
	"container/heap"
	"net/netip"
	"slices"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// expectation is a data connection a session negotiated and has not seen
// yet. It is created by a 227/229 reply (passive), a PORT/EPRT command
// (active; RFC 959 lets the server connect as soon as it accepts PORT, so
// the 200 is not waited for) or a transfer command in a session that never
// negotiated (RFC 959 §3.2's default data port). It belongs to the next
// transfer command.
type expectation struct {
	ctl  *control
	verb string // PASV, EPSV, PORT, EPRT, or "" for the default port
	mode Mode   // ModePassive or ModeActive
	// endpoint is where the data connection goes if it joins the control
	// connection's two hosts: the server's host and the negotiated port
	// for passive, the client's for active. src is the host it comes from.
	endpoint netip.AddrPort
	src      netip.Addr
	// advertised is what the reply or command carried (differs from
	// endpoint behind NAT).
	advertised netip.AddrPort
	created    tcpflow.Ref
	deadline   int64

	transfer *Transfer // the transfer command that claimed it
	dc       *DataConn // the connection that matched it

	indexed bool // in the lookup map and the expiry heap
	heapIdx int
}

// expectIndex finds expectations by the address:port a new connection goes
// to, in O(1) per connection, and expires them on capture time.
type expectIndex struct {
	byDst map[netip.AddrPort][]*expectation
	heap  expHeap
}

func newExpectIndex() expectIndex {
	return expectIndex{byDst: make(map[netip.AddrPort][]*expectation)}
}

func (x *expectIndex) add(e *expectation) {
	x.byDst[e.endpoint] = append(x.byDst[e.endpoint], e)
	if e.advertised != e.endpoint && e.advertised.IsValid() && !e.advertised.Addr().IsUnspecified() {
		x.byDst[e.advertised] = append(x.byDst[e.advertised], e)
	}
	e.indexed = true
	heap.Push(&x.heap, e)
}

func (x *expectIndex) remove(e *expectation) {
	if !e.indexed {
		return
	}
	x.unlink(e.endpoint, e)
	x.unlink(e.advertised, e)
	heap.Remove(&x.heap, e.heapIdx)
	e.indexed = false
}

func (x *expectIndex) unlink(key netip.AddrPort, e *expectation) {
	l, ok := x.byDst[key]
	if !ok {
		return
	}
	if i := slices.Index(l, e); i >= 0 {
		l = slices.Delete(l, i, i+1)
	}
	if len(l) == 0 {
		delete(x.byDst, key)
	} else {
		x.byDst[key] = l
	}
}

// extend moves an expectation's deadline.
func (x *expectIndex) extend(e *expectation, deadline int64) {
	if e.indexed && deadline > e.deadline {
		e.deadline = deadline
		heap.Fix(&x.heap, e.heapIdx)
	}
}

// due removes and returns the expectation with the earliest deadline if
// that deadline is before now.
func (x *expectIndex) due(now int64) *expectation {
	if len(x.heap) == 0 || x.heap[0].deadline >= now {
		return nil
	}
	e := x.heap[0]
	x.remove(e)
	return e
}

// match finds the expectation a new connection fulfils, oldest first:
// first one between the control connection's hosts on the negotiated port,
// then one whose advertised address:port it goes to (NAT), then — for a
// connection the tracker oriented by ports because its SYN was not
// captured — one it fulfils with its roles swapped. It returns how it
// matched (a Match* constant) and whether the roles were swapped.
func (x *expectIndex) match(c *tcpflow.Conn) (*expectation, string, bool) {
	if len(x.byDst) == 0 {
		return nil, "", false
	}
	hosts := func(e *expectation) string {
		if e.verb == "" {
			return MatchDefaultPort
		}
		return MatchHosts
	}
	l := x.byDst[c.Server]
	for _, e := range l {
		if e.endpoint == c.Server && e.src == c.Client.Addr() {
			return e, hosts(e), false
		}
	}
	for _, e := range l {
		if e.advertised == c.Server {
			return e, MatchAdvertised, false
		}
	}
	for _, e := range x.byDst[c.Client] {
		if e.endpoint == c.Client && e.src == c.Server.Addr() {
			return e, hosts(e), true
		}
	}
	return nil, "", false
}

// anyPort is the port of an expectation whose port the capture lost
// (expectCut): no TCP connection uses port 0.
const anyPort = 0

// matchHostsOnly finds the oldest expectation whose port the capture lost
// that a new connection fulfils by its hosts alone: from the expected
// source host to the expected destination host, or the other way round
// for a connection the tracker oriented by ports.
func (x *expectIndex) matchHostsOnly(c *tcpflow.Conn) (*expectation, bool) {
	if len(x.byDst) == 0 {
		return nil, false
	}
	for _, e := range x.byDst[netip.AddrPortFrom(c.Server.Addr(), anyPort)] {
		if e.src == c.Client.Addr() {
			return e, false
		}
	}
	for _, e := range x.byDst[netip.AddrPortFrom(c.Client.Addr(), anyPort)] {
		if e.src == c.Server.Addr() {
			return e, true
		}
	}
	return nil, false
}

// expHeap orders expectations by deadline.
type expHeap []*expectation

func (h expHeap) Len() int           { return len(h) }
func (h expHeap) Less(i, j int) bool { return h[i].deadline < h[j].deadline }
func (h expHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *expHeap) Push(v any) {
	e := v.(*expectation)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}
func (h *expHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.heapIdx = -1
	return e
}

// hostsMatch: c joins e's two hosts in e's direction (the opener is e's
// src), on a port that is not a control port: what a connection must be
// to be taken for a channel whose port the capture lost.
func (e *expectation) hostsMatch(c *tcpflow.Conn) bool {
	return c.Server.Addr() == e.endpoint.Addr() && c.Client.Addr() == e.src && !e.ctl.a.ports.has(c.Server.Port())
}
