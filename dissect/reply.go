package dissect

import "github.com/ftpcap/ftpcap/tcpflow"

// Caps on what one reply keeps.
const (
	maxReplyText  = 1024 // bytes of Reply.Text
	maxLineStarts = 1024 // entries of Reply.LineStarts
)

// ReplyLine is one server line as RFC 959 §4.2 reads it.
type ReplyLine struct {
	// Code is the valid three-digit code the line starts with (first
	// digit 1–5, or 6 for RFC 2228's protected replies), 0 if none.
	Code int
	// Sep is the byte after the code: ' ' (last or only line), '-' (first
	// line of a multi-line reply), 0 at the end of the line, or whatever
	// else followed.
	Sep byte
	// Text follows the code and separator; for lines without a valid code
	// it is the whole line.
	Text []byte
	// Problem is an anomaly key when the line departs from "ddd SP text":
	// AnomalyReplyWithoutText, AnomalyReplyWithoutSpace,
	// AnomalyInvalidReplyCode, AnomalyNonNumericReplyCode or
	// AnomalyEmptyLine.
	Problem string
}

// ParseReplyLine reads one server line (without its CRLF).
func ParseReplyLine(b []byte) ReplyLine {
	digits := 0
	for digits < len(b) && digits < 4 && isDigit(b[digits]) {
		digits++
	}
	switch {
	case len(b) == 0:
		return ReplyLine{Problem: AnomalyEmptyLine}
	case digits == 3 && b[0] >= '1' && b[0] <= '6':
		code := int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')
		switch {
		case len(b) == 3:
			return ReplyLine{Code: code, Problem: AnomalyReplyWithoutText}
		case b[3] == ' ' || b[3] == '-':
			return ReplyLine{Code: code, Sep: b[3], Text: b[4:]}
		default:
			return ReplyLine{Code: code, Sep: b[3], Text: b[3:], Problem: AnomalyReplyWithoutSpace}
		}
	case digits > 0 && (digits == len(b) || b[digits] == ' ' || b[digits] == '-'):
		// "99 PASV invalid", "099 x", "700 x", "2200 x": a number where a
		// reply code belongs, but not a valid one.
		return ReplyLine{Text: b, Problem: AnomalyInvalidReplyCode}
	case digits == 4 || digits == 3:
		return ReplyLine{Text: b, Problem: AnomalyInvalidReplyCode}
	default:
		return ReplyLine{Text: b, Problem: AnomalyNonNumericReplyCode}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// replyAssembler turns server lines into replies: single lines, and
// multi-line replies from "ddd-" up to the line that starts with the same
// "ddd " (RFC 959 §4.2). Lines between may start with anything, other
// codes included. A line "ddd" alone with the same code also ends the
// reply: servers that omit the text omit the space too.
type replyAssembler struct {
	open bool // a multi-line reply is in progress
	r    Reply
	text []byte
	// textCut: text beyond maxReplyText was dropped.
	textCut bool
	// gapped: a gap in the capture came while a multi-line reply was
	// open; its last line may be lost.
	gapped bool
}

// line takes one server line; cut says a gap cut it short. It returns a
// reply when the line completed one, and an anomaly key when the line
// departs from the protocol (both may be set: "220" alone is a reply
// without text).
func (a *replyAssembler) line(b []byte, at tcpflow.Ref, cut bool) (r Reply, done bool, problem string) {
	p := ParseReplyLine(b)
	if a.open {
		a.r.Cut = a.r.Cut || cut
		a.noteLine(at, p.Code)
		if p.Code == a.r.Code && (p.Sep == ' ' || p.Sep == 0) {
			a.addText(p.Text)
			return a.finish(), true, ""
		}
		if p.Code == a.r.Code && p.Sep == '-' {
			a.addText(p.Text)
		} else {
			a.addText(b)
		}
		return Reply{}, false, ""
	}
	switch p.Problem {
	case AnomalyEmptyLine, AnomalyNonNumericReplyCode:
		// Not a reply at all: nothing to pair with a command.
		return Reply{}, false, p.Problem
	case AnomalyInvalidReplyCode:
		a.start(0, false, at)
		a.addText(p.Text)
		return a.finish(), true, p.Problem
	}
	a.start(p.Code, true, at)
	a.r.Cut = cut
	a.addText(p.Text)
	if p.Sep == '-' {
		a.open = true
		return Reply{}, false, p.Problem
	}
	return a.finish(), true, p.Problem
}

// lostEnd returns the open multi-line reply, marked Cut, when a gap came
// while it was open and line b starts another reply ("ddd " or "ddd-" with
// another valid code): the gap took the reply's last line. RFC 959 §4.2
// has servers pad text lines that begin with digits, so only a lost end
// explains it.
func (a *replyAssembler) lostEnd(b []byte) (Reply, bool) {
	if !a.open || !a.gapped || !startsReply(b) {
		return Reply{}, false
	}
	if p := ParseReplyLine(b); p.Code == a.r.Code {
		return Reply{}, false
	}
	a.r.Cut = true
	return a.finish(), true
}

// flush returns a multi-line reply left open when the connection ended.
func (a *replyAssembler) flush() (Reply, bool) {
	if !a.open {
		return Reply{}, false
	}
	return a.finish(), true
}

func (a *replyAssembler) start(code int, valid bool, at tcpflow.Ref) {
	a.r = Reply{Code: code, Valid: valid, At: at}
	a.text, a.textCut = a.text[:0], false
	a.noteLine(at, code)
}

func (a *replyAssembler) noteLine(at tcpflow.Ref, code int) {
	a.r.Lines++
	a.r.End = at
	if len(a.r.LineStarts) < maxLineStarts {
		a.r.LineStarts = append(a.r.LineStarts, LineStart{At: at, Code: code})
	}
}

func (a *replyAssembler) addText(t []byte) {
	if a.r.Lines > 1 {
		a.put([]byte{'\n'})
	}
	a.put(t)
}

// put appends to the text up to maxReplyText bytes.
func (a *replyAssembler) put(t []byte) {
	room := maxReplyText - len(a.text)
	if len(t) > room {
		t, a.textCut = t[:max(room, 0)], true
	}
	a.text = append(a.text, t...)
}

func (a *replyAssembler) finish() Reply {
	r := a.r
	r.Text = string(a.text)
	a.open, a.r, a.gapped = false, Reply{}, false
	return r
}
