package dissect

import (
	"bytes"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// line is one line of a control connection, without its terminator.
type line struct {
	b  []byte      // valid until the lineReader is used again
	at tcpflow.Ref // packet carrying the line's first byte
	// bareLF: the line ended with LF alone, not CRLF (RFC 959 §4.1 and
	// §4.2 both require CRLF).
	bareLF bool
	// cut counts the bytes dropped beyond the length cap.
	cut int
	// unterminated: the connection ended before the line's LF.
	unterminated bool
	// binaryCut: the line held control bytes and was ended at a packet
	// boundary because the bytes from there on start a proper line.
	binaryCut bool
	// gapCut: the capture lost the rest of the line (a gap followed its
	// last byte); it starts as a proper line does.
	gapCut bool
}

// lineReader splits one direction of a control connection into lines
// across Data calls, which may split the stream anywhere. Lines are cut at
// max bytes.
//
// A gap (bytes the capture lost: a snap length cutting a packet, capture
// loss) leaves the line it hit incomplete. A partial line before the gap
// that starts as a proper line does (startsLine) is kept, marked gapCut:
// its code or verb is known even when its text is not. After the gap,
// reading resumes at the first place a line is known to start: at the
// first byte after the gap or the first byte of a later packet when the
// bytes there start a proper line (a TCP segment of a control connection
// usually begins with a line: the snap length cuts a packet's tail, and a
// lost packet takes its lines with it), or right after the next LF.
// Bytes in between belong to a line whose start was lost and are dropped.
//
// One resynchronisation: when a line holds control bytes (binary junk,
// such as an SSH packet a proxy let through) up to a packet boundary, and
// the bytes from that boundary on start a proper line (startsLine), the
// junk is ended there. Text lines split across packets hold no control
// bytes, so they are never cut this way; without it one stray binary blob
// would swallow the next reply. Packet boundaries are changes of the Ref
// passed to next, so the result does not depend on how one packet's bytes
// are split across calls.
type lineReader struct {
	max        int
	startsLine func([]byte) bool
	buf        []byte
	scratch    []byte      // the junk part of a line cut by resynchronisation
	at         tcpflow.Ref // packet of the current line's first byte
	lastAt     tcpflow.Ref // packet of the current line's latest byte
	started    bool        // a line has begun (buf may still be empty after a CR)
	cut        int
	lastCR     bool // the last byte kept or dropped of the current line was CR
	// skip: discarding after a gap, up to the next LF or a packet that
	// starts a proper line. gapEdge: the next byte is the first after the
	// gap. probing: the current line began at such a place and has not
	// yet shown probeLen bytes (or its LF) to tell whether it is a line.
	skip    bool
	gapEdge bool
	probing bool
	// segBinary: the bytes since the line began, or since boundary, hold
	// control bytes. boundary (0 for none) is the offset in buf where the
	// latest packet after such bytes began.
	segBinary  bool
	boundary   int
	boundaryAt tcpflow.Ref
}

func newLineReader(max int, startsLine func([]byte) bool) lineReader {
	return lineReader{max: max, startsLine: startsLine}
}

// next consumes data up to and including its first LF. It returns how many
// bytes it consumed and, when they completed a line, the line.
func (r *lineReader) next(data []byte, at tcpflow.Ref) (int, line, bool) {
	i := bytes.IndexByte(data, '\n')
	chunk := data
	if i >= 0 {
		chunk = data[:i]
	}
	if r.skip && !r.probing {
		if !r.gapEdge && at == r.lastAt {
			// Inside a packet whose start was dropped: up to its LF.
			if i < 0 {
				return len(data), line{}, false
			}
			r.skip = false
			return i + 1, line{}, false
		}
		// The first byte after the gap, or a new packet: a line may
		// start here.
		r.gapEdge, r.probing = false, true
	}
	switch {
	case !r.started:
		r.started, r.at = true, at
	case at != r.lastAt && r.segBinary:
		r.boundary, r.boundaryAt, r.segBinary = len(r.buf), at, false
	}
	r.lastAt = at
	if len(chunk) > 0 {
		keep := min(len(chunk), r.max-len(r.buf))
		if r.buf == nil {
			r.buf = make([]byte, 0, min(r.max, 256))
		}
		r.buf = append(r.buf, chunk[:keep]...)
		r.cut += len(chunk) - keep
		r.lastCR = chunk[len(chunk)-1] == '\r'
		r.segBinary = r.segBinary || hasControl(chunk)
	}
	if r.probing && (len(r.buf) >= probeLen || i >= 0) {
		r.probing = false
		if r.startsLine == nil || !r.startsLine(r.buf) {
			// Not a line's start: the rest of the line goes too.
			r.clear()
			if i < 0 {
				return len(data), line{}, false
			}
			r.skip = false
			return i + 1, line{}, false
		}
		r.skip = false
	}
	if i < 0 {
		return len(data), line{}, false
	}
	if l, ok := r.resync(); ok {
		// The LF ends the rest, which the next call returns.
		return i, l, true
	}
	return i + 1, r.take(false), true
}

// resync splits off the junk before a packet boundary where a proper line
// starts, keeping the rest as the current line.
func (r *lineReader) resync() (line, bool) {
	if r.boundary == 0 || r.startsLine == nil || !r.startsLine(r.buf[r.boundary:]) {
		return line{}, false
	}
	r.scratch = append(r.scratch[:0], r.buf[:r.boundary]...)
	l := line{b: r.scratch, at: r.at, binaryCut: true}
	n := copy(r.buf, r.buf[r.boundary:])
	r.buf = r.buf[:n]
	r.at, r.boundary, r.segBinary = r.boundaryAt, 0, hasControl(r.buf)
	return l, true
}

// take returns the current line and starts a new one.
func (r *lineReader) take(unterminated bool) line {
	l := line{b: r.buf, at: r.at, cut: r.cut, unterminated: unterminated}
	if !unterminated {
		l.bareLF = !r.lastCR
	}
	if r.lastCR && r.cut == 0 && len(l.b) > 0 && l.b[len(l.b)-1] == '\r' {
		l.b = l.b[:len(l.b)-1]
	}
	r.clear()
	return l
}

func (r *lineReader) clear() {
	r.buf, r.started, r.cut, r.lastCR = r.buf[:0], false, 0, false
	r.segBinary, r.boundary = false, 0
}

// gap ends the partial line at a gap and starts skipping. It returns the
// partial line, marked gapCut, when it starts as a proper line does; any
// other partial line is dropped.
func (r *lineReader) gap() (line, bool) {
	var l line
	ok := r.started && !r.skip && r.startsLine != nil && r.startsLine(r.buf)
	if ok {
		l = r.take(true)
		l.unterminated, l.gapCut = false, true
	}
	r.clear()
	r.skip, r.gapEdge, r.probing = true, true, false
	return l, ok
}

// flush returns the partial line left when the connection ends; call it
// until it reports false (a resynchronised line comes in two parts).
func (r *lineReader) flush() (line, bool) {
	if !r.started || r.skip {
		return line{}, false
	}
	if l, ok := r.resync(); ok {
		return l, true
	}
	return r.take(true), true
}

// reset forgets any partial line (the direction switches to TLS).
func (r *lineReader) reset() {
	r.clear()
	r.skip, r.gapEdge, r.probing = false, false, false
}

// probeLen is how many bytes tell whether a line starts: a reply code and
// its separator ("226 "), or a verb of up to five letters and the blank or
// CR after it ("RETR ", startsCommand).
const probeLen = 6

// hasControl reports whether b holds a control byte no FTP text line has:
// below 0x20 except tab and CR, or DEL.
func hasControl(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f {
			return true
		}
	}
	return false
}

// startsReply reports whether b starts with a reply's first line: a valid
// code and SP or '-'.
func startsReply(b []byte) bool {
	if len(b) < 4 || (b[3] != ' ' && b[3] != '-') {
		return false
	}
	return ParseReplyLine(b[:4]).Code != 0
}

// startsCommand reports whether b starts with a known command verb
// followed by a blank or the end of the line.
func startsCommand(b []byte) bool {
	i := 0
	for i < len(b) && i < 5 && ((b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= 'a' && b[i] <= 'z')) {
		i++
	}
	if i < 3 || (i < len(b) && b[i] != ' ' && b[i] != '\r') {
		return false
	}
	verb, _, _ := ParseCommand(b[:i])
	return KnownCommand(verb)
}
