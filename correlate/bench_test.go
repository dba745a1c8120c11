package correlate

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// BenchmarkCorrelateSameCapture correlates a large capture with itself
// (FTPCAP_BENCH_PAIR, e.g. the generated /tmp/bd/many.pcap of go run
// ./bench/cmd/ftpgen -o /tmp/bd many): every connection and packet
// matches, the most work matching can do. The analysis is done once,
// outside the timing; packets/s counts the packets of both points.
func BenchmarkCorrelateSameCapture(b *testing.B) {
	path := os.Getenv("FTPCAP_BENCH_PAIR")
	if path == "" {
		path = "/tmp/bd/many.pcap"
	}
	if _, err := os.Stat(path); err != nil {
		b.Skip("no capture to correlate (FTPCAP_BENCH_PAIR)")
	}
	res, err := analysis.Files(context.Background(), []string{path}, analysis.Options{KeepPackets: true, Parallel: true})
	if err != nil {
		b.Fatal(err)
	}
	var kept int64
	for _, c := range res.Packets {
		kept += int64(len(c.Packets))
	}
	vs := []Vantage{{Name: "a", Result: res}, {Name: "b", Result: res}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	var co *Correlation
	for b.Loop() {
		co = Correlate(vs, Options{})
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(2*kept)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(2*kept), "B/packet")
	b.Logf("%d connections, %d packets kept at each point; %d pairs, %d matched, notes %q",
		len(res.Packets), kept, len(co.Pairs), co.Points[1].Matched, co.Notes)
}
