package analysis

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Containment: a capture is damaged in ways no test foresaw, and a bug
// met judging one session must not cost the report of every other one.
// Wireshark marks a malformed packet and goes on; ftpcap reports the
// session it could not judge as an internal error, naming its connection
// and frames so it can be found and reported, and exits 1 as for a
// damaged file.

// maxInternalErrors caps the internal errors listed one by one; the rest
// are counted (Stats.InternalErrors), so a capture that trips the same
// bug in every session cannot grow the report without bound.
const maxInternalErrors = 100

// judged is everything the collector keeps of one session, made before
// anything is counted.
type judged struct {
	conns    []connRecord
	verdicts []classify.Verdict
	record   Session // filled when the session is listed
}

// fault is a panic recovered while judging a session: its value and the
// innermost ftpcap function it was raised in.
type fault struct {
	value any
	where string
}

// judge makes the session's records and verdicts under a recover.
func (col *collector) judge(s *dissect.Session, ctx *classify.Context, id string, listed bool) (j judged, f *fault) {
	defer func() {
		if r := recover(); r != nil {
			f = &fault{value: r, where: panicSite()}
		}
	}()
	if col.opts.judgeFault != nil {
		col.opts.judgeFault(s)
	}
	j.conns = append(j.conns, col.connOf(s.Control, classify.KindControl, id, tcpflow.FromServer, listed))
	for _, d := range s.Data {
		j.conns = append(j.conns, col.connOf(d.Conn, classify.KindData, id, d.FromFTPServer, listed))
	}
	j.verdicts = classify.Judge(s, ctx)
	if listed {
		j.record = sessionOf(s, id)
	}
	return j, nil
}

// internalError reports a session that could not be judged.
func (col *collector) internalError(s *dissect.Session, id string, f *fault) {
	col.stats.InternalErrors++
	if len(col.internal) >= maxInternalErrors {
		return
	}
	c := s.Control
	e := InputError{
		Kind: ErrorInternal, Session: id, Frame: c.First.Frame, LastFrame: c.Last.Frame,
		Connection: &ConnRef{Kind: classify.KindControl, Client: c.Client.String(), Server: c.Server.String()},
		Filter:     displayFilter(c),
		inputIndex: c.First.Input,
	}
	data := ""
	if n := len(s.Data); n > 0 {
		data = fmt.Sprintf(" and its %d data connection(s)", n)
	}
	e.Error = fmt.Sprintf("internal error judging FTP session %s (%s → %s, control connection frames %d to %d%s): %v%s; "+
		"the session is left out of the report, every other session was judged; please report it with these frames",
		id, c.Client, c.Server, c.First.Frame, c.Last.Frame, data, f.value, f.where)
	col.internal = append(col.internal, e)
}

// panicSite names the innermost function of this module on the stack of
// a panic being recovered: where the bug is, for the report.
func panicSite() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		fr, more := frames.Next()
		if strings.HasPrefix(fr.Function, "github.com/ftpcap/ftpcap/") && !strings.Contains(fr.Function, "analysis.panicSite") &&
			!strings.Contains(fr.Function, "analysis.(*collector).judge.func") {
			file := fr.File
			if i := strings.LastIndex(file, "/"); i >= 0 {
				if j := strings.LastIndex(file[:i], "/"); j >= 0 {
					file = file[j+1:]
				}
			}
			return fmt.Sprintf(" (in %s, %s:%d)", strings.TrimPrefix(fr.Function, "github.com/ftpcap/ftpcap/"), file, fr.Line)
		}
		if !more {
			return ""
		}
	}
}

// guardPacket hands one packet on, under a recover: a bug met in the
// tracker or the dissector on a damaged packet costs that packet, which
// is reported as an internal error naming its file and frame, and the
// reading goes on. A memory fault of a mapped input is not a bug; it goes
// on to source.Guard.
func (p *pipeline) guardPacket(d *decoded) {
	defer func() {
		if r := recover(); r != nil {
			if source.IsMemoryFault(r) {
				panic(r)
			}
			p.packetFault(d.ref, r, panicSite())
		}
	}()
	p.packet(d)
}

// guardEnd ends the connections and sessions at the end of the input,
// under a recover: a bug met there costs what was left open, not the
// report.
func (p *pipeline) guardEnd(end func()) {
	defer func() {
		if r := recover(); r != nil {
			p.packetFault(tcpflow.Ref{Frame: -1}, r, panicSite())
		}
	}()
	end()
}

// packetFault records a panic met processing one packet (frame -1: at
// the end of the input).
func (p *pipeline) packetFault(at tcpflow.Ref, value any, where string) {
	p.packetFaultCount++
	if len(p.packetFaults) >= maxInternalErrors {
		return
	}
	e := InputError{Kind: ErrorInternal, Frame: at.Frame, inputIndex: at.Input}
	if at.Frame < 0 {
		e.Frame = 0
		e.Error = fmt.Sprintf("internal error ending the connections still open at the end of the input: %v%s; "+
			"sessions not yet judged then may be missing; please report it", value, where)
	} else {
		e.Error = fmt.Sprintf("internal error processing frame %d: %v%s; the packet's effect on its connection may be lost, "+
			"every other packet was processed; please report it with this frame", at.Frame, value, where)
	}
	p.packetFaults = append(p.packetFaults, e)
}
