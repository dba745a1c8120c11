package classify

import (
	"cmp"
	"slices"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Connection kinds in verdicts.
const (
	KindControl = "control"
	KindData    = "data"
	KindOther   = "other"
)

// Break is one thing that ended badly, as the rules see it: a control
// connection, a transfer (with or without a data connection), or a data
// connection that carried no known transfer.
type Break struct {
	Session *dissect.Session
	Kind    string
	// Conn is the connection that broke: the control connection, or the
	// data connection (nil for a transfer refused before one opened).
	Conn     *tcpflow.Conn
	Transfer *dissect.Transfer
	Data     *dissect.DataConn
	// Why names what makes it a break, for the unexplained verdict.
	Why string
}

// ServerDir is the direction of b.Conn in which the FTP server sends: on an
// active-mode data connection the FTP server is the TCP client.
func (b *Break) ServerDir() tcpflow.Dir {
	if b.Data != nil {
		return b.Data.FromFTPServer
	}
	return tcpflow.FromServer
}

// Judge finds the breaks of a finished session and decides each one.
func Judge(s *dissect.Session) []Verdict {
	var out []Verdict
	for _, b := range findBreaks(s) {
		out = append(out, decide(b))
	}
	return out
}

// decide runs every rule on a break; the strongest finding wins and the
// others are kept as contributing causes.
func decide(b *Break) Verdict {
	var found []ruleFinding
	for i := range rules {
		r := &rules[i]
		if f := r.Check(b); f != nil {
			f.Cause = r.Cause
			found = append(found, ruleFinding{f: f, prec: r.Precedence})
		}
	}
	if len(found) == 0 {
		found = append(found, ruleFinding{f: unexplained(b)})
	}
	// Stronger evidence first; on a tie the more specific rule (lower
	// precedence number) wins.
	slices.SortStableFunc(found, func(x, y ruleFinding) int {
		if c := cmp.Compare(y.f.Confidence, x.f.Confidence); c != 0 {
			return c
		}
		return cmp.Compare(x.prec, y.prec)
	})
	v := Verdict{Finding: *found[0].f, Kind: b.Kind, Conn: b.Conn}
	v.Class = CauseClass(v.Cause)
	for _, o := range found[1:] {
		if o.f.Cause != v.Cause && !slices.Contains(v.Contributing, o.f.Cause) {
			v.Contributing = append(v.Contributing, o.f.Cause)
		}
	}
	v.Time = breakTime(b, &v.Finding)
	return v
}

type ruleFinding struct {
	f    *Finding
	prec int
}

// breakTime is when the break happened: the last evidence packet.
func breakTime(b *Break, f *Finding) tcpflow.Ref {
	var t tcpflow.Ref
	for _, e := range f.Evidence {
		if e.At.TS > t.TS || t.IsZero() {
			t = e.At
		}
	}
	if t.IsZero() && b.Conn != nil {
		t = b.Conn.Last
	}
	return t
}

// findBreaks lists what ended badly in a session.
func findBreaks(s *dissect.Session) []*Break {
	var out []*Break
	if why := controlBroke(s); why != "" {
		out = append(out, &Break{Session: s, Kind: KindControl, Conn: s.Control, Why: why})
	}
	for _, t := range s.Transfers {
		if t.Status() == dissect.StatusComplete {
			continue
		}
		b := &Break{Session: s, Kind: KindControl, Conn: s.Control, Transfer: t, Why: "transfer " + t.Status()}
		// A transfer the server refused with a reply broke on the control
		// connection (its data connection, if any, was fine); one whose
		// data connection failed, was cut or aborted broke there.
		refused := t.Status() == dissect.StatusFailed && t.Final != nil && t.Final.Valid && t.Final.Code != 425
		if t.Conn != nil && !refused {
			b.Kind, b.Conn, b.Data = KindData, t.Conn, t.Data
		}
		out = append(out, b)
	}
	for _, d := range s.Data {
		if d.Transfer == nil && (!d.Conn.Half[0].RST.IsZero() || !d.Conn.Half[1].RST.IsZero()) {
			out = append(out, &Break{Session: s, Kind: KindData, Conn: d.Conn, Data: d, Why: "data connection reset"})
		}
	}
	return out
}

// controlBroke says why the control connection did not end the way a
// healthy session ends (QUIT → 221 → FIN both ways), or "" when it did, or
// when nothing went wrong before the capture stopped seeing it.
func controlBroke(s *dissect.Session) string {
	c := s.Control
	switch {
	case !established(c):
		return "never established"
	case s.NotFTP != nil:
		return "server does not speak FTP"
	case quitAnswered(s):
		return ""
	case loginFailed(s):
		return "login failed"
	}
	if r := s.LastReply; r != nil && r.Valid && r.Code == 421 {
		return "server sent 421"
	}
	ending, _ := c.Ending()
	switch ending {
	case tcpflow.ClosedRST:
		return "reset"
	case tcpflow.ClosedFIN:
		if !c.Half[tcpflow.FromServer].FIN.IsZero() && firstFIN(c) == tcpflow.FromServer {
			return "server closed"
		}
		if pendingCommand(s) != nil || transferInProgress(s, c.Half[tcpflow.FromClient].FIN) {
			return "client closed mid-command"
		}
		if _, r := lastFinalReply(s); r != nil && r.Code >= 400 {
			return "client left after an error reply"
		}
		return ""
	}
	// Still open when the capture (or the idle timeout) ended it: a
	// half-closed connection is a break, a quiet one is not.
	if !c.Half[tcpflow.FromServer].FIN.IsZero() {
		return "server closed"
	}
	if !c.Half[tcpflow.FromClient].FIN.IsZero() && pendingCommand(s) != nil {
		return "client closed mid-command"
	}
	return ""
}

// established reports whether the handshake got through (or the capture
// began mid-stream, or payload flowed).
func established(c *tcpflow.Conn) bool {
	return !c.SynAck.IsZero() || c.Midstream ||
		c.Half[tcpflow.FromClient].Bytes > 0 || c.Half[tcpflow.FromServer].Bytes > 0
}

func firstFIN(c *tcpflow.Conn) tcpflow.Dir {
	cf, sf := c.Half[tcpflow.FromClient].FIN, c.Half[tcpflow.FromServer].FIN
	if cf.IsZero() || (!sf.IsZero() && before(sf, cf)) {
		return tcpflow.FromServer
	}
	return tcpflow.FromClient
}

// before orders two packets of the capture by time, then frame.
func before(a, b tcpflow.Ref) bool {
	if a.TS != b.TS {
		return a.TS < b.TS
	}
	return a.Frame < b.Frame
}

// quitAnswered: the client sent QUIT and the server answered it with 2xx.
func quitAnswered(s *dissect.Session) bool {
	for i := len(s.Log) - 1; i >= 0; i-- {
		e := &s.Log[i]
		if e.Cmd != nil && e.Cmd.Verb == "QUIT" {
			for _, r := range e.Replies {
				if r.Valid && r.Code >= 200 && r.Code < 300 {
					return true
				}
			}
			return false
		}
	}
	return false
}

// loginFailed: a PASS (or USER) was answered 530 and no login succeeded
// (230) after it.
func loginFailed(s *dissect.Session) bool {
	failed := false
	for i := range s.Log {
		e := &s.Log[i]
		if e.Cmd == nil {
			continue
		}
		for _, r := range e.Replies {
			switch {
			case r.Valid && r.Code == 230:
				failed = false
			case r.Valid && r.Code == 530 && (e.Cmd.Verb == "PASS" || e.Cmd.Verb == "USER"):
				failed = true
			}
		}
	}
	return failed
}

// pendingCommand returns the last command still waiting for its final
// reply, or nil.
func pendingCommand(s *dissect.Session) *dissect.Command {
	for i := len(s.Log) - 1; i >= 0; i-- {
		e := &s.Log[i]
		if e.Cmd == nil {
			continue
		}
		for _, r := range e.Replies {
			if r.Valid && r.Code >= 200 {
				return nil
			}
		}
		return e.Cmd
	}
	return nil
}

// transferInProgress: a transfer had no final reply when at happened.
func transferInProgress(s *dissect.Session, at tcpflow.Ref) bool {
	for _, t := range s.Transfers {
		if before(t.At, at) && (t.Final == nil || before(at, t.Final.At)) {
			return true
		}
	}
	return false
}
