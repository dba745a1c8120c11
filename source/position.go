package source

import (
	"io"
	"os"
	"sync/atomic"
)

// Position reports how far reading has got through the inputs, for a
// progress bar: read is the bytes consumed from the files so far (for a
// gzip file the compressed bytes, so that it compares with the file's
// size), total the sum of the inputs' sizes, or -1 while an input whose
// size cannot be known (a pipe, a FIFO, a terminal) is still being read.
// An input that has ended, at its end or at damage, counts as read
// through: nothing more of it will be read.
//
// Position is safe to call from another goroutine while Next reads.
func (f *Files) Position() (read, total int64) {
	unknown := false
	for _, in := range f.inputs {
		r, t := in.pos.position()
		read += r
		if t < 0 {
			unknown = true
		} else {
			total += t
		}
	}
	if unknown {
		total = -1
	}
	return read, total
}

// position counts the bytes read from one input's file. The reader
// goroutine writes it, a progress bar reads it: every field that changes
// after OpenFiles is atomic.
type position struct {
	size     int64 // bytes in the file from where reading starts; -1 unknown
	consumed atomic.Int64
	ended    atomic.Bool
}

// position returns the input's bytes read and its size (-1 unknown). An
// ended input is read through: its size is what was read, or its file's
// size when it stopped early at damage (or grew while being read).
func (p *position) position() (read, total int64) {
	read = p.consumed.Load()
	if p.ended.Load() {
		total = max(read, p.size)
		return total, total
	}
	return read, p.size
}

// end marks the input as read through.
func (p *position) end() { p.ended.Store(true) }

// countingReader counts the bytes read from a file. Its Read is called
// once per buffer fill (up to a megabyte), not per packet, so the atomic
// add costs nothing measurable.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// remainingSize returns how many bytes are left to read in f from its
// current offset, or -1 when f is not a regular file (a pipe, a FIFO, a
// terminal, a socket) and its size cannot be known ahead.
func remainingSize(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	// Stdin redirected from a file need not start at the file's beginning.
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1
	}
	return max(st.Size()-off, 0)
}
