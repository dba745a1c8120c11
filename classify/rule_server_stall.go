package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// Thresholds for a silence to count as a stall: five seconds at least,
// many round trips, and several times the longest pause the sender took
// before with nothing in flight, so that ordinary pauses (a server
// refilling its send buffer from disk, delayed ACKs, a throttled server
// between bursts, a server process dying between two bursts) never
// qualify.
const (
	minStall          = 5 * time.Second
	minStallRoundTrip = 10
	minStallPauses    = 4
)

// server-stall: on a download the server stopped sending although nothing
// held it back: every byte it had sent was acknowledged (nothing lost, so
// not a retransmission timeout) and the client's window was open (so not
// a zero window). Only the server's application was left to send, and it
// did not, until one side gave up. Seen from beside the client, a path
// that drops everything from the server looks the same, so the confidence
// is lower when no packet from the server arrived during the silence or at
// its end.
func init() {
	register(Rule{
		Cause:      "server-stall",
		Precedence: 35,
		Needs:      "on a download's data connection, the server's data stops for ≥5 s, ≥10 round trips and ≥4 times its longest earlier pause with every byte acknowledged and the client's window open, until a FIN or RST ends the connection",
		Example:    "The server stopped sending on the data connection of RETR big.iso after 524,288 of 1,048,576 bytes: 30.02 s of silence with every byte acknowledged and the client's window open (64,128 bytes), no retransmissions; then the client reset the connection.",
		Check:      checkServerStall,
	})
}

func checkServerStall(b *Case) *Finding {
	c := b.Conn
	if c == nil || b.Kind != KindData || !established(c) {
		return nil
	}
	sd := b.ServerDir()
	if senderDir(b) != sd {
		return nil // an upload: the server is the receiver
	}
	srv, cli := &c.Half[sd], &c.Half[sd.Other()]
	start, what := srv.LastData, "the server's last data"
	if start.IsZero() {
		start, what = dataConnOpen(c), "the data connection opened and the server sent nothing"
	}
	end, ok := teardownAfter(c, start)
	if !ok {
		return nil
	}
	silence := time.Duration(end.TS - start.TS)
	rtt, _, haveRTT := roundTrip(c)
	if silence < minStall || (haveRTT && silence < minStallRoundTrip*rtt) || silence < minStallPauses*time.Duration(srv.AppWaitMax) {
		return nil
	}
	if cli.WindowClosed() {
		return nil // a zero window: the client stopped reading
	}
	last, ok := lastWindow(c, sd.Other(), end.Ref)
	if !ok {
		return nil
	}
	if !srv.FirstData.IsZero() && seqBelow(last.Ack, srv.HighSeq) {
		return nil // bytes unacknowledged: loss, not a stall
	}
	win, winAt := last.Win, last.Ref
	winLen, scaleKnown := windowBytes(c, sd.Other(), win)
	if winLen == 0 {
		return nil
	}
	alive, aliveAt := serverSpokeDuring(c, sd, start, end)
	f := &Finding{Confidence: 0.8}
	switch {
	case end.Dir == sd || alive:
		f.Confidence = 0.85 // the server (and the path from it) was there: it just did not send
	case !scaleKnown:
		f.Confidence = 0.7
	}
	winText := fmt.Sprintf("%s bytes", fmtInt(winLen))
	if !scaleKnown {
		winText = fmt.Sprintf("raw window %d; its scale is unknown because the handshake predates the capture", win)
	}
	retx := "no retransmissions"
	if srv.Retransmits > 0 {
		retx = fmt.Sprintf("%d retransmissions earlier, none during the silence", srv.Retransmits)
	}
	how := "reset"
	if end.Flags&tcpflow.FlagRST == 0 {
		how = "closed"
	}
	sent := fmt.Sprintf("after %s bytes", fmtInt(srv.SeqBytes()))
	if b.Transfer != nil {
		sent = "after " + bytesOf(b.Transfer)
	}
	f.Summary = fmt.Sprintf("The server stopped sending on %s %s: %s of silence with every byte acknowledged and the client's window open (%s), %s; then the %s %s the connection.",
		connName(b), sent, fmtDur(silence), winText, retx, sideName(b, end.Dir), how)
	if f.Confidence < 0.85 {
		// Nothing at all came from the server's side: say what was seen.
		f.Summary = fmt.Sprintf("Nothing arrived from the server on %s %s for %s, with every byte acknowledged and the client's window open (%s), %s; then the %s %s the connection.",
			connName(b), sent, fmtDur(silence), winText, retx, sideName(b, end.Dir), how)
	}
	f.Evidence = []Evidence{
		{At: start, Text: what},
		{At: winAt, Text: fmt.Sprintf("client's last window before the end: %s; it acknowledges everything the server sent", winText)},
	}
	if alive {
		f.Evidence = append(f.Evidence, Evidence{At: aliveAt, Text: "the server's packets still arrive during the silence, with no data"})
	}
	f.Evidence = append(f.Evidence, endSegEvidence(c, end, fmt.Sprintf("end after %s of silence", fmtDur(silence))))
	if b.Transfer != nil {
		f.Evidence = append([]Evidence{cmdEvidence(transferCommand(b.Transfer))}, f.Evidence...)
	}
	return f
}

// dataConnOpen is when a connection was established, as far as the
// capture shows.
func dataConnOpen(c *tcpflow.Conn) tcpflow.Ref {
	switch {
	case !c.HandshakeAck.IsZero():
		return c.HandshakeAck
	case !c.SynAck.IsZero():
		return c.SynAck
	}
	return c.First
}

// lastWindow returns d's last packet before at that is not a RST (whose
// window and acknowledgment mean little), with the window it advertised
// and what it acknowledged, from the connection's last packets.
func lastWindow(c *tcpflow.Conn, d tcpflow.Dir, at tcpflow.Ref) (tcpflow.Seg, bool) {
	segs := c.LastSegs()
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if s.Dir == d && s.Flags&tcpflow.FlagRST == 0 && !before(at, s.Ref) {
			return s, true
		}
	}
	h := &c.Half[d]
	if h.RST.IsZero() {
		return tcpflow.Seg{Ref: c.Last, Dir: d, Win: h.LastWin, Ack: h.AckedHigh}, true
	}
	return tcpflow.Seg{}, false
}

// serverSpokeDuring reports a packet from the server's side strictly
// inside the silence (an ACK, a keepalive), from the last packets.
func serverSpokeDuring(c *tcpflow.Conn, sd tcpflow.Dir, start tcpflow.Ref, end tcpflow.Seg) (bool, tcpflow.Ref) {
	for _, s := range c.LastSegs() {
		if s.Dir == sd && before(start, s.Ref) && before(s.Ref, end.Ref) {
			return true, s.Ref
		}
	}
	return false, tcpflow.Ref{}
}

// seqBelow compares TCP sequence numbers modulo 2^32 (RFC 9293 §3.4).
func seqBelow(a, b uint32) bool { return int32(a-b) < 0 }
