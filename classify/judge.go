package classify

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// ConnKind says which of a session's connections a case, a verdict or a
// report's connection row is about.
type ConnKind string

// Connection kinds, as spec/report-json.md names them.
const (
	KindControl ConnKind = "control"
	KindData    ConnKind = "data"
	// KindOther is in the report's contract for a connection that is
	// neither; no rule makes a verdict about one today.
	KindOther ConnKind = "other"
)

// Case is what a rule reads: one connection of a session (its control
// connection, a data connection, or a transfer refused before one
// opened) with the session and the capture-wide context. For a break, Why
// says what makes it one; for a connection looked at for findings, Why is
// "".
type Case struct {
	Session *dissect.Session
	Kind    ConnKind
	// Conn is the connection: the control connection, or the data
	// connection (nil for a transfer refused before one opened).
	Conn     *tcpflow.Conn
	Transfer *dissect.Transfer
	Data     *dissect.DataConn
	// Refusal is the request a control-connection break is about when
	// the server refused it and the client abandoned it (a 550 to SIZE,
	// PORT answered 500…); nil otherwise.
	Refusal *Refusal
	// Retries are earlier data connections of the session that failed to
	// connect just as this one did, with none getting through in between:
	// a client retrying (ncftp asks PASV three times) is one break.
	Retries []*dissect.DataConn
	Why     string
	Ctx     *Context
}

// Context is what the capture as a whole shows, beyond one session.
type Context struct {
	// Hosts holds the TTLs each address's packets arrived with, across
	// connections, so far: the tracker's table, or a copy of the entries
	// of one session's hosts when the session is judged on another
	// goroutine. Nil: no other connections to compare with.
	Hosts HostTTLs
	// CountOnly: the verdicts will only be counted (the session is past
	// the report's cap and nobody watches breaks as they come), so a rule
	// may leave Summary and Evidence out. The rules that would word the
	// same verdict a million times over in a SYN flood or a scan do.
	CountOnly bool
}

// HostTTLs looks up the TTLs an address's packets arrived with, across
// connections (nil when none): tcpflow.HostTable.
type HostTTLs interface {
	TTL(addr netip.Addr) *tcpflow.TTLStats
}

// ServerDir is the direction of b.Conn in which the FTP server sends: on an
// active-mode data connection the FTP server is the TCP client.
func (b *Case) ServerDir() tcpflow.Dir {
	if b.Data != nil {
		return b.Data.FromFTPServer
	}
	return tcpflow.FromServer
}

// Judge finds the breaks of a finished session and decides each one, then
// looks at every connection of the session for findings (conditions worth
// knowing that did not break it, or that did and are already its verdict).
func Judge(s *dissect.Session, ctx *Context) []Verdict {
	if ctx == nil {
		ctx = &Context{}
	}
	var out []Verdict
	for _, b := range findBreaks(s, ctx) {
		b.Ctx = ctx
		out = append(out, decide(b))
	}
	for _, c := range connections(s, ctx) {
		out = append(out, notice(c, out)...)
	}
	return out
}

// connections lists the session's connections as cases for findings.
func connections(s *dissect.Session, ctx *Context) []*Case {
	out := []*Case{{Session: s, Kind: KindControl, Conn: s.Control, Ctx: ctx}}
	for _, d := range s.Data {
		out = append(out, dataCase(s, d, ctx, ""))
	}
	return out
}

// dataCase is the case of one of a session's data connections; why is
// what makes it a break, "" when it is looked at for findings.
func dataCase(s *dissect.Session, d *dissect.DataConn, ctx *Context, why string) *Case {
	return &Case{Session: s, Kind: KindData, Conn: d.Conn, Data: d, Transfer: d.Transfer, Ctx: ctx, Why: why}
}

// sessionConns lists a session's connections.
func sessionConns(s *dissect.Session) []*tcpflow.Conn {
	out := []*tcpflow.Conn{s.Control}
	for _, d := range s.Data {
		out = append(out, d.Conn)
	}
	return out
}

// notice runs the finding rules on one connection; a finding whose cause
// is already a verdict on the same connection is left out.
func notice(c *Case, verdicts []Verdict) []Verdict {
	var out []Verdict
	for i := range rules {
		r := &rules[i]
		if r.Notice == nil {
			continue
		}
		f := r.Notice(c)
		if f == nil {
			continue
		}
		f.Cause = r.Cause
		dup := false
		for _, v := range verdicts {
			if v.Conn == c.Conn && (v.Cause == f.Cause || slices.Contains(v.Contributing, f.Cause)) {
				dup = true
			}
		}
		if dup {
			continue
		}
		v := Verdict{Finding: *f, Class: CauseClass(f.Cause), Kind: c.Kind, Conn: c.Conn, Transfer: c.Transfer, Info: true}
		v.Evidence = tidyEvidence(slices.Clone(v.Evidence))
		v.Time = breakTime(c, f)
		streamGaps(c, &v.Finding)
		out = append(out, v)
	}
	return out
}

// decide runs every rule on a break; the strongest finding wins and the
// others are kept as contributing causes.
func decide(b *Case) Verdict {
	var found []ruleFinding
	for i := range rules {
		r := &rules[i]
		if r.Check == nil {
			continue
		}
		if f := r.Check(b); f != nil {
			f.Cause = r.Cause
			found = append(found, ruleFinding{f: f, prec: precedenceOf(r.Cause)})
		}
	}
	found = keepReplyCauses(b, found)
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
	v := Verdict{Finding: *found[0].f, Kind: b.Kind, Conn: b.Conn, Transfer: b.Transfer}
	v.Evidence = tidyEvidence(slices.Clone(v.Evidence))
	v.Class = CauseClass(v.Cause)
	for _, o := range found[1:] {
		if o.f.Cause != v.Cause && !slices.Contains(v.Contributing, o.f.Cause) {
			v.Contributing = append(v.Contributing, o.f.Cause)
		}
	}
	v.Time = breakTime(b, &v.Finding)
	if len(b.Retries) > 0 {
		v.Evidence = tidyEvidence(append(v.Evidence, retryEvidence(b)...))
		v.Summary += fmt.Sprintf(" The client had tried %s before, failing the same way.", times(int64(len(b.Retries))))
	}
	streamGaps(b, &v.Finding) // after the time: a gap is a caveat, not the break
	return v
}

type ruleFinding struct {
	f    *Finding
	prec int
}

// breakTime is when the break happened: the last evidence packet.
func breakTime(b *Case, f *Finding) tcpflow.Ref {
	var t tcpflow.Ref
	for _, e := range f.Evidence {
		if t.IsZero() || t.Before(e.At) {
			t = e.At
		}
	}
	if t.IsZero() && b.Conn != nil {
		t = b.Conn.Last
	}
	return t
}

// findBreaks lists what ended badly in a session: the control
// connection, each transfer that did not complete, each request for a file
// or directory that was refused and abandoned, a data channel that never
// worked, and data connections no transfer claimed that failed.
func findBreaks(s *dissect.Session, ctx *Context) []*Case {
	var out []*Case
	refused := pathRefusals(s)
	late := lateRefusals(s)
	refused = append(refused, late...)
	dead := deadChannel(s, refused)
	if why := controlBroke(s, ctx); why != "" && !explainedBy(s, why, refused, dead) {
		out = append(out, &Case{Session: s, Kind: KindControl, Conn: s.Control, Why: why})
	}
	for _, r := range refused {
		out = append(out, &Case{Session: s, Kind: KindControl, Conn: s.Control, Refusal: r, Why: r.Verb() + " refused"})
	}
	if dead != nil {
		why := "data channel refused"
		if dead.Reply.Code < 400 {
			why = "data channel never reached"
		}
		out = append(out, &Case{Session: s, Kind: KindControl, Conn: s.Control, Refusal: dead, Why: why})
	}
	for _, t := range s.Transfers {
		if TransferStatusOf(s, t) == StatusComplete || unfinishedAtEnd(s, t) || refusedLate(late, t) {
			continue
		}
		b := &Case{Session: s, Kind: KindControl, Conn: s.Control, Transfer: t, Why: "transfer " + string(TransferStatusOf(s, t))}
		// A transfer the server refused with a reply broke on the control
		// connection (its data connection, if any, was fine); one whose
		// data connection failed, was cut or aborted broke there.
		// A transfer whose data connection carried bytes was not refused,
		// whatever its final reply (a 421 or 451 after a stall).
		if t.Conn != nil && !refusedTransfer(s, t) {
			b.Kind, b.Conn, b.Data = KindData, t.Conn, t.Data
		}
		out = append(out, b)
	}
	var retries []*dissect.DataConn
	for i, d := range s.Data {
		if d.Transfer != nil {
			continue
		}
		// A data connection no transfer command claimed: clients that
		// connect to the PASV endpoint before sending RETR never send it
		// when the connection fails, so the failed connection is the break.
		switch {
		case neverConnected(d.Conn) && retriedAfter(s, i):
			retries = append(retries, d)
		case neverConnected(d.Conn):
			out = append(out, &Case{Session: s, Kind: KindData, Conn: d.Conn, Data: d, Retries: retries, Why: "data connection never established"})
			retries = nil
		case unusedClosedByClient(d):
			// Opened and closed unused by the client (curl after a 550
			// to SIZE): whatever the server does after the client's
			// FIN, a reset included, breaks nothing.
		case !d.Conn.Half[0].RST.IsZero() || !d.Conn.Half[1].RST.IsZero():
			out = append(out, &Case{Session: s, Kind: KindData, Conn: d.Conn, Data: d, Why: "data connection reset"})
		}
	}
	return out
}

// explainedBy: the control connection's break is only the client leaving
// after a refusal, a data connection that never connected or a data
// channel that never worked, which are breaks of their own: one break,
// not two.
func explainedBy(s *dissect.Session, why string, refused []*Refusal, dead *Refusal) bool {
	switch why {
	case whyLeftAfterError:
		_, r := lastFinalReplyBy(s, closedAt(s.Control, tcpflow.FromClient))
		if dead != nil && r == dead.Reply {
			return true
		}
		for _, rf := range refused {
			if r == rf.Reply {
				return true
			}
		}
		for _, t := range s.Transfers {
			if r != nil && t.Final != nil && r.At == t.Final.At && refusedTransfer(s, t) {
				return true // the refused transfer is the break, on this connection
			}
		}
	case whyLeftMidCommand:
		// The command it left waiting was refused, in a reply that
		// crossed its FIN (lateRefusals).
		if cmd := pendingAt(s, closedAt(s.Control, tcpflow.FromClient)); cmd != nil {
			for _, rf := range refused {
				if rf.late && rf.Cmd.At == cmd.At {
					return true
				}
			}
		}
	case whyLeftAfterDataFailed:
		// The data connection that never connected is a break of its
		// own (a transfer's, or an unclaimed data connection's); the
		// client leaving after it, with every command answered, is the
		// same failure, not a second one.
		return true
	}
	return false
}

// unusedClosedByClient: a data connection that carried no payload either
// way and that the FTP client closed first (a FIN, or a RST from clients
// that abort sockets they no longer need).
func unusedClosedByClient(d *dissect.DataConn) bool {
	c := d.Conn
	if c.Half[0].Bytes > 0 || c.Half[1].Bytes > 0 || c.Midstream {
		return false
	}
	side, _, ok := firstCloser(c)
	return ok && side == d.FromFTPServer.Other() // the FTP client's side
}

// controlBroke says why the control connection did not end the way a
// healthy session ends (QUIT → 221 → FIN both ways), or "" when it did, or
// when nothing went wrong before the capture stopped seeing it.
func controlBroke(s *dissect.Session, ctx *Context) string {
	c := s.Control
	switch {
	case !established(c):
		return "never established"
	case handshakeStalled(c):
		// A SYN-ACK and no ACK of it, nothing sent: the session never began.
		return "handshake never completed"
	case tlsHandshakeFailed(s):
		// Before the checks below: an alert answered by a FIN looks like
		// an encrypted session's orderly end.
		return "TLS handshake did not complete"
	case s.NotFTP != nil && !implicitTLS(s):
		return "server does not speak FTP"
	case loginFailed(s):
		// Checked before QUIT: a client that quits politely after its
		// login was refused still could not log in.
		return "login failed"
	case greetingRefused(s):
		// A 421 or 530 in place of the 220 refuses the session, however
		// politely the client then leaves.
		return "server refused the session"
	case quitAnswered(s):
		return ""
	case tlsAttempted(s) && encryptedOrderlyEnd(c):
		return ""
	}
	if _, r := lastFinalReplyBy(s, closedAt(c, tcpflow.FromClient)); r != nil && r.Code == 421 {
		return "server sent 421"
	}
	side, at, closed := firstCloser(c)
	if closed && side == tcpflow.FromClient && (at == c.Half[tcpflow.FromClient].FIN || ownReset(s, ctx, at)) {
		// The client left first: whatever came after (a late reply, the
		// client's kernel resetting it) follows from that. A client may
		// leave with a RST of its own: an abortive close, or a close
		// with a reply still unread in its socket (RFC 2525 §2.17).
		return clientLeft(s, at)
	}
	ending, _ := c.Ending()
	switch ending {
	case tcpflow.ClosedRST:
		return "reset"
	case tcpflow.ClosedFIN:
		if side == tcpflow.FromServer {
			return "server closed"
		}
		return clientLeft(s, at)
	}
	// Still open when the capture (or the idle timeout) ended it: a
	// half-closed connection is a break, a quiet one is not.
	if !c.Half[tcpflow.FromServer].FIN.IsZero() {
		return "server closed"
	}
	if unackedAtEnd(c) {
		// Still retransmitting into silence when the capture ends: the
		// connection is lost whether or not its sender gave up in view.
		return "segments never acknowledged"
	}
	return ""
}

// Why a control connection broke when the client left it.
const (
	whyLeftMidCommand      = "client closed mid-command"
	whyLeftAfterDataFailed = "client left after its data connection failed"
	whyLeftAfterError      = "client left after an error reply"
)

// clientLeft says whether a client that closed the control connection at
// at left something broken: a command or transfer still waiting, a
// greeting never received, a data connection that failed, or an error
// reply it gave up on. A client that leaves without QUIT once everything
// it asked for was answered and every transfer completed (wget does)
// breaks nothing.
func clientLeft(s *dissect.Session, at tcpflow.Ref) string {
	switch {
	case quitSentBy(s, at) && !transferInProgress(s, at):
		return "" // it said it was leaving
	case abortedThenLeft(s, at):
		return "" // its ABOR is the break, the transfer's
	case pendingAt(s, at) != nil || transferInProgress(s, at):
		return whyLeftMidCommand
	case clientLeftUngreeted(s):
		return "client closed waiting for the greeting"
	case dataConnFailedBefore(s, at):
		// It gave up on the session when its data connection failed.
		return whyLeftAfterDataFailed
	}
	if _, r := lastFinalReplyBy(s, at); r != nil && r.Code >= 400 {
		return whyLeftAfterError
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
	if cf.IsZero() || (!sf.IsZero() && sf.Before(cf)) {
		return tcpflow.FromServer
	}
	return tcpflow.FromClient
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

// transferInProgress: a transfer had no final reply when at happened.
func transferInProgress(s *dissect.Session, at tcpflow.Ref) bool {
	for _, t := range s.Transfers {
		if t.At.Before(at) && (t.Final == nil || at.Before(t.Final.At)) {
			return true
		}
	}
	return false
}

// unfinishedAtEnd: the transfer had no final reply and neither its control
// nor its data connection shows an end: the capture stopped while it ran,
// and nothing in it says the transfer failed.
func unfinishedAtEnd(s *dissect.Session, t *dissect.Transfer) bool {
	if t.Final != nil || t.Aborted {
		return false
	}
	if e, _ := s.Control.Ending(); e != 0 || !s.Control.Half[0].FIN.IsZero() || !s.Control.Half[1].FIN.IsZero() {
		return false
	}
	if t.Conn == nil {
		return true
	}
	e, _ := t.Conn.Ending()
	return e == 0 && t.Conn.Half[0].FIN.IsZero() && t.Conn.Half[1].FIN.IsZero()
}

// encryptedOrderlyEnd: on an encrypted control connection QUIT and 221 are
// invisible, but their shape is not: the client's last record was answered
// by the server, and then a side closed with FIN (a RST right after the
// FIN is teardown noise). An end like that is taken as the session's
// normal end; anything else (a RST with no FIN, a close while the client
// waits) is still a break.
func encryptedOrderlyEnd(c *tcpflow.Conn) bool {
	segs := c.LastSegs()
	fin := -1
	for i, s := range segs {
		if s.Flags&tcpflow.FlagFIN != 0 {
			fin = i
			break
		}
	}
	if fin < 0 {
		return false
	}
	answered, skippedAlert := false, false
	for i := fin - 1; i >= 0; i-- {
		s := segs[i]
		if s.Len == 0 {
			continue
		}
		if s.Dir == tcpflow.FromServer {
			answered = true
			continue
		}
		if !answered && !skippedAlert && isEncryptedAlertSize(s.Len) {
			// The client's close_notify after the 221 (RFC 8446 §6.1).
			skippedAlert = true
			continue
		}
		return answered // the client's last request before the FIN
	}
	return false
}

// isEncryptedAlertSize: the size of a TLS record carrying one encrypted
// 2-byte alert: 23 bytes with ChaCha20-Poly1305 in TLS 1.2 (5 header + 2 +
// 16 tag), 24 in TLS 1.3 (one more for the inner content type), 31 with
// AES-GCM in TLS 1.2 (8 more for the explicit nonce). An FTP command is at
// least 6 bytes ("QUIT\r\n"), so its record is never one of these sizes
// in the same cipher suite.
func isEncryptedAlertSize(n int) bool { return n == 23 || n == 24 || n == 31 }

// connectionEndCauses read how a connection ended (its resets, closes and
// retransmissions), over the connection's whole life.
var connectionEndCauses = []string{"middlebox-reset", "server-reset", "server-close", "client-abort",
	"path-loss-timeout", "idle-state-loss", "route-change"}

// keepReplyCauses: a transfer the server refused with a reply broke on the
// control connection at that reply; how the control connection ended later
// (a reset by a firewall, say) is the control connection's own break, not
// this transfer's. When another cause holds, the findings drawn from the
// control connection's end are left out.
func keepReplyCauses(b *Case, found []ruleFinding) []ruleFinding {
	if b.Transfer == nil || b.Kind != KindControl {
		return found
	}
	var kept []ruleFinding
	for _, f := range found {
		if !slices.Contains(connectionEndCauses, f.f.Cause) {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return found
	}
	return kept
}

// ownReset: the control connection's packet at at is a RST from the
// client that the client's host sent itself, not one forged in its name
// by a middlebox (facts_reset.go).
func ownReset(s *dissect.Session, ctx *Context, at tcpflow.Ref) bool {
	c := s.Control
	seg, ok := loggedSeg(c, at)
	if !ok || seg.Flags&tcpflow.FlagRST == 0 {
		return false
	}
	b := &Case{Session: s, Kind: KindControl, Conn: c, Ctx: ctx}
	return !forgedReset(b, seg)
}

// refusedTransfer: the server refused the transfer with a reply: a
// refusal code (450, 55x, 532), or any error (not 425, which is about the
// data connection) with no data moved. It broke on the control
// connection; its data connection (if any) was not the fault. A transfer
// whose data connection carried bytes and then got another error (a 421
// or 451 after a stall) was cut, not refused.
func refusedTransfer(s *dissect.Session, t *dissect.Transfer) bool {
	if t.Final != nil && t.Final.Valid && refusedCode(t.Final.Code) && !t.Aborted {
		// The file, the name or the policy refused it, however many
		// bytes the client had already sent (ftp-srv takes an upload's
		// bytes, then answers "550 EACCES: permission denied" and
		// resets the data connection): the server did not keep them.
		return true
	}
	return TransferStatusOf(s, t) == StatusFailed && t.Final != nil && t.Final.Valid && t.Final.Code != 425 &&
		t.Bytes() == 0
}

// abortedThenLeft: the client aborted (ABOR) every transfer still in
// progress when it left at at, or left while its ABOR waited for the
// server's answer: leaving is the end of the abort it already asked for
// (ProFTPD answers ABOR's 226 only 30 s later; a client may not wait).
func abortedThenLeft(s *dissect.Session, at tcpflow.Ref) bool {
	aborted := false
	for _, t := range s.Transfers {
		if !t.At.Before(at) || (t.Final != nil && t.Final.At.Before(at)) {
			continue // not in progress when the client left
		}
		if !t.Aborted || !t.AbortAt.Before(at) {
			return false
		}
		aborted = true
	}
	if p := pendingAt(s, at); p != nil {
		return p.Verb == "ABOR" || (aborted && dissect.IsTransferVerb(p.Verb))
	}
	return aborted
}

// retriedAfter: the session's next data connection after s.Data[i] is
// another unclaimed attempt that never connected either: the client tried
// again.
func retriedAfter(s *dissect.Session, i int) bool {
	if i+1 >= len(s.Data) {
		return false
	}
	next := s.Data[i+1]
	return next.Transfer == nil && neverConnected(next.Conn)
}

// retryEvidence lists the earlier attempts folded into a break.
func retryEvidence(b *Case) []Evidence {
	var ev []Evidence
	for _, d := range b.Retries {
		c := d.Conn
		ev = append(ev, Evidence{At: c.First, Text: fmt.Sprintf("an earlier attempt, %s → %s, failed the same way (%s, never connected)",
			c.Client, c.Server, count(int64(c.Half[tcpflow.FromClient].SYNCount), "SYN"))})
	}
	return ev
}

// greetingRefused: the server's first reply, before any command, was 421
// or 530 (RFC 959 §5.4: 120, 220 or 421 open a session; servers at their
// connection limit answer 530 there too).
func greetingRefused(s *dissect.Session) bool {
	r := greeting(s)
	return r != nil && (r.Code == 421 || r.Code == 530)
}

// greeting returns the session's first final reply when it came before
// any command: the server's greeting (nil when a command came first). A
// 530 after a 220 answers a command the capture may have lost, and is no
// greeting.
func greeting(s *dissect.Session) *dissect.Reply {
	for i := range s.Log {
		e := &s.Log[i]
		if e.Cmd != nil {
			return nil
		}
		for j := range e.Replies {
			if r := &e.Replies[j]; r.Valid && r.Code >= 200 {
				return r
			}
		}
	}
	return nil
}
