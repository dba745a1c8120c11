package source

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenFiles feeds arbitrary bytes to the file readers, as one file and
// as two copies merged. Nothing may panic, and what is reported must add
// up: every packet delivered is counted, frames rise by one per file, and
// a read error names the frame after the last one read.
func FuzzOpenFiles(f *testing.F) {
	seeds := []string{filepath.Join("testdata", "lo-and-any.pcapng")}
	for _, rel := range []string{
		"zeek/Traces/tcp/rst-inject-rae.pcap",
		"zeek/Traces/ipv4/fragmented-syn.pcap",
		"zeek/Traces/icmp/icmp6-toobig.pcap",
		"nDPI/pcap/ftp_failed.pcap",
		"filesamples/200722_tcp_anon.pcapng",
		"filesamples/teardrop.pcap",
	} {
		seeds = append(seeds, filepath.Join(corpusRoot, filepath.FromSlash(rel)))
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the public corpus is optional
		}
		f.Add(b)
		f.Add(gzipBytes(f, b))
		f.Add(b[:len(b)*3/4])
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a})

	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files, err := OpenFiles([]string{path, path}, Options{})
		if err != nil {
			return
		}
		defer files.Close()
		delivered := [2]int64{}
		lastFrame := [2]int64{}
		var p Packet
		for n := 0; n < 100000; n++ {
			err := files.Next(&p)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if p.Frame != lastFrame[p.Input]+1 {
				t.Fatalf("input %d: frame %d after %d", p.Input, p.Frame, lastFrame[p.Input])
			}
			if len(p.Data) != p.CI.CaptureLength {
				t.Fatalf("%d bytes, capture length %d", len(p.Data), p.CI.CaptureLength)
			}
			lastFrame[p.Input] = p.Frame
			delivered[p.Input]++
		}
		for i, info := range files.Inputs() {
			if info.Packets != delivered[i] {
				t.Errorf("input %d: %d packets counted, %d delivered", i, info.Packets, delivered[i])
			}
			var re *ReadError
			if errors.As(info.Err, &re) && re.Frame != info.Packets+info.Filtered+1 {
				t.Errorf("input %d: error at frame %d after %d packets", i, re.Frame, info.Packets)
			}
			if info.Err != nil && info.EOF {
				t.Errorf("input %d: both an error and EOF", i)
			}
		}
	})
}
