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
}

// lineReader splits one direction of a control connection into lines
// across Data calls, which may split the stream anywhere. Lines are cut at
// max bytes. After a gap it discards bytes up to the next LF: the bytes
// before the gap and right after it belong to a line that cannot be
// trusted.
type lineReader struct {
	max     int
	buf     []byte
	at      tcpflow.Ref
	started bool // a line has begun (buf may still be empty after a CR)
	cut     int
	lastCR  bool // the last byte kept or dropped of the current line was CR
	skip    bool // discarding up to the next LF after a gap
}

func newLineReader(max int) lineReader { return lineReader{max: max} }

// next consumes data up to and including its first LF. It returns how many
// bytes it consumed and, when they completed a line, the line.
func (r *lineReader) next(data []byte, at tcpflow.Ref) (int, line, bool) {
	i := bytes.IndexByte(data, '\n')
	chunk := data
	if i >= 0 {
		chunk = data[:i]
	}
	if r.skip {
		if i < 0 {
			return len(data), line{}, false
		}
		r.skip = false
		return i + 1, line{}, false
	}
	if !r.started {
		r.started, r.at = true, at
	}
	if len(chunk) > 0 {
		keep := min(len(chunk), r.max-len(r.buf))
		if r.buf == nil {
			r.buf = make([]byte, 0, min(r.max, 256))
		}
		r.buf = append(r.buf, chunk[:keep]...)
		r.cut += len(chunk) - keep
		r.lastCR = chunk[len(chunk)-1] == '\r'
	}
	if i < 0 {
		return len(data), line{}, false
	}
	return i + 1, r.take(false), true
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
	r.buf, r.started, r.cut, r.lastCR = r.buf[:0], false, 0, false
	return l
}

// gap drops the partial line and discards up to the next LF. It reports
// whether a partial line was dropped.
func (r *lineReader) gap() bool {
	had := r.started
	r.buf, r.started, r.cut, r.lastCR = r.buf[:0], false, 0, false
	r.skip = true
	return had
}

// flush returns the partial line left when the connection ends.
func (r *lineReader) flush() (line, bool) {
	if !r.started || r.skip {
		return line{}, false
	}
	return r.take(true), true
}

// reset forgets any partial line (the direction switches to TLS).
func (r *lineReader) reset() {
	r.buf, r.started, r.cut, r.lastCR, r.skip = r.buf[:0], false, 0, false, false
}
