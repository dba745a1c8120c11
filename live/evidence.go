package live

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpcap/ftpcap/source"
)

// Capture is the live packet source a Recorder writes out.
type Capture interface {
	source.Reader
	Inputs() []source.InputInfo
	// PollStats reads the capture's counters now; it is called from the
	// goroutine calling Next.
	PollStats() source.LiveStats
}

// EvidenceOptions configure the evidence files.
type EvidenceOptions struct {
	// Path is the file (-w); with rotation, files are numbered from it
	// (see Rotation.FileName).
	Path     string
	Rotation Rotation
	// What the files' interface block records.
	LinkType     layers.LinkType
	LinkTypeName string // as reports name it ("Ethernet")
	Interface    string
	Filter       string
	Snaplen      int
	Application  string // "ftpcap 0.3.0"
	// FlushEvery hands buffered packets to the system this often, in
	// capture time (default 1 s).
	FlushEvery time.Duration
	// OnRemove, when set, is told of each file removed to keep
	// Rotation.MaxFiles, and of a removal that failed. It is called from
	// the goroutine that writes the files.
	OnRemove func(path string, err error)
}

// Recorder writes every packet the capture delivers to pcapng evidence
// files and renumbers it as its file does: Packet.Input becomes the
// file's index (files are the run's inputs, in order) and Packet.Frame its
// number in that file. The pipeline's verdicts therefore cite frames that
// open in Wireshark, and `ftpcap analyze` on the files, given in order,
// reads the very packets, in the same order and with the same numbers:
// the same verdicts. Ticks pass through unwritten.
//
// Writing everything the capture filter passes, rather than only packets
// known to belong to FTP sessions, is what makes that hold: a connection
// is known to be FTP only after its first packets went by, and a subset
// would need its own numbering and a mapping back. The capture filter is
// the place to narrow what is kept.
//
// Next, Close, Inputs and FileOf belong to the goroutine reading packets;
// Stats may be read from any.
type Recorder struct {
	src  Capture
	opts EvidenceOptions
	head fileHeader

	disk    *diskWriter
	files   []*evidenceFile // every file of the run, in order
	cur     *evidenceFile
	kept    []int // indexes of the files on disk, oldest first (for MaxFiles)
	stopped bool

	mu      sync.Mutex // guards current
	current string
	opened  atomic.Int64
	written atomic.Int64 // packets handed to the disk writer
}

// NewRecorder creates the first evidence file and returns the recorder.
// A first file that cannot be created is an error: the run should not
// start without the evidence it was asked to keep.
func NewRecorder(src Capture, opts EvidenceOptions) (*Recorder, error) {
	if opts.Path == "" {
		return nil, errors.New("evidence: no file name")
	}
	if err := opts.Rotation.Check(); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = time.Second
	}
	r := &Recorder{src: src, opts: opts, head: fileHeader{
		linkType: opts.LinkType, ifName: opts.Interface, filter: opts.Filter,
		snaplen: opts.Snaplen, application: opts.Application,
	}}
	r.disk = newDiskWriter(opts.OnRemove)
	r.open()
	if err := r.cur.info.Err; err != nil {
		r.disk.stop()
		var we *WriteError
		if errors.As(err, &we) {
			err = we.Err
		}
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return r, nil
}

// Next reads the next packet from the capture, writes it, and renumbers
// it by its file.
func (r *Recorder) Next(p *source.Packet) error {
	err := r.src.Next(p)
	if err != nil {
		if errors.Is(err, io.EOF) {
			r.stop()
		}
		return err
	}
	ts := p.CI.Timestamp.UnixNano()
	if p.Data == nil {
		p.Input = r.cur.index
		r.cur.flushIfDue(ts, r.opts.FlushEvery)
		return nil
	}
	if r.opts.Rotation.Due(r.cur.size(), r.cur.info.Packets, r.cur.firstTS, ts) {
		r.rotate()
	}
	p.Input = r.cur.index
	frame, ok := r.cur.write(p.CI, p.Data, r.opts.FlushEvery)
	p.Frame = frame
	if ok {
		r.written.Add(1)
	}
	return nil
}

// open starts the next file and removes the oldest beyond MaxFiles.
func (r *Recorder) open() {
	n := len(r.files) + 1
	path := r.opts.Rotation.FileName(r.opts.Path, n)
	ef := createEvidenceFile(r.disk, path, len(r.files), r.head, r.src.PollStats(), r.opts.LinkTypeName)
	r.files = append(r.files, ef)
	r.cur = ef
	r.opened.Add(1)
	r.mu.Lock()
	r.current = path
	r.mu.Unlock()
	if ef.disk != nil {
		r.kept = append(r.kept, ef.index)
	}
	for keep := r.opts.Rotation.MaxFiles; keep > 0 && len(r.kept) > keep; {
		// Removing a big file can take the disk a while: the writer's
		// goroutine does it, after the file's own writes.
		old := r.files[r.kept[0]]
		r.kept = r.kept[1:]
		r.disk.queue <- diskOp{kind: opRemove, path: old.info.Path}
	}
}

// rotate closes the current file and opens the next.
func (r *Recorder) rotate() {
	r.cur.close(r.src.PollStats())
	r.open()
}

// stop closes the current file with the capture's final counters. A
// capture that failed (the interface went away) ends the file early, so
// its error becomes the file's, and the report lists it.
func (r *Recorder) stop() {
	if r.stopped {
		return
	}
	r.stopped = true
	r.cur.close(r.src.PollStats())
	r.disk.stop()
	for _, ef := range r.files {
		ef.settle()
	}
	for _, in := range r.src.Inputs() {
		if in.Err != nil && r.cur.info.Err == nil {
			r.cur.info.Err = in.Err
			r.cur.info.EOF = false
		}
	}
}

// Close closes the current file and the capture.
func (r *Recorder) Close() error {
	r.stop()
	return r.src.Close()
}

// Inputs describes each file: its packets, times, the drops the capture
// reported while it was open (also written in its statistics block), and
// a write failure as its error (known for sure once the capture has
// ended and the disk writer has written everything). Files removed to
// keep MaxFiles are still listed: verdicts may cite them.
func (r *Recorder) Inputs() []source.InputInfo {
	out := make([]source.InputInfo, len(r.files))
	for i, ef := range r.files {
		out[i] = ef.info
		if out[i].Err == nil && ef.disk != nil {
			if err := ef.disk.failure(); err != nil {
				out[i].Err = err
			}
		}
		out[i].LinkTypes = append([]string(nil), ef.info.LinkTypes...)
		if !ef.closed {
			// Still being written: the drops so far.
			d := r.src.PollStats().Dropped() - ef.droppedAtOpen
			out[i].Dropped = &d
			if ef.info.Packets > 0 {
				out[i].First = time.Unix(0, ef.firstTS).UTC()
				out[i].Last = time.Unix(0, ef.lastTS).UTC()
			}
		}
	}
	return out
}

// FileOf names the file holding frame number frame captured at t (an
// evidence item of a verdict settled during the run, which does not say
// its input). Files follow each other in capture order, so the time picks
// the file; the frame number must also fit. "" when no file matches.
func (r *Recorder) FileOf(frame int64, t time.Time) string {
	ts := t.UnixNano()
	for i := len(r.files) - 1; i >= 0; i-- {
		ef := r.files[i]
		if ef.info.Packets >= frame && ef.info.Packets > 0 && ts >= ef.firstTS && ts <= ef.lastTS {
			return ef.info.Path
		}
	}
	return ""
}

// EvidenceStats are the recorder's running counts.
type EvidenceStats struct {
	Files   int64 // files opened
	Removed int64 // files removed to keep MaxFiles
	Packets int64 // packets written
	// Stalls counts the times the capture waited for the disk: every
	// chunk of the writer's queue was full. The kernel's capture buffer
	// holds packets meanwhile; drops then say it was not enough.
	Stalls  int64
	Current string // the file being written
}

// Stats returns the counts so far; safe from any goroutine.
func (r *Recorder) Stats() EvidenceStats {
	r.mu.Lock()
	cur := r.current
	r.mu.Unlock()
	return EvidenceStats{Files: r.opened.Load(), Removed: r.disk.removed.Load(), Packets: r.written.Load(),
		Stalls: r.disk.stalls.Load(), Current: cur}
}
