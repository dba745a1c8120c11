package analysis_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// TestNoAllocationPerPacket: the whole pipeline, reading to judging, in
// either mode, allocates nothing per packet of an established
// connection: twice the packets cost no more allocations (what a run
// allocates once, for its connections and its report, cancels out).
func TestNoAllocationPerPacket(t *testing.T) {
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.pcap"), filepath.Join(dir, "large.pcap")
	const n = 20000
	writeBulkCapture(t, small, n)
	writeBulkCapture(t, large, 2*n)
	for _, parallel := range []bool{false, true} {
		opts := analysis.Options{Parallel: parallel}
		mallocs := func(path string) uint64 {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if _, err := analysis.Files(context.Background(), []string{path}, opts); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			return after.Mallocs - before.Mallocs
		}
		mallocs(small) // warm up: lazily built tables
		a, b := mallocs(small), mallocs(large)
		perPacket := (float64(b) - float64(a)) / n
		t.Logf("parallel %v: %d allocations for %d packets, %d for %d: %.4f per packet", parallel, a, n, b, 2*n, perPacket)
		if perPacket > 0.01 {
			t.Errorf("parallel %v: %.4f allocations per packet, want none", parallel, perPacket)
		}
	}
}
