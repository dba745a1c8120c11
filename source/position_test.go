package source

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// bigPcap is a pcap file of n 100-byte packets, larger than one read
// buffer when n is in the tens of thousands.
func bigPcap(t testing.TB, n int) []byte {
	t.Helper()
	recs := make([]record, n)
	data := make([]byte, 100)
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range recs {
		recs[i] = record{
			ci:   gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(data), Length: len(data)},
			data: data,
		}
	}
	return pcapBytes(t, layers.LinkTypeEthernet, recs, false)
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// Read to the end, every input is read through: read == total == the sum
// of the file sizes, gzip counted in compressed bytes.
func TestPositionAtEnd(t *testing.T) {
	dir := t.TempDir()
	ng := filepath.Join("testdata", "lo-and-any.pcapng")
	big := writeTemp(t, dir, "big.pcap", bigPcap(t, 30000))
	gz := writeTemp(t, dir, "big.pcap.gz", gzipBytes(t, bigPcap(t, 30000)))
	cut := writeTemp(t, dir, "cut.pcap", bigPcap(t, 30000)[:2<<20]) // ends inside a record
	// A record whose length is impossible, a third of the way in: the
	// reader stops there with megabytes unread.
	damagedBytes := bigPcap(t, 30000)
	binary.LittleEndian.PutUint32(damagedBytes[24+10000*(16+100)+8:], 0xffffffff)
	damaged := writeTemp(t, dir, "damaged.pcap", damagedBytes)
	notCapture := writeTemp(t, dir, "notes.txt", []byte("not a capture at all\n"))
	missing := filepath.Join(dir, "missing.pcap")

	cases := []struct {
		name  string
		paths []string
		want  int64 // total and read at the end
	}{
		{"pcapng", []string{ng}, fileSize(t, ng)},
		{"pcap larger than a buffer", []string{big}, fileSize(t, big)},
		{"gzip counts compressed bytes", []string{gz}, fileSize(t, gz)},
		{"several files add up", []string{ng, big, gz}, fileSize(t, ng) + fileSize(t, big) + fileSize(t, gz)},
		// A damaged file stops early; nothing more of it will be read.
		{"cut file", []string{cut}, fileSize(t, cut)},
		{"damaged file counts whole", []string{damaged, ng}, fileSize(t, damaged) + fileSize(t, ng)},
		// A file that is not a capture is read through at open; a
		// missing one has nothing to read.
		{"unreadable inputs", []string{ng, notCapture, missing}, fileSize(t, ng) + fileSize(t, notCapture)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _ := openAll(t, c.paths, Options{})
			if c.name == "damaged file counts whole" && f.Inputs()[0].Err == nil {
				t.Fatal("the damaged file was read without error")
			}
			read, total := f.Position()
			if read != c.want || total != c.want {
				t.Errorf("Position() = %d, %d; want %d, %d", read, total, c.want, c.want)
			}
		})
	}
}

// Before the end, read counts what the buffers took in: more than
// nothing, less than the file.
func TestPositionPartway(t *testing.T) {
	path := writeTemp(t, t.TempDir(), "big.pcap", bigPcap(t, 30000)) // about 3.4 MB: several 1 MiB buffers
	size := fileSize(t, path)
	f, err := OpenFiles([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	read, total := f.Position()
	if total != size || read <= 0 || read >= size {
		t.Fatalf("after open: Position() = %d, %d; want 0 < read < %d, total %d", read, total, size, size)
	}
	var p Packet
	last := read
	for {
		err := f.Next(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		r, _ := f.Position()
		if r < last {
			t.Fatalf("read went back from %d to %d", last, r)
		}
		last = r
	}
	if read, total := f.Position(); read != size || total != size {
		t.Errorf("at the end: Position() = %d, %d; want %d, %d", read, total, size, size)
	}
}

// A pipe's size is unknown until it ends: total is -1 while it is read,
// and read still counts its bytes.
func TestPositionPipe(t *testing.T) {
	capture := bigPcap(t, 30000)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.Write(capture)
		w.Close()
	}()
	saved := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = saved }()

	regular := filepath.Join("testdata", "lo-and-any.pcapng")
	f, err := OpenFiles([]string{regular, "-"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if read, total := f.Position(); total != -1 || read <= 0 {
		t.Errorf("while reading a pipe: Position() = %d, %d; want read > 0 and total -1", read, total)
	}
	readAll(t, f)
	want := int64(len(capture)) + fileSize(t, regular)
	if read, total := f.Position(); read != want || total != want {
		t.Errorf("pipe read through: Position() = %d, %d; want %d, %d", read, total, want, want)
	}
}

// A progress bar calls Position from its own goroutine while Next reads
// (go test -race checks this).
func TestPositionConcurrent(t *testing.T) {
	path := writeTemp(t, t.TempDir(), "big.pcap", bigPcap(t, 30000))
	f, err := OpenFiles([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
				f.Position()
			}
		}
	}()
	readAll(t, f)
	close(done)
	wg.Wait()
	if read, total := f.Position(); read != total {
		t.Errorf("Position() = %d, %d after the end", read, total)
	}
}
