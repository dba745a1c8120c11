package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// zero-window-stall: a receiver stopped reading: its window went to zero,
// the sender probed it (RFC 9293 §3.8.6.1, RFC 1122 §4.2.2.17), and while
// it was still shut somebody gave up on the transfer: either side tore the
// connection down, the server answered with an error on the control
// connection, the client sent ABOR, or either side closed the control
// connection. The window may reopen afterwards: an application that
// wakes up and reads what its buffer held sends a window update, but by
// then the sender had already given up, so the update changes nothing.
// A zero window that reopens before anybody gives up is flow control doing
// its job, not a break, whatever ends the connection later. A zero window
// is zero with or without window scaling, so connections picked up
// mid-stream count too.
func init() {
	register(Rule{
		Cause:   "zero-window-stall",
		Needs:   "a side's advertised window at zero, the peer probing the shut window at least once, and the transfer given up while it was shut (a FIN or RST on the connection, an error reply or ABOR on the control connection, or the control connection closed), even when the window reopens afterwards",
		Example: "The client stopped reading the data connection of RETR big.iso: its window stayed at zero for 42.10 s while the server probed it 9 times, then the server reset the connection.",
		Check: func(b *Case) *Finding {
			if f, _ := zeroWindowStall(b); f != nil {
				return f // on the connection itself (a control connection's too)
			}
			if b.Kind == KindControl {
				return controlOverStall(b, zeroWindowStall, "a stalled transfer")
			}
			return nil
		},
	})
}

// zeroWindowStall checks both sides of a case's connection and returns
// the finding with when the window shut.
func zeroWindowStall(b *Case) (*Finding, tcpflow.Ref) {
	if b.Conn == nil {
		return nil, tcpflow.Ref{}
	}
	for _, r := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		if f := zeroWindowStallBy(b, r); f != nil {
			return f, b.Conn.Half[r].Traffic().ZeroWinSince
		}
	}
	return nil, tcpflow.Ref{}
}

// givingUp is the first sign that one side gave up on a transfer.
type givingUp struct {
	at   tcpflow.Ref
	by   tcpflow.Dir // the side of the connection that gave up
	text string      // the summary's clause: "the client reset the connection"
	ev   Evidence    // the packet that shows it
}

// zeroWindowStallBy checks whether somebody gave up while receiver r's
// window was shut.
func zeroWindowStallBy(b *Case, r tcpflow.Dir) *Finding {
	c := b.Conn
	h := &c.Half[r]
	tr := h.Traffic()
	if tr.ZeroWinProbes == 0 || tr.ZeroWinSince.IsZero() {
		return nil
	}
	var reopen tcpflow.Ref // zero while the window is still shut
	if !h.WindowClosed() && tr.ZeroWinSince.Before(tr.WinReopen) {
		reopen = tr.WinReopen
	}
	gave, ok := firstGivingUp(b, tr.ZeroWinSince)
	if !ok || (!reopen.IsZero() && !gave.at.Before(reopen)) {
		return nil // nobody gave up, or only after the window had reopened
	}
	if t := b.Transfer; t != nil && t.Aborted && t.AbortAt.Before(gave.at) {
		// The client had sent ABOR (it stopped reading because it was
		// aborting): the transfer ended by its choice, not a stall.
		return nil
	}
	if gave.by == r && !longStall(tr, gave.at) {
		// The receiver ended it itself, soon after its window shut: a
		// process that closes (or dies) with unread data resets the
		// connection (RFC 2525 §2.17), and a receiver reading slowly
		// (a rate-limited server) is at zero often. Nothing shows the
		// sender waiting out a stall: the receiver's end is judged by
		// the rules for resets and closes.
		return nil
	}
	// How long the window stayed at zero: until it reopened, or until the
	// connection ended with it still shut.
	until := gave.at
	end, ended := teardownAfter(c, tr.ZeroWinSince)
	switch {
	case !reopen.IsZero():
		until = reopen
	case ended && until.Before(end.Ref):
		until = end.Ref
	}
	stall := time.Duration(until.TS - tr.ZeroWinSince.TS)
	f := &Finding{Confidence: 0.75}
	if tr.ZeroWinProbes >= 2 && stall >= time.Second {
		f.Confidence = 0.85
	}
	who, peer := ftpRole(b, r), ftpRole(b, r.Other())
	read := connName(b)
	if b.Transfer != nil {
		read += " after " + bytesOf(b.Transfer)
	}
	f.Summary = fmt.Sprintf("The %s stopped reading %s: its window stayed at zero for %s while the %s probed it %s, then %s.",
		who, read, fmtDur(stall), peer, times(tr.ZeroWinProbes), gave.text)
	probeEv := Evidence{At: tr.ZeroWinProbeLast, Text: fmt.Sprintf("%s's last window probe (%s in all); the window is still zero (%s from the %s)",
		peer, times(tr.ZeroWinProbes), plural(int(h.ZeroWindows), "zero-window packet"), who)}
	f.Evidence = []Evidence{
		{At: tr.ZeroWinSince, Text: fmt.Sprintf("%s (%s) advertises a zero window", who, endpoint(c, r))},
		probeEv,
		gave.ev,
	}
	if ended && end.Ref != gave.at && (reopen.IsZero() || end.Ref.Before(reopen)) {
		f.Evidence = append(f.Evidence, endSegEvidence(c, end, "end of the connection"))
	}
	if !reopen.IsZero() {
		f.Summary += fmt.Sprintf(" The window reopened only %s later (frame %d), after the transfer had been given up.",
			fmtDur(time.Duration(reopen.TS-gave.at.TS)), reopen.Frame)
		f.Evidence = append(f.Evidence, Evidence{At: reopen, Text: fmt.Sprintf("the %s's window reopens, %s after the transfer was given up", who, fmtDur(time.Duration(reopen.TS-gave.at.TS)))})
	}
	if !tr.WinReopen.IsZero() && tr.WinReopen.Before(tr.ZeroWinSince) {
		f.Evidence = append(f.Evidence, Evidence{At: tr.WinReopen, Text: "an earlier zero window had reopened"})
	}
	sortEvidence(f.Evidence)
	return f
}

// firstGivingUp returns the first sign, at or after since, that one side
// gave up on b's connection: its first FIN or RST, or, for a data
// connection, an error reply, ABOR or the end of the session's control
// connection.
func firstGivingUp(b *Case, since tcpflow.Ref) (givingUp, bool) {
	c := b.Conn
	var best givingUp
	found := false
	take := func(g givingUp) {
		if !g.at.Before(since) && (!found || g.at.Before(best.at)) {
			best, found = g, true
		}
	}
	if end, ok := teardownAfter(c, since); ok {
		take(givingUp{at: end.Ref, by: end.Dir, text: fmt.Sprintf("the %s %s the connection", ftpRole(b, end.Dir), endedHow(end)),
			ev: endSegEvidence(c, end, "end of the connection")})
	}
	s := b.Session
	if b.Kind != KindData || s == nil || s.Control == nil || s.Control == c {
		return best, found
	}
	for i := range s.Log {
		e := &s.Log[i]
		if cmd := e.Cmd; cmd != nil && cmd.Verb == "ABOR" && !cmd.At.Before(since) {
			take(givingUp{at: cmd.At, by: b.ServerDir().Other(), text: fmt.Sprintf("the client sent ABOR (frame %d)", cmd.At.Frame), ev: cmdEvidence(cmd)})
		}
		for j := range e.Replies {
			if r := &e.Replies[j]; r.Valid && r.Code >= 400 && !r.At.Before(since) {
				take(givingUp{at: r.At, by: b.ServerDir(), text: fmt.Sprintf("the server gave up with %d %s on the control connection (frame %d)", r.Code, quote(r.Text), r.At.Frame),
					ev: replyEvidence(e.Cmd, r)})
			}
		}
	}
	if end, ok := teardownAfter(s.Control, since); ok {
		who := "client"
		if end.Dir == tcpflow.FromServer {
			who = "server"
		}
		by := b.ServerDir().Other() // the FTP client's side of b's connection
		if end.Dir == tcpflow.FromServer {
			by = b.ServerDir()
		}
		take(givingUp{at: end.Ref, by: by, text: fmt.Sprintf("the %s %s the control connection (frame %d)", who, endedHow(end), end.Frame),
			ev: endSegEvidence(s.Control, end, "end of the control connection")})
	}
	return best, found
}

// A stall a receiver ends itself is the story only when it lasted: the
// sender's persist timer backed off several times (RFC 1122 §4.2.2.17;
// Linux probes at 0.2, 0.6, 1.4, 3, 6.2 s…) over seconds of zero window.
const (
	longStallProbes = 3
	longStallFor    = 5 * time.Second
)

// longStall: the window had been shut long enough, with enough probes
// unanswered, by at, that the receiver plainly stopped reading.
func longStall(tr *tcpflow.Traffic, at tcpflow.Ref) bool {
	return tr.ZeroWinProbes >= longStallProbes && time.Duration(at.TS-tr.ZeroWinSince.TS) >= longStallFor
}
