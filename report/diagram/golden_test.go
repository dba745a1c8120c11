package diagram

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden SVG files under testdata")

// drawing is one golden case: a name (the file testdata/NAME.svg) and
// how to draw it.
type drawing struct {
	name string
	draw func(*bytes.Buffer) error
}

func goldenDrawings() []drawing {
	return []drawing{
		{"ladder-middlebox-reset", func(b *bytes.Buffer) error { return Ladder(b, middleboxReset(), "client-side") }},
		{"ladder-mtu-black-hole", func(b *bytes.Buffer) error { return Ladder(b, mtuBlackHole(), "server-side") }},
		{"ladder-active-blocked", func(b *bytes.Buffer) error { return Ladder(b, activeBlocked(), "client-side") }},
		{"ladder-long-transfer", func(b *bytes.Buffer) error { return Ladder(b, longTransfer(), "unknown") }},
		{"ladder-two-points", func(b *bytes.Buffer) error { return Ladder(b, twoPoints(), "client-side") }},
		{"tsg-mtu-black-hole", func(b *bytes.Buffer) error { g, m := blackHoleGraph(); return SeqGraph(b, g, m) }},
		{"tsg-zero-window", func(b *bytes.Buffer) error { g, m := zeroWindowGraph(); return SeqGraph(b, g, m) }},
		{"timeline-session", func(b *bytes.Buffer) error { return Timeline(b, sessionTimeline()) }},
		{"tsg-long-reduced", func(b *bytes.Buffer) error {
			g := longGraph(200_000, 5_000)
			g.Reduced = 1_000_000
			return SeqGraph(b, g, Mark{})
		}},
	}
}

// TestGolden compares each drawing with its file byte for byte: the
// output is deterministic, and a change to it is reviewed as a diff.
func TestGolden(t *testing.T) {
	for _, d := range goldenDrawings() {
		t.Run(d.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := d.draw(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", d.name+".svg")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report/diagram -run Golden -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the drawing (run go test ./report/diagram -run Golden -update and review the diff)", path)
			}
			var again bytes.Buffer
			if err := d.draw(&again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), again.Bytes()) {
				t.Error("two drawings of the same record differ")
			}
		})
	}
}
