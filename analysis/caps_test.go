package analysis_test

import (
	"path/filepath"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
)

// Past MaxReported, sessions and verdicts are counted, not listed: memory
// stays bounded on a flood of broken sessions and nothing is lost silently.
func TestMaxReportedCountsTheRest(t *testing.T) {
	root := corpusRoot(t)
	res := analyseFile(t, filepath.Join(root, "zeek/Traces/ftp/bruteforce.pcap"), analysis.Options{MaxReported: 2})
	if len(res.Sessions) != 2 || len(res.Breaks) != 2 {
		t.Errorf("listed %d sessions and %d breaks, want 2 and 2", len(res.Sessions), len(res.Breaks))
	}
	st := res.Stats
	if st.FTPSessions != 30 || st.SessionsDropped != 28 || st.BreaksDropped != 28 {
		t.Errorf("sessions %d (dropped %d), breaks dropped %d; want 30, 28, 28", st.FTPSessions, st.SessionsDropped, st.BreaksDropped)
	}
	if st.BreaksByCause["login-failures"] != 30 {
		t.Errorf("breaks by cause %v, want 30 login-failures", st.BreaksByCause)
	}
}

// Fragments that never complete are a capture-quality fact: zeek's
// fragmented-3.pcap holds five fragments of one datagram, all with MF set.
func TestIncompleteFragmentsDegradeTheCapture(t *testing.T) {
	root := corpusRoot(t)
	res := analyseFile(t, filepath.Join(root, "zeek/Traces/ipv4/fragmented-3.pcap"), analysis.Options{})
	if res.Stats.FragmentsIncomplete != 1 || res.CaptureQuality.Rating != "degraded" || len(res.CaptureQuality.Notes) != 1 {
		t.Errorf("incomplete %d, rating %q, notes %q; want 1, degraded, one note",
			res.Stats.FragmentsIncomplete, res.CaptureQuality.Rating, res.CaptureQuality.Notes)
	}
}
