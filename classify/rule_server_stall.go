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
// is lower when no packet from the server's side arrived after its last
// data (not even its kernel's ACK of the client's FIN).
func init() {
	register(Rule{
		Cause:   "server-stall",
		Needs:   "on a download's data connection, the server's data stops for ≥5 s, ≥10 round trips and ≥4 times its longest earlier pause with every byte acknowledged and the client's window open, until a FIN or RST ends the connection",
		Example: "The server stopped sending on the data connection of RETR big.iso after 524,288 of 1,048,576 bytes: 30.02 s of silence with every byte acknowledged and the client's window open (64,128 bytes), no retransmissions; then the client reset the connection.",
		Check: func(b *Case) *Finding {
			if b.Kind == KindControl {
				return controlOverStall(b, serverStall, "a stalled transfer")
			}
			f, _ := serverStall(b)
			return f
		},
	})
}

// serverStall checks a data connection and returns the finding with
// when the silence began.
func serverStall(b *Case) (*Finding, tcpflow.Ref) {
	c := b.Conn
	if c == nil || b.Kind != KindData || !established(c) {
		return nil, tcpflow.Ref{}
	}
	sd := b.ServerDir()
	if senderDir(b) != sd {
		return nil, tcpflow.Ref{} // an upload: the server is the receiver
	}
	srv, cli := &c.Half[sd], &c.Half[sd.Other()]
	start, what := srv.LastData, "the server's last data"
	if start.IsZero() {
		start, what = establishedAt(c), "the data connection opened and the server sent nothing"
	}
	end, ok := teardownAfter(c, start)
	if !ok {
		return nil, tcpflow.Ref{}
	}
	silence := time.Duration(end.TS - start.TS)
	if t := b.Transfer; t != nil && t.Final != nil && t.Final.Valid && start.Before(t.Final.At) && t.Final.At.Before(end.Ref) &&
		(t.Final.Code == 426 || time.Duration(t.Final.At.TS-start.TS) < minStall) {
		// The server's application spoke up during the silence: its side
		// of the data connection ended (426: closed), it did not stall.
		return nil, tcpflow.Ref{}
	}
	rtt, _, haveRTT := roundTrip(c)
	if silence < minStall || (haveRTT && silence < minStallRoundTrip*rtt) || silence < minStallPauses*time.Duration(srv.Traffic().AppWaitMax) {
		return nil, tcpflow.Ref{}
	}
	if cli.WindowClosed() {
		return nil, tcpflow.Ref{} // a zero window: the client stopped reading
	}
	last, ok := lastWindow(c, sd.Other(), end.Ref)
	if !ok {
		return nil, tcpflow.Ref{}
	}
	if !srv.FirstData.IsZero() && seqBelow(last.Ack, srv.HighSeq) {
		return nil, tcpflow.Ref{} // bytes unacknowledged: loss, not a stall
	}
	win, winAt := last.Win, last.Ref
	winLen, scaleKnown := windowBytes(c, sd.Other(), win)
	if winLen == 0 {
		return nil, tcpflow.Ref{}
	}
	alive, aliveAt := serverSpokeAfter(c, sd, start)
	f := &Finding{Confidence: 0.8}
	switch {
	case end.Dir == sd || alive:
		f.Confidence = 0.85 // the server (and the path from it) was there: it just did not send
	case !scaleKnown:
		f.Confidence = 0.7
	}
	winText := count(winLen, "byte")
	if !scaleKnown {
		winText = fmt.Sprintf("raw window %d; its scale is unknown because the handshake predates the capture", win)
	}
	retx := "no retransmissions"
	if srv.Retransmits > 0 {
		retx = count(srv.Retransmits, "retransmission") + " earlier, none during the silence"
	}
	how := endedHow(end)
	sent := "after " + count(srv.SeqBytes(), "byte")
	if b.Transfer != nil {
		sent = "after " + bytesOf(b.Transfer)
	}
	f.Summary = fmt.Sprintf("The server stopped sending on %s %s: %s of silence with every byte acknowledged and the client's window open (%s), %s; then the %s %s the connection.",
		connName(b), sent, fmtDur(silence), winText, retx, ftpRole(b, end.Dir), how)
	if f.Confidence < 0.85 {
		// Nothing at all came from the server's side: say what was seen.
		f.Summary = fmt.Sprintf("Nothing arrived from the server on %s %s for %s, with every byte acknowledged and the client's window open (%s), %s; then the %s %s the connection.",
			connName(b), sent, fmtDur(silence), winText, retx, ftpRole(b, end.Dir), how)
	}
	f.Evidence = []Evidence{
		{At: start, Text: what},
		{At: winAt, Text: fmt.Sprintf("client's last window before the end: %s; it acknowledges everything the server sent", winText)},
	}
	if alive {
		f.Evidence = append(f.Evidence, Evidence{At: aliveAt, Text: "a packet from the server's side without data: its host and the path from it still work"})
	}
	f.Evidence = append(f.Evidence, endSegEvidence(c, end, fmt.Sprintf("end after %s of silence", fmtDur(silence))))
	if b.Transfer != nil {
		f.Evidence = append([]Evidence{cmdEvidence(transferCommand(b.Transfer))}, f.Evidence...)
	}
	return f, start
}

// serverSpokeAfter returns the first packet from the server's side after
// start (an ACK, a keepalive, the kernel answering the client's FIN),
// from the last packets: it shows the server's host and the path from it
// working, so the silence was the server application's.
func serverSpokeAfter(c *tcpflow.Conn, sd tcpflow.Dir, start tcpflow.Ref) (bool, tcpflow.Ref) {
	for _, s := range c.LastSegs() {
		if s.Dir == sd && start.Before(s.Ref) {
			return true, s.Ref
		}
	}
	return false, tcpflow.Ref{}
}
