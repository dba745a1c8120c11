package live

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// StatusSnapshot is what the status line shows, read from the capture's,
// the pipeline's and the evidence writer's running counts.
type StatusSnapshot struct {
	Interface string
	Elapsed   time.Duration // wall time since the capture started
	Packets   int64
	Bytes     int64
	Dropped   int64
	OpenConns int64
	Sessions  int64
	Breaks    int64
	Alerts    int    // alerts firing now
	File      string // evidence file being written, "" without -w
}

// Status turns snapshots into the one-line status, with the rate since
// the previous one.
type Status struct {
	prev StatusSnapshot
	seen bool
}

// Line renders s, at most width columns wide (0: no limit).
func (st *Status) Line(s StatusSnapshot, width int) string {
	rate := 0.0
	if st.seen && s.Elapsed > st.prev.Elapsed {
		rate = float64(s.Bytes-st.prev.Bytes) / (s.Elapsed - st.prev.Elapsed).Seconds()
	}
	st.prev, st.seen = s, true
	parts := []string{
		s.Interface + " " + clock(s.Elapsed),
		group(s.Packets) + " pkts",
		megabytes(rate) + "/s",
		group(s.Dropped) + " dropped",
		group(s.OpenConns) + " conns",
		group(s.Sessions) + " sessions",
		plural(s.Breaks, "break", "breaks"),
	}
	if s.Alerts > 0 {
		parts = append(parts, plural(int64(s.Alerts), "alert", "alerts")+" firing")
	}
	if s.File != "" {
		parts = append(parts, "→ "+filepath.Base(s.File))
	}
	line := strings.Join(parts, " · ")
	if r := []rune(line); width > 0 && len(r) > width {
		line = string(r[:width-1]) + "…"
	}
	return line
}

// clock shows a duration as h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

func megabytes(bps float64) string {
	return strconv.FormatFloat(bps/1e6, 'f', 1, 64) + " MB"
}

// Plural writes a count with its noun: "1 file", "3 files", "1,024 files".
func Plural(n int64, one, many string) string { return plural(n, one, many) }

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return group(n) + " " + many
}

// group writes n with thousands separators: 1,234,567.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
