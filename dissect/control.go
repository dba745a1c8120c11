package dissect

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// maxRepliesPerExchange caps the replies kept for one command (a command
// gets at most a few 1xx and one final reply; more is a confused stream).
const maxRepliesPerExchange = 16

// dirMode is how one direction of a control connection is read.
type dirMode uint8

const (
	modeLines  dirMode = iota // FTP lines
	modeTLS                   // TLS records (after AUTH TLS → 234)
	modeIgnore                // not FTP, or TLS tracking lost: bytes are only counted by the tracker
)

// direction is the reading state of one direction.
type direction struct {
	mode  dirMode
	lines lineReader
	tls   tlsScanner
}

// pendingCmd is a command waiting for its final reply.
type pendingCmd struct {
	cmd     Command  // the exchange's command
	logIdx  int      // index in Session.Log, -1 when past the cap
	ex      Exchange // the exchange itself when logIdx < 0
	verb    string
	replies *codeSet // the replies it can receive, nil for any (replycodes.go)
	// cutOffered: a gap in the server's replies came while it waited, and
	// the next connection between the hosts was offered to it.
	cutOffered bool
	started    bool // a 125 or 150 came: the transfer is in progress
	transfer   *Transfer
	exp        *expectation // PORT/EPRT: the expectation it created
}

// control is the Analyzer's state for one control connection.
type control struct {
	a    *Analyzer
	s    *Session
	conn *tcpflow.Conn
	// rd is the reading state, made on the first bytes: a connection to a
	// control port that never carries any (a SYN flood, a refused or
	// unanswered connection) costs only its Session.
	rd *reader

	// provisional: found by banner on a port outside ControlPorts, not yet
	// confirmed by a known command from the client.
	provisional bool
	dropped     bool

	greeted  bool        // the greeting is over (or was missed)
	greeting *pendingCmd // greeting exchange waiting for its 220 after a 120
	judged   bool        // the server's first bytes were judged FTP or not
	notFTP   []byte      // the first bytes of a NotFTP server, for its Prefix

	pending []*pendingCmd

	// Data-channel negotiation.
	setup      *expectation // negotiated endpoint no transfer command claimed yet
	negotiated bool         // any PASV/EPSV/PORT/EPRT seen
	awaiting   *Transfer    // transfer command pipelined behind a PASV/EPSV still unanswered
	exps       []*expectation
	rest       int64
	sizes      map[string]int64

	authSent bool // AUTH TLS/SSL sent and not yet answered

	// lastGap is, per direction, where the capture last missed bytes of
	// the control connection: a reply (or command) may have been there.
	lastGap [2]tcpflow.Ref

	closed     bool // the control connection closed
	openData   int  // linked data connections still open
	finished   bool
	tlsIndexed bool // in Analyzer.tlsHosts
}

func newControl(a *Analyzer, c *tcpflow.Conn, provisional bool) *control {
	ctl := &control{
		a:           a,
		conn:        c,
		s:           &Session{Control: c, ByBanner: provisional},
		provisional: provisional,
	}
	return ctl
}

// reader is what reading a control connection's bytes takes: each
// direction's line reader or TLS scanner and the multi-line reply being
// assembled.
type reader struct {
	dirs [2]direction
	rep  replyAssembler
}

// reading returns the reading state, making it on first use.
func (ctl *control) reading() *reader {
	if ctl.rd == nil {
		ctl.rd = &reader{}
		ctl.rd.dirs[tcpflow.FromClient].lines = newLineReader(ctl.a.opts.MaxLineLen, startsCommand)
		ctl.rd.dirs[tcpflow.FromServer].lines = newLineReader(ctl.a.opts.MaxLineLen, startsReply)
	}
	return ctl.rd
}

// data reads one Data call's bytes of one direction. The loop hands each
// line to its handler before reading on, so that a reply switching the
// connection to TLS (234) takes effect at the exact byte after it.
func (ctl *control) data(dir tcpflow.Dir, data []byte, at tcpflow.Ref) {
	if dir == tcpflow.FromServer && ctl.s.NotFTP != nil {
		ctl.growNotFTP(data)
	}
	for len(data) > 0 && !ctl.dropped {
		d := &ctl.reading().dirs[dir]
		switch d.mode {
		case modeIgnore:
			return
		case modeTLS:
			n, stop := d.tls.feed(data, at, dir, &ctl.s.TLSFacts)
			data = data[n:]
			switch stop {
			case tlsCleartext:
				ctl.cleartextAgain(dir, at)
			case tlsLost:
				ctl.tlsLost(dir, at, "invalid record header")
			}
		case modeLines:
			if !d.lines.started && !d.lines.skip && ctl.tlsBegins(dir, data, at) {
				continue
			}
			if dir == tcpflow.FromServer && !ctl.judged {
				if skip, changed := ctl.judge(data, at); changed {
					data = data[skip:]
					continue
				}
			}
			n, l, ok := d.lines.next(data, at)
			data = data[n:]
			if ok {
				ctl.line(dir, l)
			}
		}
	}
}

// judge decides from the server's first bytes whether it speaks FTP. When
// it does not, it switches the directions' modes and returns how many
// leading blanks to drop before the decisive byte.
func (ctl *control) judge(data []byte, at tcpflow.Ref) (skip int, changed bool) {
	switch judgeGreeting(data) {
	case greetingUndecided:
		return 0, false
	case greetingFTP:
		ctl.judged = true
		if cli := &ctl.reading().dirs[tcpflow.FromClient]; cli.mode == modeTLS && !ctl.authSent {
			// The client opened with a ClientHello (implicit FTPS) and
			// the server greets in plain FTP (explicit FTPS or none):
			// no encrypted session to link data connections to.
			ctl.s.noteAnomaly(AnomalyTLSInCleartext, tcpflow.FromClient, ctl.s.TLSFacts.First[tcpflow.FromClient], "")
			ctl.a.untrackTLS(ctl)
		}
		return 0, false
	}
	ctl.judged = true
	ctl.a.stats.NotFTP++
	ctl.s.NotFTP = &NotFTP{At: at}
	ctl.growNotFTP(data)
	// Nothing on this connection is read as FTP any more. A TLS server
	// where an FTP greeting belongs (implicit FTPS, or a client that sent a
	// ClientHello first) still has its records followed, as has a client
	// already speaking TLS.
	ctl.reading().dirs[tcpflow.FromServer].mode = modeIgnore
	if ctl.s.NotFTP.Kind == "tls" {
		ctl.reading().dirs[tcpflow.FromServer].mode = modeTLS
	}
	if cli := &ctl.reading().dirs[tcpflow.FromClient]; cli.mode != modeTLS {
		cli.mode = modeIgnore
	}
	for skip < len(data) && isGreetingBlank(data[skip]) {
		skip++
	}
	return skip, true
}

// growNotFTP keeps the first bytes a NotFTP server sent.
func (ctl *control) growNotFTP(data []byte) {
	if room := maxNotFTPPrefix - len(ctl.notFTP); room > 0 {
		ctl.notFTP = append(ctl.notFTP, data[:min(room, len(data))]...)
		ctl.s.NotFTP.Kind = NotFTPKind(ctl.notFTP)
		first := ctl.notFTP
		if i := bytes.IndexAny(first, "\r\n"); i >= 0 {
			first = first[:i] // a text banner: its first line says it all
		}
		ctl.s.NotFTP.Prefix = quote(first)
	}
}

// tlsBegins switches the client direction to TLS when a TLS record starts
// where a command line would: right after AUTH TLS (a client that does
// not wait for the 234), before the server said anything (implicit TLS),
// or out of the blue (a client configured for implicit FTPS talking to an
// explicit server: anomaly tls_record_in_cleartext).
func (ctl *control) tlsBegins(dir tcpflow.Dir, data []byte, at tcpflow.Ref) bool {
	// The first byte decides (so that how the stream is split does not
	// matter): 0x16, a handshake record's type, is a control character no
	// command line starts with.
	if dir != tcpflow.FromClient || data[0] != tlsHandshake {
		return false
	}
	if !ctl.authSent && ctl.judged {
		ctl.s.noteAnomaly(AnomalyTLSInCleartext, dir, at, "")
	} else {
		// Implicit FTPS, or AUTH TLS not waiting for its 234: the data
		// connections are encrypted too and linked by hosts.
		ctl.a.trackTLS(ctl)
	}
	ctl.reading().dirs[dir].mode = modeTLS
	return true
}

// line handles one complete line.
func (ctl *control) line(dir tcpflow.Dir, l line) {
	s := ctl.s
	if l.cut > 0 {
		ctl.a.stats.LinesTooLong++
	}
	if dir == tcpflow.FromClient {
		ctl.command(l)
		return
	}
	if l.bareLF {
		s.noteAnomaly(AnomalyBareLF, dir, l.at, "")
	}
	if l.cut > 0 {
		s.noteAnomaly(AnomalyLineTooLong, dir, l.at, fmt.Sprintf("%d bytes cut from %s", l.cut, quote(l.b)))
	}
	if l.unterminated {
		s.noteAnomaly(AnomalyUnterminatedLine, dir, l.at, quote(l.b))
	}
	if l.binaryCut {
		s.noteAnomaly(AnomalyBinaryLine, dir, l.at, quote(l.b))
	}
	rep := &ctl.reading().rep
	if lost, ok := rep.lostEnd(l.b); ok {
		ctl.reply(lost)
	}
	r, done, problem := rep.line(l.b, l.at, l.gapCut)
	if problem != "" {
		s.noteAnomaly(problem, dir, l.at, quote(l.b))
	}
	if done {
		if ctl.reading().rep.textCut {
			ctl.a.stats.ReplyTextCut++
		}
		ctl.reply(r)
	}
}

// command handles one client line.
func (ctl *control) command(l line) {
	s := ctl.s
	verb, arg, ok := ParseCommand(l.b)
	known := ok && KnownCommand(verb)
	if ctl.provisional {
		if !known {
			ctl.a.dropProvisional(ctl)
			return
		}
		ctl.a.confirm(ctl)
	}
	if !ctl.a.opts.ShowPasswords {
		switch {
		case isPassVerb(verb):
			arg = redacted
		case verb == "PRET":
			arg = redactPrepared(arg)
		}
	}
	// Line anomalies name the verb, never the argument: it may be a
	// password.
	if l.bareLF {
		s.noteAnomaly(AnomalyBareLF, tcpflow.FromClient, l.at, verb)
	}
	if l.cut > 0 {
		s.noteAnomaly(AnomalyLineTooLong, tcpflow.FromClient, l.at, fmt.Sprintf("%d bytes cut from %s", l.cut, quote([]byte(verb))))
	}
	if l.unterminated {
		s.noteAnomaly(AnomalyUnterminatedLine, tcpflow.FromClient, l.at, verb)
	}
	if l.binaryCut {
		s.noteAnomaly(AnomalyBinaryLine, tcpflow.FromClient, l.at, quote([]byte(verb)))
	}
	if !ok {
		s.noteAnomaly(AnomalyEmptyLine, tcpflow.FromClient, l.at, "")
		return
	}
	if !known {
		s.noteAnomaly(AnomalyUnknownCommand, tcpflow.FromClient, l.at, quote([]byte(verb)))
	}
	s.Commands++
	ctl.a.stats.Commands++
	// One allocation for both: the command lives as long as its
	// exchange, which the pending entry's log index points at anyway.
	p := &pendingCmd{verb: verb, replies: repliesFor(verb), logIdx: -1, cmd: Command{Verb: verb, Arg: arg, Known: known, At: l.at, Cut: l.gapCut}}
	cmd := &p.cmd
	ctl.log(p, Exchange{Cmd: cmd})
	if len(ctl.pending) >= ctl.a.opts.MaxPendingCommands {
		old := ctl.removePending(0)
		s.PendingDropped++
		ctl.a.stats.PendingDropped++
		s.noteAnomaly(AnomalyTooManyPending, tcpflow.FromClient, l.at, old.verb)
	}
	ctl.pending = append(ctl.pending, p)
	ctl.commandEffects(p, cmd)
}

// removePending removes the i-th command waiting for its reply. The queue
// is shifted down rather than resliced, so its array is reused and a
// session's commands do not each grow a new one.
func (ctl *control) removePending(i int) *pendingCmd {
	p := ctl.pending[i]
	n := i + copy(ctl.pending[i:], ctl.pending[i+1:])
	ctl.pending[n] = nil
	ctl.pending = ctl.pending[:n]
	return p
}

// log stores an exchange in the session log, or in p when the log is full.
func (ctl *control) log(p *pendingCmd, ex Exchange) {
	s := ctl.s
	if len(s.Log) < ctl.a.opts.MaxLog {
		s.Log = append(s.Log, ex)
		p.logIdx = len(s.Log) - 1
		return
	}
	p.ex = ex
	s.LogDropped++
	ctl.a.stats.LogDropped++
}

func (ctl *control) exchange(p *pendingCmd) *Exchange {
	if p.logIdx >= 0 {
		return &ctl.s.Log[p.logIdx]
	}
	return &p.ex
}

// addReply appends a reply to a command's exchange, up to the cap.
func (ctl *control) addReply(p *pendingCmd, r Reply) {
	ex := ctl.exchange(p)
	if len(ex.Replies) < maxRepliesPerExchange {
		ex.Replies = append(ex.Replies, r)
		return
	}
	ctl.a.stats.RepliesDropped++
}

// reply pairs a complete reply with the command it answers: the oldest
// command waiting for a reply that can receive it (replies come in command
// order, RFC 959 §4.2, and §5.4 says which replies each command can
// receive: replycodes.go). A 1xx reply is preliminary: the command waits
// on for its final reply. An invalid reply ("99 PASV invalid") is final:
// it is the server's answer to the oldest command, however malformed.
//
// A reply answers no command, and is logged on its own (Cmd nil) with an
// anomaly, when it began after the client's first FIN or RST (a client
// that closes has stopped waiting: Pure-FTPd's "226 Logout." to wget's
// FIN answers nothing), when no command waits, or when none of those
// waiting can receive it. The one reply a closed client still gets is
// QUIT's: a client that sends QUIT and closes at once (lftp, curl) has
// asked for the end, and the 221 after its FIN is the answer.
func (ctl *control) reply(r Reply) {
	s := ctl.s
	s.Replies++
	ctl.a.stats.Replies++
	if unlocated := r.Lines - len(r.LineStarts); unlocated > 0 {
		ctl.a.stats.ReplyLinesDropped += int64(unlocated)
	}
	last := r
	s.LastReply = &last
	if !ctl.greeted && ctl.greetingReply(r) {
		return
	}
	ctl.greeted = true
	ctl.retireLostReplies(&r)
	i := ctl.answered(&r)
	if closed := ctl.clientClosedAt(); !closed.IsZero() && closed.Before(r.At) && (i < 0 || ctl.pending[i].verb != "QUIT") {
		ctl.unsolicited(r, AnomalyReplyAfterClientClose, fmt.Sprintf("%d after the client's %s", r.Code, ctl.clientCloseKind()))
		return
	}
	if len(ctl.pending) == 0 {
		// RFC 959 §5.4 lets 421 come at any time (the server is closing
		// the session); anything else unasked for is an anomaly.
		if r.Code == 421 {
			ctl.unsolicited(r, "", "")
		} else {
			ctl.unsolicited(r, AnomalyReplyWithoutCommand, fmt.Sprint(r.Code))
			ctl.unaskedChannel(&r)
		}
		return
	}
	if i < 0 {
		ctl.unsolicited(r, AnomalyReplyFitsNoCommand, fmt.Sprintf("%d while %s pending", r.Code, ctl.pendingVerbs()))
		ctl.unaskedChannel(&r)
		return
	}
	i -= ctl.retireSkipped(i, &r)
	p := ctl.pending[i]
	ctl.addReply(p, r)
	if r.Preliminary() {
		p.started = p.started || startsTransfer(&r)
		ctl.preliminary(p, r)
		return
	}
	ctl.removePending(i)
	ctl.final(p, r)
}

// retireSkipped stops waiting for the commands older than the i-th that r,
// answering the i-th, passed over. Replies come in command order (RFC 959
// §4.2), so an older command that never started has lost its reply (a
// gap in the capture) or will never get one; left waiting, it would take
// the next error reply meant for a later command. A transfer in progress
// (125/150 seen) still waits while later commands are answered (STAT and
// NOOP during a transfer, QUIT's 221), unless r starts another transfer:
// the server runs one at a time, so that one is over. Each retired command
// is noted (anomaly command_without_reply). It returns how many commands
// it retired.
func (ctl *control) retireSkipped(i int, r *Reply) int {
	n := 0
	for j := 0; j < i-n; {
		old := ctl.pending[j]
		if old.started && !startsTransfer(r) {
			j++
			continue
		}
		ctl.removePending(j)
		n++
		ctl.s.noteAnomaly(AnomalyCommandWithoutReply, tcpflow.FromServer, r.At,
			fmt.Sprintf("%s, before %s's %d", old.verb, ctl.pending[i-n].verb, r.Code))
	}
	return n
}

// retireLostReplies stops waiting for the oldest commands whose replies
// the capture lost: a command followed by another, with a gap in the
// server's replies since it was sent. Replies come in command order (RFC
// 959 §4.2), so its reply was in the gap; left waiting, it would take r,
// meant for a later command (a lost 229 and the RETR's 550 paired with
// EPSV). A lost 227/229 still negotiated a channel: its connection is
// linked by the hosts (expectCut). A transfer in progress keeps waiting.
func (ctl *control) retireLostReplies(r *Reply) {
	gap := ctl.lastGap[tcpflow.FromServer]
	for len(ctl.pending) > 1 {
		old := ctl.pending[0]
		if old.started || gap.IsZero() || !old.cmd.At.Before(gap) || !gap.Before(r.At) {
			return
		}
		ctl.removePending(0)
		ctl.s.noteAnomaly(AnomalyCommandWithoutReply, tcpflow.FromServer, gap,
			fmt.Sprintf("%s, its reply lost in a capture gap", old.verb))
	}
}

// offerLostChannel: the capture lost bytes of the server's replies while
// a PASV or EPSV waited for its 227/229. The reply may be in the gap, and
// the client connects as soon as it reads it, before the next reply the
// capture has: so the next connection between the hosts is offered to it
// now (expectCut), once per command. If the 227/229 does arrive, its own
// endpoint is offered too.
func (ctl *control) offerLostChannel(at tcpflow.Ref) {
	for _, p := range ctl.pending {
		if (p.verb == "PASV" || p.verb == "EPSV") && !p.cutOffered {
			p.cutOffered = true
			e := ctl.expectCut(p.verb, ModePassive, at)
			// The gap shows only when the server's next bytes arrive;
			// the client may have connected already.
			ctl.a.lateLink(e, p.cmd.At)
		}
	}
}

// unaskedChannel: a 227 or 229 that answers no waiting command still
// offers a data channel: only a PASV or EPSV gets one, so the capture most
// likely lost it (a gap in the client's commands shows only with its next
// bytes). Its endpoint is linked as usual; the reply stays unsolicited in
// the log, with its anomaly.
func (ctl *control) unaskedChannel(r *Reply) {
	if !r.Valid {
		return
	}
	if r.Code == 200 && !r.Cut && mentionsActive(r.Text) {
		// "200 PORT command successful": the PORT or EPRT itself was
		// lost, so its address is unknown; the server's connection to
		// the client is taken by the hosts.
		ctl.a.lateLink(ctl.expectCut("PORT", ModeActive, r.At), r.At)
		return
	}
	if r.Code != 227 && r.Code != 229 {
		return
	}
	verb := "PASV"
	if r.Code == 229 {
		verb = "EPSV"
	}
	ctl.final(&pendingCmd{verb: verb, logIdx: -1}, *r)
}

// mentionsActive: a 200 reply that names PORT or EPRT, as servers word
// their acceptance ("200 PORT command successful", "200 EPRT command
// successful").
func mentionsActive(text string) bool {
	t := strings.ToUpper(text)
	return strings.Contains(t, "PORT") || strings.Contains(t, "EPRT")
}

// startsTransfer reports whether r is the 125 or 150 that starts a
// transfer (RFC 959 §5.4).
func startsTransfer(r *Reply) bool { return r.Valid && (r.Code == 125 || r.Code == 150) }

// answered returns the index of the oldest waiting command that can
// receive r, -1 if none can.
func (ctl *control) answered(r *Reply) int {
	for i, p := range ctl.pending {
		if p.started && syntaxError(r) && i+1 < len(ctl.pending) {
			// A transfer in progress is not what a 500-504 is about: a
			// server reading commands during a transfer (ABOR, STAT)
			// answers the command it could not parse (Pure-FTPd's "500
			// Unknown command" to an ABOR whose Telnet IP/Synch garbled
			// it); a transfer fails with 4xx or 55x.
			continue
		}
		if p.accepts(r) {
			return i
		}
	}
	return -1
}

// syntaxError: a 500-504 (RFC 959 §4.2: syntax error, command
// unrecognised, not implemented, bad sequence, parameter not
// implemented).
func syntaxError(r *Reply) bool { return r.Valid && r.Code >= 500 && r.Code <= 504 }

// unsolicited logs a reply that answers no command, with an anomaly unless
// key is "".
func (ctl *control) unsolicited(r Reply, key, detail string) {
	p := &pendingCmd{logIdx: -1}
	ctl.log(p, Exchange{Replies: []Reply{r}})
	if key != "" {
		ctl.s.noteAnomaly(key, tcpflow.FromServer, r.At, detail)
	}
}

// maxVerbsListed caps the waiting commands an anomaly's detail names.
const maxVerbsListed = 4

// pendingVerbs names the waiting commands, oldest first ("RETR, QUIT").
func (ctl *control) pendingVerbs() string {
	var b []byte
	for i, p := range ctl.pending {
		if i == maxVerbsListed {
			b = fmt.Appendf(b, " and %d more", len(ctl.pending)-i)
			break
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, p.verb...)
	}
	return string(b)
}

// clientClosedAt returns the client's first FIN or RST on the control
// connection, whichever came first; zero while it has sent neither.
func (ctl *control) clientClosedAt() tcpflow.Ref {
	h := &ctl.conn.Half[tcpflow.FromClient]
	switch {
	case h.RST.IsZero():
		return h.FIN
	case h.FIN.IsZero() || h.RST.Before(h.FIN):
		return h.RST
	}
	return h.FIN
}

// clientCloseKind says whether the client closed with FIN or RST.
func (ctl *control) clientCloseKind() string {
	if h := &ctl.conn.Half[tcpflow.FromClient]; h.RST == ctl.clientClosedAt() {
		return "RST"
	}
	return "FIN"
}

// greetingReply handles the replies that open a session: an optional 120
// ("service ready in nnn minutes") and then 220, or 421 refusing the
// session (RFC 959 §5.4). The first reply is taken as the greeting when no
// command waits or when it is 120/220/421 (a client may pipeline USER
// before the banner arrives). A connection picked up mid-session has no
// greeting: its first reply to a waiting command ends the greeting phase.
// It reports whether r was the greeting.
func (ctl *control) greetingReply(r Reply) bool {
	if ctl.greeting == nil && len(ctl.pending) > 0 && r.Code != 120 && r.Code != 220 && r.Code != 421 {
		return false
	}
	if ctl.greeting == nil {
		ctl.greeting = &pendingCmd{logIdx: -1}
		ctl.log(ctl.greeting, Exchange{})
	}
	ctl.addReply(ctl.greeting, r)
	if r.Valid && r.Code == 220 && ctl.s.Banner == "" {
		ctl.s.Banner = r.Text
	}
	if !r.Preliminary() {
		ctl.greeted, ctl.greeting = true, nil
	}
	return true
}

// cleartextAgain: a direction left TLS for plain FTP lines (CCC).
func (ctl *control) cleartextAgain(dir tcpflow.Dir, at tcpflow.Ref) {
	d := &ctl.reading().dirs[dir]
	ctl.s.TLSFacts.Cleartext[dir] = at
	if ctl.s.NotFTP != nil {
		d.mode = modeIgnore // a non-FTP server's text is not read as FTP
		return
	}
	d.mode = modeLines
	d.lines.reset()
	if dir == tcpflow.FromClient {
		// Commands are visible again: PASV/PORT link data connections.
		ctl.a.untrackTLS(ctl)
	}
}

// tlsLost stops following a direction's TLS records.
func (ctl *control) tlsLost(dir tcpflow.Dir, at tcpflow.Ref, why string) {
	ctl.reading().dirs[dir].mode = modeIgnore
	ctl.s.TLSFacts.Lost[dir] = at
	ctl.s.noteAnomaly(AnomalyTLSRecordInvalid, dir, at, why)
}

// gap: n bytes of a direction are missing from the capture.
func (ctl *control) gap(dir tcpflow.Dir, n int64, at tcpflow.Ref) {
	ctl.a.stats.Gaps++
	ctl.a.stats.GapBytes += n
	s := ctl.s
	if s.ControlGaps[dir] == 0 {
		s.FirstControlGap[dir] = at
	}
	s.ControlGaps[dir]++
	s.ControlGapBytes[dir] += n
	ctl.lastGap[dir] = at
	if dir == tcpflow.FromServer {
		ctl.offerLostChannel(at)
	}
	d := &ctl.reading().dirs[dir]
	switch d.mode {
	case modeLines:
		// The line the gap cut short, when it began as a line does, is
		// read with what it has: its code or verb is known.
		if l, ok := d.lines.gap(); ok {
			ctl.line(dir, l)
		}
		if dir == tcpflow.FromServer {
			ctl.reading().rep.gapped = ctl.reading().rep.open
		}
		ctl.s.noteAnomaly(AnomalyGap, dir, at, fmt.Sprintf("%d bytes", n))
	case modeTLS:
		// Inside a record body the gap only shortens what is left to
		// skip; anywhere else the record boundaries are lost.
		if d.tls.hdrN == 0 && int64(d.tls.body) >= n {
			d.tls.body -= int(n)
			d.tls.peekWant = d.tls.peekN // the peeked bytes may be gone: look no further
			ctl.s.noteAnomaly(AnomalyGap, dir, at, fmt.Sprintf("%d bytes", n))
			return
		}
		ctl.s.noteAnomaly(AnomalyGap, dir, at, fmt.Sprintf("%d bytes", n))
		ctl.tlsLost(dir, at, fmt.Sprintf("%d bytes missing", n))
	default:
		ctl.s.noteAnomaly(AnomalyGap, dir, at, fmt.Sprintf("%d bytes", n))
	}
}

// end finishes reading when the control connection closes: a partial line
// is read as a line, an open multi-line reply as a reply.
func (ctl *control) end() {
	if ctl.rd == nil {
		return // not a byte was read: no partial line, no open reply
	}
	for dir := tcpflow.FromClient; dir <= tcpflow.FromServer && !ctl.dropped; dir++ {
		d := &ctl.reading().dirs[dir]
		if d.mode != modeLines {
			continue
		}
		for l, ok := d.lines.flush(); ok && !ctl.dropped; l, ok = d.lines.flush() {
			ctl.line(dir, l)
		}
	}
	if ctl.dropped {
		return
	}
	if r, ok := ctl.reading().rep.flush(); ok {
		ctl.s.noteAnomaly(AnomalyUnterminatedReply, tcpflow.FromServer, r.End, fmt.Sprint(r.Code))
		ctl.reply(r)
	}
}
