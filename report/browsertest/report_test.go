package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/report"
)

// writeReport analyses a lab sample (a file name in samples/) with the
// diagrams kept and writes its HTML report into the test's temporary
// folder.
func writeReport(t *testing.T, sample string) string {
	t.Helper()
	capture := filepath.Join("..", "..", "samples", sample)
	res, err := analysis.Files(context.Background(), []string{capture}, analysis.Options{Diagrams: true})
	if err != nil {
		t.Fatalf("analyse %s: %v", capture, err)
	}
	path := filepath.Join(t.TempDir(), strings.TrimSuffix(sample, filepath.Ext(sample))+".html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	werr := report.Write(f, res, report.Options{Format: "html"})
	if err := f.Close(); err != nil && werr == nil {
		werr = err
	}
	if werr != nil {
		t.Fatalf("write the HTML report of %s: %v", sample, werr)
	}
	return path
}

// checkOffline fails the test for every request the page made besides
// itself, and for every dialog it opened.
func checkOffline(t *testing.T, tb *tab) {
	t.Helper()
	for _, u := range tb.madeRequests() {
		t.Errorf("the page requested %s (blocked): the report must make no request of any kind", u)
	}
	for _, d := range tb.openedDialogs() {
		t.Errorf("the page opened a JavaScript dialog: %s", d)
	}
}

// TestReportInBrowser opens the reports of lab captures with a middlebox
// reset and an MTU black hole: the ladder diagram and the time-sequence
// graph lay out with a size, the deciding reset is highlighted, the page
// asks the network for nothing, and the diagrams stay with JavaScript off.
func TestReportInBrowser(t *testing.T) {
	b := startBrowser(t)
	cases := []struct {
		sample   string
		drawn    []string // selectors that must render with a size
		deciding bool     // a highlighted deciding reset in a ladder
	}{
		{"middlebox-reset-control", []string{"svg.ladder"}, true},
		{"middlebox-reset-data", []string{"svg.ladder"}, true},
		{"mtu-blackhole", []string{"svg.ladder", "svg.tsg"}, false},
	}
	for _, c := range cases {
		t.Run(c.sample, func(t *testing.T) {
			path := writeReport(t, c.sample+".pcap")
			for _, scripts := range []bool{true, false} {
				tb := b.open(t, path, scripts)
				mode := "JavaScript on"
				if !scripts {
					mode = "JavaScript off"
				}
				for _, sel := range c.drawn {
					if err := tb.rendered(sel); err != nil {
						t.Errorf("%s: %v", mode, err)
					}
				}
				if c.deciding {
					// The highlighted reset is there and drawn, not
					// folded away or hidden.
					if err := tb.rendered("svg.ladder .pkt.rst.deciding"); err != nil {
						t.Errorf("%s: the highlighted reset: %v", mode, err)
					}
				}
				checkOffline(t, tb)
				if scripts {
					tb.screenshot(t, c.sample)
				}
			}
		})
	}
}

// hostileTexts are names and reply texts of the hostile-names sample
// (samples/lab/checks_wide.py) that the page must show as text: the user
// name, the three paths (the break's, and the transfers' the page lists
// as the table does) and the markup the server put in its replies.
var hostileTexts = []string{
	"</title><script>alert(1)</script>",
	"<img src=x onerror=alert(1)>.txt",
	`"><script>alert(document.domain)</script>`,
	"</style><style>*{display:none}</style>",
	"<svg onload=alert(1)>",
	"javascript:alert(1)",
}

// TestHostileCaptureInert opens the report of a capture whose file names,
// user name and reply texts are HTML, script and CSS: nothing of it runs
// or becomes an element, the page's own layout survives, and the hostile
// text reads as text.
func TestHostileCaptureInert(t *testing.T) {
	b := startBrowser(t)
	tb := b.open(t, writeReport(t, "hostile-names.pcap"), true)
	checkOffline(t, tb)
	found, err := tb.injected()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("capture content became part of the page: %s", f)
	}
	// A benign capture of the same shape (one session, one refused RETR)
	// gives the page's own count of each element.
	extra, err := extraElements(tb, b.open(t, writeReport(t, "file-unavailable.pcapng"), true))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range extra {
		t.Errorf("capture content became markup: %s", e)
	}
	if err := tb.rendered("svg.ladder"); err != nil {
		t.Errorf("the break's ladder: %v", err)
	}
	text, err := tb.visibleText()
	if err != nil {
		t.Fatalf("read the page's text: %v", err)
	}
	for _, s := range hostileTexts {
		if !strings.Contains(text, s) {
			t.Errorf("the page does not show %q as text", s)
		}
	}
	tb.screenshot(t, "hostile-names")
}
