package main

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var errClosed = errors.New("closed")

// chanReader hands out the frames sent on its channel, then errClosed.
type chanReader struct{ frames chan []byte }

func (r chanReader) ReadFrame(buf []byte) (int, error) {
	f, ok := <-r.frames
	if !ok {
		return 0, errClosed
	}
	return copy(buf, f), nil
}

// recorder keeps what was written and when.
type recorder struct {
	mu     sync.Mutex
	frames [][]byte
	at     []time.Time
	block  chan struct{} // when non-nil, writes wait for it to close
}

func (w *recorder) WriteFrame(f []byte) error {
	if w.block != nil {
		<-w.block
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames = append(w.frames, append([]byte(nil), f...))
	w.at = append(w.at, time.Now())
	return nil
}

func TestLineDelaysAndKeepsOrder(t *testing.T) {
	const delay = 40 * time.Millisecond
	in := chanReader{frames: make(chan []byte)}
	out := &recorder{}
	l := newLine("t", in, out, delay, 16, time.Now)
	errc := make(chan error, 1)
	go func() { errc <- l.run(context.Background()) }()

	var sent []time.Time
	for i := range 5 {
		sent = append(sent, time.Now())
		in.frames <- []byte{byte(i), 0xaa}
		time.Sleep(5 * time.Millisecond)
	}
	close(in.frames)
	if err := <-errc; !errors.Is(err, errClosed) {
		t.Fatalf("run ended with %v, want the reader's error", err)
	}
	if len(out.frames) != 5 {
		t.Fatalf("%d frames written, want 5", len(out.frames))
	}
	for i, f := range out.frames {
		if !bytes.Equal(f, []byte{byte(i), 0xaa}) {
			t.Errorf("frame %d is %x: order or content changed", i, f)
		}
		if held := out.at[i].Sub(sent[i]); held < delay {
			t.Errorf("frame %d left after %v, want at least %v", i, held, delay)
		}
	}
	if got := l.stats(); got != "5 frames passed, 0 dropped (queue full)" {
		t.Errorf("stats %q", got)
	}
}

func TestLineDropsWhenQueueIsFull(t *testing.T) {
	in := chanReader{frames: make(chan []byte)}
	out := &recorder{block: make(chan struct{})}
	l := newLine("t", in, out, 0, 2, time.Now)
	errc := make(chan error, 1)
	go func() { errc <- l.run(context.Background()) }()

	// The writer is blocked on the first frame; two more fill the queue
	// and the rest are dropped.
	for i := range 6 {
		in.frames <- []byte{byte(i)}
		time.Sleep(5 * time.Millisecond)
	}
	close(out.block)
	close(in.frames)
	<-errc
	if passed, dropped := l.passed.Load(), l.dropped.Load(); passed != 3 || dropped != 3 {
		t.Errorf("passed %d, dropped %d; want 3 and 3", passed, dropped)
	}
}

func TestLineStopsQuietlyWithContext(t *testing.T) {
	in := chanReader{frames: make(chan []byte)}
	ctx, cancel := context.WithCancel(context.Background())
	l := newLine("t", in, &recorder{}, time.Hour, 4, time.Now)
	errc := make(chan error, 1)
	go func() { errc <- l.run(ctx) }()
	in.frames <- []byte{1} // held for an hour
	cancel()
	close(in.frames) // a read that returns an error once the relay stops
	if err := <-errc; err != nil {
		t.Errorf("run after cancel returned %v, want nil", err)
	}
}
