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

// BenchmarkKeepPackets measures the pipeline with and without
// KeepPackets on a large generated capture (FTPCAP_BENCH_PAIR, default
// /tmp/bd/many.pcap of go run ./bench/cmd/ftpgen -o /tmp/bd many).
func BenchmarkKeepPackets(b *testing.B) {
	path := os.Getenv("FTPCAP_BENCH_PAIR")
	if path == "" {
		path = "/tmp/bd/many.pcap"
	}
	if _, err := os.Stat(path); err != nil {
		b.Skip("no capture (FTPCAP_BENCH_PAIR)")
	}
	for _, keep := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[keep], func(b *testing.B) {
			b.ReportAllocs()
			var packets, kept int64
			for b.Loop() {
				res, err := Files(context.Background(), []string{path}, Options{KeepPackets: keep})
				if err != nil {
					b.Fatal(err)
				}
				packets, kept = res.Stats.Packets, 0
				for _, c := range res.Packets {
					kept += int64(len(c.Packets))
				}
			}
			b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
			b.Logf("%d packets, %d kept", packets, kept)
		})
	}
}
