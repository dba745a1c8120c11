package analysis

import (
	"context"
	"sync"

	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// The reading stage of a parallel run (Options.Parallel): packets are
// read and decoded on a goroutine of their own and handed to the tracker
// in batches, so that reading, decompressing and decoding a file run on
// one core while the tracker and the dissector work on the packets before
// them on another. A batch holds the decoded facts, not the frames; a
// payload whose bytes would not outlive the read (a buffered or gzip
// file, a reassembled fragment) is copied into the batch, while one that
// lies in a memory-mapped file (source.Packet.Stable) is not.

// Batches in flight and their size: enough to ride out an uneven pace on
// either side, small enough to stay in the CPU caches.
const (
	frontBatches      = 4
	frontBatchPackets = 256
	frontBatchBytes   = 256 << 10
	// frontMaxPayload is room past frontBatchBytes for the payload that
	// fills a batch: a reassembled datagram is at most 64 KiB.
	frontMaxPayload = 64 << 10
)

// decoded is one packet read and decoded, or a tick of a quiet live
// source (tick set, only ref.TS meaningful).
type decoded struct {
	kind decode.Kind
	tick bool
	wire int // bytes on the wire
	ref  tcpflow.Ref
	p    decode.Packet
}

// frontBatch is a run of decoded packets. The last batch of a reading
// carries its end: err is the source's error, or io.EOF.
type frontBatch struct {
	pkts []decoded
	buf  []byte // copied payloads; never grows past its capacity
	err  error
}

// front is the reading stage.
type front struct {
	src        source.Reader
	dec        *decode.Decoder
	full, free chan *frontBatch
	stop, done chan struct{}
	stopOnce   sync.Once

	cur  *frontBatch
	next int
	err  error
}

func startFront(src source.Reader, dec *decode.Decoder) *front {
	f := &front{
		src: src, dec: dec,
		full: make(chan *frontBatch, frontBatches),
		free: make(chan *frontBatch, frontBatches+1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range frontBatches + 1 {
		f.free <- &frontBatch{
			pkts: make([]decoded, 0, frontBatchPackets),
			buf:  make([]byte, 0, frontBatchBytes+frontMaxPayload),
		}
	}
	go f.fill()
	return f
}

// fill is the reading goroutine.
func (f *front) fill() {
	defer close(f.done)
	defer close(f.full)
	for {
		var b *frontBatch
		select {
		case b = <-f.free:
		case <-f.stop:
			return
		}
		f.read(b)
		select {
		case f.full <- b:
		case <-f.stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// read fills b with decoded packets until it is full or the source ends.
// It reads under source.Guard: a mapped input cut short while it is read
// ends the batch with the packets read and decoded before the fault.
func (f *front) read(b *frontBatch) {
	b.pkts, b.buf, b.err = b.pkts[:0], b.buf[:0], nil
	complete := 0 // packets fully read and decoded
	b.err = source.Guard(func() error {
		var pkt source.Packet
		for len(b.pkts) < frontBatchPackets && len(b.buf) < frontBatchBytes {
			if err := f.src.Next(&pkt); err != nil {
				return err
			}
			b.pkts = append(b.pkts, decoded{})
			f.decode(&b.pkts[len(b.pkts)-1], &pkt, b)
			complete = len(b.pkts)
		}
		return nil
	})
	b.pkts = b.pkts[:complete]
}

// decode decodes one packet into d, copying its payload into the batch
// unless it lies in a mapped file (pkt.Stable) and is not reassembled.
func (f *front) decode(d *decoded, pkt *source.Packet, b *frontBatch) {
	d.ref = tcpflow.Ref{Input: pkt.Input, Frame: pkt.Frame, TS: pkt.CI.Timestamp.UnixNano()}
	if pkt.Data == nil {
		d.tick = true
		return
	}
	d.wire = pkt.CI.Length
	d.kind, _ = f.dec.Decode(pkt.Data, pkt.LinkType, d.ref.TS, &d.p)
	pl := d.p.Payload
	if len(pl) == 0 || (pkt.Stable && !d.p.Reassembled) {
		return
	}
	if len(b.buf)+len(pl) > cap(b.buf) {
		// Larger than any frame: its own copy, rather than moving the
		// buffer the batch's payloads point into.
		d.p.Payload = append([]byte(nil), pl...)
		return
	}
	start := len(b.buf)
	b.buf = append(b.buf, pl...)
	d.p.Payload = b.buf[start:len(b.buf):len(b.buf)]
}

// Next returns the next decoded packet, valid until the following call,
// or the source's error (io.EOF at the end).
func (f *front) Next() (*decoded, error) {
	for f.cur == nil || f.next >= len(f.cur.pkts) {
		if f.cur != nil {
			if f.cur.err != nil {
				f.err = f.cur.err
			}
			f.free <- f.cur
			f.cur = nil
		}
		if f.err != nil {
			return nil, f.err
		}
		b, ok := <-f.full
		if !ok {
			f.err = context.Canceled
			return nil, f.err
		}
		f.cur, f.next = b, 0
	}
	d := &f.cur.pkts[f.next]
	f.next++
	return d, nil
}

// Stop ends the reading goroutine and waits for it; the decoder and the
// source are then the caller's again.
func (f *front) Stop() {
	f.stopOnce.Do(func() { close(f.stop) })
	<-f.done
}
