package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// mtu-blackhole (inferred): a side's full-size segments (near the MSS,
// DF set) are resent on a growing timeout and never acknowledged, while
// smaller packets between the same two hosts keep getting through, and no
// ICMP fragmentation-needed appears: a link with a smaller MTU drops the
// big packets and the message that should say so never arrives (filtered
// ICMP, RFC 2923 §2.1). No single packet proves it, so the summary says
// it is inferred. When the sender then resends the same data in smaller
// segments and they pass (RFC 4821 probing), the connection lived: that is
// a finding, and the MSS the handshake announced is more than the path
// carries.
func init() {
	register(Rule{
		Cause:   "mtu-blackhole",
		Needs:   "full-size DF segments resent (2 or more times) and never acknowledged, smaller packets between the same hosts getting through meanwhile, and no ICMP fragmentation-needed / packet-too-big",
		Example: "Inferred MTU black hole: 198.51.100.10:41300's 1,448-byte DF segments to 203.0.113.20:30001 were sent (frame 24) and resent 6 times (+0.218 s, +0.634 s, +1.47 s, +3.134 s, +6.43 s, +13.1 s) and never acknowledged at that size, while smaller packets between the same hosts got through (control connection, frame 46); no ICMP fragmentation-needed in the capture. The handshake's MSS of 1460 is more than this path carries (largest segment acknowledged from 198.51.100.10: 18 bytes).",
		Check:   func(b *Case) *Finding { return ownOrInherited(b, stuckBlackhole, controlAfterBlackhole) },
		Notice: func(cs *Case) *Finding {
			c := cs.Conn
			if c == nil || !established(c) {
				return nil
			}
			for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
				if f := blackholeFinding(cs, d, true); f != nil {
					return f
				}
			}
			return nil
		},
	})
}

// stuckBlackhole is the stronger of the two directions' black-hole
// findings on b's connection, or nil.
func stuckBlackhole(b *Case) *Finding {
	if b.Conn == nil || !established(b.Conn) {
		return nil
	}
	var best *Finding
	for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		if f := blackholeFinding(b, d, false); f != nil && (best == nil || f.Confidence > best.Confidence) {
			best = f
		}
	}
	return best
}

// controlAfterBlackhole: the control connection ended while a transfer
// waited for its reply and that transfer's data connection was stuck in a
// black hole: the client gave up on the stalled transfer (or the server
// on its client), so the control connection's end has the same cause.
func controlAfterBlackhole(b *Case) *Finding {
	end, ok := firstTeardown(b.Conn)
	if !ok {
		return nil
	}
	for _, data := range dataCases(b) {
		if !waitingAt(b.Session, data.Transfer, end) {
			continue
		}
		f := stuckBlackhole(data)
		if f == nil || len(f.Evidence) == 0 || end.Ref.Before(f.Evidence[0].At) {
			continue // none, or the control connection ended before the stall
		}
		return inherit(f, 0, endedWhileWaiting(b, end, data.Transfer, f.Evidence[0].At.TS, "full-size resend")+" "+f.Summary,
			controlEndEvidence(b, end))
	}
	return nil
}

// blackholeFinding looks at dir's segments. recovered selects the case: a
// black hole the sender got around by sending smaller segments (a
// finding), or one it never got past (a break cause).
func blackholeFinding(b *Case, d tcpflow.Dir, recovered bool) *Finding {
	c := b.Conn
	h := &c.Half[d]
	if !h.Traffic().PMTU.ICMP.IsZero() || firstTooBig(c, d) != nil {
		return nil // the ICMP is in the capture: fragmentation-needed, proven
	}
	st, ok := findStuckSegment(c, d)
	if !ok || len(st.resends) < 2 || recovered != (!st.smaller.IsZero() && st.passed) {
		return nil
	}
	carries := largestAckedBetween(b.Session, c, d)
	if carries >= st.size {
		// Segments this big got through between these hosts: the path
		// carries them, so these were lost for another reason (the
		// path-loss rule's silence, or a route change).
		return nil
	}
	from, to := endpoint(c, d), endpoint(c, d.Other())
	df := " DF"
	if c.Client.Addr().Is6() && !c.Client.Addr().Is4In6() {
		df = "" // IPv6 routers never fragment
	}
	sched := fmt.Sprintf("resent %s (%s)", plural(len(st.resends), "time"), scheduleText(st.resends, 6))
	if o := st.original; !o.IsZero() {
		sched = fmt.Sprintf("sent (frame %d) and resent %s (%s)", o.Frame, plural(len(st.resends), "time"), offsetsFrom(o, st.resends, 6))
	}
	head := fmt.Sprintf("Inferred MTU black hole: %s's %s-byte%s segments to %s were %s and never acknowledged at that size",
		from, fmtInt(int64(st.size)), df, to, sched)
	show := st.resends
	if len(show) > 5 {
		show = append(append([]tcpflow.Seg{}, show[:4]...), show[len(show)-1])
	}
	var ev []Evidence
	for _, s := range show {
		t0 := st.resends[0].TS
		if !st.original.IsZero() {
			t0 = st.original.TS
		}
		ev = append(ev, segEvidence(c, s, fmt.Sprintf("full-size segment resent +%s s (%s, seq %d, DF %v)",
			seconds(s.TS-t0), count(int64(s.Len), "byte"), s.Seq, s.DF)))
	}
	mss := int(c.Half[d.Other()].MSS)
	mssNote := ""
	if mss > 0 && carries > 0 && carries < st.size {
		mssNote = fmt.Sprintf(" The handshake's MSS of %d is more than this path carries (largest segment acknowledged from %s: %s).",
			mss, hostAddr(c, d), count(int64(carries), "byte"))
	}
	if recovered {
		sm := st.smaller
		ev = append(ev, segEvidence(c, sm, fmt.Sprintf("the same data resent in a smaller segment (%s), which was acknowledged", count(int64(sm.Len), "byte"))))
		return &Finding{
			Confidence: 0.8,
			Summary: fmt.Sprintf("%s; resent in %s-byte segments it passed (frame %d): the sender probed its way around the black hole, no ICMP fragmentation-needed in the capture.%s",
				head, fmtInt(int64(sm.Len)), sm.Frame, mssNote),
			Evidence: ev,
		}
	}
	stallStart := st.resends[0].Ref
	conf := 0.55
	during := ""
	if at, o, ok := smallPassedDuring(b.Session, c, d, stallStart); ok {
		conf = 0.85
		during = fmt.Sprintf(", while smaller packets between the same hosts got through (%s connection, frame %d)", connRole(b, o), at.Frame)
		ev = append(ev, Evidence{At: at, Text: fmt.Sprintf("meanwhile the %s connection %s ↔ %s still carries packets both ways", connRole(b, o), o.Client, o.Server)})
	} else if carries > 0 && carries < st.size {
		conf = 0.6
		during = fmt.Sprintf(", while smaller segments (up to %s) had got through before", count(int64(carries), "byte"))
	}
	if conf < 0.6 {
		// Nothing smaller was seen passing: the same silence is plain
		// path loss, which its own rule words better.
		return nil
	}
	return &Finding{
		Confidence: conf,
		Summary:    fmt.Sprintf("%s%s; no ICMP fragmentation-needed in the capture.%s", head, during, mssNote),
		Evidence:   ev,
	}
}

// connRole says which of the session's connections o is.
func connRole(b *Case, o *tcpflow.Conn) ConnKind {
	if b.Session != nil && o == b.Session.Control {
		return KindControl
	}
	return KindData
}
