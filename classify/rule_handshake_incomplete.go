package classify

import (
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// handshake-incomplete: the SYN was answered by a SYN-ACK, and the third
// packet of the handshake, the opener's ACK, never appeared. A responder
// that gets no ACK resends its SYN-ACK (RFC 9293 §3.8.1; Linux 1, 2, 4… s);
// an opener that never got the SYN-ACK resends its SYN. Which of the two
// happened, and on which side of the capture point, says where the loss
// was: a SYN-ACK the opener never got is seen only on the responder's
// side of the loss.
func init() {
	register(Rule{
		Cause:   "handshake-incomplete",
		Needs:   "a SYN and a SYN-ACK, no ACK of the SYN-ACK and no payload; stronger when the SYN-ACK is resent or the SYN is resent after it",
		Example: "198.51.100.10:40112 → 203.0.113.20:21: the SYN was answered by a SYN-ACK, sent 4 times (at 0 s, +1 s, +3 s, +7 s), and no ACK of it appears; the opener did not resend its SYN, so the SYN-ACK reached it and its ACK was lost on the way back. The capture is at the responder's side: the ACK was lost between the opener and here.",
		Check: func(b *Case) *Finding {
			c := b.Conn
			if c == nil || !handshakeStalled(c) || !c.Half[tcpflow.FromClient].RST.IsZero() {
				// An opener that resets the SYN-ACK got it and refused it:
				// that is not a handshake lost on the path.
				return nil
			}
			return handshakeFinding(c)
		},
	})
}

func handshakeFinding(c *tcpflow.Conn) *Finding {
	synAcks := synsFrom(c, tcpflow.FromServer)
	syns := synsFrom(c, tcpflow.FromClient)
	if len(synAcks) == 0 {
		return nil
	}
	var synsAfter []tcpflow.Seg
	for _, s := range syns {
		if synAcks[0].Ref.Before(s.Ref) {
			synsAfter = append(synsAfter, s)
		}
	}
	synAckHere, _ := sentHere(synAcks[0].TTL)
	synHere := len(syns) > 0
	if synHere {
		synHere, _ = sentHere(syns[0].TTL)
	}
	resp, opener := c.Server.String(), c.Client.String()
	var what, where string
	conf := 0.9
	switch {
	case len(synsAfter) > 0:
		// RFC 9293: an opener in SYN-SENT that receives the SYN-ACK
		// answers it and stops resending its SYN; resending after it
		// means the SYN-ACK did not arrive.
		what = fmt.Sprintf("the opener resent its SYN %s after the SYN-ACK, so the SYN-ACK never reached it", plural(len(synsAfter), "time"))
		switch {
		case synAckHere:
			where = "The capture is at the responder's side: the SYN-ACK was lost between here and the opener."
		case synHere:
			where = "The capture is at the opener's side and shows the SYN-ACK arriving: the opener's host dropped it before TCP saw it (a host firewall)."
		default:
			where = "The SYN-ACK passed the capture point and was lost beyond it, on the way to the opener."
		}
	case len(synAcks) > 1:
		what = "the opener did not resend its SYN, so the SYN-ACK reached it and its ACK was lost on the way back"
		switch {
		case synAckHere:
			where = "The capture is at the responder's side: the ACK was lost between the opener and here."
		case synHere:
			where = "The capture is at the opener's side yet shows no ACK: the opener's stack did not answer the SYN-ACK."
			conf = 0.75
		default:
			where = "The ACK was lost before it reached the capture point."
		}
	default:
		// One SYN and one SYN-ACK, then nothing: the capture may simply
		// have ended before either side resent.
		what = "neither side resent anything in the capture, which may have ended too soon to show the loss"
		conf = 0.5
	}
	sched := ""
	if len(synAcks) > 1 {
		sched = fmt.Sprintf(", sent %s (%s),", plural(len(synAcks), "time"), scheduleText(synAcks, 8))
	}
	f := &Finding{
		Confidence: conf,
		Summary: fmt.Sprintf("%s → %s: the SYN was answered by a SYN-ACK%s and no ACK of it appears; %s.",
			opener, resp, sched, what),
	}
	if where != "" {
		f.Summary += " " + where
	}
	if len(syns) > 0 {
		f.Evidence = append(f.Evidence, segEvidence(c, syns[0], "SYN"))
	}
	f.Evidence = append(f.Evidence, synEvidence(c, synAcks)...)
	for i, s := range synsAfter {
		if i == 3 {
			break
		}
		f.Evidence = append(f.Evidence, segEvidence(c, s, fmt.Sprintf("SYN resent after the SYN-ACK (+%s s)", seconds(s.TS-synAcks[0].TS))))
	}
	return f
}
