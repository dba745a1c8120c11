package source

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// scripted delivers n packets of varied sizes (empty ones and ticks
// among them), reusing one buffer as the real readers do, then end.
type scripted struct {
	n, i int
	buf  []byte
	end  error
}

func (s *scripted) Next(p *Packet) error {
	if s.i >= s.n {
		return s.end
	}
	s.i++
	*p = Packet{Input: s.i % 3, Frame: int64(s.i)}
	p.CI.Timestamp = time.Unix(0, int64(s.i))
	switch {
	case s.i%97 == 0: // a tick
		return nil
	case s.i%89 == 0:
		p.Data = s.buf[:0]
	default:
		size := (s.i * 37) % 1600
		for j := range size {
			s.buf[j] = byte(s.i + j)
		}
		p.Data = s.buf[:size]
	}
	p.CI.CaptureLength = len(p.Data)
	return nil
}

func (s *scripted) Close() error { return nil }

func TestReadAheadDeliversTheSameStream(t *testing.T) {
	damaged := errors.New("frame 5001: bad record")
	for _, end := range []error{io.EOF, damaged} {
		want := collect(t, &scripted{n: 5000, buf: make([]byte, 2048), end: end})
		ra := ReadAhead(&scripted{n: 5000, buf: make([]byte, 2048), end: end})
		got := collect(t, ra)
		ra.Stop()
		if len(got) != len(want) {
			t.Fatalf("end %v: %d packets through read-ahead, want %d", end, len(got), len(want))
		}
		for i := range want {
			w, g := want[i], got[i]
			if g.frame != w.frame || g.input != w.input || !g.ts.Equal(w.ts) || !bytes.Equal(g.data, w.data) || (g.data == nil) != (w.data == nil) {
				t.Fatalf("end %v: packet %d differs: got frame %d (%d bytes, nil %v), want frame %d (%d bytes, nil %v)",
					end, i, g.frame, len(g.data), g.data == nil, w.frame, len(w.data), w.data == nil)
			}
		}
		var p Packet
		if err := ra.Next(&p); !errors.Is(err, end) {
			t.Errorf("after the end, Next = %v, want %v again", err, end)
		}
	}
}

func TestReadAheadOnCaptureFiles(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "samples", "*.pcap*"))
	if len(paths) < 10 {
		t.Fatalf("expected the lab samples, found %d", len(paths))
	}
	direct, err := OpenFiles(paths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := readAll(t, direct)
	direct.Close()
	files, err := OpenFiles(paths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ra := ReadAhead(files)
	got := collect(t, ra)
	if err := ra.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d packets through read-ahead, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].frame != want[i].frame || got[i].input != want[i].input || !bytes.Equal(got[i].data, want[i].data) {
			t.Fatalf("packet %d: got input %d frame %d, want input %d frame %d", i, got[i].input, got[i].frame, want[i].input, want[i].frame)
		}
	}
}

func TestReadAheadStopsEarly(t *testing.T) {
	ra := ReadAhead(&scripted{n: 1 << 30, buf: make([]byte, 2048), end: io.EOF})
	var p Packet
	for range 1000 {
		if err := ra.Next(&p); err != nil {
			t.Fatal(err)
		}
	}
	stopped := make(chan struct{})
	go func() { ra.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return: the reading goroutine is stuck")
	}
	ra.Stop() // twice is fine
	if err := ra.Next(&p); err == nil {
		t.Error("Next after Stop delivered a packet")
	}
}

// collect reads r to its end, copying each packet; the end must be io.EOF
// or the scripted error, which it checks is reached.
func collect(t *testing.T, r Reader) []got {
	t.Helper()
	var out []got
	var p Packet
	for {
		err := r.Next(&p)
		if err != nil {
			return out
		}
		g := got{input: p.Input, frame: p.Frame, ts: p.CI.Timestamp}
		if p.Data != nil {
			g.data = append([]byte{}, p.Data...)
		}
		out = append(out, g)
	}
}
