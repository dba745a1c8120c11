package dissect

import (
	"net/netip"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// expectPassive: a 227 or 229 announced where the server listens. The
// client connects from its control host to the server's control host on
// that port — or, behind NAT, to the advertised address.
func (ctl *control) expectPassive(verb string, adv netip.AddrPort, at tcpflow.Ref) {
	srv := ctl.conn.Server.Addr()
	if verb == "PASV" {
		ctl.noteMismatch(verb, adv, srv, at)
	}
	ctl.offer(&expectation{
		ctl: ctl, verb: verb, mode: ModePassive,
		endpoint:   netip.AddrPortFrom(srv, adv.Port()),
		src:        ctl.conn.Client.Addr(),
		advertised: adv,
		created:    at,
	})
}

// expectActive: PORT/EPRT told the server where to connect. The server
// connects from its control host (from any port: RFC 959's port 20 is only
// the default, and is not assumed) to the client's host on that port.
func (ctl *control) expectActive(verb string, adv netip.AddrPort, at tcpflow.Ref) *expectation {
	cli := ctl.conn.Client.Addr()
	ctl.noteMismatch(verb, adv, cli, at)
	e := &expectation{
		ctl: ctl, verb: verb, mode: ModeActive,
		endpoint:   netip.AddrPortFrom(cli, adv.Port()),
		src:        ctl.conn.Server.Addr(),
		advertised: adv,
		created:    at,
	}
	ctl.offer(e)
	return e
}

// expectCut: a 227/229 reply or a PORT/EPRT command whose endpoint a gap
// in the capture cut off (a snap length shorter than the line). The port
// is unknown, so the next connection between the control connection's two
// hosts in the right direction, on a port that is not a control port, is
// taken for it (MatchHostsOnly).
func (ctl *control) expectCut(verb string, mode Mode, at tcpflow.Ref) *expectation {
	dst, src := ctl.conn.Server.Addr(), ctl.conn.Client.Addr()
	if mode == ModeActive {
		dst, src = src, dst
	}
	e := &expectation{
		ctl: ctl, verb: verb, mode: mode,
		endpoint: netip.AddrPortFrom(dst, anyPort), src: src,
		created: at,
	}
	ctl.offer(e)
	return e
}

// expectDefault: a transfer command in a session that never sent PORT or
// PASV uses the default data port (RFC 959 §3.2): the server connects to
// the client's control-connection port.
func (ctl *control) expectDefault(at tcpflow.Ref) *expectation {
	e := &expectation{
		ctl: ctl, mode: ModeActive,
		endpoint: ctl.conn.Client, src: ctl.conn.Server.Addr(),
		advertised: ctl.conn.Client,
		created:    at,
	}
	ctl.a.addExpectation(e)
	return e
}

// noteMismatch records an advertised address that is not the one the
// capture shows for that host. 0.0.0.0 (some servers' "use the control
// address") is not a mismatch.
func (ctl *control) noteMismatch(verb string, adv netip.AddrPort, actual netip.Addr, at tcpflow.Ref) {
	a := adv.Addr()
	if a.IsUnspecified() || a.Unmap() == actual.Unmap() {
		return
	}
	s := ctl.s
	if len(s.AddrMismatches) < maxListed {
		s.AddrMismatches = append(s.AddrMismatches, AddrMismatch{Cmd: verb, Advertised: adv, Actual: actual, At: at})
	} else {
		s.AddrMismatchesDropped++
	}
}

// offer makes a negotiated endpoint the session's current one: it goes to
// a transfer command already waiting for it, or waits for the next one,
// replacing an unclaimed earlier endpoint.
func (ctl *control) offer(e *expectation) {
	ctl.negotiated = true
	ctl.a.addExpectation(e)
	if t := ctl.awaiting; t != nil {
		ctl.awaiting = nil
		ctl.claim(e, t)
		return
	}
	if old := ctl.setup; old != nil {
		ctl.abandon(old)
	}
	ctl.setup = e
}

// claim gives a negotiated endpoint to a transfer command.
func (ctl *control) claim(e *expectation, t *Transfer) {
	e.transfer, t.exp = t, e
	if e.verb != "" {
		t.Mode, t.Endpoint = e.mode, e.advertised
	}
	if e.dc != nil {
		attach(t, e.dc)
		return
	}
	ctl.a.exp.extend(e, t.At.TS+int64(ctl.a.opts.DataExpectTimeout))
}

// abandon forgets an endpoint nobody will use (superseded, refused, or its
// transfer failed before a connection appeared).
func (ctl *control) abandon(e *expectation) {
	if ctl.setup == e {
		ctl.setup = nil
	}
	if e.indexed && e.dc == nil {
		ctl.a.exp.remove(e)
		ctl.a.stats.ExpectationsAbandoned++
	}
}

// attach links a transfer and its data connection.
func attach(t *Transfer, dc *DataConn) {
	t.Conn, t.Data, dc.Transfer = dc.Conn, dc, t
	if dc.Match == MatchDefaultPort {
		t.Mode = ModeActive
	}
	t.Sender = dc.FromFTPServer
	if t.Direction == DirectionUpload {
		t.Sender = dc.FromFTPServer.Other()
	}
}

// addExpectation indexes an expectation, keeping the session's list of
// them short.
func (a *Analyzer) addExpectation(e *expectation) {
	e.deadline = e.created.TS + int64(a.opts.DataExpectTimeout)
	a.exp.add(e)
	a.stats.Expectations++
	ctl := e.ctl
	if len(ctl.exps) >= 16 {
		live := ctl.exps[:0]
		for _, x := range ctl.exps {
			if x.indexed {
				live = append(live, x)
			}
		}
		clear(ctl.exps[len(live):])
		ctl.exps = live
	}
	ctl.exps = append(ctl.exps, e)
}

// linkExpected makes c the data connection of the expectation it met.
func (a *Analyzer) linkExpected(c *tcpflow.Conn, e *expectation, how string, swapped bool) {
	a.exp.remove(e)
	a.stats.ExpectationsMet++
	ctl := e.ctl
	if len(ctl.s.Data) >= a.opts.MaxLog {
		ctl.s.DataDropped++
		a.stats.DataDropped++
		return
	}
	dc := &DataConn{Conn: c, Match: how, ctl: ctl, FromFTPServer: tcpflow.FromServer}
	if e.mode == ModeActive {
		dc.FromFTPServer = tcpflow.FromClient
	}
	if swapped {
		dc.FromFTPServer = dc.FromFTPServer.Other()
	}
	a.stats.DataLinked++
	switch how {
	case MatchAdvertised:
		a.stats.DataByAdvertised++
	case MatchDefaultPort:
		a.stats.DataByDefaultPort++
	}
	e.dc = dc
	ctl.addData(dc)
	if e.transfer != nil {
		attach(e.transfer, dc)
	}
}

// linkInferred links a connection between an encrypted session's two
// hosts as the data connection of a transfer nobody could see. This is a
// guess by hosts and time: other traffic between the same two hosts while
// the session is encrypted is linked too, which is why it is marked
// Inferred and its transfer has Cmd "?".
func (a *Analyzer) linkInferred(ctl *control, c *tcpflow.Conn) {
	s := ctl.s
	if len(s.Data) >= a.opts.MaxLog || len(s.Transfers) >= a.opts.MaxLog {
		s.DataDropped++
		a.stats.DataDropped++
		return
	}
	dc := &DataConn{Conn: c, Inferred: true, Match: MatchInferred, ctl: ctl, FromFTPServer: tcpflow.FromServer}
	mode := ModePassive
	if c.Client.Addr() != ctl.conn.Client.Addr() {
		mode, dc.FromFTPServer = ModeActive, tcpflow.FromClient
	}
	t := &Transfer{
		Cmd: CmdUnknown, At: c.First, Direction: DirectionUnknown, Mode: mode,
		Inferred: true, ExpectedBytes: -1,
	}
	a.stats.DataInferred++
	a.stats.Transfers++
	s.Transfers = append(s.Transfers, t)
	ctl.addData(dc)
	attach(t, dc)
}

func (ctl *control) addData(dc *DataConn) {
	ctl.s.Data = append(ctl.s.Data, dc)
	ctl.openData++
	dc.Conn.User = dc
	dc.Conn.KeepTrace(tcpflow.TraceData) // for the report's diagrams, when the tracker keeps traces
	ctl.scanDataTLS(dc)
}
