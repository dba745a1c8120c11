package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
)

func TestGroupDigits(t *testing.T) {
	tests := map[int64]string{
		0: "0", 7: "7", 999: "999", 1000: "1,000", 18234: "18,234", 123456: "123,456",
		1234567: "1,234,567", -1234: "-1,234", -12: "-12", 9_876_543_210: "9,876,543,210",
	}
	for in, want := range tests {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0us"},
		{840 * time.Microsecond, "840us"},
		{312400 * time.Microsecond, "312.4ms"},
		{4213 * time.Millisecond, "4.213s"},
		{5*time.Minute + 12300*time.Millisecond, "5m12.3s"},
		{time.Hour + 2*time.Minute + 3*time.Second, "1h02m03s"},
		{26 * time.Hour, "26h00m00s"},
		{-1500 * time.Millisecond, "-1.500s"},
		{math.MaxInt64, "2562047h47m16s"},
		{math.MinInt64, "-2562047h47m16s"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := span(time.Time{}, fixtureBase); got != "-" {
		t.Errorf("span from a zero time = %q", got)
	}
	// A damaged pcapng timestamp (FuzzPipeline found one) can end a
	// session centuries before it starts: Sub saturates at the most
	// negative duration, which once recursed until the stack overflowed.
	centuriesLater := fixtureBase.AddDate(400, 0, 0)
	if got := span(centuriesLater, fixtureBase); got != "-2562047h47m16s" {
		t.Errorf("span ending 400 years before its start = %q", got)
	}
}

func TestClock(t *testing.T) {
	c := clockOn(fixtureBase)
	if got := c.date(); got != "2024-03-05" {
		t.Errorf("date = %q", got)
	}
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{fixtureBase.Add(1234567 * time.Microsecond), "10:00:01.234567"},
		{fixtureBase.Add(1234567891 * time.Nanosecond), "10:00:01.234567"},
		{time.Date(2024, 3, 5, 11, 30, 0, 0, cet), "10:30:00.000000"}, // shown in UTC
		{time.Date(2024, 3, 6, 0, 30, 0, 0, cet), "23:30:00.000000"},  // the report's date in UTC
		{time.Date(2024, 3, 6, 0, 0, 0, 0, time.UTC), "2024-03-06 00:00:00.000000"},
		{time.Time{}, "-"},
	}
	for _, tt := range tests {
		if got := c.at(tt.in); got != tt.want {
			t.Errorf("at(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := (clock{}).at(fixtureBase); got != "2024-03-05 10:00:00.000000" {
		t.Errorf("a clock without a date gives %q", got)
	}
	if got := newClock(&analysis.Result{}).date(); got != "" {
		t.Errorf("empty result date = %q", got)
	}
	r := &analysis.Result{Sessions: []analysis.Session{{Start: fixtureBase.Add(48 * time.Hour)}}}
	if got := newClock(r).date(); got != "2024-03-07" {
		t.Errorf("date from the sessions = %q", got)
	}
}

func TestFrameList(t *testing.T) {
	inputs := []analysis.Input{{Path: "a.pcap"}, {Path: "b.pcap"}}
	ev := []analysis.Evidence{
		{Frame: 12, Input: "a.pcap"}, {Frame: 15, Input: "a.pcap"}, {Frame: 12, Input: "a.pcap"},
		{Frame: 19, Input: "b.pcap"}, {Frame: 0, Text: "no packet"}, {Frame: 7, Input: "other.pcap"},
	}
	two := newInputIndex(inputs)
	if got, want := two.frameList(ev, 0), "1:#12 1:#15 2:#19 other.pcap:#7"; got != want {
		t.Errorf("two inputs: %q, want %q", got, want)
	}
	if got, want := two.frameList(ev, 2), "1:#12 1:#15 +2 more"; got != want {
		t.Errorf("capped: %q, want %q", got, want)
	}
	one := newInputIndex(inputs[:1])
	if got, want := one.frameList(ev[:3], 0), "#12 #15"; got != want {
		t.Errorf("one input: %q, want %q", got, want)
	}
	if got := one.frameList(nil, 0); got != "" {
		t.Errorf("no evidence: %q", got)
	}
}

func TestFitWidths(t *testing.T) {
	g := &grid{cols: []column{
		{title: "ID"},
		{title: "PATH", flex: true, min: 8},
		{title: "BYTES", right: true, flex: true, min: 4, keepWords: true},
	}}
	g.add(txt("S1"), txt("pub/a/very/long/path/to/a/file.iso"), txt("1,048,576 / 73,400,320"))
	// Natural widths 2 + 34 + 22 = 58, borders 10.
	widths, ok := g.fitWidths(200)
	if !ok || widths[0] != 2 || widths[1] != 34 || widths[2] != 22 {
		t.Errorf("wide terminal: %v %v, want natural widths", widths, ok)
	}
	widths, ok = g.fitWidths(50) // 40 for the content
	if !ok || widths[0]+widths[1]+widths[2] != 40 || widths[0] != 2 {
		t.Errorf("width 50: %v %v", widths, ok)
	}
	if widths[2] < len("73,400,320") {
		t.Errorf("width 50: the numbers column went below its longest number: %v", widths)
	}
	if _, ok := g.fitWidths(20); ok {
		t.Error("width 20: fitted below the columns' minimums")
	}
	var buf bytes.Buffer
	if err := g.render(&buf, 20, false); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "ID    S1\n") {
		t.Errorf("a grid too wide for its terminal is not shown as records:\n%s", buf.String())
	}
}
