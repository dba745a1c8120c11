package correlate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

// FuzzCorrelatePair runs two damaged captures through the whole
// multi-point path: each analysed with its packets kept, correlated and
// merged. Nothing may panic, every pair's counts must add up (what was
// sent was delivered or dropped), and the merged report must encode as
// JSON.
func FuzzCorrelatePair(f *testing.F) {
	for _, name := range []string{"pair-middlebox-reset", "pair-nat", "pair-handshake-stall"} {
		a, errA := os.ReadFile(filepath.Join("..", "samples", "pairs", name+"-client.pcap"))
		b, errB := os.ReadFile(filepath.Join("..", "samples", "pairs", name+"-server.pcap"))
		if errA != nil || errB != nil {
			f.Fatalf("seed %s: %v %v", name, errA, errB)
		}
		f.Add(a, b)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		// A hang is a failure too: the fuzzer keeps no input of a run
		// that never ends, so the watchdog fails it while it runs.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				panic(fmt.Sprintf("correlating two captures of %d and %d bytes took over 20 s", len(a), len(b)))
			}
		}()
		dir := t.TempDir()
		var vs []Vantage
		for i, data := range [][]byte{a, b} {
			path := filepath.Join(dir, []string{"client.pcap", "server.pcap"}[i])
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := analysis.Files(context.Background(), []string{path}, analysis.Options{KeepPackets: true, Diagrams: true})
			if err != nil {
				return // not a capture at all: the CLI says so before correlating
			}
			vs = append(vs, Vantage{Name: []string{"client", "server"}[i], Paths: []string{path}, Result: res})
		}
		c := Correlate(vs, Options{})
		for _, p := range c.Pairs {
			for d, n := range p.Path {
				if n.Sent != n.Delivered+n.Dropped || n.Sent < 0 || n.Injected < 0 {
					t.Fatalf("pair %d/%d direction %d: %+v does not add up", p.ConnA, p.ConnB, d, n)
				}
			}
		}
		merged := Merge(vs, c)
		if merged == nil {
			t.Fatal("Merge returned no report")
		}
		if _, err := json.Marshal(merged); err != nil {
			t.Fatalf("the merged report does not encode: %v", err)
		}
	})
}
