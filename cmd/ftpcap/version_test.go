package main

import (
	"runtime"
	"strings"
	"testing"
)

// ftpcap version, also as --version: one line per field, in this order.
// A test binary carries no VCS stamp, so commit and build date may say
// unknown here; the release tests (internal/releasetest) check them
// stamped by make release.
func TestVersionFields(t *testing.T) {
	want := []string{
		"ftpcap " + version,
		"commit:     ",
		"build date: ",
		"go:         " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		"libpcap:    libpcap version ",
		"gopacket:   v",
	}
	for _, arg := range []string{"version", "--version"} {
		code, out, errs := runCLI(arg)
		if code != exitOK || errs != "" {
			t.Fatalf("ftpcap %s: exit %d, stderr %q", arg, code, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(want) {
			t.Fatalf("ftpcap %s: %d lines, want %d:\n%s", arg, len(lines), len(want), out)
		}
		for i, prefix := range want {
			if !strings.HasPrefix(lines[i], prefix) || strings.TrimSpace(lines[i]) == strings.TrimSpace(prefix) && strings.HasSuffix(prefix, " ") {
				t.Errorf("ftpcap %s: line %d is %q, want %q and a value", arg, i+1, lines[i], prefix)
			}
		}
	}
}
