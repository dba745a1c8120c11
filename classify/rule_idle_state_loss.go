package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// idle-state-loss: the connection sat silent both ways for longer than
// NATs and stateful firewalls keep an idle connection's state, and the
// first segment after the silence was answered by a RST that its
// purported sender did not send (a box that no longer knows the
// connection), or by nothing at all (retransmissions until the sender gave
// up). The classic FTP case is a control connection idle during a long
// transfer on the data connection. Whether TCP keepalives were sent is
// part of the evidence: keepalives more frequent than the box's timeout
// keep its state alive.
func init() {
	register(Rule{
		Cause:   "idle-state-loss",
		Needs:   "a silence both ways of a minute or more (NAT/firewall idle timeouts are minutes to hours), then the next segment answered by a RST whose TTL is not its purported sender's, or never answered (retransmitted until the sender gave up or the capture ended); says whether keepalives were sent",
		Example: "After 6.2 minutes with no packet either way, the client's next segment (frame 212) was never answered (retransmitted 6 times at +0.20, +0.60, +1.40, +3.00, +6.20, +12.6 s): a NAT or firewall on the path had most likely dropped the connection's state. No TCP keepalive was sent during the silence.",
		Check: func(b *Case) *Finding {
			c := b.Conn
			if c == nil || !established(c) {
				return nil
			}
			for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
				if f := idleStateLoss(b, d); f != nil {
					return f
				}
			}
			return nil
		},
	})
}

// The silence that counts as long: the shortest established-connection
// timeouts in deployed NATs, firewalls and load balancers are about a
// minute (a cloud load balancer's 60 s default idle timeout), many are
// 4–6 minutes (Azure's load balancer 4 min, AWS's NAT gateway 350 s) and
// stateful firewalls an hour; RFC 5382 asks NATs for at least 2 h 4 min.
// Below a minute a state timeout is unusual and path-loss-timeout tells
// the story better.
const (
	idleStateMinGap  = time.Minute
	idleStateLongGap = 4 * time.Minute
)

// idleStateLoss checks side d's longest silence.
func idleStateLoss(b *Case, d tcpflow.Dir) *Finding {
	c := b.Conn
	h := &c.Half[d]
	next, gap, ok := unansweredAfterSilence(c, d)
	if !ok || gap < idleStateMinGap {
		return nil
	}
	role, peerRole := ftpRole(b, d), ftpRole(b, d.Other())
	nextSeg, known := loggedSeg(c, next)
	first := Evidence{At: next, Text: fmt.Sprintf("the first packet after %s with no packet either way", minutesText(gap))}
	if known {
		first = segEvidence(c, nextSeg, first.Text)
	}
	ka := keepaliveText(c, d, next, known && isKeepaliveSeg(c, nextSeg))

	if rst, ok := firstFrom(c, d.Other(), tcpflow.FlagRST, next); ok {
		o := judgeReset(b, rst)
		if !o.forged {
			return nil // the peer itself reset it: the reset rules' case
		}
		ev := segEvidence(c, rst, "reset")
		ev.Text += ": " + o.ttlText(c)
		f := &Finding{
			Confidence: min(o.confidence+0.03, forgedCap),
			Summary: fmt.Sprintf("After %s with no packet either way, the %s's next packet (frame %d) was answered by a RST in the %s's name that the %s did not send (%s against %s): a NAT or firewall on the path had dropped the connection's state. %s",
				minutesText(gap), role, next.Frame, peerRole, peerRole, hopsText(rst.TTL), hopsText(o.ttl.refTTL), ka),
			Evidence: []Evidence{first, ev},
		}
		if o.ttl.verdict != ttlDiffers {
			f.Summary = fmt.Sprintf("After %s with no packet either way, the %s's next packet (frame %d) was answered by a RST in the %s's name with the signs of a forged one: a NAT or firewall on the path had dropped the connection's state. %s",
				minutesText(gap), role, next.Frame, peerRole, ka)
		}
		for _, s := range o.signs {
			f.Evidence = append(f.Evidence, Evidence{At: rst.Ref, Text: s.text})
		}
		return f
	}

	// Answered by nothing: the sender must have kept trying, with
	// retransmissions of what it sent after the silence or more
	// keepalives.
	var tried string
	var last tcpflow.Ref
	if s, ok := unacknowledgedRun(c, d); ok && !s.run.Last.Before(next) && (s.run.Since.IsZero() || !s.run.Since.Before(next)) {
		tried = fmt.Sprintf("%s, and %s", s.series(), s.peerWords(c))
		last = s.run.Last
	} else if h.Traffic().Keepalives > 0 && next.Before(h.Traffic().LastKeepalive) {
		tried = fmt.Sprintf("followed by keepalive probes until frame %d, and no packet came back from %s", h.Traffic().LastKeepalive.Frame, endpoint(c, d.Other()))
		last = h.Traffic().LastKeepalive
	} else {
		return nil
	}
	conf := 0.8
	if gap >= idleStateLongGap {
		conf = 0.85
	}
	return &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("After %s with no packet either way, the %s's next packet (frame %d) was never answered (%s): a NAT or firewall on the path had most likely dropped the connection's state. %s",
			minutesText(gap), role, next.Frame, tried, ka),
		Evidence: []Evidence{first, {At: last, Text: fmt.Sprintf("the %s's last try: %s", role, tried)}},
	}
}

// unansweredAfterSilence returns the packet from d that ended its longest
// silence, and how long the connection had then been silent both ways,
// when the peer sent nothing but resets from that packet on (it was never
// answered).
func unansweredAfterSilence(c *tcpflow.Conn, d tcpflow.Dir) (tcpflow.Ref, time.Duration, bool) {
	h, peer := &c.Half[d], &c.Half[d.Other()]
	if h.MaxIdle == 0 || peer.LastSent.IsZero() {
		return tcpflow.Ref{}, 0, false
	}
	next := h.MaxIdleEnd
	start := next.TS - h.MaxIdle
	switch {
	case !peer.LastSent.Before(next):
		return tcpflow.Ref{}, 0, false // the peer answered (something other than a RST) after it
	case peer.LastSent.TS > start:
		start = peer.LastSent.TS // the peer spoke during d's silence: the two-way silence is shorter
	}
	return next, time.Duration(next.TS - start), true
}

// isKeepaliveSeg: a 0- or 1-byte segment one below the sender's next
// sequence number (RFC 1122 4.2.3.6), as the tracker counts them.
func isKeepaliveSeg(c *tcpflow.Conn, s tcpflow.Seg) bool {
	h := &c.Half[s.Dir]
	return s.Len <= 1 && s.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN|tcpflow.FlagRST) == 0 &&
		h.Traffic().Keepalives > 0 && !h.Traffic().LastKeepalive.Before(s.Ref)
}

// keepaliveText says whether TCP keepalives were sent during the silence
// that ended at next.
func keepaliveText(c *tcpflow.Conn, d tcpflow.Dir, next tcpflow.Ref, nextIsKeepalive bool) string {
	n := c.Half[tcpflow.FromClient].Traffic().Keepalives + c.Half[tcpflow.FromServer].Traffic().Keepalives
	switch {
	case nextIsKeepalive:
		return fmt.Sprintf("The packet after the silence was %s's TCP keepalive probe: keepalives were on, but further apart than the state's timeout.", endpoint(c, d))
	case n == 0:
		return "No TCP keepalive was sent during the silence (none on the whole connection)."
	}
	return fmt.Sprintf("No TCP keepalive was sent during the silence (%d on the whole connection, at other times).", n)
}
