// Package bench_test profiles ftpcap's whole pipeline on the generated
// benchmark captures (make bench-data). It runs only when told where they
// are, so `go test ./...` stays quick:
//
//	FTPCAP_BENCH_DATA=$PWD/bench-data go test ./bench -run '^$' \
//	    -bench 'AnalyzeCapture/many$' -benchtime 3x -cpuprofile /tmp/cpu.out
//	go tool pprof -top /tmp/cpu.out
package bench_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/report"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// BenchmarkAnalyzeCapture does what `ftpcap analyze -F json F > /dev/null`
// does with default flags: the analysis (on three goroutines, as the
// command runs it), then the JSON report.
func BenchmarkAnalyzeCapture(b *testing.B) {
	dir := os.Getenv("FTPCAP_BENCH_DATA")
	if dir == "" {
		b.Skip("FTPCAP_BENCH_DATA is not set (the directory make bench-data writes)")
	}
	for _, name := range []string{"large", "large-100m", "many", "synflood"} {
		path := filepath.Join(dir, name+".pcap")
		b.Run(name, func(b *testing.B) {
			st, err := os.Stat(path)
			if err != nil {
				b.Skipf("%v (make bench-data)", err)
			}
			opts := analysis.Options{Version: "bench", Tracker: tcpflow.DefaultOptions(), Parallel: true}
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var packets int64
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				res, err := analysis.Files(context.Background(), []string{path}, opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := report.Write(io.Discard, res, report.Options{Format: report.FormatJSON}); err != nil {
					b.Fatal(err)
				}
				packets += res.Stats.Packets
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
			// Per packet, what every connection, session and report line
			// allocates, spread over the file's packets.
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(packets), "allocs/packet")
		})
	}
}

// BenchmarkAnalyzeDiagrams is the analysis of the html format: the
// pipeline with Options.Diagrams, which keeps packet traces of the FTP
// connections and draws each listed break's ladder, each broken
// transfer's time-sequence graph and each session's timeline. Compare
// with BenchmarkAnalyzeCapture for what the diagrams cost; live-heap/MB
// is what the result holds once the run is over.
func BenchmarkAnalyzeDiagrams(b *testing.B) {
	dir := os.Getenv("FTPCAP_BENCH_DATA")
	if dir == "" {
		b.Skip("FTPCAP_BENCH_DATA is not set (the directory make bench-data writes)")
	}
	for _, name := range []string{"large", "many"} {
		path := filepath.Join(dir, name+".pcap")
		for _, diagrams := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/diagrams=%v", name, diagrams), func(b *testing.B) {
				st, err := os.Stat(path)
				if err != nil {
					b.Skipf("%v (make bench-data)", err)
				}
				opts := analysis.Options{Version: "bench", Tracker: tcpflow.DefaultOptions(), Parallel: true, Diagrams: diagrams}
				b.SetBytes(st.Size())
				b.ReportAllocs()
				var res *analysis.Result
				for b.Loop() {
					if res, err = analysis.Files(context.Background(), []string{path}, opts); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapAlloc)/1e6, "live-heap/MB")
				runtime.KeepAlive(res)
			})
		}
	}
}
