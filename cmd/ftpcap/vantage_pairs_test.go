package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// pairExpect is what the lab wrote of a paired capture
// (samples/pairs/pair-*.expect.json, samples/lab/pairs.py): its points,
// the clock shift it applied, and the verdicts the two points together
// must prove.
type pairExpect struct {
	Pair     string `json:"pair"`
	Vantages []struct {
		Name  string   `json:"name"`
		Files []string `json:"files"`
	} `json:"vantages"`
	Clock struct {
		ShiftS     map[string]float64 `json:"shift_s"`
		ToleranceS float64            `json:"tolerance_s"`
	} `json:"clock"`
	Proven []struct {
		Class      string `json:"class"`
		Cause      string `json:"cause"`
		Kind       string `json:"kind"`
		Connection struct {
			Client string `json:"client"`
		} `json:"connection"`
	} `json:"proven"`
}

// Every paired capture of the lab, analysed with --vantage: the clock
// offset the lab applied is measured within its tolerance, each verdict
// the lab's counters show proven is a proven break of that cause on that
// connection, and nothing else is proven. (Skipped where the build
// cannot correlate or the samples are not there.)
func TestVantagePairsProveWhatTheLabInjected(t *testing.T) {
	files, _ := filepath.Glob("../../samples/pairs/pair-*.expect.json")
	var pairs []string
	for _, f := range files {
		if !strings.HasSuffix(f, "-client.expect.json") && !strings.HasSuffix(f, "-server.expect.json") {
			pairs = append(pairs, f)
		}
	}
	if len(pairs) == 0 {
		t.Skip("no paired captures in samples/pairs")
	}
	if correlateVantages == nil {
		t.Skip("this build has no correlation engine")
	}
	for _, f := range pairs {
		var exp pairExpect
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(exp.Pair, func(t *testing.T) {
			requireKeptPackets(t, filepath.Join(filepath.Dir(f), exp.Vantages[0].Files[0]))
			args := []string{"analyze", "-F", "json"}
			for _, v := range exp.Vantages {
				var paths []string
				for _, p := range v.Files {
					paths = append(paths, filepath.Join(filepath.Dir(f), p))
				}
				args = append(args, "--vantage", v.Name+"="+strings.Join(paths, ","))
			}
			code, out, errs := runCLI(args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			r := decodeJSON(t, out)
			checkClocks(t, r, exp)
			checkProven(t, r, exp)
		})
	}
}

func checkClocks(t *testing.T, r *analysis.Result, exp pairExpect) {
	t.Helper()
	tolerance := exp.Clock.ToleranceS
	if tolerance == 0 {
		tolerance = 0.05
	}
	for _, vp := range r.VantagePoints {
		want := exp.Clock.ShiftS[vp.Name]
		if math.Abs(vp.ClockOffsetS-want) > tolerance {
			t.Errorf("%s's clock offset %.6f s, want %.3f s ± %.3f", vp.Name, vp.ClockOffsetS, want, tolerance)
		}
	}
}

func checkProven(t *testing.T, r *analysis.Result, exp pairExpect) {
	t.Helper()
	found := make([]bool, len(exp.Proven))
	for _, b := range r.Breaks {
		if b.Proof != analysis.ProofProven {
			continue
		}
		matched := false
		for i, p := range exp.Proven {
			if !found[i] && b.Cause == p.Cause && string(b.Connection.Kind) == p.Kind && b.Connection.Client == p.Connection.Client {
				found[i], matched = true, true
				break
			}
		}
		if !matched {
			t.Errorf("%s %s on %s %s is proven; the lab injected no such fault", b.ID, b.Cause, b.Connection.Kind, b.Connection.Client)
		}
	}
	for i, p := range exp.Proven {
		if !found[i] {
			t.Errorf("%s on %s %s is not a proven break", p.Cause, p.Kind, p.Connection.Client)
		}
	}
}
