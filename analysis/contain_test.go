package analysis

import (
	"context"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// A bug met judging one session (a panic, standing in for any rule's
// index out of range) costs that session alone: it is reported as an
// internal error naming its file, connection and frames, and every other
// session of the capture is judged and reported as without the bug.
func TestPanicJudgingOneSessionCostsThatSessionAlone(t *testing.T) {
	files := []string{"../samples/multi-session.pcap", "../samples/login-failures.pcap"}
	for _, parallel := range []bool{false, true} {
		clean, err := Files(context.Background(), files, Options{Parallel: parallel})
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Parallel: parallel, judgeFault: func(s *dissect.Session) {
			if s.ID == 2 {
				var none []int
				_ = none[s.ID] // index out of range
			}
		}}
		res, err := Files(context.Background(), files, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) != 1 || res.Stats.InternalErrors != 1 {
			t.Fatalf("parallel %v: errors %+v (internal %d), want one internal error", parallel, res.Errors, res.Stats.InternalErrors)
		}
		e := res.Errors[0]
		if e.Kind != ErrorInternal || e.Session != "S2" || e.Path != files[0] || e.Frame == 0 || e.LastFrame <= e.Frame ||
			e.Connection == nil || e.Connection.Server != "203.0.113.20:21" || !strings.Contains(e.Filter, "tcp.port==") {
			t.Errorf("internal error does not locate the session: %+v", e)
		}
		for _, want := range []string{"internal error judging FTP session S2", "index out of range", "contain_test.go", "every other session was judged"} {
			if !strings.Contains(e.Error, want) {
				t.Errorf("error text lacks %q: %s", want, e.Error)
			}
		}
		if got, want := len(res.Sessions), len(clean.Sessions)-1; got != want {
			t.Errorf("%d sessions listed, want %d (all but S2)", got, want)
		}
		for _, s := range res.Sessions {
			if s.ID == "S2" {
				t.Errorf("S2 listed as %q though it could not be judged", s.Outcome)
			}
		}
		if len(res.Breaks) != len(clean.Breaks) || res.Stats.FTPSessions != clean.Stats.FTPSessions {
			t.Errorf("%d breaks of %d sessions, want %d of %d: the other sessions must be judged as before",
				len(res.Breaks), res.Stats.FTPSessions, len(clean.Breaks), clean.Stats.FTPSessions)
		}
		if got, want := len(res.Connections), len(clean.Connections)-2; got != want {
			t.Errorf("%d connections, want %d (all but S2's control and data connections)", got, want)
		}
	}
}

// A bug met processing one packet costs that packet: it is named with its
// file and frame, and the rest of the capture is analysed. Frame 9 of
// login-failures.pcap is a reply on the control connection; losing it
// may change that session's facts, but not the other file's sessions.
func TestPanicProcessingOnePacketCostsThatPacket(t *testing.T) {
	files := []string{"../samples/multi-session.pcap", "../samples/login-failures.pcap"}
	for _, parallel := range []bool{false, true} {
		clean, err := Files(context.Background(), files, Options{Parallel: parallel})
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Parallel: parallel, packetFault: func(at tcpflow.Ref) {
			if at.Input == 1 && at.Frame == 9 {
				var m map[string]int
				m["x"] = 1 // assignment to entry in nil map
			}
		}}
		res, err := Files(context.Background(), files, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Errors) != 1 || res.Stats.InternalErrors != 1 {
			t.Fatalf("parallel %v: errors %+v, want one internal error", parallel, res.Errors)
		}
		e := res.Errors[0]
		if e.Kind != ErrorInternal || e.Path != files[1] || e.Frame != 9 || !strings.Contains(e.Error, "nil map") {
			t.Errorf("internal error does not name the file, frame and fault: %+v", e)
		}
		if res.Stats.Packets != clean.Stats.Packets || res.Stats.FTPSessions != clean.Stats.FTPSessions {
			t.Errorf("%d packets, %d sessions; want %d and %d: the rest of the capture must be analysed",
				res.Stats.Packets, res.Stats.FTPSessions, clean.Stats.Packets, clean.Stats.FTPSessions)
		}
	}
}
