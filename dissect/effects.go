package dissect

import (
	"net/netip"
	"strings"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// commandEffects applies what a command changes in the session as soon as
// it is sent. Effects that depend on the answer wait for final.
func (ctl *control) commandEffects(p *pendingCmd, cmd *Command) {
	s := ctl.s
	if cmd.Cut {
		ctl.cutCommandEffects(p, cmd)
		return
	}
	switch cmd.Verb {
	case "USER":
		s.User = cmd.Arg
	case "AUTH":
		// RFC 4217 §4: AUTH TLS (TLS-C, and SSL/TLS-P of older drafts).
		switch strings.ToUpper(strings.Trim(cmd.Arg, " \t")) {
		case "TLS", "TLS-C", "SSL", "TLS-P":
			ctl.authSent = true
		}
	case "PORT":
		if ap, ok := ParsePORT(cmd.Arg); ok {
			p.exp = ctl.expectActive("PORT", ap, cmd.At)
		} else {
			s.noteAnomaly(AnomalyBadPORTArgument, tcpflow.FromClient, cmd.At, quote([]byte(cmd.Arg)))
		}
	case "EPRT":
		if ap, ok := ParseEPRT(cmd.Arg); ok {
			p.exp = ctl.expectActive("EPRT", ap, cmd.At)
		} else {
			s.noteAnomaly(AnomalyBadEPRTArgument, tcpflow.FromClient, cmd.At, quote([]byte(cmd.Arg)))
		}
	case "REST":
		// RFC 3659 §5: in stream mode the marker is the byte offset the
		// next RETR/STOR/APPE starts at.
		if n, ok := ParseSizeReply(cmd.Arg); ok {
			ctl.rest = n
		}
	case "ABOR":
		ctl.abortPending(cmd.At)
	}
	if dir, ok := transferVerbs[cmd.Verb]; ok {
		ctl.transferCommand(p, cmd, dir)
	}
}

// cutCommandEffects applies what a command whose argument a gap cut short
// changes: nothing read from the argument, which may be wrong (a PORT
// address, a REST offset), but a data channel was negotiated (on a port
// the capture lost) and a transfer began.
func (ctl *control) cutCommandEffects(p *pendingCmd, cmd *Command) {
	switch cmd.Verb {
	case "PORT", "EPRT":
		p.exp = ctl.expectCut(cmd.Verb, ModeActive, cmd.At)
	case "ABOR":
		ctl.abortPending(cmd.At)
	}
	if dir, ok := transferVerbs[cmd.Verb]; ok {
		ctl.transferCommand(p, cmd, dir)
	}
}

// abortPending marks the transfers waiting for their final reply aborted
// (RFC 959 §4.1.3: ABOR aborts the transfer command in progress).
func (ctl *control) abortPending(at tcpflow.Ref) {
	for _, q := range ctl.pending {
		if t := q.transfer; t != nil && !t.Aborted {
			t.Aborted, t.AbortAt, t.AbortBytes = true, at, t.Bytes()
		}
	}
}

// transferCommand starts a Transfer and gives it the negotiated data
// channel.
func (ctl *control) transferCommand(p *pendingCmd, cmd *Command, direction Direction) {
	s := ctl.s
	t := &Transfer{
		Cmd: cmd.Verb, Path: cmd.Arg, At: cmd.At, Direction: direction,
		Mode: ModeUnknown, ExpectedBytes: -1, RestOffset: ctl.rest,
	}
	ctl.rest = 0
	if cmd.Verb == "RETR" {
		if n, ok := ctl.sizes[cmd.Arg]; ok {
			t.ExpectedBytes, t.ExpectedFrom = n, "size"
		}
	}
	p.transfer = t
	ctl.a.stats.Transfers++
	if len(s.Transfers) < ctl.a.opts.MaxLog {
		s.Transfers = append(s.Transfers, t)
	} else {
		s.TransfersDropped++
		ctl.a.stats.TransfersDropped++
	}
	switch {
	case ctl.setup != nil:
		e := ctl.setup
		ctl.setup = nil
		ctl.claim(e, t)
	case ctl.passivePending():
		// PASV and the transfer command were pipelined: the 227/229 that
		// is still on its way is this transfer's.
		ctl.awaiting = t
	case !ctl.negotiated:
		ctl.claim(ctl.expectDefault(cmd.At), t)
	}
}

// passivePending reports whether a PASV or EPSV still waits for its reply.
func (ctl *control) passivePending() bool {
	for _, q := range ctl.pending {
		if q.verb == "PASV" || q.verb == "EPSV" {
			return true
		}
	}
	return false
}

// preliminary handles a 1xx reply: the transfer started.
func (ctl *control) preliminary(p *pendingCmd, r Reply) {
	t := p.transfer
	if t == nil {
		return
	}
	if t.Prelim == nil {
		pr := r
		t.Prelim = &pr
	}
	if t.ExpectedBytes < 0 && t.Direction == DirectionDownload && !r.Cut {
		if n := ParseTransferSize(r.Text); n >= 0 {
			t.ExpectedBytes, t.ExpectedFrom = n, "150"
		}
	}
}

// final handles the completion reply of a command.
func (ctl *control) final(p *pendingCmd, r Reply) {
	ok := func(code int) bool { return r.Valid && r.Code == code }
	// Nothing is read from the text of a reply a gap cut short: an
	// address or a size may be wrong. A cut 227/229 still says a channel
	// was negotiated, on a port the capture lost.
	switch p.verb {
	case "PASV":
		if ok(227) && r.Cut {
			ctl.expectCut("PASV", ModePassive, r.At)
		} else if ok(227) {
			if ap, found := ParsePASV(r.Text); found {
				ctl.expectPassive("PASV", ap, r.At)
			} else {
				ctl.s.noteAnomaly(AnomalyBadPASVReply, tcpflow.FromServer, r.At, quote([]byte(r.Text)))
			}
		}
	case "EPSV":
		if ok(229) && r.Cut {
			ctl.expectCut("EPSV", ModePassive, r.At)
		} else if ok(229) {
			if port, found := ParseEPSV(r.Text); found {
				ctl.expectPassive("EPSV", netip.AddrPortFrom(ctl.conn.Server.Addr(), port), r.At)
			} else {
				ctl.s.noteAnomaly(AnomalyBadEPSVReply, tcpflow.FromServer, r.At, quote([]byte(r.Text)))
			}
		}
	case "PORT", "EPRT":
		if p.exp != nil && r.Valid && r.Code >= 400 {
			ctl.abandon(p.exp)
		}
	case "AUTH":
		if ctl.authSent {
			ctl.authSent = false
			if ok(234) {
				ctl.startTLS(r.At)
			}
		}
	case "SIZE":
		if ok(213) && !r.Cut {
			if n, found := ParseSizeReply(r.Text); found {
				ctl.rememberSize(ctl.exchange(p).Cmd.Arg, n)
			}
		}
	case "REST":
		if !ok(350) {
			ctl.rest = 0
		}
	}
	if t := p.transfer; t != nil {
		fr := r
		t.Final = &fr
		if r.Valid && r.Code >= 400 && t.exp != nil && t.exp.dc == nil {
			ctl.abandon(t.exp)
		}
	}
}

// rememberSize keeps a SIZE answer for a later RETR of the same path.
func (ctl *control) rememberSize(path string, n int64) {
	if ctl.sizes == nil {
		ctl.sizes = make(map[string]int64)
	}
	if len(ctl.sizes) >= maxSizes {
		ctl.a.stats.SizesForgotten += int64(len(ctl.sizes))
		clear(ctl.sizes)
	}
	ctl.sizes[path] = n
}

// startTLS: AUTH TLS was answered 234. From the end of that reply both
// directions carry TLS records (RFC 4217 §4).
func (ctl *control) startTLS(at tcpflow.Ref) {
	s := ctl.s
	s.TLS, s.TLSAt = true, at
	ctl.a.stats.TLSSessions++
	rd := ctl.reading()
	for d := range rd.dirs {
		if rd.dirs[d].mode == modeLines {
			rd.dirs[d].mode = modeTLS
			rd.dirs[d].lines.reset()
		}
	}
	ctl.a.trackTLS(ctl)
}
