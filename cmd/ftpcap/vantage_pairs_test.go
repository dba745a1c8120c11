package main

import (
	"math"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/internal/labpairs"
)

// Every paired capture of the lab (samples/pairs), analysed with
// --vantage: the clock offset the lab applied is measured within its
// tolerance, each verdict the lab's counters show proven is a proven
// break of that cause on that connection, and nothing else is proven.
// (Skipped where the build cannot correlate.)
func TestVantagePairsProveWhatTheLabInjected(t *testing.T) {
	pairs, err := labpairs.All("../../samples/pairs")
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) == 0 {
		t.Fatal("no paired captures in samples/pairs")
	}
	if correlateVantages == nil {
		t.Skip("this build has no correlation engine")
	}
	for _, p := range pairs {
		t.Run(p.Name, func(t *testing.T) {
			requireKeptPackets(t, p.Files(p.Vantages[0].Name)[0])
			args := []string{"analyze", "-F", "json"}
			for _, v := range p.VantageArgs() {
				args = append(args, "--vantage", v)
			}
			code, out, errs := runCLI(args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			r := decodeJSON(t, out)
			checkClocks(t, r, p)
			checkProven(t, r, p)
		})
	}
}

func checkClocks(t *testing.T, r *analysis.Result, p *labpairs.Pair) {
	t.Helper()
	tolerance := p.Clock.ToleranceS
	if tolerance == 0 {
		tolerance = 0.05
	}
	if len(r.VantagePoints) != len(p.Vantages) {
		t.Fatalf("%d vantage points, want %d", len(r.VantagePoints), len(p.Vantages))
	}
	for i, vp := range r.VantagePoints {
		if want := p.Vantages[i].ClockOffsetS; math.Abs(vp.ClockOffsetS-want) > tolerance {
			t.Errorf("%s's clock offset %.6f s, want %.3f s ± %.3f", vp.Name, vp.ClockOffsetS, want, tolerance)
		}
	}
}

func checkProven(t *testing.T, r *analysis.Result, p *labpairs.Pair) {
	t.Helper()
	found := make([]bool, len(p.Proven))
	for _, b := range r.Breaks {
		if b.Proof != analysis.ProofProven {
			continue
		}
		matched := false
		for i, want := range p.Proven {
			if !found[i] && b.Cause == want.Cause && b.Class == want.Class && string(b.Connection.Kind) == want.Kind && b.Connection.Client == want.Connection.Client {
				found[i], matched = true, true
				break
			}
		}
		if !matched {
			t.Errorf("%s %s on %s %s is proven; the lab injected no such fault", b.ID, b.Cause, b.Connection.Kind, b.Connection.Client)
		}
	}
	for i, want := range p.Proven {
		if !found[i] {
			t.Errorf("%s on %s %s is not a proven break", want.Cause, want.Kind, want.Connection.Client)
		}
	}
}
