package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// middlebox-reset: a RST in an endpoint's name that the endpoint did not
// send: its hop distance is not the endpoint's (judgeReset, facts_reset.go),
// backed by the other signs of an injected reset. As a break cause it
// needs the RST to have ended the connection; a forged RST the connection
// survived (out of window, or ignored by a stack that checks) is a
// finding.
func init() {
	register(Rule{
		Cause:   "middlebox-reset",
		Needs:   "a RST whose TTL / hop distance differs from its purported sender's other packets on the connection (or, for a RST answering a SYN, on its other connections), with the other signs of injection (out-of-window sequence number, the sender carrying on, a copied IP ID, stepped bursts) raising confidence",
		Example: "A RST in the server's name (frame 22) came from 1 hop nearer the capture point than the server: TTL 64 (0 hops) against TTL 63 (1 hop) on the server's 6 other packets on this connection. A firewall, load balancer or IPS on the path reset the control connection.",
		Check:   func(b *Case) *Finding { return ownOrInherited(b, forgedEnd, controlAfterForgedData) },
		Notice: func(c *Case) *Finding {
			if c.Conn == nil {
				return nil
			}
			for _, o := range forgedResets(c) {
				if !o.sure() {
					continue
				}
				if tookEffect(c.Conn, o.rst) {
					return middleboxFinding(c, &o, "")
				}
				victim := o.rst.Dir.Other()
				return middleboxFinding(c, &o, fmt.Sprintf(" It did not end the connection: %s went on (its last packet: frame %d).",
					endpoint(c.Conn, victim), c.Conn.Half[victim].LastSent.Frame))
			}
			return nil
		},
	})
}

// forgedEnd is the finding on a forged RST that ended b's connection.
func forgedEnd(b *Case) *Finding {
	if b.Conn == nil {
		return nil
	}
	for _, o := range forgedResets(b) {
		if o.forged && tookEffect(b.Conn, o.rst) {
			return middleboxFinding(b, &o, "")
		}
	}
	return nil
}

// controlAfterForgedData: the control connection ended right after a
// forged RST ended a data connection of the session, with no command in
// between: the client or server gave the session up because of it, so the
// control connection's break has the data connection's cause, a little
// less directly.
func controlAfterForgedData(b *Case) *Finding {
	end, ok := firstTeardown(b.Conn)
	if !ok {
		return nil
	}
	for _, data := range dataCases(b) {
		for _, o := range forgedResets(data) {
			if !o.sure() || !tookEffect(data.Conn, o.rst) || end.Ref.Before(o.rst.Ref) || commandBetween(b, o.rst.Ref, end.Ref) {
				continue
			}
			f := middleboxFinding(data, &o, "")
			return inherit(f, 0.05, fmt.Sprintf("The %s ended the control connection (frame %d) %s after a RST forged in the %s's name ended %s. %s",
				ftpRole(b, end.Dir), end.Frame, fmtDur(time.Duration(end.TS-o.rst.TS)), ftpRole(data, o.rst.Dir), connName(data), f.Summary),
				controlEndEvidence(b, end))
		}
	}
	return nil
}

// commandBetween reports whether the client sent a command after from and
// before to: the session went on.
func commandBetween(b *Case, from, to tcpflow.Ref) bool {
	for i := range b.Session.Log {
		if cmd := b.Session.Log[i].Cmd; cmd != nil && from.Before(cmd.At) && cmd.At.Before(to) {
			return true
		}
	}
	return false
}

// middlebox names what forges resets, for summaries.
const middlebox = "a firewall, load balancer or IPS on the path"

// middleboxFinding words a forged RST; after is appended to the summary.
func middleboxFinding(b *Case, o *resetOrigin, after string) *Finding {
	c, rst := b.Conn, o.rst
	role := ftpRole(b, rst.Dir)
	var sum string
	if o.ttl.verdict == ttlDiffers {
		sum = fmt.Sprintf("A RST in the %s's name (frame %d) came from %s: %s against %s on the %s's %s.",
			role, rst.Frame, distanceWords(rst.TTL, o.ttl.refTTL, role), hopsText(rst.TTL), hopsText(o.ttl.refTTL), role, refWords(o.ttl))
	} else {
		sum = fmt.Sprintf("A RST in the %s's name (frame %d) shows %d signs of a forged reset.", role, rst.Frame, len(o.signs))
	}
	var ev []Evidence
	refused := answeredSYN(c, rst)
	switch {
	case after != "":
		sum += after
	case refused:
		// A connection refused before it began: say which one, and for a
		// data connection how its endpoint was negotiated, since that is
		// the port the box on the path would not let through.
		sum += fmt.Sprintf(" %s refused %s in the %s's name.", upperFirst(middlebox), refusedConnWords(b), role)
		ev = append(ev, negotiationEvidence(b)...)
	default:
		sum += fmt.Sprintf(" %s reset %s.", upperFirst(middlebox), connName(b))
	}
	if refused {
		if syn, ok := firstSeg(c, tcpflow.FromClient, tcpflow.FlagSYN); ok {
			ev = append(ev, segEvidence(c, syn, "connection attempt"))
		}
	}
	rev := segEvidence(c, rst, "reset")
	rev.Text += ": " + o.ttlText(c)
	ev = append(ev, rev)
	for _, s := range o.signs {
		ev = append(ev, Evidence{At: rst.Ref, Text: s.text})
	}
	return &Finding{Confidence: o.confidence, Summary: sum, Evidence: ev}
}

// refusedConnWords names a connection whose SYN a forged RST answered:
// "the passive data connection 198.51.100.10:40400 → 203.0.113.20:30001
// (EPSV, 229 at frame 18)", or "the connection 198.51.100.10:40112 →
// 203.0.113.20:21".
func refusedConnWords(b *Case) string {
	c := b.Conn
	if b.Kind != KindData || b.Session == nil {
		return fmt.Sprintf("the connection %s → %s", c.Client, c.Server)
	}
	_, dc := dataChannelOf(b)
	ncmd, nrep := negotiated(b.Session, c.First)
	return fmt.Sprintf("the %s data connection %s → %s (%s)", dataMode(dc), c.Client, c.Server, negotiationText(ncmd, nrep))
}

// negotiationEvidence is the command (and reply) that negotiated a data
// connection's endpoint, for a data connection's case.
func negotiationEvidence(b *Case) []Evidence {
	if b.Kind != KindData || b.Session == nil || b.Conn == nil {
		return nil
	}
	ncmd, nrep := negotiated(b.Session, b.Conn.First)
	if ncmd == nil {
		return nil
	}
	ev := []Evidence{cmdEvidence(ncmd)}
	if nrep != nil {
		ev = append(ev, replyEvidence(ncmd, nrep))
	}
	return ev
}

// distanceWords says where a RST came from relative to its purported
// sender, as the capture point sees it.
func distanceWords(rstTTL, refTTL uint8, role string) string {
	d := tcpflow.Hops(refTTL) - tcpflow.Hops(rstTTL)
	switch {
	case d == 1:
		return fmt.Sprintf("1 hop nearer the capture point than the %s", role)
	case d > 1:
		return fmt.Sprintf("%s nearer the capture point than the %s", plural(d, "hop"), role)
	case d == -1:
		return fmt.Sprintf("another hop distance (1 hop more than the %s's)", role)
	}
	return fmt.Sprintf("another hop distance (%s more than the %s's)", plural(-d, "hop"), role)
}
