package classify

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Refusal is a request the server turned down with a reply that is not a
// transfer's: a file or directory the client asked about (SIZE, MDTM,
// MLST, CWD, PRET RETR, DELE, MKD, …) or a data channel it asked for
// (PORT, EPRT, PASV, EPSV). A transfer's own refusal (550 to RETR) is the
// transfer's break and needs none.
type Refusal struct {
	Cmd   *dissect.Command
	Reply *dissect.Reply
	// Path is the file or directory asked for ("" for a data-channel
	// command); for PRET, the path of the command it announces.
	Path string
	// Earlier are refusals of the same path before Reply (a client that
	// asks SIZE, then MDTM, then gives up), oldest first.
	Earlier []*dissect.Reply
	// late: Reply crossed the client's FIN (lateRefusals).
	late bool
}

// Verb is the command as the client meant it: PRET's argument is the
// command it prepares ("PRET RETR x" is about RETR).
func (r *Refusal) Verb() string {
	if r.Cmd.Verb == "PRET" {
		if v, _, ok := strings.Cut(r.Cmd.Arg, " "); ok {
			return strings.ToUpper(v)
		}
	}
	return r.Cmd.Verb
}

// pathVerbs are the commands that name a file or directory the client
// wants (RFC 959, RFC 3659, and the extensions real clients send first:
// curl and wget ask SIZE or MDTM before RETR, lftp PRET before it on
// Pure-FTPd). The data-transfer commands are judged as transfers. Setting
// a file's time (MFMT, MFCT) after an upload is cosmetic: clients (lftp)
// ignore its refusal, and so does this list.
var pathVerbs = map[string]bool{
	"SIZE": true, "MDTM": true, "MLST": true, "CWD": true, "XCWD": true,
	"DELE": true, "RMD": true, "XRMD": true, "MKD": true, "XMKD": true,
	"RNFR": true, "RNTO": true, "PRET": true,
	"SMNT": true,
}

// channelVerbs set up a data channel (RFC 959 §4.1.2, RFC 2428, RFC 1639).
var channelVerbs = map[string]bool{"PORT": true, "EPRT": true, "LPRT": true, "PASV": true, "EPSV": true, "LPSV": true}

// refusedCode: the codes with which a server turns a request down for
// the file, the name or the policy (RFC 959 §4.2: 450 file busy, 550 file
// unavailable, 552 storage exceeded, 553 name not allowed, 532 need an
// account; 551, "page type unknown", is what some servers, ftp-srv among
// them, send for any file error).
func refusedCode(code int) bool {
	switch code {
	case 450, 550, 551, 552, 553, 532:
		return true
	}
	return false
}

// pathOf is the path a command names: its argument, or PRET's inner
// command's.
func pathOf(cmd *dissect.Command) string {
	if cmd.Verb == "PRET" {
		_, p, _ := strings.Cut(cmd.Arg, " ")
		return strings.TrimSpace(p)
	}
	return strings.TrimSpace(cmd.Arg)
}

// samePath: two arguments name the same file, allowing for one being
// relative ("missing.bin" and "/pub/missing.bin").
func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return a == b || path.Base(a) == path.Base(b)
}

// pathRefusals lists the requests for a file or directory that the server
// refused and the client then abandoned: no later command on the same path
// succeeded and no later transfer of it was tried (a transfer is judged
// on its own). A 550 to SIZE before an upload that then succeeds, or to
// CWD before MKD and a CWD that works, is not a break. One refusal per
// path, the last, with the earlier ones as its history.
func pathRefusals(s *dissect.Session) []*Refusal {
	var out []*Refusal
	byPath := map[string]*Refusal{}
	for i := range s.Log {
		e := &s.Log[i]
		if e.Cmd == nil || !pathVerbs[e.Cmd.Verb] {
			continue
		}
		r := finalReplyBy(e, tcpflow.Ref{})
		p := pathOf(e.Cmd)
		if r == nil || !refusedCode(r.Code) || p == "" || laterUse(s, i, p) || alreadyThere(e.Cmd.Verb, r.Text) || setsTime(e.Cmd) {
			continue
		}
		if old := byPath[p]; old != nil {
			old.Earlier = append(old.Earlier, old.Reply)
			old.Cmd, old.Reply = e.Cmd, r
			continue
		}
		byPath[p] = &Refusal{Cmd: e.Cmd, Reply: r, Path: p}
		out = append(out, byPath[p])
	}
	return out
}

// laterUse: after log entry i, the client sent a transfer of p, or a
// command on p that the server accepted.
func laterUse(s *dissect.Session, i int, p string) bool {
	for j := i + 1; j < len(s.Log); j++ {
		e := &s.Log[j]
		if e.Cmd == nil || !samePath(pathOf(e.Cmd), p) {
			continue
		}
		if dissect.IsTransferVerb(e.Cmd.Verb) {
			return true
		}
		if r := finalReplyBy(e, tcpflow.Ref{}); r != nil && r.Code < 400 {
			return true
		}
	}
	return false
}

// deadChannel is a session whose data channel never worked: the last
// data-channel command was refused (PORT answered 500, EPSV 550…), or the
// endpoint a 227/229 offered was never reached (not one SYN to it), and
// after that no transfer completed and no data connection got through
// before the session ended. Clients that fall back (EPSV refused, PASV
// works) are fine: only the state at the end counts. Nil when the channel
// worked, or when a refused file explains why the client never used it.
func deadChannel(s *dissect.Session, refused []*Refusal) *Refusal {
	var last, policy *Refusal
	for i := range s.Log {
		e := &s.Log[i]
		if e.Cmd == nil || !channelVerbs[e.Cmd.Verb] {
			continue
		}
		last = &Refusal{Cmd: e.Cmd, Reply: finalReplyBy(e, tcpflow.Ref{})}
		switch r := last.Reply; {
		case r == nil || r.Code < 400:
			policy = nil // a channel was offered or accepted: a new try
		case r.Code < 500 || r.Code > 504:
			// A refusal that states a reason (550 Permission denied,
			// 425, 421); a client's fallback the server does not know
			// (LPRT after PORT: "500 Unknown command") says less.
			policy = last
		}
	}
	if last == nil || last.Reply == nil {
		return nil // never asked, or the capture ends before the answer
	}
	if policy != nil && last.Reply.Code >= 500 && last.Reply.Code <= 504 {
		last = policy
	}
	for _, d := range s.Data {
		if neverConnected(d.Conn) {
			return nil // a data connection failed: that is the break; what the client tried after it is part of it
		}
	}
	at := last.Cmd.At
	for _, t := range s.Transfers {
		if !t.At.Before(at) {
			return nil // a transfer was tried after it: judged as a transfer
		}
	}
	for _, d := range s.Data {
		if !d.Conn.First.Before(at) {
			return nil // a data connection came after it: judged on its own
		}
	}
	for _, r := range refused {
		if at.Before(r.Reply.At) {
			return nil // the client asked for a file it could not have
		}
	}
	code := last.Reply.Code
	switch {
	case code >= 400:
		return last // refused
	case code == 227 || code == 229 || code == 228:
		if end := controlEnd(s); end.IsZero() {
			return nil // the capture ended while the client could still connect
		}
		if !usableOffer(last) {
			return nil // no endpoint a client could reach: nothing was "not reached"
		}
		return last // offered, never reached
	}
	return nil // PORT/EPRT accepted: the server never needed to connect
}

// refusalEvidence: the command, its earlier refusals and the reply.
func refusalEvidence(r *Refusal) []Evidence {
	var ev []Evidence
	for _, e := range r.Earlier {
		ev = append(ev, Evidence{At: e.At, Text: fmt.Sprintf("server replies %d %s to an earlier request for %s", e.Code, quote(e.Text), r.Path)})
	}
	ev = append(ev, cmdEvidence(r.Cmd), replyEvidence(r.Cmd, r.Reply))
	sortEvidence(ev)
	return ev
}

// abandonedText words what the client did after a refusal.
func abandonedText(s *dissect.Session) string {
	if _, _, ok := firstCloser(s.Control); !ok {
		return "and the client asked for nothing else about it"
	}
	return "and the client " + leftWords(s)
}

// leftWords words how the session ended, from the control connection's
// first FIN or RST: "left with QUIT", "closed the control connection
// without QUIT".
func leftWords(s *dissect.Session) string {
	d, at, ok := firstCloser(s.Control)
	switch {
	case !ok:
		return "stayed connected until the capture ended"
	case quitSentBy(s, at):
		return "left with QUIT"
	case d == tcpflow.FromClient && at == s.Control.Half[tcpflow.FromClient].RST:
		return "reset the control connection"
	case d == tcpflow.FromClient:
		return "closed the control connection without QUIT"
	}
	return "stayed until the server closed the control connection"
}

// alreadyThere: a directory the client asked to make exists already
// ("550 testdir: File exists"). Clients make directories blindly before
// uploading into them; what they wanted is there, so nothing was refused.
func alreadyThere(verb, text string) bool {
	if verb != "MKD" && verb != "XMKD" {
		return false
	}
	t := strings.ToLower(text)
	return strings.Contains(t, "exists") || strings.Contains(t, "already")
}

// setsTime: MDTM with a timestamp before the path sets the file's time
// (the form ncftp and others send after an upload, before MFMT existed):
// as cosmetic as MFMT, its refusal is ignored by the clients that send it.
func setsTime(cmd *dissect.Command) bool {
	if cmd.Verb != "MDTM" {
		return false
	}
	stamp, _, ok := strings.Cut(strings.TrimSpace(cmd.Arg), " ")
	if !ok || len(stamp) < 14 {
		return false
	}
	for _, c := range stamp {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

// usableOffer: a 227/229 that holds an endpoint a client can connect to
// (RFC 959's h1,h2,h3,h4,p1,p2; RFC 2428's (|||port|)). ProFTPD's
// malformed 227s and pyftpdlib's IPv6 address in a 227 offer nothing.
func usableOffer(rf *Refusal) bool {
	switch rf.Reply.Code {
	case 227:
		_, ok := dissect.ParsePASV(rf.Reply.Text)
		return ok && !rf.Reply.Cut
	case 229:
		_, ok := dissect.ParseEPSV(rf.Reply.Text)
		return ok && !rf.Reply.Cut
	}
	return true
}

// lateReplySlack bounds how long after the client's close a refusal can
// still be the server's answer sent before it saw the close.
const lateReplySlack = time.Second

// lateRefusals finds transfers the server refused in a reply that crossed
// the client's FIN: the server ended the data connection first (a reset
// or FIN before the client's), the client, waiting, left, and the
// server's 550 naming the file arrived just after (ProFTPD and ftp-srv
// refusing an upload into a missing folder). A reply after the client's
// close answers nothing (RFC 959 pairing, dissect), but one sent before
// the server could know of the close is still its word on the transfer.
func lateRefusals(s *dissect.Session) []*Refusal {
	closed := closedAt(s.Control, tcpflow.FromClient)
	if closed.IsZero() {
		return nil
	}
	var out []*Refusal
	for _, t := range s.Transfers {
		if t.Final != nil || t.Conn == nil || !t.At.Before(closed) {
			continue
		}
		cut := closedAt(t.Conn, dataServerDir(t))
		if cut.IsZero() || !cut.Before(closed) || !before(cut, closedAt(t.Conn, dataServerDir(t).Other())) {
			continue // the server did not end the data connection first
		}
		if r := firstUnsolicitedAfter(s, closed); r != nil && refusedCode(r.Code) && r.At.TS-closed.TS <= int64(lateReplySlack) {
			cmd := transferCommand(t)
			out = append(out, &Refusal{Cmd: cmd, Reply: r, Path: t.Path, late: true})
		}
	}
	return out
}

// dataServerDir is the direction of a transfer's data connection in
// which the FTP server sends.
func dataServerDir(t *dissect.Transfer) tcpflow.Dir {
	if t.Data != nil {
		return t.Data.FromFTPServer
	}
	return tcpflow.FromServer
}

// firstUnsolicitedAfter returns the first reply answering no command that
// arrived at or after at.
func firstUnsolicitedAfter(s *dissect.Session, at tcpflow.Ref) *dissect.Reply {
	for i := range s.Log {
		e := &s.Log[i]
		if e.Cmd != nil {
			continue
		}
		for j := range e.Replies {
			if r := &e.Replies[j]; r.Valid && !r.At.Before(at) {
				return r
			}
		}
	}
	return nil
}

// refusedLate: t is refused by one of late.
func refusedLate(late []*Refusal, t *dissect.Transfer) bool {
	for _, rf := range late {
		if rf.Cmd.At == t.At {
			return true
		}
	}
	return false
}
