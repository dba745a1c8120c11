package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `ftpcap analyze -F html -o FILE` writes the page to the file and
// nothing to stdout; the format's name is taken in any case.
func TestAnalyzeWritesTheHTMLPage(t *testing.T) {
	for _, format := range []string{"html", "HTML"} {
		out := filepath.Join(t.TempDir(), "report.html")
		code, stdout, stderr := runCLI("analyze", "-F", format, "-o", out, "../../samples/middlebox-reset-control.pcap")
		if code != exitOK || stdout != "" || stderr != "" {
			t.Fatalf("-F %s: exit %d, stdout %q, stderr %q", format, code, stdout, stderr)
		}
		page, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"<!DOCTYPE html>\n", `http-equiv="Content-Security-Policy"`, `<section class="verdict break" id="B1">`, "middlebox-reset", "</html>\n"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("-F %s: the page lacks %q", format, want)
			}
		}
	}
}

// The html format has the analysis keep what its diagrams draw; the other
// formats do not pay for it. Live prints its break lines as text, as the
// table format does, and keeps the diagrams for the page at the end.
func TestHTMLKeepsTheDiagrams(t *testing.T) {
	for format, want := range map[string]bool{"html": true, "Html": true, "table": false, "json": false, "markdown": false} {
		opts, err := (&analyzeFlags{format: format, maxConns: 1, maxHalfOpen: 1, maxReported: 1}).options()
		if err != nil {
			t.Fatal(err)
		}
		if opts.Diagrams != want {
			t.Errorf("analyze -F %s: Diagrams %v, want %v", format, opts.Diagrams, want)
		}
	}
	cfg, _, err := parseLive(t, "-i", "eth0", "-F", "html", "-o", "report.html")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.analysis.Diagrams || cfg.lineNDJSON {
		t.Errorf("live -F html: Diagrams %v, NDJSON lines %v; want diagrams and text lines", cfg.analysis.Diagrams, cfg.lineNDJSON)
	}
	if cfg, _, _ := parseLive(t, "-i", "eth0"); cfg.analysis.Diagrams {
		t.Error("live: Diagrams kept for the table format")
	}
}
