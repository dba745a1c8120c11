package source

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// fakeClock is a wall clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// read is one scripted result of a read: a packet, or an error; the
// clock moves by wait first (the time the read took).
type read struct {
	data []byte
	ts   time.Time
	err  error
	wait time.Duration
}

// fakeHandle replays scripted reads; once they run out every read times
// out after timeout of the fake clock. Its counters are whatever the test
// sets.
type fakeHandle struct {
	clock    *fakeClock
	reads    []read
	timeout  time.Duration
	counters CaptureCounters
	polls    int
	closed   bool
	// onTimeout, when set, is called at each timed-out read (to stop the
	// capture after a while).
	onTimeout func()
}

func (h *fakeHandle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if h.closed {
		return nil, gopacket.CaptureInfo{}, io.EOF
	}
	if len(h.reads) == 0 {
		h.clock.t = h.clock.t.Add(h.timeout)
		if h.onTimeout != nil {
			h.onTimeout()
		}
		return nil, gopacket.CaptureInfo{}, ErrReadTimeout
	}
	r := h.reads[0]
	h.reads = h.reads[1:]
	h.clock.t = h.clock.t.Add(r.wait)
	if r.err != nil {
		return nil, gopacket.CaptureInfo{}, r.err
	}
	ci := gopacket.CaptureInfo{Timestamp: r.ts, CaptureLength: len(r.data), Length: len(r.data) + 10, InterfaceIndex: 3}
	return r.data, ci, nil
}

func (h *fakeHandle) Counters() (CaptureCounters, error) { h.polls++; return h.counters, nil }
func (h *fakeHandle) LinkType() layers.LinkType          { return layers.LinkTypeEthernet }
func (h *fakeHandle) SnapLen() int                       { return 262144 }
func (h *fakeHandle) Close()                             { h.closed = true }

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func newFake(reads ...read) (*fakeHandle, *fakeClock) {
	clock := &fakeClock{t: t0}
	return &fakeHandle{clock: clock, reads: reads, timeout: 250 * time.Millisecond}, clock
}

func mustLive(t *testing.T, ctx context.Context, h *fakeHandle, opts LiveOptions) *Live {
	t.Helper()
	opts.Interface = "eth0"
	opts.Clock = h.clock.now
	l, err := NewLive(ctx, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// On a quiet interface Next delivers a tick about every second of wall
// time, never earlier than the last packet's capture time, and packets
// are numbered from 1 as the filter passed them.
func TestLiveTicksOnQuietInterface(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The packets' capture times run ahead of the wall clock by 2 s, as
	// a skewed kernel clock would: ticks must not move time backwards.
	h, _ := newFake(
		read{data: []byte("one"), ts: t0.Add(2 * time.Second)},
		read{data: []byte("two"), ts: t0.Add(2100 * time.Millisecond), wait: 100 * time.Millisecond},
	)
	l := mustLive(t, ctx, h, LiveOptions{})
	var p Packet
	for want := int64(1); want <= 2; want++ {
		if err := l.Next(&p); err != nil {
			t.Fatal(err)
		}
		if p.Data == nil || p.Frame != want || p.Input != 0 || p.LinkType != layers.LinkTypeEthernet {
			t.Fatalf("packet %d: got frame %d input %d data %q", want, p.Frame, p.Input, p.Data)
		}
	}
	lastTS := p.CI.Timestamp
	var ticks []time.Time
	var wall []time.Time
	for len(ticks) < 4 {
		if err := l.Next(&p); err != nil {
			t.Fatal(err)
		}
		if p.Data != nil {
			t.Fatalf("got a packet, want a tick")
		}
		ticks = append(ticks, p.CI.Timestamp)
		wall = append(wall, h.clock.t)
	}
	for i, ts := range ticks {
		if ts.Before(lastTS) {
			t.Errorf("tick %d at %v is before the last packet's %v", i, ts, lastTS)
		}
		if i > 0 && wall[i].Sub(wall[i-1]) < DefaultTick {
			t.Errorf("ticks %d and %d came %v apart, want at least %v", i-1, i, wall[i].Sub(wall[i-1]), DefaultTick)
		}
		if i > 0 && wall[i].Sub(wall[i-1]) > DefaultTick+DefaultReadTimeout {
			t.Errorf("ticks %d and %d came %v apart, want about %v", i-1, i, wall[i].Sub(wall[i-1]), DefaultTick)
		}
	}
	if !ticks[3].After(lastTS) {
		t.Errorf("ticks never moved capture time past the last packet (%v)", ticks)
	}
	if st := l.Stats(); st.Ticks != 4 || st.Packets != 2 || st.Bytes != 26 {
		t.Errorf("stats %+v, want 4 ticks, 2 packets, 26 bytes", st)
	}
}

// Packets arriving more often than the tick interval leave no room for
// ticks: capture time moves with them.
func TestLiveNoTicksWhileBusy(t *testing.T) {
	var reads []read
	for i := range 40 {
		reads = append(reads, read{data: []byte{byte(i)}, ts: t0.Add(time.Duration(i) * 300 * time.Millisecond)})
		reads = append(reads, read{err: ErrReadTimeout, wait: 300 * time.Millisecond})
	}
	h, _ := newFake(reads...)
	l := mustLive(t, context.Background(), h, LiveOptions{Count: 40})
	var p Packet
	for {
		err := l.Next(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Data == nil {
			t.Fatalf("tick at %v while packets came every 300 ms", p.CI.Timestamp)
		}
	}
}

// The count and the context each end the capture with io.EOF, and the
// counters are read a last time.
func TestLiveStops(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		h, _ := newFake(read{data: []byte("a")}, read{data: []byte("b")}, read{data: []byte("c")})
		l := mustLive(t, context.Background(), h, LiveOptions{Count: 2})
		var p Packet
		for range 2 {
			if err := l.Next(&p); err != nil {
				t.Fatal(err)
			}
		}
		polls := h.polls
		if err := l.Next(&p); !errors.Is(err, io.EOF) {
			t.Fatalf("after the count: %v, want io.EOF", err)
		}
		if h.polls != polls+1 {
			t.Errorf("counters read %d times at the stop, want once", h.polls-polls)
		}
		if err := l.Next(&p); !errors.Is(err, io.EOF) {
			t.Fatalf("again: %v, want io.EOF", err)
		}
		if in := l.Inputs()[0]; !in.EOF || in.Err != nil || in.Packets != 2 {
			t.Errorf("input %+v, want EOF after 2 packets", in)
		}
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		h, _ := newFake()
		timeouts := 0
		h.onTimeout = func() {
			if timeouts++; timeouts == 3 {
				cancel()
			}
		}
		l := mustLive(t, ctx, h, LiveOptions{})
		var p Packet
		var err error
		for range 10 {
			if err = l.Next(&p); err != nil {
				break
			}
		}
		if !errors.Is(err, io.EOF) {
			t.Fatalf("after cancel: %v, want io.EOF", err)
		}
	})
}

// pcap_stats' counters are 32-bit: their growth is taken modulo 2^32,
// so a wrap does not turn into billions of drops.
func TestLiveCountersUnwrap(t *testing.T) {
	h, clock := newFake()
	h.counters = CaptureCounters{Received: 4294967000, KernelDropped: 4294967290, InterfaceDrops: 7}
	l := mustLive(t, context.Background(), h, LiveOptions{})
	if st := l.Stats(); st.Received != 4294967000 || st.KernelDropped != 4294967290 || st.InterfaceDrops != 7 {
		t.Fatalf("first read: %+v", st)
	}
	h.counters = CaptureCounters{Received: 100, KernelDropped: 10, InterfaceDrops: 9}
	clock.t = clock.t.Add(time.Hour)
	st := l.PollStats()
	if st.Received != 4294967000+396 || st.KernelDropped != 4294967290+16 || st.InterfaceDrops != 9 {
		t.Errorf("after the wrap: %+v", st)
	}
	in := l.Inputs()[0]
	if in.Dropped == nil || *in.Dropped != st.KernelDropped+st.InterfaceDrops {
		t.Errorf("input drops %v, want kernel+interface %d", in.Dropped, st.Dropped())
	}
	if in.Path != "eth0" || in.Format != "live" || len(in.LinkTypes) != 1 || in.LinkTypes[0] != "Ethernet" {
		t.Errorf("input %+v", in)
	}
}

// The counters are read on the wall clock while packets flow, not only
// when the interface is quiet.
func TestLiveReadsCountersUnderLoad(t *testing.T) {
	var reads []read
	for i := range 10000 {
		reads = append(reads, read{data: []byte{1}, ts: t0, wait: time.Millisecond})
		_ = i
	}
	h, _ := newFake(reads...)
	l := mustLive(t, context.Background(), h, LiveOptions{})
	var p Packet
	for range 10000 {
		if err := l.Next(&p); err != nil {
			t.Fatal(err)
		}
	}
	// 10 s of wall time with a read every second; checked every 2048
	// packets (about 2 s here), the first at the start.
	if h.polls < 4 || h.polls > 7 {
		t.Errorf("counters read %d times in 10 s of traffic, want about 5", h.polls)
	}
}

// A failing read ends the capture as the end of a damaged file does: the
// input carries the error, with the frame that could not be read, and
// the pipeline gets io.EOF and reports what came before.
func TestLiveReadErrorEndsInput(t *testing.T) {
	h, _ := newFake(read{data: []byte("a")}, read{err: errors.New("The interface went down")})
	l := mustLive(t, context.Background(), h, LiveOptions{})
	var p Packet
	if err := l.Next(&p); err != nil {
		t.Fatal(err)
	}
	if err := l.Next(&p); !errors.Is(err, io.EOF) {
		t.Fatalf("after the failure: %v, want io.EOF", err)
	}
	in := l.Inputs()[0]
	if in.Err == nil || in.EOF {
		t.Fatalf("input %+v, want an error", in)
	}
	if msg := in.Err.Error(); !strings.Contains(msg, "eth0") || !strings.Contains(msg, "frame 2") || !strings.Contains(msg, "went down") {
		t.Errorf("error %q should name the interface, frame 2 and the cause", msg)
	}
}

func TestLiveNeedsClock(t *testing.T) {
	h, _ := newFake()
	if _, err := NewLive(context.Background(), h, LiveOptions{Interface: "eth0"}); err == nil {
		t.Fatal("no error without a clock")
	}
}

// Delivering a packet allocates nothing.
func TestLiveNextAllocatesNothing(t *testing.T) {
	reads := make([]read, 5000)
	for i := range reads {
		reads[i] = read{data: []byte{1, 2, 3}, ts: t0.Add(time.Duration(i))}
	}
	h, _ := newFake(reads...)
	l := mustLive(t, context.Background(), h, LiveOptions{})
	var p Packet
	allocs := testing.AllocsPerRun(4000, func() {
		if err := l.Next(&p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per packet, want 0", allocs)
	}
}
