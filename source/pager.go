package source

import (
	"sync/atomic"
)

// pager maps a mapped file's pages in ahead of its reader and hands them
// back behind it, on a goroutine of its own: the system calls (a fifth of
// reading a large file) then run beside the parsing instead of in it. The
// reader only publishes how far it has got. Mapping in is an optimisation
// (a page not yet mapped in faults in as it is read), and a page handed
// back too early is mapped again when touched, so the two never need to
// wait for each other.
type pager struct {
	data []byte
	size func() int64 // the file's size now
	pos  atomic.Int64 // how far the reader has got
	// failedAt is where the file now ends, when it was cut short after
	// it was mapped (its size shrank, or its pages could not be mapped
	// in), or -1.
	failedAt atomic.Int64
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// Pages are mapped in up to pagerAhead beyond the reader, pagerStep at a
// time, and handed back once they are pagerLag behind it: the packets
// still on their way through the pipeline lie within a few megabytes of
// the reader.
const (
	pagerAhead = 4 << 20
	pagerStep  = 2 << 20
	pagerLag   = 8 << 20
	// pageSize aligns what is handed back; 64 KiB is a multiple of every
	// page size in use.
	pageSize = 64 << 10
)

func startPager(data []byte, size func() int64) *pager {
	p := &pager{data: data, size: size, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	p.failedAt.Store(-1)
	go p.run()
	p.wake <- struct{}{}
	return p
}

// advance publishes the reader's position and wakes the pager.
func (p *pager) advance(off int) {
	if p == nil {
		return
	}
	p.pos.Store(int64(off))
	select {
	case p.wake <- struct{}{}:
	default: // already woken
	}
}

// failed returns the first offset that could not be mapped in, or -1.
func (p *pager) failed() int64 {
	if p == nil {
		return -1
	}
	return p.failedAt.Load()
}

func (p *pager) run() {
	defer close(p.done)
	populated, released := 0, 0
	for {
		select {
		case <-p.wake:
		case <-p.stop:
			return
		}
		pos := int(p.pos.Load())
		// A file truncated in place takes its pages away, mapped in or
		// not: its size, looked at every wake-up (a few hundred packets),
		// tells the reader where to stop before it reads past the end.
		if n := p.size(); n >= 0 && n < int64(len(p.data)) && p.failedAt.Load() < 0 {
			p.failedAt.Store(n)
		}
		for populated < min(len(p.data), pos+pagerAhead) && p.failedAt.Load() < 0 {
			upTo := min(len(p.data), populated+pagerStep)
			if !populateMapped(p.data[populated:upTo]) {
				p.failedAt.Store(int64(populated))
				break
			}
			populated = upTo
		}
		if pos-released >= pagerLag+pagerStep {
			upTo := (pos - pagerLag) &^ (pageSize - 1)
			releaseMapped(p.data[released:upTo])
			released = upTo
		}
	}
}

// close stops the pager and waits for it, before the mapping goes.
func (p *pager) close() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}
