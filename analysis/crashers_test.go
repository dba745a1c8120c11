package analysis_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// TestCrashers: lab captures with a few bytes flipped past the Ethernet
// header (shared/crashers, copied into testdata as regression inputs)
// made classify index an empty list of SYNs and lose the whole report.
// Each is now analysed to its end: its sessions and the breaks the
// damaged packets still show are reported.
func TestCrashers(t *testing.T) {
	for _, tc := range []struct {
		file     string
		sessions int
		cause    string // a break the damaged capture still shows
	}{
		{"handshake-incomplete-mutated.pcap", 2, "handshake-incomplete"},
		{"not-ftp-mutated.pcap", 4, "not-ftp"},
		{"transfer-aborted-mutated.pcap", 2, "client-abort"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := analyseFile(t, filepath.Join("testdata", "crashers", tc.file), analysis.Options{})
			for _, e := range res.Errors {
				if e.Kind == analysis.ErrorInternal {
					t.Errorf("internal error: %s", e.Error)
				}
			}
			if len(res.Sessions) != tc.sessions {
				t.Errorf("%d sessions, want %d", len(res.Sessions), tc.sessions)
			}
			var causes []string
			for _, b := range res.Breaks {
				causes = append(causes, b.Cause)
			}
			if !slices.Contains(causes, tc.cause) {
				t.Errorf("breaks %v, want one %s", causes, tc.cause)
			}
		})
	}
}
