package dissect

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Analyzer turns FTP control connections into Sessions and links their
// data connections. It implements tcpflow.Handler: the tracker calls it in
// capture order on one goroutine, and so must everything else (Flush,
// Stats). It keeps no state beyond the sessions still open and the data
// connections they expect, so memory stays bounded on long captures.
type Analyzer struct {
	opts  Options
	done  func(*Session)
	ports *portSet

	nextID int
	// live holds the sessions not yet handed to done, provisional ones
	// (found by banner, not confirmed) included.
	live map[*control]struct{}
	exp  expectIndex
	// tlsHosts finds the encrypted sessions between two hosts, for
	// linking their data connections by hosts alone.
	tlsHosts map[hostPair][]*control
	now      int64 // latest capture time seen
	stats    Stats
	// unclaimed holds the latest connections nobody claimed while they
	// are open, so a data channel whose 227/229 the capture lost can
	// still claim the connection its client opened before the next reply
	// showed the loss (lateLink). A fixed ring: no allocation.
	unclaimed [unclaimedRing]*tcpflow.Conn
	nextSlot  int
}

// unclaimedRing is how many unclaimed open connections lateLink looks at.
const unclaimedRing = 64

var _ tcpflow.Handler = (*Analyzer)(nil)

// New makes an Analyzer. done is called once per session, when its control
// connection and every data connection linked to it have closed (or at
// Flush), in order of completion; the Analyzer forgets the session then.
// The Session (and the tcpflow.Conns it points to) may be kept by done.
func New(opts Options, done func(*Session)) *Analyzer {
	opts = opts.withDefaults()
	return &Analyzer{
		opts:     opts,
		done:     done,
		ports:    newPortSet(opts.ControlPorts),
		live:     make(map[*control]struct{}),
		exp:      newExpectIndex(),
		tlsHosts: make(map[hostPair][]*control),
	}
}

// Stats returns the counters so far, with the limits in force.
func (a *Analyzer) Stats() Stats {
	s := a.stats
	s.Limits = limitsOf(a.opts)
	return s
}

// Opened is called for every connection's first packet. In order: a
// connection that meets an expected data endpoint is linked to its session;
// one to a control port starts a session (and asks for reassembly); one
// between the two hosts of an encrypted session is linked to it as
// inferred. Everything else costs a few map lookups and no allocation.
func (a *Analyzer) Opened(c *tcpflow.Conn) {
	a.advance(c.First.TS)
	if e, how, swapped := a.exp.match(c); e != nil {
		a.linkExpected(c, e, how, swapped)
		return
	}
	if a.ports.has(c.Server.Port()) {
		ctl := newControl(a, c, false)
		a.confirm(ctl)
		c.User = ctl
		c.Reassemble = true
		return
	}
	if e, swapped := a.exp.matchHostsOnly(c); e != nil {
		a.linkExpected(c, e, MatchHostsOnly, swapped)
		return
	}
	if len(a.tlsHosts) > 0 {
		if ctl := a.encryptedSessionBetween(c.Client.Addr(), c.Server.Addr()); ctl != nil {
			a.linkInferred(ctl, c)
			return
		}
	}
	a.unclaimed[a.nextSlot] = c
	a.nextSlot = (a.nextSlot + 1) % unclaimedRing
}

// lateLink offers an expectation the connections opened since it was
// due (since) that nobody claimed and that are still open: the capture
// lost the reply that set it up, and the client connected before the next
// reply showed the loss.
func (a *Analyzer) lateLink(e *expectation, since tcpflow.Ref) {
	var best *tcpflow.Conn
	slot := -1
	for i, c := range a.unclaimed {
		if c == nil || c.User != nil || c.First.Before(since) || !e.hostsMatch(c) {
			continue
		}
		if best == nil || c.First.Before(best.First) {
			best, slot = c, i
		}
	}
	if best != nil {
		a.unclaimed[slot] = nil
		a.linkExpected(best, e, MatchHostsOnly, false)
	}
}

// Sniff finds FTP on ports outside ControlPorts: the server's first payload
// starts with "220 " or "220-" and the client has not sent anything yet (a
// server greets first, RFC 959 §5.4). The session stays provisional until
// the client's first line is a known FTP command.
func (a *Analyzer) Sniff(c *tcpflow.Conn, dir tcpflow.Dir, payload []byte) bool {
	if dir != tcpflow.FromServer || c.User != nil || c.Half[tcpflow.FromClient].Bytes > 0 || !looksLikeBanner(payload) {
		return false
	}
	ctl := newControl(a, c, true)
	c.User = ctl
	a.live[ctl] = struct{}{}
	return true
}

// Data reads in-order bytes of a control connection.
func (a *Analyzer) Data(c *tcpflow.Conn, dir tcpflow.Dir, data []byte, at tcpflow.Ref) {
	a.advance(at.TS)
	switch u := c.User.(type) {
	case *control:
		if !u.dropped && !u.finished {
			u.data(dir, data, at)
		}
	case *DataConn:
		if u.tls != nil {
			u.tls.data(dir, data, at)
		}
	}
}

// Gap notes bytes of a control connection the capture never had.
func (a *Analyzer) Gap(c *tcpflow.Conn, dir tcpflow.Dir, n int64, at tcpflow.Ref) {
	a.advance(at.TS)
	switch u := c.User.(type) {
	case *control:
		if !u.dropped && !u.finished {
			u.gap(dir, n, at)
		}
	case *DataConn:
		if u.tls != nil {
			u.tls.gap(dir, at)
		}
	}
}

// Closed ends a control connection (its session completes once its data
// connections have closed too) or one of a session's data connections.
func (a *Analyzer) Closed(c *tcpflow.Conn) {
	if c.User == nil {
		for i := range a.unclaimed {
			if a.unclaimed[i] == c {
				a.unclaimed[i] = nil
			}
		}
		return
	}
	switch u := c.User.(type) {
	case *control:
		if u.provisional {
			a.dropProvisional(u)
			return
		}
		a.closeControl(u)
	case *DataConn:
		if ctl := u.ctl; ctl != nil {
			ctl.openData--
			if ctl.closed && ctl.openData <= 0 {
				a.finish(ctl)
			}
		}
	}
}

// Flush finishes every session still open, in ID order, as at the end of
// the input. The tracker closes its connections first, so normally nothing
// is left.
func (a *Analyzer) Flush() {
	ctls := make([]*control, 0, len(a.live))
	for ctl := range a.live {
		ctls = append(ctls, ctl)
	}
	slices.SortFunc(ctls, func(x, y *control) int {
		return cmp.Or(cmp.Compare(x.s.ID, y.s.ID), cmp.Compare(x.conn.ID, y.conn.ID))
	})
	for _, ctl := range ctls {
		if ctl.provisional {
			a.dropProvisional(ctl)
			continue
		}
		a.closeControl(ctl)
		a.finish(ctl)
	}
}

// advance moves capture time and expires data-connection expectations.
func (a *Analyzer) advance(now int64) {
	a.now = max(a.now, now)
	for e := a.exp.due(a.now); e != nil; e = a.exp.due(a.now) {
		a.stats.ExpectationsExpired++
	}
}

// confirm makes a control connection a session with an ID.
func (a *Analyzer) confirm(ctl *control) {
	ctl.provisional = false
	// Drawn in the HTML report, when the tracker keeps traces: from the
	// first packet for a control port, or seeded with the handshake for a
	// session found by its banner.
	ctl.conn.KeepTrace(tcpflow.TraceControl)
	a.nextID++
	ctl.s.ID = a.nextID
	a.stats.Sessions++
	if ctl.s.ByBanner {
		a.stats.SessionsByBanner++
	}
	a.live[ctl] = struct{}{}
}

// dropProvisional forgets a banner-sniffed connection that did not turn
// out to be FTP.
func (a *Analyzer) dropProvisional(ctl *control) {
	if ctl.dropped {
		return
	}
	ctl.dropped = true
	ctl.conn.User = nil
	delete(a.live, ctl)
	a.stats.ProvisionalDropped++
}

// closeControl: the control connection ended.
func (a *Analyzer) closeControl(ctl *control) {
	if ctl.closed {
		return
	}
	ctl.end()
	ctl.closed = true
	a.untrackTLS(ctl)
	if ctl.openData <= 0 {
		a.finish(ctl)
	}
}

// finish hands a session to done and forgets it.
func (a *Analyzer) finish(ctl *control) {
	if ctl.finished {
		return
	}
	ctl.finished = true
	for _, e := range ctl.exps {
		if !e.indexed {
			continue
		}
		a.exp.remove(e)
		if a.now > e.deadline {
			a.stats.ExpectationsExpired++
		} else {
			a.stats.ExpectationsAbandoned++
		}
	}
	a.untrackTLS(ctl)
	delete(a.live, ctl)
	s := ctl.s
	for _, dc := range s.Data {
		if dc.Transfer == nil {
			a.stats.DataUnclaimed++
		}
		dc.ctl = nil
	}
	for _, t := range s.Transfers {
		t.exp = nil
		t.directionFromTLS()
	}
	a.countListsCut(s)
	// Release the reading state; the Session is all that remains.
	ctl.rd, ctl.pending, ctl.setup, ctl.awaiting = nil, nil, nil, nil
	ctl.exps, ctl.sizes, ctl.notFTP, ctl.greeting = nil, nil, nil, nil
	if a.done != nil {
		a.done(s)
	}
}

// countListsCut adds up the caps a finished session's lists reached that
// are counted in the session only.
func (a *Analyzer) countListsCut(s *Session) {
	a.stats.AnomaliesDropped += int64(s.AnomaliesDropped)
	a.stats.AddrMismatchesDropped += int64(s.AddrMismatchesDropped)
	a.stats.TLSAlertsDropped += int64(s.TLSFacts.AlertsDropped)
	for _, dc := range s.Data {
		if f := dc.TLS(); f != nil {
			a.stats.TLSAlertsDropped += int64(f.AlertsDropped)
		}
	}
}

// hostPair is an unordered pair of hosts.
type hostPair struct{ lo, hi netip.Addr }

func makeHostPair(x, y netip.Addr) hostPair {
	if y.Less(x) {
		x, y = y, x
	}
	return hostPair{x, y}
}

// trackTLS registers an encrypted session for inferred data linking.
func (a *Analyzer) trackTLS(ctl *control) {
	if ctl.tlsIndexed || ctl.closed {
		return
	}
	k := makeHostPair(ctl.conn.Client.Addr(), ctl.conn.Server.Addr())
	a.tlsHosts[k] = append(a.tlsHosts[k], ctl)
	ctl.tlsIndexed = true
}

func (a *Analyzer) untrackTLS(ctl *control) {
	if !ctl.tlsIndexed {
		return
	}
	ctl.tlsIndexed = false
	k := makeHostPair(ctl.conn.Client.Addr(), ctl.conn.Server.Addr())
	l := a.tlsHosts[k]
	if i := slices.Index(l, ctl); i >= 0 {
		l = slices.Delete(l, i, i+1)
	}
	if len(l) == 0 {
		delete(a.tlsHosts, k)
	} else {
		a.tlsHosts[k] = l
	}
}

// encryptedSessionBetween returns the most recent live encrypted session
// between two hosts (either way round), or nil.
func (a *Analyzer) encryptedSessionBetween(x, y netip.Addr) *control {
	l := a.tlsHosts[makeHostPair(x, y)]
	if len(l) == 0 {
		return nil
	}
	return l[len(l)-1]
}
