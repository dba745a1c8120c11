package source

import (
	"errors"
	"sync"
)

var errStopped = errors.New("read ahead: stopped")

// ReadAhead returns a Reader that reads r on its own goroutine, in batches
// of packets copied into reused buffers, so reading and decompressing a
// file (system calls, copies, gzip) run on one core while the caller
// analyses the packets before them on another. It delivers exactly what r
// delivers, in the same order, ending with r's error or io.EOF.
//
// It is for files: a batch is handed over when it is full, so a live
// capture's packets could wait for a batch to fill. Stop it (Stop) before
// reading r's counters; it does not close r.
func ReadAhead(r Reader) *ReadAheadReader {
	ra := &ReadAheadReader{
		r:    r,
		full: make(chan *batch, readAheadBatches),
		free: make(chan *batch, readAheadBatches+1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range readAheadBatches + 1 {
		ra.free <- &batch{}
	}
	go ra.fill()
	return ra
}

// Batches in flight and their size: enough to ride out an uneven pace on
// either side, small enough to stay in the CPU caches (a batch of full
// 1,514-byte frames is about 400 KB).
const (
	readAheadBatches = 4
	batchPackets     = 256
	batchBytes       = 256 << 10
)

// ReadAheadReader is the Reader ReadAhead returns.
type ReadAheadReader struct {
	r          Reader
	full, free chan *batch
	stop, done chan struct{}
	stopOnce   sync.Once

	cur  *batch // being delivered; nil before the first and after the last
	next int    // index in cur of the packet Next delivers next
	err  error  // the error that ended the reading, once reached
}

// batch is a run of packets whose data lies in buf. The last batch of a
// reading carries its end: err is r's error, or io.EOF.
type batch struct {
	pkts []Packet
	ends []int // where each packet's data ends in buf
	buf  []byte
	err  error
}

// fill is the reading goroutine.
func (ra *ReadAheadReader) fill() {
	defer close(ra.done)
	defer close(ra.full)
	for {
		var b *batch
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		}
		b.pkts, b.buf, b.err = b.pkts[:0], b.buf[:0], nil
		ra.read(b)
		select {
		case ra.full <- b:
		case <-ra.stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// read fills b until it is full or the input ends. Packet data is copied
// into b.buf; the Data slices are cut once the buffer stops moving.
func (ra *ReadAheadReader) read(b *batch) {
	var p Packet
	b.ends = b.ends[:0]
	for len(b.pkts) < batchPackets && len(b.buf) < batchBytes {
		if err := ra.r.Next(&p); err != nil {
			b.err = err
			break
		}
		b.buf = append(b.buf, p.Data...)
		b.ends = append(b.ends, len(b.buf))
		b.pkts = append(b.pkts, p)
	}
	start := 0
	for i := range b.pkts {
		// A tick's nil Data stays nil; a packet's, even empty, becomes
		// its part of the buffer.
		if b.pkts[i].Data != nil {
			b.pkts[i].Data = b.buf[start:b.ends[i]:b.ends[i]]
		}
		start = b.ends[i]
	}
}

// Stop ends the reading goroutine and waits for it. Packets read ahead and
// not delivered are dropped; Next then returns an error. Call it from the
// goroutine that calls Next.
func (ra *ReadAheadReader) Stop() {
	ra.stopOnce.Do(func() { close(ra.stop) })
	<-ra.done
	ra.cur = nil
	if ra.err == nil {
		ra.err = errStopped
	}
}

// Close stops the reading and closes the underlying reader.
func (ra *ReadAheadReader) Close() error {
	ra.Stop()
	return ra.r.Close()
}

// Next delivers the next packet; its Data is valid until the next call.
func (ra *ReadAheadReader) Next(p *Packet) error {
	for ra.cur == nil || ra.next >= len(ra.cur.pkts) {
		if ra.cur != nil {
			if ra.cur.err != nil {
				ra.err = ra.cur.err
			}
			ra.free <- ra.cur
			ra.cur = nil
		}
		if ra.err != nil {
			return ra.err
		}
		b, ok := <-ra.full
		if !ok {
			// Stopped: nothing more will come.
			return errStopped
		}
		ra.cur, ra.next = b, 0
	}
	*p = ra.cur.pkts[ra.next]
	ra.next++
	return nil
}
