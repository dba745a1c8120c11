package labpairs

import (
	"math"
	"os"
	"testing"
)

const pairsDir = "../../samples/pairs"

func loadAll(t *testing.T) []*Pair {
	t.Helper()
	pairs, err := All(pairsDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) == 0 {
		t.Fatalf("no pair in %s", pairsDir)
	}
	return pairs
}

// TestPairsComplete: every pair names its two captures and their
// single-vantage expect files, and they exist; the client is first (the
// clock reference).
func TestPairsComplete(t *testing.T) {
	for _, p := range loadAll(t) {
		if len(p.Vantages) != 2 || p.Vantages[0].Name != "client" || p.Vantages[1].Name != "server" {
			t.Errorf("%s: vantages %+v, want client then server", p.Name, p.Vantages)
			continue
		}
		if p.Vantages[0].ClockOffsetS != 0 {
			t.Errorf("%s: the reference point has an offset of %v s", p.Name, p.Vantages[0].ClockOffsetS)
		}
		for _, v := range p.Vantages {
			files := p.Files(v.Name)
			if len(files) == 0 {
				t.Errorf("%s: vantage %s has no file", p.Name, v.Name)
			}
			for _, f := range append(files, p.Dir+"/"+v.Expect) {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("%s: %v", p.Name, err)
				}
			}
		}
	}
}

// TestPairsAddUp: per connection and direction the drops and injections
// the files show are what the rules' counters counted, and the packets
// sent are those delivered plus those dropped; a pair with no injecting
// rule shows none at all.
func TestPairsAddUp(t *testing.T) {
	for _, p := range loadAll(t) {
		var dropped, injected int64
		for _, c := range p.Connections {
			for _, dir := range []string{ClientToServer, ServerToClient} {
				got, ok := c.Path[dir]
				if !ok {
					t.Errorf("%s: %s connection %d has no %s path", p.Name, c.Kind, c.ClientISN, dir)
					continue
				}
				if got.Sent != got.Delivered+got.Dropped {
					t.Errorf("%s: %s %s: sent %d != delivered %d + dropped %d", p.Name, c.Kind, dir, got.Sent, got.Delivered, got.Dropped)
				}
				if want := p.Expected(c.Kind, dir, "dropped"); got.Dropped != want {
					t.Errorf("%s: %s %s: %d dropped, the counters say %d", p.Name, c.Kind, dir, got.Dropped, want)
				}
				if want := p.Expected(c.Kind, dir, "injected"); got.Injected != want {
					t.Errorf("%s: %s %s: %d injected, the counters say %d", p.Name, c.Kind, dir, got.Injected, want)
				}
				dropped += got.Dropped
				injected += got.Injected
			}
		}
		injecting := false
		for _, c := range p.Counters {
			injecting = injecting || len(c.Counts) > 0
		}
		if !injecting && (dropped != 0 || injected != 0) {
			t.Errorf("%s: no rule dropped or injected, yet %d dropped and %d injected", p.Name, dropped, injected)
		}
		if injecting && dropped+injected == 0 {
			t.Errorf("%s: the fault's rules counted nothing", p.Name)
		}
	}
}

// TestPairsClock: the measured offset is the shift applied, well within
// the tolerance the issue sets.
func TestPairsClock(t *testing.T) {
	for _, p := range loadAll(t) {
		want := p.Vantages[1].ClockOffsetS
		if p.Clock.MeasuredS == nil {
			continue // nothing delivered both ways (the handshake stall)
		}
		if d := math.Abs(*p.Clock.MeasuredS - want); d > 0.005 {
			t.Errorf("%s: measured offset %v s, applied %v s", p.Name, *p.Clock.MeasuredS, want)
		}
	}
}

// TestPairsProveWhatTheyClaim: every pair with an injecting rule proves a
// break on a connection it lists; NAT pairs list a translation per
// connection seen at both points.
func TestPairsProveWhatTheyClaim(t *testing.T) {
	for _, p := range loadAll(t) {
		for _, b := range p.Proven {
			found := false
			for _, c := range p.Connections {
				for _, e := range c.Endpoints {
					if e != nil && *e == b.Connection && c.Kind == b.Kind {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("%s: proven %s on %+v, a connection the pair does not list", p.Name, b.Cause, b.Connection)
			}
		}
		if p.NAT != nil {
			both := 0
			for _, c := range p.Connections {
				if len(c.SeenAt) == 2 {
					both++
				}
			}
			if len(p.NAT.Translations) != both {
				t.Errorf("%s: %d translations for %d connections seen at both points", p.Name, len(p.NAT.Translations), both)
			}
		}
	}
}

// TestPairsCaptureLoss: where frames were deleted from a file, they are
// packets its own host received, and none of them counts as dropped.
func TestPairsCaptureLoss(t *testing.T) {
	seen := false
	for _, p := range loadAll(t) {
		for _, c := range p.Connections {
			for vantage, dirs := range c.CaptureLost {
				received := ServerToClient
				if vantage == "server" {
					received = ClientToServer
				}
				for dir, n := range dirs {
					if n > 0 {
						seen = true
					}
					if n > 0 && dir != received {
						t.Errorf("%s: the %s's file lost %d packets it sent (%s)", p.Name, vantage, n, dir)
					}
					if n > 0 && c.Path[dir].Dropped != 0 {
						t.Errorf("%s: capture loss counted as %d dropped", p.Name, c.Path[dir].Dropped)
					}
				}
			}
		}
	}
	if !seen {
		t.Error("no pair has capture loss")
	}
}
