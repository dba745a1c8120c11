package analysis

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// largestSample returns the biggest bundled capture.
func largestSample(b *testing.B) (string, int64) {
	var best string
	var size int64
	for _, pat := range []string{"../samples/*.pcap", "../samples/*.pcapng"} {
		m, _ := filepath.Glob(pat)
		for _, p := range m {
			if st, err := os.Stat(p); err == nil && st.Size() > size {
				best, size = p, st.Size()
			}
		}
	}
	if best == "" {
		b.Skip("no samples")
	}
	return best, size
}

// BenchmarkAnalyzeLargestSample measures the whole pipeline (read, decode,
// track, dissect, judge) on the largest lab capture.
func BenchmarkAnalyzeLargestSample(b *testing.B) {
	path, size := largestSample(b)
	b.SetBytes(size)
	b.ReportAllocs()
	var packets int64
	for b.Loop() {
		res, err := Files(context.Background(), []string{path}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		packets = res.Stats.Packets
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	b.Logf("%s: %d packets", filepath.Base(path), packets)
}
