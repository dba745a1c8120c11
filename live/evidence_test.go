package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/source"
)

// drain reads every packet of r, copying what it delivered.
type delivered struct {
	input int
	frame int64
	tick  bool
	data  []byte
}

func drain(t *testing.T, r source.Reader) []delivered {
	t.Helper()
	var out []delivered
	var p source.Packet
	for {
		err := r.Next(&p)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, delivered{p.Input, p.Frame, p.Data == nil, append([]byte(nil), p.Data...)})
	}
}

// readBack reads the files as `ftpcap analyze` would and returns each
// packet's input, frame and data.
func readBack(t *testing.T, paths []string) ([]delivered, []source.InputInfo) {
	t.Helper()
	f, err := source.OpenFiles(paths, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return drain(t, f), f.Inputs()
}

func inputPaths(ins []source.InputInfo) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.Path)
	}
	return out
}

// The evidence files replay under the file reader to the very packets the
// pipeline saw, with the same input and frame numbers, and the same
// verdicts: the test the issue asks of -w, for samples of several causes
// cut into several files.
func TestRecorderReplaysToTheSameVerdicts(t *testing.T) {
	for _, name := range []string{"transfer-aborted.pcap", "login-failures.pcap", "server-reset.pcap", "multi-session.pcap", "clean-active-port.pcap"} {
		t.Run(name, func(t *testing.T) {
			capture := readSample(t, name)
			// Drops while the second file is open: its statistics block
			// carries them, and the replay reports them too.
			capture.dropsAt = map[int]int64{len(capture.pkts) / 2: 3}
			var total int64
			for _, d := range capture.pkts {
				total += packetBlockSize(len(d))
			}
			opts := evidenceOptions(filepath.Join(t.TempDir(), "ev.pcapng"), Rotation{MaxBytes: total / 4})
			opts.LinkType = capture.lt
			opts.LinkTypeName = map[layers.LinkType]string{layers.LinkTypeEthernet: "Ethernet", layers.LinkTypeLinuxSLL2: "Linux cooked v2"}[capture.lt]
			rec, err := NewRecorder(capture, opts)
			if err != nil {
				t.Fatal(err)
			}
			live, err := analysis.Run(context.Background(), rec, rec.Inputs, analysis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec.Close()
			if len(live.Inputs) < 2 {
				t.Fatalf("%d files; the test wants the capture cut into several", len(live.Inputs))
			}
			replay, err := analysis.Files(context.Background(), inputPaths(rec.Inputs()), analysis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []struct {
				name       string
				live, file any
			}{
				{"sessions", live.Sessions, replay.Sessions},
				{"breaks", live.Breaks, replay.Breaks},
				{"findings", live.Findings, replay.Findings},
				{"connections", live.Connections, replay.Connections},
				{"inputs", live.Inputs, replay.Inputs},
				{"capture quality", live.CaptureQuality, replay.CaptureQuality},
			} {
				a, _ := json.MarshalIndent(part.live, "", " ")
				b, _ := json.MarshalIndent(part.file, "", " ")
				if string(a) != string(b) {
					t.Errorf("%s differ between the live run and the replay of its files:\nlive:   %s\nreplay: %s", part.name, a, b)
				}
			}
			if live.CaptureQuality.KernelDrops != 3 {
				t.Errorf("kernel drops %d, want the 3 the capture reported", live.CaptureQuality.KernelDrops)
			}
			if len(live.Breaks)+len(live.Sessions) == 0 {
				t.Error("the sample gave nothing to compare")
			}
		})
	}
}

// Rotation by size, by age and with a file count, as tcpdump's -C, -G
// and -W: every packet is in exactly one file, in order, numbered as the
// pipeline was told; files are cut where the policy says.
func TestRecorderRotation(t *testing.T) {
	start := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		rot       Rotation
		wantFiles int
		wantKept  int
		perFile   int // packets per file but the last (0: not checked)
	}{
		{"none", Rotation{}, 1, 1, 0},
		{"size", Rotation{MaxBytes: 10_000}, 10, 10, 0},
		{"age", Rotation{MaxAge: time.Second}, 10, 10, 10},
		{"size and count", Rotation{MaxBytes: 10_000, MaxFiles: 3}, 10, 3, 0},
		{"age and count", Rotation{MaxAge: 2 * time.Second, MaxFiles: 2}, 5, 2, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			capture := synthetic(100, 968, start, 100*time.Millisecond) // 1000-byte blocks
			dir := t.TempDir()
			var removed []string
			opts := evidenceOptions(filepath.Join(dir, "ev.pcapng"), c.rot)
			opts.OnRemove = func(path string, err error) {
				if err != nil {
					t.Errorf("remove %s: %v", path, err)
				}
				removed = append(removed, filepath.Base(path))
			}
			rec, err := NewRecorder(capture, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := drain(t, rec)
			rec.Close()
			ins := rec.Inputs()
			if len(ins) != c.wantFiles {
				t.Fatalf("%d files, want %d", len(ins), c.wantFiles)
			}
			onDisk, _ := filepath.Glob(filepath.Join(dir, "*"))
			if len(onDisk) != c.wantKept || len(removed) != c.wantFiles-c.wantKept || rec.Stats().Removed != int64(len(removed)) {
				t.Fatalf("%d files on disk (%v), %d removed, want %d kept", len(onDisk), onDisk, len(removed), c.wantKept)
			}
			// Names: the path itself without rotation, numbered with it.
			for i, in := range ins {
				want := "ev.pcapng"
				if c.rot.Rotating() {
					want = fmt.Sprintf("ev-%06d.pcapng", i+1)
				}
				if filepath.Base(in.Path) != want {
					t.Errorf("file %d is %s, want %s", i, filepath.Base(in.Path), want)
				}
			}
			// Every packet once, in order, numbered by its file.
			next := map[int]int64{}
			for i, d := range got {
				next[d.input]++
				if d.frame != next[d.input] || d.data[0] != byte(i) {
					t.Fatalf("packet %d: input %d frame %d, want frame %d", i, d.input, d.frame, next[d.input])
				}
			}
			if c.perFile > 0 {
				for i, in := range ins[:len(ins)-1] {
					if in.Packets != int64(c.perFile) {
						t.Errorf("file %d holds %d packets, want %d", i, in.Packets, c.perFile)
					}
				}
			}
			if c.rot.MaxBytes > 0 {
				for i, in := range ins[:len(ins)-1] {
					st, err := os.Stat(in.Path)
					if err != nil {
						continue // removed
					}
					// Closed once it reached the size, not before: the last
					// packet pushed it over.
					body := st.Size() - isbSize
					if body < c.rot.MaxBytes || body-1000 >= c.rot.MaxBytes {
						t.Errorf("file %d: %d bytes before its statistics block, want the first packet past %d", i, body, c.rot.MaxBytes)
					}
				}
			}
			// The kept files read back to the same frames.
			kept := inputPaths(ins[c.wantFiles-c.wantKept:])
			back, _ := readBack(t, kept)
			first := c.wantFiles - c.wantKept
			var wantBack []delivered
			for _, d := range got {
				if d.input >= first {
					d.input -= first
					wantBack = append(wantBack, d)
				}
			}
			if len(back) != len(wantBack) {
				t.Fatalf("read back %d packets, want %d", len(back), len(wantBack))
			}
			for i := range back {
				if back[i].input != wantBack[i].input || back[i].frame != wantBack[i].frame || back[i].data[0] != wantBack[i].data[0] {
					t.Fatalf("packet %d read back as input %d frame %d, written as input %d frame %d",
						i, back[i].input, back[i].frame, wantBack[i].input, wantBack[i].frame)
				}
			}
		})
	}
}

// isbSize is the interface statistics block the writer ends each file
// with: 28 bytes of block, start and end times (12 each), received and
// dropped counters (12 each), the end-of-options (4).
const isbSize = 28 + 12 + 12 + 12 + 12 + 4

// Ticks pass through unwritten, keep their place in the numbering, and
// hand buffered packets to the disk writer, so the file on disk follows
// the capture during a quiet spell.
func TestRecorderTicksFlush(t *testing.T) {
	start := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	capture := synthetic(3, 100, start, 10*time.Millisecond)
	capture.ticks = map[int]time.Time{2: start.Add(3 * time.Second)}
	path := filepath.Join(t.TempDir(), "ev.pcapng")
	rec, err := NewRecorder(capture, evidenceOptions(path, Rotation{}))
	if err != nil {
		t.Fatal(err)
	}
	var p source.Packet
	for range 3 { // two packets and the tick
		if err := rec.Next(&p); err != nil {
			t.Fatal(err)
		}
	}
	if p.Data != nil {
		t.Fatal("want the tick third")
	}
	// The writer's goroutine writes the chunk soon after.
	var back []delivered
	for range 200 {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			back, _ = readBack(t, []string{path})
			if len(back) == 2 {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(back) != 2 {
		t.Errorf("the file holds %d packets after a quiet second, want the 2 before the tick", len(back))
	}
	rest := drain(t, rec)
	rec.Close()
	if len(rest) != 1 || rest[0].frame != 3 {
		t.Errorf("after the tick: %+v, want frame 3", rest)
	}
	if st := rec.Stats(); st.Packets != 3 || st.Files != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A file that cannot be written stops at the failure: the later packets
// keep their numbers (verdicts may cite them), the input's error names
// the first frame missing, and the report lists it.
func TestRecorderWriteFailure(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	start := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	capture := synthetic(40, 100, start, 100*time.Millisecond)
	rec, err := NewRecorder(capture, evidenceOptions("/dev/full", Rotation{}))
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, rec)
	rec.Close()
	if len(got) != 40 || got[39].frame != 40 {
		t.Fatalf("delivered %d packets, last frame %d; want all 40 numbered", len(got), got[len(got)-1].frame)
	}
	in := rec.Inputs()[0]
	var we *WriteError
	if !errors.As(in.Err, &we) {
		t.Fatalf("input error %v, want a WriteError", in.Err)
	}
	// The first chunk (the headers and the first second of packets)
	// failed: nothing from frame 1 on is on disk.
	if we.Frame != 1 || !strings.Contains(we.Error(), "/dev/full") || !strings.Contains(we.Error(), "no space") || in.EOF || in.Packets != 40 {
		t.Errorf("error %v (frame %d), input %+v", we, we.Frame, in)
	}
}

// A disk slower than the capture makes the capture wait once the writer's
// queue is full (counted as stalls) and loses nothing: the file read back
// holds every packet, in order.
func TestRecorderSlowDisk(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "slow.pcapng")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	start := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	const n = 40000 // 40 MB: more than the writer's queue
	capture := synthetic(n, 968, start, 10*time.Microsecond)
	rec, err := NewRecorder(capture, evidenceOptions(fifo, Rotation{}))
	if err != nil {
		t.Fatal(err)
	}
	// The reader, the "disk", starts once the capture had to wait for it.
	got := make(chan []byte)
	go func() {
		for deadline := time.Now().Add(10 * time.Second); rec.Stats().Stalls == 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	drain(t, rec)
	rec.Close()
	b := <-got
	if st := rec.Stats(); st.Stalls == 0 {
		t.Errorf("stats %+v: the capture should have waited for the disk", st)
	}
	path := filepath.Join(t.TempDir(), "copy.pcapng")
	os.WriteFile(path, b, 0o644)
	back, ins := readBack(t, []string{path})
	if len(back) != n || ins[0].Err != nil {
		t.Fatalf("read back %d packets (%v), want %d", len(back), ins[0].Err, n)
	}
	for i, d := range back {
		if d.frame != int64(i+1) || d.data[0] != byte(i) {
			t.Fatalf("packet %d read back as frame %d", i, d.frame)
		}
	}
}

// A first file that cannot be created stops the run before it starts.
func TestRecorderCannotCreate(t *testing.T) {
	_, err := NewRecorder(synthetic(1, 60, time.Now(), 0), evidenceOptions(filepath.Join(t.TempDir(), "no", "such", "dir", "ev.pcapng"), Rotation{}))
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("error %v, want the create failure", err)
	}
	_, err = NewRecorder(synthetic(1, 60, time.Now(), 0), evidenceOptions(filepath.Join(t.TempDir(), "ev"), Rotation{MaxFiles: 2}))
	if err == nil {
		t.Error("-W without -C or -G accepted")
	}
}

// A capture that fails ends the last file early; its error becomes that
// file's, so the report says why the evidence stops there.
func TestRecorderCaptureFailure(t *testing.T) {
	capture := synthetic(5, 60, time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC), time.Millisecond)
	capture.err = errors.New("capture on eth0: frame 6: The interface went down")
	rec, err := NewRecorder(capture, evidenceOptions(filepath.Join(t.TempDir(), "ev.pcapng"), Rotation{}))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, rec)
	in := rec.Inputs()[0]
	if in.Err == nil || !strings.Contains(in.Err.Error(), "went down") || in.EOF {
		t.Errorf("input %+v, want the capture's failure", in)
	}
	back, _ := readBack(t, []string{in.Path})
	if len(back) != 5 {
		t.Errorf("%d packets on disk, want 5", len(back))
	}
}

// FileOf finds the file of an evidence frame from its time.
func TestRecorderFileOf(t *testing.T) {
	start := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	capture := synthetic(30, 60, start, 100*time.Millisecond)
	rec, err := NewRecorder(capture, evidenceOptions(filepath.Join(t.TempDir(), "ev.pcapng"), Rotation{MaxAge: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	drain(t, rec)
	rec.Close()
	cases := []struct {
		frame int64
		at    time.Duration
		want  string
	}{
		{1, 0, "ev-000001.pcapng"},
		{10, 900 * time.Millisecond, "ev-000001.pcapng"},
		{1, time.Second, "ev-000002.pcapng"},
		{5, 2400 * time.Millisecond, "ev-000003.pcapng"},
		{11, 2400 * time.Millisecond, ""}, // no file has 11 packets then
		{1, time.Hour, ""},
	}
	for _, c := range cases {
		if got := filepath.Base(rec.FileOf(c.frame, start.Add(c.at))); got != c.want && !(c.want == "" && got == ".") {
			t.Errorf("frame %d at +%v: %q, want %q", c.frame, c.at, got, c.want)
		}
	}
}

// Writing a packet allocates nothing.
func TestRecorderNextAllocatesNothing(t *testing.T) {
	start := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	capture := synthetic(3000, 1000, start, time.Millisecond)
	rec, err := NewRecorder(capture, evidenceOptions(filepath.Join(t.TempDir(), "ev.pcapng"), Rotation{MaxBytes: 1_000_000}))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	var p source.Packet
	allocs := testing.AllocsPerRun(2000, func() {
		if err := rec.Next(&p); err != nil {
			t.Fatal(err)
		}
	})
	// Rotation (a new file every ~1000 packets) allocates; packets do not.
	if allocs > 0.01 {
		t.Errorf("%v allocations per packet", allocs)
	}
}
