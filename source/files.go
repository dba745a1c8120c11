package source

import (
	"errors"
	"io"
)

// Files reads one or more capture files as one capture in time order, as
// the pieces of a rotated capture (tcpdump -C/-G, dumpcap -b) belong
// together. It merges the files by packet timestamp (ties go to the file
// given first) with one packet of lookahead per file; frame numbers stay
// per file, so they match what Wireshark shows for that file.
//
// A damaged file stops at the damage and the others go on: Next keeps
// returning packets, and Errors and Inputs say what happened.
type Files struct {
	inputs []*input
	// ready holds the inputs with a lookahead packet as a binary min-heap
	// on (timestamp, input index).
	ready []*input
	// handedOut is the input whose lookahead the last Next returned; it is
	// advanced at the start of the next call, so the packet's data stays
	// valid until then.
	handedOut *input
	errs      []error
	closed    bool
}

var _ Reader = (*Files)(nil)

var (
	errNoInputs = errors.New("open: no capture files given")
	errClosed   = errors.New("next: files already closed")
)

// OpenFiles opens the capture files at paths ("-" is stdin) and reads the
// first packet of each.
//
// A file that cannot be opened, or whose header is not a capture's, does
// not stop the others: its error ("open a.pcap: not a pcap or pcapng file
// (magic 0x…)") is in its InputInfo.Err and in Errors, and the rest are
// read. OpenFiles returns an error only when there is nothing to read: the
// filter is invalid, or no file could be opened (the error then names each
// file).
func OpenFiles(paths []string, opts Options) (*Files, error) {
	if len(paths) == 0 {
		return nil, errNoInputs
	}
	var flt *filter
	if opts.Filter != "" {
		var err error
		if flt, err = newFilter(opts.Filter); err != nil {
			return nil, err
		}
	}

	f := &Files{inputs: make([]*input, 0, len(paths))}
	bufSize := bufferSize(len(paths))
	stdinUsed := false
	var openErrs []error
	opened := 0
	for i, path := range paths {
		in, err := openInput(path, bufSize, &stdinUsed)
		in.idx = i
		f.inputs = append(f.inputs, in)
		if err != nil {
			in.info.Err = err
			in.pos.end()
			in.close()
			openErrs = append(openErrs, err)
			f.errs = append(f.errs, err)
			continue
		}
		opened++
		if flt != nil {
			in.match = &matcher{f: flt}
		}
		f.advance(in)
		if in.ok {
			f.push(in)
		}
	}
	if opened == 0 {
		return nil, errors.Join(openErrs...)
	}
	return f, nil
}

// Next fills p with the earliest packet not yet returned and returns io.EOF
// when every file is exhausted. Errors met in a file end that file only;
// they are reported by Errors, not by Next. p.Data is valid until the next
// call to Next.
func (f *Files) Next(p *Packet) error {
	if f.closed {
		return errClosed
	}
	if in := f.handedOut; in != nil {
		f.handedOut = nil
		f.advance(in)
		if in.ok {
			f.down(0)
		} else {
			f.popTop()
		}
	}
	if len(f.ready) == 0 {
		return io.EOF
	}
	in := f.ready[0]
	f.handedOut = in
	p.Data = in.data
	p.CI = in.ci
	p.LinkType = in.lt
	p.Input = in.idx
	p.Frame = in.atFr
	p.Stable = in.stable
	return nil
}

// advance reads the input's next packet and records a read error.
func (f *Files) advance(in *input) {
	if err := in.advance(); err != nil {
		f.errs = append(f.errs, err)
	}
}

// Inputs describes every input in the order given, including those that
// could not be opened, with the counts read so far.
func (f *Files) Inputs() []InputInfo {
	out := make([]InputInfo, len(f.inputs))
	for i, in := range f.inputs {
		out[i] = in.snapshot()
	}
	return out
}

// Errors returns the errors met so far, in the order met: files that could
// not be opened, then damage found while reading (one error at most per
// file, since a file stops at its first error).
func (f *Files) Errors() []error {
	return append([]error(nil), f.errs...)
}

// Close closes every file. Next returns an error afterwards; Inputs and
// Errors still answer.
func (f *Files) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	f.ready, f.handedOut = nil, nil
	var errs []error
	for _, in := range f.inputs {
		if err := in.close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// The heap of ready inputs, by hand so that nothing is boxed per packet.

func (f *Files) less(i, j int) bool {
	a, b := f.ready[i], f.ready[j]
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	return a.idx < b.idx
}

func (f *Files) push(in *input) {
	f.ready = append(f.ready, in)
	for i := len(f.ready) - 1; i > 0; {
		parent := (i - 1) / 2
		if !f.less(i, parent) {
			break
		}
		f.ready[i], f.ready[parent] = f.ready[parent], f.ready[i]
		i = parent
	}
}

func (f *Files) popTop() {
	last := len(f.ready) - 1
	f.ready[0] = f.ready[last]
	f.ready[last] = nil
	f.ready = f.ready[:last]
	if last > 0 {
		f.down(0)
	}
}

func (f *Files) down(i int) {
	n := len(f.ready)
	for {
		smallest := i
		if l := 2*i + 1; l < n && f.less(l, smallest) {
			smallest = l
		}
		if r := 2*i + 2; r < n && f.less(r, smallest) {
			smallest = r
		}
		if smallest == i {
			return
		}
		f.ready[i], f.ready[smallest] = f.ready[smallest], f.ready[i]
		i = smallest
	}
}
