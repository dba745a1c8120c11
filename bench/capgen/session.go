package capgen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
)

// session plays one plan: it writes the control connection's and the
// data connections' segments into the timeline. Times are capture times;
// now is the moment the client next acts.
type session struct {
	g       *gen
	t       *task
	r       *rand.Rand
	p       *plan
	now     int64
	end     int64 // capture time of its last segment so far
	lastCmd int64 // capture time of the client's latest command
	ctl     *conn
	conns   []*conn
}

func (s *session) run() {
	p := s.p
	sw := p.srv.sw
	srv := p.srv.at(p.v6)
	switch p.ending {
	case endSYNUnanswered:
		s.unanswered(p.cli, p.cli.ephemeralPort(), s.g.site.dead[family(p.v6)], 21, s.now, []int64{1 * sec, 2 * sec, 4 * sec})
		return
	case endRefused:
		s.refused()
		return
	}

	c, t := s.connect(p.cli, p.cli.ephemeralPort(), srv, 21, s.now)
	s.ctl = c
	// the server accepts, forks and greets
	t += c.turn(down) + jitter(s.r, 800*us)
	if p.ending == endTooMany {
		s.send(c, down, t, flagPSH|flagACK, reply(sw.tooMany))
		s.closeBy(c, down, t+jitter(s.r, 30*us), jitter(s.r, 200*us))
		return
	}
	s.send(c, down, t, flagPSH|flagACK, reply(sw.greeting(srv.addr)))
	s.now = t + c.turn(up) + s.pause()
	if p.habit == habitProbe {
		s.quit()
		return
	}
	if p.habit == habitLFTP {
		s.command("FEAT", sw.feat, s.proc())
	}
	if p.ending == endLoginFailures {
		s.loginFailures()
		return
	}
	s.command("USER "+p.user, fill(sw.userOK, p.user), s.proc())
	s.command("PASS "+p.pass, fill(sw.loginOK, p.user), p.loginWait)
	switch p.habit {
	case habitCurl:
		s.command("PWD", fill(sw.pwd, "/"), s.proc())
	case habitLFTP, habitBackup:
		s.command("SYST", sw.syst, s.proc())
		s.command("PWD", fill(sw.pwd, "/"), s.proc())
	}
	s.command("TYPE I", sw.typeI, s.proc())
	for i := range p.xfers {
		if over := s.transfer(&p.xfers[i]); over {
			return
		}
	}
	if p.ending == endIdleTimeout {
		// the server counts from the last command it received
		t := s.lastCmd + c.turn(down) + sw.idleLimit
		s.send(c, down, t, flagPSH|flagACK, reply(sw.idleTimeout))
		s.closeBy(c, down, t+jitter(s.r, 30*us), jitter(s.r, 2*ms))
		return
	}
	s.quit()
}

// pause is the client's time between a reply and its next command.
func (s *session) pause() int64 { return jitter(s.r, s.p.think) }

// proc is the server's time to answer a simple command.
func (s *session) proc() int64 { return jitter(s.r, 150*us) }

// fill formats a reply template that may or may not take the argument.
func fill(format string, arg any) string {
	if !strings.Contains(format, "%") {
		return format
	}
	return fmt.Sprintf(format, arg)
}

// command sends a command line and the server's reply proc after it has
// it, and moves the session clock to the client's next action. It
// returns the reply's capture time.
func (s *session) command(line, answer string, proc int64) int64 {
	c := s.ctl
	s.lastCmd = s.now
	s.send(c, up, s.now, flagPSH|flagACK, []byte(line+"\r\n"))
	rt := s.now + c.turn(down) + proc
	s.send(c, down, rt, flagPSH|flagACK, reply(answer))
	s.now = rt + c.turn(up) + s.pause()
	return rt
}

func (s *session) loginFailures() {
	p, sw, c := s.p, s.p.srv.sw, s.ctl
	for i := range sw.maxLoginFails {
		s.command("USER "+p.user, fill(sw.userOK, p.user), s.proc())
		// servers hold a failed login back (vsftpd's delay_failed_login)
		rt := s.command("PASS "+p.pass, sw.loginFailed, 1*sec+jitter(s.r, 2*ms))
		if i == sw.maxLoginFails-1 {
			s.closeBy(c, down, rt+jitter(s.r, 40*us), jitter(s.r, 300*us))
		}
	}
}

func (s *session) quit() {
	c := s.ctl
	rt := s.command("QUIT", s.p.srv.sw.goodbye, s.proc())
	s.closeBy(c, down, rt+jitter(s.r, 15*us), jitter(s.r, 100*us))
}

func (s *session) refused() {
	p := s.p
	c := s.newConn(p.cli, p.cli.ephemeralPort(), s.g.site.closed[family(p.v6)], 21)
	s.emit(s.now, c.next(up, flagSYN, nil))
	rst := segment{c: c, d: down, flags: flagRST | flagACK, ack: c.h[up].seq, opts: optNone}
	s.emit(s.now+c.turn(down)+jitter(s.r, 20*us), rst)
}

// transfer runs one transfer; it reports whether the session ended with
// it.
func (s *session) transfer(x *xfer) (over bool) {
	p, sw, c := s.p, s.p.srv.sw, s.ctl
	srv, cli := p.srv.at(p.v6), p.cli
	g := s.g
	if p.habit == habitCurl && x.cmd == "RETR" && x.outcome != xferMissing {
		s.command("SIZE "+x.name, fill(sw.size, x.size), s.proc())
	}

	// the data connection's endpoint
	var dc *conn
	var lport uint16
	if x.passive {
		port := uint16(sw.pasvLo + s.r.IntN(sw.pasvHi-sw.pasvLo+1))
		if x.extend {
			s.command("EPSV", fill(sw.epsv, port), s.proc())
		} else {
			s.command("PASV", fill(sw.pasv, hostPort(srv.addr, port)), s.proc())
		}
		if x.outcome == xferBlocked {
			// a firewall in front of the server drops the data port
			last := s.unanswered(cli, cli.ephemeralPort(), srv, port, s.now, []int64{1 * sec, 2 * sec})
			s.now = last + 4*sec
			s.quit()
			return true
		}
		var t int64
		dc, t = s.connect(cli, cli.ephemeralPort(), srv, port, s.now)
		s.now = t + jitter(s.r, 30*us)
	} else {
		lport = cli.ephemeralPort()
		if x.extend {
			s.command(fmt.Sprintf("EPRT |2|%s|%d|", cli.addr, lport), sw.eprtOK, s.proc())
		} else {
			s.command("PORT "+hostPort(cli.addr, lport), sw.portOK, s.proc())
		}
	}

	line := x.cmd
	if x.name != "" {
		line += " " + x.name
	}
	s.lastCmd = s.now
	s.send(c, up, s.now, flagPSH|flagACK, []byte(line+"\r\n"))
	t := s.now + c.turn(down) + jitter(s.r, 300*us)

	switch x.outcome {
	case xferMissing, xferDenied:
		text := fill(sw.noFile, x.name)
		if x.outcome == xferDenied {
			text = fill(sw.denied, x.name)
		}
		s.send(c, down, t, flagPSH|flagACK, reply(text))
		if dc != nil {
			s.closeBy(dc, down, t+jitter(s.r, 40*us), jitter(s.r, 100*us))
		}
		s.now = t + c.turn(up) + s.pause()
		return false
	case xferBlocked:
		// active mode: the client's firewall drops the server's SYNs;
		// the server gives up after vsftpd's connect_timeout
		s.unanswered(srv, 20, cli, lport, t, []int64{1 * sec, 2 * sec, 4 * sec, 8 * sec, 16 * sec})
		t += 60 * sec
		s.send(c, down, t, flagPSH|flagACK, reply(sw.noData(int(lport))))
		s.now = t + c.turn(up) + s.pause()
		s.quit()
		return true
	}

	// data flows: who sends it, in which direction of dc
	fromServer := x.cmd != "STOR"
	var sender dir
	if x.passive {
		sender = up // the client opened dc
		if fromServer {
			sender = down
		}
	} else {
		var at int64
		dc, at = s.connect(srv, 20, cli, lport, t)
		t = at + jitter(s.r, 20*us)
		sender = down
		if fromServer {
			sender = up
		}
	}
	var opening string
	switch x.cmd {
	case "RETR":
		opening = sw.retrOpen(x.name, x.size)
	case "LIST":
		opening = sw.listOpen
	default:
		opening = fill(sw.storOpen, x.name)
	}
	s.send(c, down, t, flagPSH|flagACK, reply(opening))
	start := t + jitter(s.r, 10*us)
	if !fromServer {
		start = t + c.turn(up) + jitter(s.r, 60*us)
	}
	content := g.binary
	if x.listing != nil {
		content = x.listing
	}
	sp := streamPlan{c: dc, d: sender, size: x.size, content: content, rate: x.rate, losses: x.losses, cut: -1, fin: true}
	g.m.Transfers++
	g.m.DataConnections++
	if x.passive {
		g.m.PassiveTransfers++
	} else {
		g.m.ActiveTransfers++
	}

	switch x.outcome {
	case xferServerReset, xferMiddlebox, xferAbort:
		sp.cut, sp.fin = x.cutAt, false
		last := s.stream(start, sp)
		g.m.TransferBytes += x.cutAt
		srvEnd := up // which end of dc the FTP server is
		if x.passive {
			srvEnd = down
		}
		switch x.outcome {
		case xferServerReset:
			at := last + jitter(s.r, 200*us)
			if !fromServer {
				at = last + dc.turn(srvEnd) + jitter(s.r, 200*us)
			}
			s.reset(dc, srvEnd, at)
			s.reset(c, down, at+jitter(s.r, 20*us))
		case xferMiddlebox:
			at := last + jitter(s.r, 300*us)
			ipid := uint16(s.r.Uint32())
			s.forgedReset(dc, srvEnd, at, ipid)
			s.forgedReset(c, down, at+jitter(s.r, 15*us), ipid+1)
		case xferAbort:
			at := last + jitter(s.r, 500*us)
			s.lastCmd = at
			s.send(c, up, at, flagPSH|flagACK, []byte("ABOR\r\n"))
			s.reset(dc, srvEnd.peer(), at+jitter(s.r, 20*us))
			rt := at + c.turn(down) + s.proc()
			s.send(c, down, rt, flagPSH|flagACK, reply(sw.abortData))
			rt += jitter(s.r, 30*us)
			s.send(c, down, rt, flagPSH|flagACK, reply(sw.abortOK))
			s.now = rt + c.turn(up) + s.pause()
			return false
		}
		return true
	}

	last := s.stream(start, sp)
	g.m.TransferBytes += x.size
	// the receiver reads the end of file and closes too
	recv := sender.peer()
	fin := last + dc.turn(recv) + jitter(s.r, 40*us)
	s.send(dc, recv, fin, flagFIN|flagACK, nil)
	s.send(dc, sender, fin+dc.turn(sender)+jitter(s.r, 20*us), flagACK, nil)
	var done int64
	if fromServer {
		done = last + jitter(s.r, 40*us)
	} else {
		done = last + c.turn(down) + jitter(s.r, 300*us) // after the client's FIN reached it
	}
	secs := float64(last-start) / float64(sec)
	switch x.cmd {
	case "RETR":
		s.send(c, down, done, flagPSH|flagACK, reply(sw.retrDone(x.size, secs)))
	case "LIST":
		s.send(c, down, done, flagPSH|flagACK, reply(sw.listDone(bytes.Count(x.listing, []byte("\n")))))
	default:
		s.send(c, down, done, flagPSH|flagACK, reply(sw.storDone))
	}
	s.now = max(done, fin) + c.turn(up) + s.pause()
	return false
}

// hostPort is the h1,h2,h3,h4,p1,p2 of PORT and 227. IPv6 addresses do
// not fit it; clients use EPRT/EPSV there.
func hostPort(a netip.Addr, port uint16) string {
	b := a.As4()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", b[0], b[1], b[2], b[3], port>>8, port&0xff)
}

// listing is an `ls -l` directory listing of n entries.
func listing(r *rand.Rand, n int) []byte {
	var b strings.Builder
	for range n {
		fmt.Fprintf(&b, "-rw-r--r--    1 ftp      ftp      %10d Mar %02d %02d:%02d %s-%04d%s\r\n",
			int64(between(r, 2e6, 2, 100, 4e9)), 1+r.IntN(28), r.IntN(24), r.IntN(60),
			oneOf(r, stems), r.IntN(10000), oneOf(r, exts))
	}
	return []byte(b.String())
}
