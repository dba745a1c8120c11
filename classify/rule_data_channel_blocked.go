package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// data-channel-blocked: the data connection to the endpoint PASV/EPSV or
// PORT/EPRT negotiated never got an answer: its SYNs went unanswered, or
// were refused by ICMP unreachable, while the control connection between
// the same two hosts kept working. A RST answering the SYN is not this
// rule's: sent by the host (its hop distance) it is a closed port
// (connection-refused, data-connection-failed), forged by a box on the
// path it is middlebox-reset. A firewall that lets port 21 through and not the data ports
// (no FTP helper, a closed passive range, a client firewall refusing the
// server's active-mode connection) looks exactly like this. Works both
// ways: passive (the FTP client's SYNs to the server's port) and active
// (the FTP server's SYNs to the client's PORT).
func init() {
	register(Rule{
		Cause:   "data-channel-blocked",
		Needs:   "a negotiated data connection whose SYNs get no answer (or ICMP unreachable) while the control connection between the same hosts still carries packets both ways after the data SYN (a reply, data, or at least its close); or a 227/229 offer never followed by a SYN or a transfer before the client left",
		Example: "The passive data connection 198.51.100.10:40002 → 203.0.113.20:30001 (EPSV, 229 at frame 18) got 4 SYNs (at 0 s, +1 s, +3 s, +7 s) and no answer (captured at the opener's side), while the control connection still worked (the server's 221 at frame 40): something between the hosts blocks the data connection.",
		Check: func(b *Case) *Finding {
			if rf := b.Refusal; rf != nil {
				return endpointNeverReached(b, rf)
			}
			if data, end, ok := abandonedData(b); ok {
				if f := dataChannelBlocked(data); f != nil {
					return abandonedOver(b, end, data, f)
				}
				return nil
			}
			return dataChannelBlocked(b)
		},
	})
}

// dataChannelBlocked is the rule on a break about a data connection.
func dataChannelBlocked(b *Case) *Finding {
	c, dc := dataChannelOf(b)
	if c == nil || dc == nil || dc.Inferred || !c.SynAck.IsZero() || !neverConnected(c) {
		return nil
	}
	s := b.Session
	alive, aliveEv, ok := controlAliveAfter(s, c.First)
	if !ok {
		return nil // the control connection went quiet too: not the data ports alone
	}
	data := b
	if c != b.Conn {
		data = dataCase(s, dc, b.Ctx, b.Why) // a transfer refused on the control connection
	}
	conf, how, ev := blockEvidence(data)
	if how == "" {
		return nil
	}
	if m := mismatchFor(s, c.Server); m != nil {
		// It went to an address the server does not have: the
		// address, not a port filter, is the likelier fault.
		conf -= 0.15
	}
	ncmd, nrep := negotiated(s, c.First)
	kind, opener := dataMode(dc), "FTP client"
	if kind == dissect.ModeActive {
		opener = "FTP server"
	}
	f := &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("The %s data connection %s → %s (%s; opened by the %s) %s, while %s: something between the hosts blocks the data connection.",
			kind, c.Client, c.Server, negotiationText(ncmd, nrep), opener, how, alive),
	}
	if ncmd != nil {
		f.Evidence = append(f.Evidence, cmdEvidence(ncmd))
		if nrep != nil {
			f.Evidence = append(f.Evidence, replyEvidence(ncmd, nrep))
		}
	}
	f.Evidence = append(f.Evidence, ev...)
	f.Evidence = append(f.Evidence, aliveEv)
	return f
}

// blockEvidence says how the SYNs of a data connection's case were
// stopped: no answer or an ICMP unreachable. how is "" when a RST answered
// them (the host's refusal, or a forged one: other rules' causes).
func blockEvidence(data *Case) (conf float64, how string, ev []Evidence) {
	c := data.Conn
	syns := synsFrom(c, tcpflow.FromClient)
	if len(syns) == 0 {
		return 0, "", nil
	}
	sched := fmt.Sprintf("got %s (%s)", plural(len(syns), "SYN"), scheduleText(syns, 8))
	if synsUnanswered(c) {
		conf = 0.6
		switch {
		case len(syns) >= 3:
			conf = 0.9
		case len(syns) == 2:
			conf = 0.85
		}
		where := "no answer in the capture"
		if here, _ := sentHere(syns[0].TTL); here {
			where = "no answer (captured at the opener's side)"
		}
		return conf, sched + " and " + where, synEvidence(c, syns)
	}
	if e := decisiveUnreachable(c); e != nil && quotedSYN(c, e) {
		conf = 0.9
		if isAdminProhibited(e) {
			conf = 0.95
		}
		return conf, fmt.Sprintf("%s answered by %s from %s", sched, icmpName(e), icmpSender(c, e)),
			append(synEvidence(c, syns[:1]), icmpEvidence(c, e))
	}
	return 0, "", nil
}

// endpointNeverReached is the rule on a session whose last PASV/EPSV offer
// (227/229) was never followed by a single SYN to it, nor by a transfer
// command, before the client left: the client could not reach the data
// port, or never tried. Without one SYN the capture cannot tell which, so
// the confidence stays modest and the evidence says so.
func endpointNeverReached(b *Case, rf *Refusal) *Finding {
	if rf.Reply == nil || (rf.Reply.Code != 227 && rf.Reply.Code != 229 && rf.Reply.Code != 228) {
		return nil
	}
	s := b.Session
	ev := []Evidence{cmdEvidence(rf.Cmd), replyEvidence(rf.Cmd, rf.Reply)}
	if end := controlEnd(s); !end.IsZero() {
		ev = append(ev, Evidence{At: end, Text: fmt.Sprintf("the control connection closes %s after the offer; no SYN to the offered endpoint appears in the capture",
			fmtDur(time.Duration(end.TS-rf.Reply.At.TS)))})
	}
	return &Finding{Confidence: 0.6,
		Summary: fmt.Sprintf("The client never reached the data endpoint that %s offered (%d at frame %d): no SYN to it appears, no transfer was sent, and the client then left %s. A firewall between the client and the capture point, or a client that could not connect, blocked the data channel.",
			rf.Cmd.Verb, rf.Reply.Code, rf.Reply.At.Frame, leftWords(s)),
		Evidence: ev,
	}
}
