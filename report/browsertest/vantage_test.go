package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/correlate"
	"github.com/ftpcap/ftpcap/report"
)

// writeVantageReport analyses a lab pair's captures at the client and at
// the server as ftpcap analyze --vantage does for -F html (packets and
// diagrams kept, correlated, merged) and writes the page.
func writeVantageReport(t *testing.T, pair string) string {
	t.Helper()
	var vs []correlate.Vantage
	for _, point := range []string{"client", "server"} {
		capture := filepath.Join("..", "..", "samples", "pairs", pair+"-"+point+".pcap")
		if _, err := os.Stat(capture); err != nil {
			t.Skipf("no lab pair %s: %v", pair, err)
		}
		res, err := analysis.Files(context.Background(), []string{capture}, analysis.Options{Diagrams: true, KeepPackets: true})
		if err != nil {
			t.Fatalf("analyse %s: %v", capture, err)
		}
		vs = append(vs, correlate.Vantage{Name: point, Paths: []string{capture}, Result: res})
	}
	res := correlate.Merge(vs, correlate.Correlate(vs, correlate.Options{}))
	path := filepath.Join(t.TempDir(), pair+".html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	werr := report.Write(f, res, report.Options{Format: "html"})
	if err := f.Close(); err != nil && werr == nil {
		werr = err
	}
	if werr != nil {
		t.Fatalf("write the HTML report of %s: %v", pair, werr)
	}
	return path
}

// TestTwoPointReportInBrowser opens the report of the middlebox reset
// captured at the client and at the server: the ladder lays out with
// both capture points' columns named, and the forged reset is drawn
// injected between them, with JavaScript on and off.
func TestTwoPointReportInBrowser(t *testing.T) {
	path := writeVantageReport(t, "pair-middlebox-reset")
	b := startBrowser(t)
	for _, scripts := range []bool{true, false} {
		tb := b.open(t, path, scripts)
		mode := "JavaScript on"
		if !scripts {
			mode = "JavaScript off"
		}
		if err := tb.rendered("svg.ladder .pkt.rst.injected"); err != nil {
			t.Errorf("%s: the injected reset: %v", mode, err)
		}
		if err := tb.rendered("svg.ladder .pkt.dropped"); err != nil {
			t.Errorf("%s: the packets dropped after the reset: %v", mode, err)
		}
		// The columns' headings, laid out with a width (evaluating
		// needs no page script: it runs in the page's context).
		headings, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("svg.ladder text"))
			.filter(e => e.textContent.startsWith("capture at ") && e.getBBox().width > 0).map(e => e.textContent)`))
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		for _, want := range []string{"capture at client", "capture at server"} {
			if !slices.Contains(headings, want) {
				t.Errorf("%s: no column headed %q among %q", mode, want, headings)
			}
		}
		checkOffline(t, tb)
		if scripts {
			tb.screenshot(t, "pair-middlebox-reset")
		}
	}
}
