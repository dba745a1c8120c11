package capgen

import (
	"errors"
	"iter"
)

// event is a segment due at a capture time, or a task to resume then.
type event struct {
	at    int64
	order uint64 // insertion order: equal times keep it, so output is deterministic
	task  *task  // non-nil: resume this task instead of writing a segment
	seg   segment
}

// timeline is a binary min-heap of events by (at, order). It is written
// out rather than built on container/heap so pushing a segment does not
// box it in an interface.
type timeline []event

func (q timeline) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].order < q[j].order
}

func (q *timeline) push(e event) {
	*q = append(*q, e)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *timeline) pop() event {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = event{} // drop references for the collector
	h = h[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// task is a coroutine — a session, the session spawner, a flood — that
// puts segments into the timeline and sleeps until a capture time.
type task struct {
	next  func() (int64, bool)
	stop  func()
	yield func(int64) bool
}

// errAborted unwinds a task whose simulation stopped early.
var errAborted = errors.New("capgen: simulation aborted")

// sleepUntil suspends the task until the timeline reaches capture time
// at, so the segments it has queued so far can be written first.
func (t *task) sleepUntil(at int64) {
	if !t.yield(at) {
		panic(errAborted)
	}
}

// sim runs tasks and writes their segments in capture-time order.
type sim struct {
	q     timeline
	now   int64
	order uint64
	out   *pcapSink
	live  int // tasks started and not finished
	late  int // segments queued before the current time (a generator bug; tests want 0)
}

// emit queues sg to be written at capture time at.
func (s *sim) emit(at int64, sg segment) {
	if at < s.now {
		s.late++
		at = s.now
	}
	s.order++
	s.q.push(event{at: at, order: s.order, seg: sg})
}

// spawn starts body as a task at capture time at.
func (s *sim) spawn(at int64, body func(*task)) {
	t := &task{}
	seq := func(yield func(int64) bool) {
		defer func() {
			if r := recover(); r != nil && r != errAborted {
				panic(r)
			}
		}()
		t.yield = yield
		if !yield(at) {
			return
		}
		body(t)
	}
	t.next, t.stop = iter.Pull(seq)
	s.live++
	s.resume(t)
}

func (s *sim) resume(t *task) {
	at, ok := t.next()
	if !ok {
		s.live--
		return
	}
	if at < s.now {
		at = s.now
	}
	s.order++
	s.q.push(event{at: at, order: s.order, task: t})
}

// run writes the timeline out until it is empty. On a write error it
// stops every suspended task and returns the error.
func (s *sim) run() error {
	for len(s.q) > 0 {
		e := s.q.pop()
		s.now = e.at
		if e.task != nil {
			s.resume(e.task)
			continue
		}
		if err := s.out.write(e.at, &e.seg); err != nil {
			s.abort()
			return err
		}
	}
	return nil
}

// abort stops the suspended tasks: each has exactly one wake-up queued.
func (s *sim) abort() {
	for _, e := range s.q {
		if e.task != nil {
			e.task.stop()
		}
	}
	s.q = nil
}
