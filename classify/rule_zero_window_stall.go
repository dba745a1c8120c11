package classify

import (
	"fmt"
	"time"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// zero-window-stall: a receiver stopped reading: its window went to zero
// and stayed there, the sender probed it (RFC 9293 §3.8.6.1, RFC 1122
// §4.2.2.17), and the connection was torn down before the window opened
// again. A zero window that reopens is flow control doing its job, not a
// break, whatever ends the connection later. A zero window is zero with
// or without window scaling, so connections picked up mid-stream count
// too.
func init() {
	register(Rule{
		Cause:   "zero-window-stall",
		Needs:   "a side's advertised window at zero until the connection's FIN or RST, with the peer probing the shut window at least once",
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

// zeroWindowStallBy checks whether receiver r's window was shut until the
// connection was torn down.
func zeroWindowStallBy(b *Case, r tcpflow.Dir) *Finding {
	c := b.Conn
	h := &c.Half[r]
	tr := h.Traffic()
	if !h.WindowClosed() || tr.ZeroWinProbes == 0 || tr.ZeroWinSince.IsZero() {
		return nil
	}
	end, ok := teardownAfter(c, tr.ZeroWinSince)
	if !ok {
		return nil // still shut when the capture stopped seeing it: not torn down
	}
	stall := time.Duration(end.TS - tr.ZeroWinSince.TS)
	f := &Finding{Confidence: 0.75}
	if tr.ZeroWinProbes >= 2 && stall >= time.Second {
		f.Confidence = 0.85
	}
	who, peer := ftpRole(b, r), ftpRole(b, r.Other())
	ender := ftpRole(b, end.Dir)
	how := endedHow(end)
	f.Summary = fmt.Sprintf("The %s stopped reading %s: its window stayed at zero for %s while the %s probed it %s, then the %s %s the connection.",
		who, connName(b), fmtDur(stall), peer, times(tr.ZeroWinProbes), ender, how)
	if b.Transfer != nil {
		f.Summary = fmt.Sprintf("The %s stopped reading %s after %s: its window stayed at zero for %s while the %s probed it %s, then the %s %s the connection.",
			who, connName(b), bytesOf(b.Transfer), fmtDur(stall), peer, times(tr.ZeroWinProbes), ender, how)
	}
	f.Evidence = []Evidence{
		{At: tr.ZeroWinSince, Text: fmt.Sprintf("%s (%s) advertises a zero window", who, endpoint(c, r))},
		{At: tr.ZeroWinProbeLast, Text: fmt.Sprintf("%s's last window probe (%s in all); the window is still zero (%d zero-window packets from the %s)",
			peer, times(tr.ZeroWinProbes), h.ZeroWindows, who)},
		endSegEvidence(c, end, "end of the connection"),
	}
	if !tr.WinReopen.IsZero() && tr.WinReopen.Before(tr.ZeroWinSince) {
		f.Evidence = append(f.Evidence, Evidence{At: tr.WinReopen, Text: "an earlier zero window had reopened"})
	}
	return f
}
