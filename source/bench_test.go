package source

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// BenchmarkFilesNext reads a real capture (from the page cache) through
// Files: one op is the whole file; ns/packet and packets/s are reported.
func BenchmarkFilesNext(b *testing.B) {
	path := corpusPath(b, "zeek/Traces/http/206_example_b.pcap")
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("pcap", func(b *testing.B) { benchmarkRead(b, []string{path}, st.Size()) })

	// The same packets split over four files, to measure the merge.
	_, all := openAll(b, []string{path}, Options{})
	recs := recordsOf(all)
	parts := make([][]record, 4)
	for i, r := range recs {
		parts[i%4] = append(parts[i%4], r)
	}
	dir := b.TempDir()
	var paths []string
	for i, p := range parts {
		paths = append(paths, writeTemp(b, dir, string(rune('a'+i)), pcapBytes(b, layers.LinkTypeEthernet, p, false)))
	}
	b.Run("merge-4-files", func(b *testing.B) { benchmarkRead(b, paths, st.Size()) })

	// Twenty copies in one file, so that opening it costs little against
	// reading it: the per-packet cost of the steady state.
	var long []record
	span := all[len(all)-1].ts.Sub(all[0].ts) + time.Second
	for i := range 20 {
		for _, r := range recs {
			r.ci.Timestamp = r.ci.Timestamp.Add(time.Duration(i) * span)
			long = append(long, r)
		}
	}
	longPcap := pcapBytes(b, layers.LinkTypeEthernet, long, false)
	x20 := writeTemp(b, dir, "x20", longPcap)
	b.Run("pcap-x20", func(b *testing.B) { benchmarkRead(b, []string{x20}, int64(len(longPcap))) })

	gz := writeTemp(b, dir, "gz", gzipBytes(b, pcapBytes(b, layers.LinkTypeEthernet, recs, false)))
	b.Run("pcap-gzip", func(b *testing.B) { benchmarkRead(b, []string{gz}, st.Size()) })
	ng := writeTemp(b, dir, "ng", pcapngBytes(b, layers.LinkTypeEthernet, recs))
	b.Run("pcapng", func(b *testing.B) { benchmarkRead(b, []string{ng}, st.Size()) })
}

func benchmarkRead(b *testing.B, paths []string, size int64) {
	b.SetBytes(size)
	b.ReportAllocs()
	var packets int64
	var p Packet
	for b.Loop() {
		f, err := OpenFiles(paths, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			err := f.Next(&p)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			packets++
		}
		f.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
}
