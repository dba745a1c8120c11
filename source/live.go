package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// DefaultLiveFilter is the capture filter of a live capture when none is
// given: every TCP segment except SSH's, and ICMP/ICMPv6 (whose errors quote
// the connection they are about). It is wide on purpose. FTP data
// connections use ports negotiated on the control connection (PASV, EPSV,
// PORT, EPRT), so no static filter names them; a filter rewritten as
// channels are negotiated would race the client, whose SYN follows the 227
// reply within one round trip, while the new program is still being
// compiled and installed, and the SYN (with the handshake's TTL, MSS and
// window scale) is the evidence most data-channel verdicts rest on. SSH is
// left out because on a jump host it is the engineer's own session, and
// its packets would only cost work.
const DefaultLiveFilter = "(tcp and not port 22) or icmp or icmp6"

// DefaultLiveSnaplen is libpcap's maximum snap length: whole packets.
const DefaultLiveSnaplen = 262144

// Defaults of LiveOptions.
const (
	DefaultReadTimeout = 250 * time.Millisecond
	DefaultTick        = time.Second
	DefaultStatsEvery  = time.Second
)

// ErrReadTimeout is what a CaptureHandle returns when no packet came
// within its read timeout.
var ErrReadTimeout = errors.New("capture read timed out")

// CaptureHandle is what Live reads: a libpcap handle in ftpcap, a
// scripted one in tests. Its methods are called from one goroutine.
type CaptureHandle interface {
	// ZeroCopyReadPacketData returns the next packet, its data valid
	// until the next call; ErrReadTimeout when none came in time, io.EOF
	// once the handle is closed.
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	// Counters returns the capture's cumulative counters, as pcap_stats
	// reports them (32-bit, so they wrap; Live unwraps them).
	Counters() (CaptureCounters, error)
	LinkType() layers.LinkType
	SnapLen() int
	Close()
}

// CaptureCounters are pcap_stats' counters.
type CaptureCounters struct {
	Received       uint32 // ps_recv: packets the filter passed, dropped ones included
	KernelDropped  uint32 // ps_drop: dropped because the capture buffer was full
	InterfaceDrops uint32 // ps_ifdrop: dropped by the interface or its driver
}

// LiveOptions configure a live capture.
type LiveOptions struct {
	// Interface is the interface's name ("eth0", "any").
	Interface string
	// Filter is a BPF expression run in the kernel; "" captures everything
	// (the CLI passes DefaultLiveFilter unless told otherwise).
	Filter string
	// Snaplen is the most bytes kept of each packet (0: DefaultLiveSnaplen).
	Snaplen int
	// Promiscuous also captures frames addressed to other hosts.
	Promiscuous bool
	// Immediate delivers each packet as it arrives; otherwise the kernel
	// hands packets over in blocks, up to ReadTimeout late, which costs
	// less at high rates.
	Immediate bool
	// BufferSize is the kernel capture buffer in bytes (0: libpcap's
	// default, 2 MiB). A burst larger than the buffer while ftpcap is busy
	// is dropped, and counted.
	BufferSize int
	// Count stops the capture after this many packets (0: no limit).
	Count int64
	// ReadTimeout is how long one read waits for a packet.
	ReadTimeout time.Duration
	// Tick: after this long without a packet, Next delivers a tick (a
	// Packet with nil Data) carrying the wall clock's time, so that idle
	// connections expire and are judged while the interface is quiet.
	Tick time.Duration
	// StatsEvery is how often the capture's drop counters are read.
	StatsEvery time.Duration
	// Clock is the wall clock, for ticks and the counters' schedule. It
	// is required: packages below cmd do not read the time themselves.
	Clock func() time.Time
}

func (o *LiveOptions) fillDefaults() {
	if o.Snaplen <= 0 {
		o.Snaplen = DefaultLiveSnaplen
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if o.StatsEvery <= 0 {
		o.StatsEvery = DefaultStatsEvery
	}
}

// LiveStats are a live capture's running counts, safe to read from any
// goroutine.
type LiveStats struct {
	Packets        int64 // delivered to the pipeline
	Bytes          int64 // their length on the wire
	Received       int64 // passed the filter in the kernel (pcap ps_recv), drops included
	KernelDropped  int64 // the capture buffer was full (ps_drop)
	InterfaceDrops int64 // the interface or driver dropped them (ps_ifdrop)
	Ticks          int64 // time ticks delivered on a quiet interface
}

// Dropped is every packet the capture lost, kernel and interface.
func (s LiveStats) Dropped() int64 { return s.KernelDropped + s.InterfaceDrops }

// Live reads packets from a network interface as one input named after
// it: frame numbers count the packets the filter passed, from 1. Next,
// Close and PollStats belong to one goroutine; Stats and Inputs may be
// called from any.
type Live struct {
	h    CaptureHandle
	done <-chan struct{}
	opts LiveOptions

	name    string
	lt      layers.LinkType
	ltName  string
	snaplen int

	// Reading state, owned by the goroutine calling Next.
	frame      int64
	lastTS     int64     // capture time of the last delivery (packet or tick)
	sawPacket  bool      // a packet came since the last read timeout
	quietSince time.Time // wall time the interface went quiet
	nextStats  time.Time
	raw        CaptureCounters // last counters read, to unwrap them
	ended      bool
	closeOnce  sync.Once

	// Published counts.
	packets, bytes, truncated, ticks atomic.Int64
	received, kdrop, ifdrop          atomic.Int64
	first, last                      atomic.Int64 // capture times, Unix ns (0: none yet)
	eof                              atomic.Bool
	err                              atomic.Pointer[error]
}

var _ Reader = (*Live)(nil)

// NewLive reads from an open handle until ctx is done, opts.Count packets
// were read, or the handle fails; then Next returns io.EOF, and Inputs
// records a failure as the input's error. OpenLive opens the interface
// and calls it.
func NewLive(ctx context.Context, h CaptureHandle, opts LiveOptions) (*Live, error) {
	if opts.Clock == nil {
		return nil, errors.New("open live capture: no clock")
	}
	opts.fillDefaults()
	l := &Live{
		h: h, done: ctx.Done(), opts: opts,
		name: opts.Interface, lt: h.LinkType(), snaplen: h.SnapLen(),
	}
	l.ltName = linkTypeName(l.lt)
	now := opts.Clock()
	l.quietSince = now
	l.nextStats = now
	l.pollStats(now)
	return l, nil
}

// Next delivers the next packet, or a tick (nil Data, capture time in
// CI.Timestamp) after opts.Tick without one. It returns io.EOF once the
// capture is over.
func (l *Live) Next(p *Packet) error {
	for {
		if l.ended {
			return io.EOF
		}
		if l.stopping() {
			l.end(nil)
			return io.EOF
		}
		data, ci, err := l.h.ZeroCopyReadPacketData()
		switch {
		case err == nil:
			l.deliver(p, data, ci)
			return nil
		case errors.Is(err, ErrReadTimeout):
			if l.quiet(p) {
				return nil
			}
		case errors.Is(err, io.EOF):
			l.end(nil)
			return io.EOF
		default:
			l.end(fmt.Errorf("capture on %s: frame %d: %w", l.name, l.frame+1, err))
			return io.EOF
		}
	}
}

// stopping reports whether the context is done or the count reached.
func (l *Live) stopping() bool {
	if l.opts.Count > 0 && l.frame >= l.opts.Count {
		return true
	}
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *Live) deliver(p *Packet, data []byte, ci gopacket.CaptureInfo) {
	l.frame++
	ts := ci.Timestamp.UnixNano()
	*p = Packet{Data: data, CI: ci, LinkType: l.lt, Frame: l.frame}
	l.sawPacket = true
	l.lastTS = max(l.lastTS, ts)
	l.packets.Add(1)
	l.bytes.Add(int64(ci.Length))
	if ci.CaptureLength < ci.Length {
		l.truncated.Add(1)
	}
	if f := l.first.Load(); f == 0 || ts < f {
		l.first.Store(ts)
	}
	if ts > l.last.Load() {
		l.last.Store(ts)
	}
	// The counters are read on the clock; under load no read times out,
	// so look at the clock every few thousand packets.
	if l.frame&2047 == 0 {
		if now := l.opts.Clock(); !now.Before(l.nextStats) {
			l.pollStats(now)
		}
	}
}

// quiet handles a read that timed out: the counters may be due, and after
// opts.Tick without packets a tick moves capture time to the wall clock.
// It reports whether p holds a tick.
func (l *Live) quiet(p *Packet) bool {
	now := l.opts.Clock()
	if !now.Before(l.nextStats) {
		l.pollStats(now)
	}
	if l.sawPacket {
		l.sawPacket = false
		l.quietSince = now
		return false
	}
	if now.Sub(l.quietSince) < l.opts.Tick {
		return false
	}
	l.quietSince = now
	ts := max(now.UnixNano(), l.lastTS)
	l.lastTS = ts
	l.ticks.Add(1)
	*p = Packet{CI: gopacket.CaptureInfo{Timestamp: time.Unix(0, ts).UTC()}, LinkType: l.lt}
	return true
}

// PollStats reads the capture's counters now (from the goroutine calling
// Next) and returns the stats: the evidence writer reads them when it
// closes a file, so that each file's drops are its own.
func (l *Live) PollStats() LiveStats {
	if !l.ended {
		l.pollStats(l.opts.Clock())
	}
	return l.Stats()
}

// pollStats adds the counters' growth since the last read. pcap_stats'
// counters are 32-bit and wrap after 4 billion packets, a few days of a
// busy link, so the growth is taken modulo 2^32.
func (l *Live) pollStats(now time.Time) {
	l.nextStats = now.Add(l.opts.StatsEvery)
	c, err := l.h.Counters()
	if err != nil {
		return // the next read says why, if the handle is gone
	}
	l.received.Add(int64(c.Received - l.raw.Received))
	l.kdrop.Add(int64(c.KernelDropped - l.raw.KernelDropped))
	l.ifdrop.Add(int64(c.InterfaceDrops - l.raw.InterfaceDrops))
	l.raw = c
}

// end stops the capture: the counters are read a last time.
func (l *Live) end(err error) {
	if l.ended {
		return
	}
	l.pollStats(l.opts.Clock())
	l.ended = true
	if err != nil {
		l.err.Store(&err)
	} else {
		l.eof.Store(true)
	}
}

// Close closes the handle.
func (l *Live) Close() error {
	l.closeOnce.Do(l.h.Close)
	return nil
}

// Stats returns the counts so far.
func (l *Live) Stats() LiveStats {
	return LiveStats{
		Packets: l.packets.Load(), Bytes: l.bytes.Load(), Received: l.received.Load(),
		KernelDropped: l.kdrop.Load(), InterfaceDrops: l.ifdrop.Load(), Ticks: l.ticks.Load(),
	}
}

// Inputs describes the capture as one input: the interface, format
// "live", its counters, and Dropped always set (0 included), so that every
// report says whether the capture lost packets.
func (l *Live) Inputs() []InputInfo {
	st := l.Stats()
	dropped := st.Dropped()
	in := InputInfo{
		Path: l.name, Format: "live", LinkTypes: []string{l.ltName}, Snaplen: l.snaplen,
		Packets: st.Packets, Bytes: st.Bytes, Truncated: l.truncated.Load(),
		Dropped: &dropped, EOF: l.eof.Load(),
	}
	if f := l.first.Load(); f != 0 {
		in.First = time.Unix(0, f).UTC()
		in.Last = time.Unix(0, l.last.Load()).UTC()
	}
	if e := l.err.Load(); e != nil {
		in.Err = *e
	}
	return []InputInfo{in}
}

// LinkType is the interface's link type.
func (l *Live) LinkType() layers.LinkType { return l.lt }

// LinkTypeName names it as reports do ("Ethernet", "Linux cooked v2").
func (l *Live) LinkTypeName() string { return l.ltName }

// Snaplen is the snap length in effect.
func (l *Live) Snaplen() int { return l.snaplen }

// Interface is the interface's name.
func (l *Live) Interface() string { return l.name }

// CaptureErrorKind sorts the failures of opening a capture that a user
// can act on.
type CaptureErrorKind int

// The kinds of CaptureError.
const (
	CaptureFailed          CaptureErrorKind = iota // anything else
	CapturePermission                              // not root, and no CAP_NET_RAW/CAP_NET_ADMIN
	CaptureNoSuchInterface                         // Available lists the interfaces that exist
	CaptureInterfaceDown                           // the interface is not up
	CaptureBadFilter                               // the filter does not compile
	CaptureUnsupported                             // built without libpcap (no cgo)
)

// CaptureError is a capture that could not be opened.
type CaptureError struct {
	Kind      CaptureErrorKind
	Interface string
	// Available names the interfaces that exist (CaptureNoSuchInterface).
	Available []string
	Err       error
}

func (e *CaptureError) Error() string {
	if e.Interface == "" {
		return fmt.Sprintf("open live capture: %v", e.Err)
	}
	return fmt.Sprintf("open live capture on %s: %v", e.Interface, e.Err)
}

func (e *CaptureError) Unwrap() error { return e.Err }

// Interface is one interface libpcap can capture on.
type Interface struct {
	Number      int    // 1-based position in the list (tcpdump -D's number; -i takes it)
	Name        string // "eth0", "any"
	Description string
	Flags       []string // "Up", "Running", "Loopback", "Wireless", connection status
	Addresses   []string
}
