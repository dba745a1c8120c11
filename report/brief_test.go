package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
)

// fixtureMany is a capture of 1,500 sessions, one in a hundred broken,
// each with two transfers of which the broken session's second failed.
func fixtureMany() *analysis.Result {
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	r := &analysis.Result{Tool: "ftpcap", Version: "test"}
	for i := range 1500 {
		s := analysis.Session{
			ID: fmt.Sprintf("S%d", i+1), Client: fmt.Sprintf("192.0.2.%d:%d", 1+i%200, 40000+i), Server: "198.51.100.7:21",
			Start: base.Add(time.Duration(i) * time.Second), End: base.Add(time.Duration(i)*time.Second + 900*time.Millisecond),
			Outcome: analysis.OutcomeOK, Commands: 6, Replies: 7,
		}
		second := classify.StatusComplete
		if i%100 == 7 {
			s.Outcome, second = analysis.OutcomeBroken, classify.StatusFailed
		}
		for k, status := range []classify.TransferStatus{classify.StatusComplete, second} {
			s.Transfers = append(s.Transfers, analysis.Transfer{
				Command: "RETR", Path: fmt.Sprintf("/pub/f%d-%d.bin", i, k), Direction: dissect.DirectionDownload, Mode: dissect.ModePassive,
				Bytes: 1000, Status: status, Start: s.Start, End: s.End,
			})
		}
		r.Sessions = append(r.Sessions, s)
	}
	return r
}

// TestLongTablesListWhatWentWrong: past a thousand sessions or transfers
// the table lists the broken sessions and the transfers that did not
// complete, and says how many others it left out; --verbose lists all.
func TestLongTablesListWhatWentWrong(t *testing.T) {
	var brief, full bytes.Buffer
	if err := Write(&brief, fixtureMany(), Options{Width: 140}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&full, fixtureMany(), Options{Width: 140, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	b := brief.String()
	for _, want := range []string{
		"SESSIONS (1500)", "1,485 sessions that ended ok are not listed (--verbose lists them)",
		"TRANSFERS (3000)", "2,985 complete transfers are not listed (--verbose lists them)",
		"/pub/f7-1.bin", "/pub/f1407-1.bin",
	} {
		if !strings.Contains(b, want) {
			t.Errorf("brief table lacks %q", want)
		}
	}
	for _, absent := range []string{"/pub/f7-0.bin", "/pub/f8-1.bin", " S9 "} {
		if strings.Contains(b, absent) {
			t.Errorf("brief table lists %q, which went well", absent)
		}
	}
	f := full.String()
	if strings.Contains(f, "not listed (--verbose") || !strings.Contains(f, "/pub/f8-1.bin") || !strings.Contains(f, "/pub/f1499-0.bin") {
		t.Errorf("verbose table does not list every session and transfer")
	}
}

// Past a thousand breaks, the table shows the first few of each cause and
// counts the others by cause; --verbose shows them all.
func TestLongBreakListsAreSummedUpByCause(t *testing.T) {
	r := &analysis.Result{Tool: "ftpcap", Version: "test"}
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range 1200 {
		cause, class := "syn-unanswered", "network"
		if i%100 == 0 {
			cause, class = "connection-refused", "server-policy"
		}
		r.Breaks = append(r.Breaks, analysis.Verdict{
			ID: fmt.Sprintf("B%d", i+1), Session: fmt.Sprintf("S%d", i+1), Class: class, Cause: cause,
			Confidence: 0.85, Time: base.Add(time.Duration(i) * time.Millisecond), Summary: fmt.Sprintf("attempt %d", i+1),
		})
	}
	var brief, full bytes.Buffer
	if err := Write(&brief, r, Options{Width: 120}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&full, r, Options{Width: 120, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	b := brief.String()
	for _, want := range []string{
		"BREAKS (1200)",
		"1,168 more syn-unanswered breaks are not listed (--verbose lists them)",
		"attempt 1\n", "attempt 1101", // connection-refused: all 12 listed
	} {
		if !strings.Contains(b, want) {
			t.Errorf("brief table lacks %q", want)
		}
	}
	if strings.Contains(b, "attempt 1200") || strings.Contains(b, "more connection-refused") {
		t.Error("brief table lists past the first of syn-unanswered, or cuts the 12 refused")
	}
	if f := full.String(); !strings.Contains(f, "attempt 1200") || strings.Contains(f, "not listed") {
		t.Error("verbose table does not list every break")
	}
}

// Past a thousand broken sessions, the first thousand are listed.
func TestLongTablesCapBrokenSessions(t *testing.T) {
	r := fixtureMany()
	for i := range r.Sessions {
		r.Sessions[i].Outcome = analysis.OutcomeBroken
	}
	var out bytes.Buffer
	if err := Write(&out, r, Options{Width: 140}); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "500 more broken sessions are not listed (--verbose lists them)") ||
		strings.Contains(s, "sessions that ended ok") {
		t.Errorf("brief sessions table does not cap the broken sessions at 1,000:\n%s", s[:min(len(s), 2000)])
	}
}

// Markdown leaves out the same as the table, unless verbose.
func TestLongMarkdownIsBriefToo(t *testing.T) {
	r := fixtureMany()
	var brief, full bytes.Buffer
	if err := Write(&brief, r, Options{Format: FormatMarkdown}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&full, r, Options{Format: FormatMarkdown, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	b, f := brief.String(), full.String()
	for _, want := range []string{"1,485 sessions that ended ok are not listed", "2,985 complete transfers are not listed", "## Transfers (3000)"} {
		if !strings.Contains(b, want) {
			t.Errorf("brief Markdown lacks %q", want)
		}
	}
	if strings.Contains(b, "/pub/f8-1.bin") || !strings.Contains(f, "/pub/f8-1.bin") || strings.Contains(f, "not listed") {
		t.Error("brief Markdown lists a complete transfer, or verbose Markdown leaves one out")
	}
}
