package source_test

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// replayHandle plays a capture file's packets as an interface would, the
// wall clock following their timestamps, then goes quiet: every read times
// out after a quarter second of the fake clock. After quietFor of silence
// it cancels the capture.
type replayHandle struct {
	pkts     [][]byte
	cis      []gopacket.CaptureInfo
	lt       layers.LinkType
	now      time.Time
	quietEnd time.Time
	stop     context.CancelFunc
}

func (h *replayHandle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if len(h.pkts) > 0 {
		data, ci := h.pkts[0], h.cis[0]
		h.pkts, h.cis = h.pkts[1:], h.cis[1:]
		h.now = ci.Timestamp
		return data, ci, nil
	}
	h.now = h.now.Add(250 * time.Millisecond)
	if h.now.After(h.quietEnd) {
		h.stop()
	}
	return nil, gopacket.CaptureInfo{}, source.ErrReadTimeout
}

func (h *replayHandle) Counters() (source.CaptureCounters, error) {
	return source.CaptureCounters{}, nil
}
func (h *replayHandle) LinkType() layers.LinkType { return h.lt }
func (h *replayHandle) SnapLen() int              { return 262144 }
func (h *replayHandle) Close()                    {}

func loadCapture(t *testing.T, path string) *replayHandle {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	h := &replayHandle{lt: r.LinkType()}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		h.pkts = append(h.pkts, data)
		h.cis = append(h.cis, ci)
	}
	h.now = h.cis[0].Timestamp
	return h
}

// A session whose connections have closed is judged once they have
// lingered, on ticks while the interface is quiet: its break is reported
// during the capture, about Linger after the last packet, not only when
// the capture stops.
func TestLiveTicksExpireAndJudgeSessions(t *testing.T) {
	h := loadCapture(t, "../samples/transfer-aborted.pcap")
	last := h.cis[len(h.cis)-1].Timestamp
	linger := tcpflow.DefaultOptions().Linger
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.stop = cancel
	h.quietEnd = last.Add(3 * linger)

	l, err := source.NewLive(ctx, h, source.LiveOptions{Interface: "eth0", Clock: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	type judged struct {
		cause   string
		wall    time.Time
		stopped bool
	}
	var got []judged
	opts := analysis.Options{OnBreak: func(v *analysis.Verdict) {
		got = append(got, judged{v.Cause, h.now, ctx.Err() != nil})
	}}
	res, err := analysis.Run(context.Background(), l, l.Inputs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(res.Breaks) != 1 || got[0].cause != res.Breaks[0].Cause {
		t.Fatalf("breaks reported live %+v, in the result %d", got, len(res.Breaks))
	}
	if got[0].stopped {
		t.Fatalf("the break was judged only when the capture stopped, not on the ticks")
	}
	after := got[0].wall.Sub(last)
	if after < linger || after > linger+2*source.DefaultTick {
		t.Errorf("the break was judged %v after the last packet, want just over the linger time %v", after, linger)
	}
	if l.Stats().Ticks == 0 {
		t.Error("no ticks delivered")
	}
}

// Without ticks (a capture that stops right after the last packet) the
// same break is judged at the stop, with what was seen.
func TestLiveStopJudgesWhatIsOpen(t *testing.T) {
	h := loadCapture(t, "../samples/transfer-aborted.pcap")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.stop = cancel
	h.quietEnd = h.cis[len(h.cis)-1].Timestamp // stop at the first quiet read

	l, err := source.NewLive(ctx, h, source.LiveOptions{Interface: "eth0", Clock: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	var atStop []bool
	opts := analysis.Options{OnBreak: func(*analysis.Verdict) { atStop = append(atStop, ctx.Err() != nil) }}
	res, err := analysis.Run(context.Background(), l, l.Inputs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(atStop) != 1 || !atStop[0] || len(res.Breaks) != 1 {
		t.Fatalf("breaks judged at the stop %v, in the result %d; want the one break, at the stop", atStop, len(res.Breaks))
	}
	in := res.Inputs[0]
	if in.Path != "eth0" || in.Dropped == nil || *in.Dropped != 0 || in.Packets != int64(len(loadCapture(t, "../samples/transfer-aborted.pcap").cis)) {
		t.Errorf("input %+v", in)
	}
}
