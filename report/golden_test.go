package report

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMain(m *testing.M) {
	// tablewriter guesses East Asian character widths from the locale at
	// start-up; pin the narrow widths so golden files do not depend on
	// the environment the tests run in.
	twwidth.SetOptions(twwidth.Options{EastAsianWidth: false})
	os.Exit(m.Run())
}

// variant is one way of rendering a fixture, with its golden file suffix.
type variant struct {
	suffix string
	opts   Options
}

var variants = []variant{
	{"table.txt", Options{}},
	{"verbose.txt", Options{Verbose: true}},
	{"json", Options{Format: FormatJSON}},
	{"ndjson", Options{Format: FormatNDJSON}},
	{"csv", Options{Format: FormatCSV}},
	{"md", Options{Format: FormatMarkdown}},
	{"html", Options{Format: FormatHTML}},
}

// extraVariants are rendered for the broken fixture only.
var extraVariants = []variant{
	{"color.txt", Options{Color: true, Verbose: true}},
	{"w72.txt", Options{Width: 72, Verbose: true}},
	{"w160.txt", Options{Width: 160}},
}

func render(t *testing.T, f fixture, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f.build(), opts); err != nil {
		t.Fatalf("Write(%s, %+v): %v", f.name, opts, err)
	}
	return buf.Bytes()
}

func variantsFor(f fixture) []variant {
	if f.name == "broken" {
		return append(append([]variant(nil), variants...), extraVariants...)
	}
	return variants
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures {
		for _, v := range variantsFor(f) {
			name := f.name + "." + v.suffix
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				checkGolden(t, name, render(t, f, v.opts))
			})
		}
	}
}

// checkGolden compares got with testdata/name byte for byte, or rewrites
// the file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (- want, + got; go test ./report -update rewrites it):\n%s",
			path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the lines that differ between want and got, with a few
// lines of context, from a longest-common-subsequence alignment. Golden
// files are small enough for the quadratic table.
func lineDiff(want, got string) string {
	a := strings.Split(want, "\n")
	b := strings.Split(got, "\n")
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		mark byte
		line string
		n    int // line number in want (-, space) or got (+)
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i + 1})
			i++
			j++
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', b[j], j + 1})
			j++
		default:
			ops = append(ops, op{'-', a[i], i + 1})
			i++
		}
	}
	const context = 2
	var out strings.Builder
	lastShown := -1
	for k, o := range ops {
		near := false
		for d := max(0, k-context); d <= min(len(ops)-1, k+context); d++ {
			if ops[d].mark != ' ' {
				near = true
				break
			}
		}
		if !near {
			continue
		}
		if lastShown >= 0 && k > lastShown+1 {
			out.WriteString("...\n")
		}
		fmt.Fprintf(&out, "%c%5d %q\n", o.mark, o.n, o.line)
		lastShown = k
	}
	return out.String()
}

func TestLineDiffShowsChange(t *testing.T) {
	d := lineDiff("a\nb\nc\n", "a\nB\nc\n")
	if !strings.Contains(d, `-    2 "b"`) || !strings.Contains(d, `+    2 "B"`) {
		t.Errorf("lineDiff did not show the changed line:\n%s", d)
	}
}
