package main

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

const (
	mib = 1 << 20
	gib = 1 << 30
)

// A run 15 s into reading 2.9 GiB.
var midRun = progressSnapshot{
	Read: 1288490189, Total: 3113851290, Elapsed: 15 * time.Second, Rate: 85.3 * mib,
	Packets: 1234567, Sessions: 12, Breaks: 3,
}

func TestProgressLine(t *testing.T) {
	unknown := midRun
	unknown.Total = -1
	stalled := midRun
	stalled.Rate = 0
	grown := midRun
	grown.Read = grown.Total + 4096 // the file grew while it was read
	first := progressSnapshot{Read: 0, Total: 2 * gib, Elapsed: time.Second, Packets: 1, Sessions: 1, Breaks: 1}
	empty := progressSnapshot{Total: 0, Elapsed: time.Second}

	cases := []struct {
		name  string
		s     progressSnapshot
		width int
		want  string
	}{
		{"no limit: the widest bar and everything", midRun, 0,
			" 41% [================>                       ] 1.2 GiB/2.9 GiB   85.3 MiB/s  ETA 0:21  12 sessions  3 breaks  1,234,567 pkts"},
		{"wide terminal: the bar takes the room left, up to its maximum", midRun, 200,
			" 41% [================>                       ] 1.2 GiB/2.9 GiB   85.3 MiB/s  ETA 0:21  12 sessions  3 breaks  1,234,567 pkts"},
		{"80 columns: the packets go first", midRun, 79,
			" 41% [====>     ] 1.2 GiB/2.9 GiB   85.3 MiB/s  ETA 0:21  12 sessions  3 breaks"},
		{"narrower: then the sessions", midRun, 66,
			" 41% [====>     ] 1.2 GiB/2.9 GiB   85.3 MiB/s  ETA 0:21  3 breaks"},
		{"then the bar", midRun, 60,
			" 41% 1.2 GiB/2.9 GiB   85.3 MiB/s  ETA 0:21  3 breaks"},
		{"narrower still: then breaks and rate", midRun, 40,
			" 41% 1.2 GiB/2.9 GiB  ETA 0:21"},
		{"the percent stays", midRun, 4, " 41%"},
		{"too narrow even for that: cut", midRun, 3, " 4…"},
		{"unknown total: no percent, bar or ETA", unknown, 0,
			"1.2 GiB   85.3 MiB/s  0:15 elapsed  12 sessions  3 breaks  1,234,567 pkts"},
		{"unknown total, narrow", unknown, 40, "1.2 GiB   85.3 MiB/s  0:15 elapsed"},
		{"no rate: no ETA", stalled, 0,
			" 41% [================>                       ] 1.2 GiB/2.9 GiB        0 B/s  ETA --:--  12 sessions  3 breaks  1,234,567 pkts"},
		{"nothing read yet: singular nouns", first, 100,
			"  0% [>                         ]     0 B/2.0 GiB        0 B/s  ETA --:--  1 session  1 break  1 pkt"},
		{"a file that grew stops at 100%", grown, 79,
			"100% [==========] 2.9 GiB/2.9 GiB   85.3 MiB/s  ETA 0:00  12 sessions  3 breaks"},
		{"nothing to read", empty, 0,
			"100% [========================================] 0 B/0 B        0 B/s  ETA 0:00  0 sessions  0 breaks  0 pkts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := progressLine(c.s, c.width)
			if got != c.want {
				t.Errorf("progressLine(width %d)\n got %q\nwant %q", c.width, got, c.want)
			}
		})
	}
}

// Whatever the width, the line fits it: a line one column too long wraps,
// and the carriage return then redraws only its tail.
func TestProgressLineFits(t *testing.T) {
	unknown := midRun
	unknown.Total = -1
	for _, s := range []progressSnapshot{midRun, unknown} {
		for width := 1; width <= 200; width++ {
			line := progressLine(s, width)
			if n := len([]rune(line)); n > width || n == 0 {
				t.Errorf("width %d: %d columns: %q", width, n, line)
			}
			if s.Total >= 0 && width >= 4 && !strings.Contains(line, "41%") {
				t.Errorf("width %d: the percent is lost: %q", width, line)
			}
		}
	}
}

func TestIEC(t *testing.T) {
	cases := []struct {
		n    float64
		want string
	}{
		{-5, "0 B"},
		{0, "0 B"},
		{999, "999 B"},
		{1000, "1.0 KiB"}, // the next unit from 1000: at most three digits
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{85.3 * mib, "85.3 MiB"},
		{999.9 * mib, "999.9 MiB"},
		{999.96 * mib, "1.0 GiB"},
		{1023.9 * mib, "1.0 GiB"},
		{2.9 * gib, "2.9 GiB"},
		{3 << 40, "3.0 TiB"},
		{math.Pow(1024, 7), "1024.0 EiB"},
	}
	for _, c := range cases {
		if got := iec(c.n); got != c.want {
			t.Errorf("iec(%v) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestETA(t *testing.T) {
	cases := []struct {
		left int64
		rate float64
		want string
	}{
		{0, 0, "0:00"},
		{-10, 100, "0:00"},
		{100, 0, "--:--"},
		{100, 100, "0:01"},
		{150, 100, "0:02"}, // rounded up: never "0:00" with bytes left
		{59 * mib, mib, "0:59"},
		{3600 * mib, mib, "1:00:00"},
		{(36*3600 + 61) * mib, mib, "36:01:01"},
		{101 * 3600 * mib, mib, "--:--"},
	}
	for _, c := range cases {
		if got := eta(c.left, c.rate); got != c.want {
			t.Errorf("eta(%d, %v) = %q, want %q", c.left, c.rate, got, c.want)
		}
	}
}

func TestRateMeter(t *testing.T) {
	var m rateMeter
	// The first sample is the average since the start.
	if r := m.update(100*mib, 2*time.Second); r != 50*mib {
		t.Fatalf("first rate %v, want %v", r, 50*mib)
	}
	// A steady pace keeps the rate.
	read := int64(100 * mib)
	for i := 1; i <= 10; i++ {
		read += 10 * mib
		if r := m.update(read, 2*time.Second+time.Duration(i)*progressEvery); math.Abs(r-50*mib) > 1 {
			t.Fatalf("steady: rate %v, want %v", r, 50*mib)
		}
	}
	// A sample at the same time changes nothing.
	if r := m.update(read+mib, 4*time.Second); math.Abs(r-50*mib) > 1 {
		t.Errorf("zero interval: rate %v", r)
	}
	// A stall decays the rate smoothly, not at once; after several time
	// constants it is near zero.
	at := 4 * time.Second
	at += progressEvery
	if r := m.update(read, at); r < 40*mib || r > 50*mib {
		t.Errorf("one stalled tick: rate %v, want a little under 50 MiB/s", r)
	}
	for range 100 { // 20 s
		at += progressEvery
		m.update(read, at)
	}
	if r := m.update(read, at+progressEvery); r > mib {
		t.Errorf("after a long stall: rate %v, want near 0", r)
	}
}

// fakePosition is a Files.Position to drive the bar.
type fakePosition struct{ read, total int64 }

func (f *fakePosition) position() (int64, int64) { return f.read, f.total }

func TestProgressBarDrawsAfterDelayAndClears(t *testing.T) {
	var out bytes.Buffer
	pos := &fakePosition{total: 100 * mib}
	counts := &analysis.Progress{}
	counts.Sessions.Store(2)
	b := &progressBar{out: &out, position: pos.position, counts: counts, width: func() int { return 100 }}

	b.clear()
	for at := progressEvery; at < progressDelay; at += progressEvery {
		pos.read += mib
		b.tick(at)
	}
	if out.Len() != 0 {
		t.Fatalf("drew before %v: %q", progressDelay, out.String())
	}
	pos.read = 50 * mib
	b.tick(progressDelay)
	line := out.String()
	if !strings.HasPrefix(line, "\r 50% [") || !strings.HasSuffix(line, "2 sessions  0 breaks  0 pkts\x1b[K") {
		t.Errorf("first draw %q", line)
	}
	out.Reset()
	b.clear()
	if out.String() != "\r\x1b[K" {
		t.Errorf("clear wrote %q", out.String())
	}
	out.Reset()
	b.clear()
	if out.Len() != 0 {
		t.Errorf("second clear wrote %q", out.String())
	}
}

// syncBuffer is a bytes.Buffer for a writer and a reader in different
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// The goroutine: nothing for a short run; for a long one, lines while it
// runs and a clean line after stop.
func TestStartProgress(t *testing.T) {
	var short syncBuffer
	pos := &fakePosition{total: 100 * mib, read: 10 * mib}
	startProgress(&short, pos.position, &analysis.Progress{}, 79)()
	if s := short.String(); s != "" {
		t.Errorf("a short run drew %q", s)
	}

	var long syncBuffer
	stop := startProgress(&long, pos.position, &analysis.Progress{}, 79)
	time.Sleep(progressDelay + 3*progressEvery)
	stop()
	s := long.String()
	if !strings.HasPrefix(s, "\r 10% [") || !strings.HasSuffix(s, "\x1b[K\r\x1b[K") {
		t.Errorf("long run wrote %q", s)
	}
	if strings.Contains(s, "\n") {
		t.Errorf("the bar wrote a newline: %q", s)
	}
}

func TestProgressFlags(t *testing.T) {
	cases := []struct {
		args []string
		want progressMode
	}{
		{nil, progressAuto},
		{[]string{"--progress"}, progressAlways},
		{[]string{"--no-progress"}, progressNever},
		{[]string{"--progress=false"}, progressNever},
		{[]string{"--no-progress=false"}, progressAlways},
		{[]string{"--progress", "--no-progress"}, progressNever}, // the last wins
		{[]string{"--no-progress", "--progress"}, progressAlways},
	}
	for _, c := range cases {
		var f analyzeFlags
		fs := newAnalyzeFlagSet(&f, io.Discard)
		if err := fs.Parse(c.args); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if f.progress != c.want {
			t.Errorf("%v: mode %d, want %d", c.args, f.progress, c.want)
		}
	}
	var f analyzeFlags
	if err := newAnalyzeFlagSet(&f, io.Discard).Parse([]string{"--progress=maybe"}); err == nil {
		t.Error("--progress=maybe accepted")
	}
}

// stderr a file (a log, a CI job) or a pipe: no bar, and not a byte of
// progress or escape codes on stderr.
func TestAnalyzeSilentWhenStderrIsNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if progressAuto.shows(w) {
		t.Error("a pipe taken for a terminal")
	}

	for _, args := range [][]string{
		{"analyze", "../../samples/login-failures.pcap"},
		{"analyze", "--format", "json", "../../samples/clean-pasv.pcap", "../../samples/max-clients.pcap"},
	} {
		stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
		if err != nil {
			t.Fatal(err)
		}
		if progressAuto.shows(stderr) {
			t.Error("a file taken for a terminal")
		}
		var stdout bytes.Buffer
		code := runAnalyze(t.Context(), args[1:], &stdout, stderr)
		stderr.Close()
		written, err := os.ReadFile(stderr.Name())
		if err != nil {
			t.Fatal(err)
		}
		if code != exitOK || stdout.Len() == 0 {
			t.Errorf("%v: exit %d, %d bytes of report", args, code, stdout.Len())
		}
		if len(written) != 0 {
			t.Errorf("%v: stderr got %q", args, written)
		}
	}
	if progressAuto.shows(&bytes.Buffer{}) || progressNever.shows(os.Stderr) || !progressAlways.shows(io.Discard) {
		t.Error("progressMode.shows: wrong choice")
	}
}

// The cost of one redraw (five a second): sampling the position and the
// counts, laying out the line for an 80-column terminal and writing it.
func BenchmarkProgressRedraw(b *testing.B) {
	pos := &fakePosition{read: 1288490189, total: 3113851290}
	counts := &analysis.Progress{}
	counts.Packets.Store(1234567)
	bar := &progressBar{out: io.Discard, position: pos.position, counts: counts, width: func() int { return 79 }}
	at := progressDelay
	for b.Loop() {
		at += progressEvery
		pos.read += mib
		bar.tick(at)
	}
}
