package main

import (
	"math"
	"strconv"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/internal/labpairs"
)

// Every paired capture of the lab (samples/pairs), analysed with
// --vantage: the clock offset the lab applied is measured within its
// tolerance, each verdict the lab's counters show proven is a proven
// break of that cause on that connection, and nothing else is proven.
func TestVantagePairsProveWhatTheLabInjected(t *testing.T) {
	pairs, err := labpairs.All("../../samples/pairs")
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) == 0 {
		t.Fatal("no paired captures in samples/pairs")
	}
	for _, p := range pairs {
		t.Run(p.Name, func(t *testing.T) {
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
			proven := checkProven(t, r, p)
			same, conns := checkPaths(t, r, p)
			offset := 0.0
			if n := len(r.VantagePoints); n > 1 {
				offset = math.Round(r.VantagePoints[n-1].ClockOffsetS*1e6)/1e6 + 0 // + 0: no "-0.000000"
			}
			// make accuracy prints these lines.
			t.Logf("pair %-26s clock %+9.6f s (lab %+.3f)  proven %d of %d expected  paths %d of %d connections as the lab counted",
				p.Name, offset, p.Vantages[len(p.Vantages)-1].ClockOffsetS, proven, len(p.Proven), same, conns)
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

func checkProven(t *testing.T, r *analysis.Result, p *labpairs.Pair) (n int) {
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
	for _, f := range found {
		if f {
			n++
		}
	}
	return n
}

// checkPaths compares each connection's path counts with what the lab's
// rules counted (the expect file's connections[].path): found by its
// ends as one of the points saw them.
func checkPaths(t *testing.T, r *analysis.Result, p *labpairs.Pair) (same, total int) {
	t.Helper()
	for _, want := range p.Connections {
		total++
		var got *analysis.Connection
		for i := range r.Connections {
			c := &r.Connections[i]
			for _, ends := range want.Endpoints {
				if ends != nil && c.Client == ends.Client && c.Server == ends.Server {
					got = c
				}
			}
		}
		name := want.Kind + " connection " + strconv.FormatUint(uint64(want.ClientISN), 10)
		if got == nil {
			t.Errorf("%s (seen at %v): not in the report", name, want.SeenAt)
			continue
		}
		if got.Path == nil {
			t.Errorf("%s %s → %s: no path counts", name, got.Client, got.Server)
			continue
		}
		equal := true
		for dir, counts := range map[string]analysis.PathCounts{
			"client_to_server": got.Path.ClientToServer, "server_to_client": got.Path.ServerToClient,
		} {
			w := want.Path[dir]
			if g := (labpairs.DirCounts{Sent: counts.Sent, Delivered: counts.Delivered, Dropped: counts.Dropped, Injected: counts.Injected}); g != w {
				t.Errorf("%s %s → %s, %s: %+v, the lab counted %+v", name, got.Client, got.Server, dir, g, w)
				equal = false
			}
		}
		if equal {
			same++
		}
	}
	return same, total
}
