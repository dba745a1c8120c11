package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// maxFrame is larger than any frame the lab's 1500-byte links carry.
const maxFrame = 65536

type frameReader interface {
	ReadFrame(buf []byte) (int, error)
}

type frameWriter interface {
	WriteFrame(frame []byte) error
}

// held is a frame waiting in the line, with the time it may leave.
type held struct {
	due   time.Time
	frame []byte
}

// line is one direction of the relay: frames read from in leave through
// out delay later, in the order they came.
type line struct {
	name  string
	in    frameReader
	out   frameWriter
	delay time.Duration
	queue chan held
	now   func() time.Time

	passed  atomic.Int64
	dropped atomic.Int64
}

func newLine(name string, in frameReader, out frameWriter, delay time.Duration, queue int, now func() time.Time) *line {
	return &line{name: name, in: in, out: out, delay: delay, queue: make(chan held, queue), now: now}
}

// run moves frames until ctx ends or a read or write fails. A read error
// after ctx has ended (the port was stopped to end the relay) is not one.
func (l *line) run(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- l.send(ctx) }()
	err := l.receive(ctx)
	close(l.queue)
	if sendErr := <-done; err == nil {
		err = sendErr
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// receive stamps and queues every frame; a full queue drops the frame.
func (l *line) receive(ctx context.Context) error {
	buf := make([]byte, maxFrame)
	for ctx.Err() == nil {
		n, err := l.in.ReadFrame(buf)
		if err != nil {
			return err
		}
		h := held{due: l.now().Add(l.delay), frame: append([]byte(nil), buf[:n]...)}
		select {
		case l.queue <- h:
		default:
			l.dropped.Add(1)
		}
	}
	return nil
}

// send waits for each queued frame's time and writes it out.
func (l *line) send(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for h := range l.queue {
		if wait := h.due.Sub(l.now()); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return nil
			}
		}
		if err := l.out.WriteFrame(h.frame); err != nil {
			return err
		}
		l.passed.Add(1)
	}
	return nil
}

func (l *line) stats() string {
	return fmt.Sprintf("%d frames passed, %d dropped (queue full)", l.passed.Load(), l.dropped.Load())
}
