package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
)

// expectation is a sample's <name>.expect.json, written from what the
// packets show (see samples/README.md).
type expectation struct {
	Scenario  string `json:"scenario"`
	Sessions  int    `json:"sessions"`
	Transfers []struct {
		Command   string                  `json:"command"`
		Direction dissect.Direction       `json:"direction"`
		Status    classify.TransferStatus `json:"status"`
		Bytes     *int64                  `json:"bytes"`
	} `json:"transfers"`
	Breaks []expectedBreak `json:"breaks"`
}

type expectedBreak struct {
	Class string `json:"class"`
	Cause string `json:"cause"`
	// Also lists other causes the packets may equally show (a volume
	// plan cannot know in advance whether a killed server's kernel
	// closes the control connection with FIN or with RST).
	Also       []string          `json:"also"`
	Kind       classify.ConnKind `json:"kind"`
	Connection *struct {
		Client string `json:"client"`
		Server string `json:"server"`
	} `json:"connection"`
}

// TestAccuracy checks every sample's verdicts against its expected file
// and prints the accuracy table (`make accuracy`).
func TestAccuracy(t *testing.T) {
	var rows []string
	var classOK, causeOK, total, falseBreaks int
	for _, path := range append(samples(t), pairFiles(t)...) {
		name := sampleName(path)
		if filepath.Base(filepath.Dir(path)) == "pairs" {
			name = "pairs/" + name
		}
		raw, err := os.ReadFile(strings.TrimSuffix(strings.TrimSuffix(path, ".pcapng"), ".pcap") + ".expect.json")
		if err != nil {
			t.Errorf("%s: no expected verdicts: %v", name, err)
			continue
		}
		var exp expectation
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatalf("%s.expect.json: %v", name, err)
		}
		res, err := analysis.Files(context.Background(), sampleFiles(path), analysis.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSessionsAndTransfers(t, name, &exp, res)
		used := make([]bool, len(res.Breaks))
		for _, e := range exp.Breaks {
			total++
			got := matchBreak(e, res.Breaks, used)
			gotText, mark := "(none)", "MISS"
			if got != nil {
				gotText = got.Class + "/" + got.Cause
				if got.Class == e.Class {
					classOK++
				}
				if e.accepts(got.Cause) {
					causeOK++
					mark = "ok"
				}
			}
			if mark != "ok" {
				t.Errorf("%s: expected %s/%s on the %s connection, got %s", name, e.Class, e.Cause, e.Kind, gotText)
			}
			rows = append(rows, fmt.Sprintf("%-40s %-7s %-42s %-42s %s", name, e.Kind, e.Class+"/"+e.Cause, gotText, mark))
		}
		for i, b := range res.Breaks {
			if !used[i] {
				falseBreaks++
				t.Errorf("%s: false break %s %s/%s: %s", name, b.Connection.Kind, b.Class, b.Cause, b.Summary)
				rows = append(rows, fmt.Sprintf("%-40s %-7s %-42s %-42s %s", name, b.Connection.Kind, "(no break)", b.Class+"/"+b.Cause, "FALSE"))
			}
		}
		if len(exp.Breaks) == 0 && len(res.Breaks) == 0 {
			rows = append(rows, fmt.Sprintf("%-40s %-7s %-42s %-42s %s", name, "-", "(clean)", "(clean)", "ok"))
		}
	}
	t.Logf("\n%-40s %-7s %-42s %-42s %s\n%s\nclass %d/%d, cause %d/%d, false breaks %d",
		"capture", "kind", "expected class/cause", "ftpcap class/cause", "match",
		strings.Join(rows, "\n"), classOK, total, causeOK, total, falseBreaks)
}

// pairFiles returns every file of the paired captures in samples/pairs/
// (the same run captured at the client and at the server): each is a
// capture on its own too, with its single-vantage expect file beside it
// (<pair>-client.expect.json); the pair's own <pair>.expect.json, which
// names no capture of its own, is for the multi-point analysis.
func pairFiles(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob("../../samples/pairs/*.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) == 0 {
		t.Fatal("no paired captures in samples/pairs/")
	}
	return m
}

// matchBreak finds the break ftpcap reported for an expected one: same
// connection kind (and endpoints when the expectation names them), the
// same cause preferred.
// accepts reports whether cause is the expected one or an alternative.
func (e expectedBreak) accepts(cause string) bool {
	return cause == e.Cause || slices.Contains(e.Also, cause)
}

func matchBreak(e expectedBreak, got []analysis.Verdict, used []bool) *analysis.Verdict {
	best := -1
	for i := range got {
		g := &got[i]
		if used[i] || g.Connection.Kind != e.Kind {
			continue
		}
		if e.Connection != nil && (g.Connection.Client != e.Connection.Client || g.Connection.Server != e.Connection.Server) {
			continue
		}
		if best < 0 || (e.accepts(g.Cause) && !e.accepts(got[best].Cause)) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	used[best] = true
	return &got[best]
}

func checkSessionsAndTransfers(t *testing.T, name string, exp *expectation, res *analysis.Result) {
	t.Helper()
	if len(res.Sessions) != exp.Sessions {
		t.Errorf("%s: %d sessions, expected %d", name, len(res.Sessions), exp.Sessions)
	}
	var got []analysis.Transfer
	for _, s := range res.Sessions {
		got = append(got, s.Transfers...)
	}
	if len(got) != len(exp.Transfers) {
		t.Errorf("%s: %d transfers, expected %d", name, len(got), len(exp.Transfers))
		return
	}
	for i, e := range exp.Transfers {
		g := got[i]
		command := e.Command
		if command == "" {
			// The expectation could not see the command (an encrypted
			// control connection): ftpcap's inferred transfer, whose
			// direction must still be right.
			command = dissect.CmdUnknown
		}
		if e.Direction != "" && g.Direction != e.Direction {
			t.Errorf("%s: transfer %d is a %s, expected a %s", name, i+1, g.Direction, e.Direction)
		}
		if g.Command != command || g.Status != e.Status || (e.Bytes != nil && g.Bytes != *e.Bytes) {
			want := fmt.Sprintf("%s %s", e.Command, e.Status)
			if e.Bytes != nil {
				want += fmt.Sprintf(" %d bytes", *e.Bytes)
			}
			t.Errorf("%s: transfer %d is %s %s %d bytes, expected %s", name, i+1, g.Command, g.Status, g.Bytes, want)
		}
	}
}
