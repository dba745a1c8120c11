package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// route-change: an endpoint's packets change hop distance mid-connection
// and keep the new one (same initial TTL: the same sender on another
// path), and then the connection loses packets or stalls until it breaks.
// A TTL that changes its initial value is another sender (a proxy or load
// balancer taking over), and one odd packet is not a route; neither is
// this rule's.
func init() {
	register(Rule{
		Cause:   "route-change",
		Needs:   "an endpoint's TTL shifts mid-connection to another hop distance (same initial TTL) and stays there, followed by unacknowledged retransmissions or by its data stopping while the peer's window is open, until the connection breaks",
		Example: "The server's packets changed route mid-connection (TTL 63 (1 hop) before frame 310, TTL 61 (3 hops) from it on), then after 13 packets on the new route the server's data stopped (frame 329, 520.0 ms after the change) with the client's window open (64240), and nothing more came from it for 8.00 s: the new path lost packets.",
		Check:   func(b *Case) *Finding { return ownOrInherited(b, routeChangeOn, controlOnChangedRoute) },
	})
}

// routeStallMin: how long a sender's data must have stopped before the
// connection broke for the stop to count as a stall.
const routeStallMin = time.Second

// routeTroubleWithin: trouble this long after the change is still taken to
// follow from it at full confidence.
const routeTroubleWithin = time.Minute

// routeChangeOn checks both sides of b's connection.
func routeChangeOn(b *Case) *Finding {
	if b.Conn == nil || !established(b.Conn) {
		return nil
	}
	for _, d := range []tcpflow.Dir{tcpflow.FromServer, tcpflow.FromClient} {
		if f := routeChange(b, d); f != nil {
			return f
		}
	}
	return nil
}

// routeChange checks side d's TTL for a lasting shift followed by trouble.
func routeChange(b *Case, d tcpflow.Dir) *Finding {
	c := b.Conn
	h, peer := &c.Half[d], &c.Half[d.Other()]
	s := &h.TTL
	from, to := s.ShiftFrom, s.ShiftTo
	if s.Shift.IsZero() || tcpflow.InitialTTL(from) != tcpflow.InitialTTL(to) ||
		tcpflow.Hops(from) == tcpflow.Hops(to) || s.Count(to) < 2 || s.Last() != to {
		return nil
	}
	role, peerRole := ftpRole(b, d), ftpRole(b, d.Other())
	shift := Evidence{At: s.Shift, Text: fmt.Sprintf("the %s's packets had arrived with %s, %s of them; this one came with %s, as did the %s after it: %s on the path",
		role, hopsText(from), fmtInt(s.Count(from)), hopsText(to), fmtInt(s.Count(to)-1), hopWord(tcpflow.Hops(to)-tcpflow.Hops(from)))}

	var trouble string
	var at tcpflow.Ref
	if run, ok := latestStuckRun(c); ok && s.Shift.Before(run.run.Last) {
		trouble = fmt.Sprintf("the %s's %s was %s and %s", ftpRole(b, run.dir), run.segmentWords(c), run.series(), run.peerWords(c))
		at = run.run.Last
	} else if stall, ok := stalledAfter(b, d, s.Shift); ok {
		trouble = fmt.Sprintf("after %s on the new route the %s's data stopped (frame %d, %s after the change) with the %s's window open (%d), and nothing more came from it for %s",
			count(s.Count(to), "packet"), role, stall.stop.Frame, fmtDur(time.Duration(stall.stop.TS-s.Shift.TS)), peerRole, peer.LastWin, fmtDur(time.Duration(stall.quiet)))
		at = stall.stop
	} else {
		return nil
	}
	conf := 0.85
	if time.Duration(at.TS-s.Shift.TS) > routeTroubleWithin {
		conf = 0.7 // long after the change: it may not be the change's doing
	}
	f := &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("The %s's packets changed route mid-connection (%s before frame %d, %s from it on), then %s: the new path lost packets.",
			role, hopsText(from), s.Shift.Frame, hopsText(to), trouble),
		Evidence: []Evidence{shift, {At: at, Text: trouble}},
	}
	if end, ok := teardownAfter(c, at); ok {
		f.Evidence = append(f.Evidence, segEvidence(c, end, "the connection ends"))
	}
	return f
}

// controlOnChangedRoute: a data connection of the session shows the route
// change and its trouble, and the control connection, between the same two
// hosts and so on the same path, then lost what it sent too (its last
// command retransmitted unanswered, or never answered): it carries the
// data connection's cause, a little less directly.
func controlOnChangedRoute(b *Case) *Finding {
	ctl := b.Conn
	for _, data := range dataCases(b) {
		c := data.Conn
		if !sameHosts(c, ctl) {
			continue // another host pair, another path
		}
		for _, d := range []tcpflow.Dir{tcpflow.FromServer, tcpflow.FromClient} {
			f := routeChange(data, d)
			if f == nil {
				continue
			}
			shift := c.Half[d].TTL.Shift
			var lost string
			var at tcpflow.Ref
			if s, ok := latestStuckRun(ctl); ok && s.run.Count >= 2 && shift.Before(s.run.Last) {
				lost = fmt.Sprintf("the %s's %s was %s and %s", ftpRole(b, s.dir), s.segmentWords(ctl), s.series(), s.peerWords(ctl))
				at = s.run.Last
			} else if cmd := pendingCommand(b.Session); cmd != nil && shift.Before(cmd.At) {
				lost = fmt.Sprintf("the client's %s (frame %d) was never answered", cmdText(cmd), cmd.At.Frame)
				at = cmd.At
			} else {
				continue
			}
			return inherit(f, 0.05, fmt.Sprintf("On the control connection, on the same path, %s. %s", lost, f.Summary),
				Evidence{At: at, Text: "on the control connection " + lost})
		}
	}
	return nil
}

// routeStall is a sender's data stopping for good.
type routeStall struct {
	stop  tcpflow.Ref // its last data
	quiet int64       // from then to the connection's end, ns
}

// stalledAfter: side d sent data up to or past the shift and then stopped
// for good, unfinished (no FIN from it), while the peer's window was open
// and the connection went on for routeStallMin or more.
func stalledAfter(b *Case, d tcpflow.Dir, shift tcpflow.Ref) (routeStall, bool) {
	c := b.Conn
	h, peer := &c.Half[d], &c.Half[d.Other()]
	if h.LastData.IsZero() || !h.FIN.IsZero() || peer.LastWin == 0 {
		return routeStall{}, false
	}
	// The data that stopped must have been flowing around the change: its
	// last segment after it, or close before it.
	if h.LastData.Before(shift) && shift.TS-h.LastData.TS > int64(routeStallMin) {
		return routeStall{}, false
	}
	// Whose data is expected: the transfer's sender, or the server with a
	// command waiting for its reply.
	switch {
	case b.Kind == KindData:
		if d != senderDir(b) {
			return routeStall{}, false
		}
	case d != b.ServerDir() || pendingCommand(b.Session) == nil:
		return routeStall{}, false
	}
	quiet := c.Last.TS - h.LastData.TS
	if time.Duration(quiet) < routeStallMin {
		return routeStall{}, false
	}
	return routeStall{stop: h.LastData, quiet: quiet}, true
}

// hopWord says how the hop distance changed: "2 more hops", "1 hop fewer".
func hopWord(d int) string {
	switch {
	case d == 1:
		return "1 more hop"
	case d > 1:
		return plural(d, "more hop")
	case d == -1:
		return "1 hop fewer"
	}
	return plural(-d, "hop") + " fewer"
}
