package analysis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// Options configure one analysis run.
type Options struct {
	Version string
	// Filter is a BPF expression applied to every input.
	Filter string
	// ControlPorts are extra FTP control ports (21 and 990, implicit
	// FTPS, are always included: dissect.DefaultControlPorts).
	ControlPorts  []uint16
	ShowPasswords bool
	Tracker       tcpflow.Options
	Decode        decode.Options
	// Dissect bounds what the dissector keeps of each session (MaxLineLen,
	// MaxLog, MaxPendingCommands, DataExpectTimeout); its ControlPorts and
	// ShowPasswords are the fields above.
	Dissect dissect.Options
	// OnBreak, when set, is called with each break as soon as its session
	// has been judged (live use); the Result still gets every break.
	OnBreak func(*Verdict)
	// MaxReported caps the sessions, breaks, findings and connections the
	// Result lists one by one (default 20000 each); the rest are counted.
	// It keeps the memory of a run bounded on a SYN flood or a scan of
	// port 21, where every connection is a broken session.
	MaxReported int
	// Progress, when set, is updated as the run goes (every few thousand
	// packets): a progress bar or a live status line reads it from another
	// goroutine.
	Progress *Progress
	// OnSession, when set, is called with each finished FTP session before
	// the pipeline drops it (tests, and outputs that need the full command
	// log). The session must not be kept or changed after the call.
	OnSession func(*dissect.Session)
	// Parallel spreads a run over three goroutines joined by bounded
	// queues: reading and decoding the inputs, tracking connections and
	// FTP sessions, and judging finished sessions. The result is the same as
	// without; OnBreak and OnSession are then called on the judging
	// goroutine. For files: a live capture leaves it off, so that a
	// packet reaches the tracker at once rather than when a batch fills,
	// and its callbacks run where its packets are watched.
	Parallel bool
	// Diagrams keeps what the HTML report draws (diagram.go): a ladder
	// of each listed verdict's connections, a time-sequence graph of
	// each transfer that did not complete, and each session's timeline.
	// It costs memory and time, so only the html format asks for it.
	Diagrams bool
	// KeepPackets keeps every packet of the FTP connections in
	// Result.Packets (packets.go), up to MaxKeptPackets in all (0: the
	// default), for correlating captures taken at several points.
	KeepPackets    bool
	MaxKeptPackets int
	// MaxDiagramPoints caps the packets and exchanges the diagrams of a
	// Result hold together (default DefaultMaxDiagramPoints); past it a
	// diagram is not made, and is counted. The tracker's traces they are
	// drawn from have their own cap, Tracker.MaxTracePoints.
	MaxDiagramPoints int

	// judgeFault, set by tests, is called with each session as judging
	// starts, under the same recover: it stands for a bug in the rules.
	judgeFault func(*dissect.Session)
	// packetFault, set by tests, is called with each packet's reference
	// before it is processed, under the same recover: it stands for a
	// bug in the tracker or the dissector.
	packetFault func(tcpflow.Ref)
}

// Files analyses capture files as one capture and returns the result. An
// input that cannot be read to its end is reported in Result.Errors and
// everything read before it is analysed; the returned error is non-nil
// only when nothing could be analysed at all.
func Files(ctx context.Context, paths []string, opts Options) (*Result, error) {
	src, err := source.OpenFiles(paths, source.Options{Filter: opts.Filter})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if opts.Progress != nil {
		position := src.Position
		opts.Progress.position.Store(&position)
	}
	return Run(ctx, src, src.Inputs, opts)
}

// Run analyses every packet src delivers until it is exhausted (io.EOF) or
// ctx is done, and returns the result: the one pipeline behind both files
// and live capture. inputs describes the sources at the end (their
// counters, errors and drops).
func Run(ctx context.Context, src source.Reader, inputs func() []source.InputInfo, opts Options) (*Result, error) {
	p := newPipeline(opts)
	if opts.Parallel {
		p.startJudging()
		defer p.stopJudging() // on an early return
	}
	if err := p.run(ctx, src); err != nil {
		return nil, err
	}
	res := p.finish()
	if p.opts.Progress != nil {
		p.report()
	}
	infos := inputs()
	for i := range res.Errors { // internal errors: name the file
		if j := res.Errors[i].inputIndex; j < len(infos) {
			res.Errors[i].Path = infos[j].Path
		}
	}
	for _, in := range infos {
		res.Inputs = append(res.Inputs, inputOf(in))
		if in.Err != nil {
			res.Errors = append(res.Errors, inputError(in.Path, in.Err))
		}
	}
	if p.changed != nil {
		res.Errors = append(res.Errors, InputError{Error: p.changed.Error()})
	}
	res.rateCapture()
	res.sortAndNumber(len(infos) > 1)
	res.indexPackets()
	return res, nil
}

// pipeline is one run: packets → decoder → tracker → dissector → judge.
type pipeline struct {
	opts    Options
	dec     *decode.Decoder
	tracker *tcpflow.Tracker
	ftp     *dissect.Analyzer
	col     *collector
	// With Options.Parallel: the sessions waiting to be judged, and closed
	// when the judge has judged the last (judging.go).
	jobs   chan judgeJob
	judged chan struct{}
	// changed is set when an input was cut short while being read.
	changed *source.InputCutShort
	// packetFaults lists the packets whose processing met a bug, and
	// packetFaultCount counts them (contain.go); kept apart from the
	// collector, which the judging goroutine owns.
	packetFaults     []InputError
	packetFaultCount int64
}

func newPipeline(opts Options) *pipeline {
	ports := append(dissect.DefaultControlPorts(), opts.ControlPorts...)
	p := &pipeline{opts: opts, dec: decode.NewDecoder(opts.Decode), col: newCollector(opts)}
	dopts := opts.Dissect
	dopts.ControlPorts, dopts.ShowPasswords = ports, opts.ShowPasswords
	p.ftp = dissect.New(dopts, p.finished)
	topts := opts.Tracker
	topts.ServerPorts = append(topts.ServerPorts, ports...)
	topts.Trace = opts.Diagrams
	topts.KeepPackets, topts.MaxKeptPackets = opts.KeepPackets, opts.MaxKeptPackets
	p.tracker = tcpflow.NewTracker(topts, p.ftp)
	p.col.ctx.Hosts = p.tracker.Hosts()
	return p
}

// run reads every packet of src, decoding on this goroutine, or with
// Options.Parallel on the reading stage's (front.go), which it stops
// before returning. It runs under source.Guard: packet bytes of a mapped
// input are touched here too (the tracker and the dissector keep Stable
// payloads), and an input cut short while it is read ends the run with
// what came before it rather than a crash.
func (p *pipeline) run(ctx context.Context, src source.Reader) error {
	return p.readEnded(source.Guard(func() error {
		next := p.decodeInline(src)
		if p.opts.Parallel {
			f := startFront(src, p.dec)
			defer f.Stop()
			next = f.Next
		}
		for n := 0; ; n++ {
			if n&4095 == 0 && ctx.Err() != nil {
				return nil // interrupted: report what was read
			}
			if n&1023 == 0 && p.opts.Progress != nil {
				p.report()
			}
			d, err := next()
			if err != nil {
				return err
			}
			p.guardPacket(d)
		}
	}))
}

// readEnded turns the error that ended the reading into run's result:
// nil at the end of the input (or an interrupt), or when an input was cut
// short while it was read (reported with what came before it).
func (p *pipeline) readEnded(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	if cut := (*source.InputCutShort)(nil); errors.As(err, &cut) {
		p.changed = cut
		return nil
	}
	return fmt.Errorf("read packets: %w", err)
}

// decodeInline returns a reader of decoded packets that reads and decodes
// on the caller's goroutine, into one reused packet.
func (p *pipeline) decodeInline(src source.Reader) func() (*decoded, error) {
	var pkt source.Packet
	var d decoded
	return func() (*decoded, error) {
		if err := src.Next(&pkt); err != nil {
			return nil, err
		}
		d.ref = tcpflow.Ref{Input: pkt.Input, Frame: pkt.Frame, TS: pkt.CI.Timestamp.UnixNano()}
		d.tick = pkt.Data == nil
		if !d.tick {
			d.wire = pkt.CI.Length
			d.kind, _ = p.dec.Decode(pkt.Data, pkt.LinkType, d.ref.TS, &d.p)
		}
		return &d, nil
	}
}

// packet hands one decoded packet to the tracker.
func (p *pipeline) packet(d *decoded) {
	if d.tick {
		// A live source's tick on a quiet interface: time moves on, so
		// idle connections expire and get judged.
		p.tracker.Advance(d.ref.TS)
		if p.opts.Progress != nil {
			p.report()
		}
		return
	}
	p.col.stats.Packets++
	p.col.stats.Bytes += int64(d.wire)
	if p.opts.packetFault != nil {
		p.opts.packetFault(d.ref)
	}
	switch d.kind {
	case decode.KindTCP:
		p.tracker.Packet(&d.p, d.ref)
	case decode.KindICMPError:
		p.col.stats.ICMPErrors++
		p.tracker.ICMP(&d.p, d.ref)
	default:
		p.tracker.Advance(d.ref.TS)
	}
}

// finish ends every connection and session and assembles the result.
func (p *pipeline) finish() *Result {
	p.guardEnd(func() {
		p.tracker.Flush()
		p.ftp.Flush()
	})
	p.stopJudging()
	p.col.stats.fill(stages{decode: p.dec.Stats(), tracker: p.tracker.Stats(), dissect: p.ftp.Stats()})
	p.col.stats.InternalErrors += p.packetFaultCount
	res := p.col.result(p.opts.Version)
	res.Errors = append(res.Errors, p.packetFaults...)
	return res
}

func inputOf(in source.InputInfo) Input {
	out := Input{
		Path: in.Path, Format: in.Format, Compression: in.Compression,
		Packets: in.Packets, Bytes: in.Bytes, Dropped: in.Dropped, Truncated: in.Truncated,
		First: in.First.UTC(), Last: in.Last.UTC(),
	}
	for i, lt := range in.LinkTypes {
		if i > 0 {
			out.LinkType += ", "
		}
		out.LinkType += lt
	}
	return out
}

func inputError(path string, err error) InputError {
	e := InputError{Path: path, Error: err.Error()}
	var fe interface{ FrameNumber() int64 }
	if errors.As(err, &fe) {
		e.Frame = fe.FrameNumber()
	}
	return e
}

// Progress is a run's running counts, safe to read from other goroutines.
type Progress struct {
	Packets     atomic.Int64
	Bytes       atomic.Int64 // bytes of packets on the wire
	OpenConns   atomic.Int64
	Connections atomic.Int64
	Sessions    atomic.Int64
	Breaks      atomic.Int64
	// position is how far reading the input files has got, set by Files
	// once they are open.
	position atomic.Pointer[func() (read, total int64)]
}

// Position reports how far reading the input files has got: bytes of the
// files read, of their total size (-1 while an input's size is unknown,
// as for stdin). ok is false before Files has opened them, and for other
// sources.
func (p *Progress) Position() (read, total int64, ok bool) {
	f := p.position.Load()
	if f == nil {
		return 0, -1, false
	}
	read, total = (*f)()
	return read, total, true
}

// report publishes the counts so far.
func (p *pipeline) report() {
	pr := p.opts.Progress
	pr.Packets.Store(p.col.stats.Packets)
	pr.Bytes.Store(p.col.stats.Bytes)
	pr.OpenConns.Store(int64(p.tracker.Open()))
	pr.Connections.Store(p.tracker.Stats().Conns)
	// Sessions and Breaks are counted by the collector as it judges.
}
