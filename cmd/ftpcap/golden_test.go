package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

var update = flag.Bool("update", false, "rewrite golden files")

// samples returns the bundled lab captures.
func samples(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"../../samples/*.pcap", "../../samples/*.pcapng"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatal("no captures in samples/")
	}
	return out
}

// sampleFiles returns the files of the sample whose first file is path: a
// rotated capture is a numbered set, as tcpdump -C names it (x.pcap,
// x.pcap1, x.pcap2, …), read as one capture.
func sampleFiles(path string) []string {
	files := []string{path}
	for i := 1; ; i++ {
		next := fmt.Sprintf("%s%d", path, i)
		if _, err := os.Stat(next); err != nil {
			return files
		}
		files = append(files, next)
	}
}

func sampleName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".pcapng"), ".pcap")
}

// runCLI runs the CLI and returns its exit code and outputs.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
// The golden files hold what the capture decides, not what the build
// says: the version and the limits the report echoes at their defaults
// are written as placeholders (goldenView), so a version bump or a new
// default touches no golden file and a verdict change stands out in
// review. TestReportEchoesDefaults checks the values themselves, once.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	got = goldenView(got)
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ftpcap -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (rerun with -update after checking):\n%s", name, lineDiff(string(want), got))
	}
}

// echoedDefaults are the report's echoes of the build and of option
// defaults: the pattern of each, the value it has at the default, and
// the placeholder the golden files hold instead.
func echoedDefaults() []struct {
	re          *regexp.Regexp
	value, hold string
} {
	def := tcpflow.DefaultOptions()
	type echo = struct {
		re          *regexp.Regexp
		value, hold string
	}
	field := func(name string, v int) echo {
		// JSON ("name": v) and NDJSON ("name":v).
		return echo{regexp.MustCompile(`("` + name + `": ?)(-?\d+)\b`), strconv.Itoa(v), `"{default}"`}
	}
	return []echo{
		field("max_connections", def.MaxConns),
		field("max_half_open", min(def.MaxHalfOpen, def.MaxConns)),
		field("max_reported", analysis.DefaultMaxReported),
		{regexp.MustCompile(`("version": ?)"([^"]*)"`), version, `"{version}"`},
		// The table's and Markdown's first line.
		{regexp.MustCompile(`^(#? ?ftpcap )(\S+)( report)`), version, "{version}"},
	}
}

// goldenView replaces the echoes of the build and of option defaults by
// placeholders; a value other than the default (a test's own limit) is
// kept.
func goldenView(out string) string {
	for _, e := range echoedDefaults() {
		out = e.re.ReplaceAllStringFunc(out, func(m string) string {
			sub := e.re.FindStringSubmatch(m)
			if sub[2] != e.value {
				return m
			}
			rest := ""
			if len(sub) > 3 {
				rest = sub[3]
			}
			return sub[1] + e.hold + rest
		})
	}
	return out
}

// The report echoes the version and the limits in force; the golden
// files hold placeholders for them at their defaults, so they are
// checked here, once, against the code's defaults.
func TestReportEchoesDefaults(t *testing.T) {
	code, out, errs := runCLI("analyze", "-F", "json", "../../samples/clean-pasv.pcap")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := decodeJSON(t, out)
	def := tcpflow.DefaultOptions()
	if r.Version != version || r.Stats.MaxConns != def.MaxConns || r.Stats.MaxHalfOpen != min(def.MaxHalfOpen, def.MaxConns) ||
		r.Stats.MaxReported != analysis.DefaultMaxReported {
		t.Errorf("report echoes version %s, max_connections %d, max_half_open %d, max_reported %d; want %s, %d, %d, %d",
			r.Version, r.Stats.MaxConns, r.Stats.MaxHalfOpen, r.Stats.MaxReported,
			version, def.MaxConns, min(def.MaxHalfOpen, def.MaxConns), analysis.DefaultMaxReported)
	}
	if strings.Contains(goldenView(out), strconv.Itoa(def.MaxConns)) {
		t.Errorf("goldenView left the default max_connections in place")
	}
	_, other, _ := runCLI("analyze", "-F", "json", "--max-conns", "77", "../../samples/clean-pasv.pcap")
	if !strings.Contains(goldenView(other), `"max_connections": 77`) {
		t.Errorf("goldenView hid a limit other than the default")
	}
	_, table, _ := runCLI("analyze", "../../samples/clean-pasv.pcap")
	if !strings.HasPrefix(goldenView(table), "ftpcap {version} report") {
		t.Errorf("table header not normalized: %.40q", table)
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want: %s\n  got:  %s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

// TestGoldenSamples: every sample's table and JSON report, byte for byte.
func TestGoldenSamples(t *testing.T) {
	for _, path := range samples(t) {
		name := sampleName(path)
		t.Run(name, func(t *testing.T) {
			for _, format := range []string{"table", "json"} {
				code, out, errs := runCLI(append([]string{"analyze", "--format", format}, sampleFiles(path)...)...)
				if code != exitOK {
					t.Fatalf("exit %d, stderr %q", code, errs)
				}
				ext := map[string]string{"table": "txt", "json": "json"}[format]
				checkGolden(t, name+"."+ext, out)
			}
		})
	}
}

// TestGoldenOtherFormats: the remaining formats on two samples with breaks.
func TestGoldenOtherFormats(t *testing.T) {
	for _, name := range []string{"server-reset", "login-failures"} {
		path := "../../samples/" + name + ".pcap"
		for _, format := range []string{"ndjson", "csv", "markdown"} {
			code, out, errs := runCLI("analyze", "-F", format, "-r", path)
			if code != exitOK {
				t.Fatalf("%s %s: exit %d, stderr %q", name, format, code, errs)
			}
			checkGolden(t, name+"."+format, out)
		}
	}
}

func TestMain(m *testing.M) {
	twwidth.SetOptions(twwidth.Options{EastAsianWidth: false}) // as main does
	os.Exit(m.Run())
}
