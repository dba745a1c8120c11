package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// report is what the tables show besides the measurements.
type report struct {
	cpus      int
	runs      int
	slow      time.Duration
	rssLimits map[string]int64 // capture base name → ftpcap peak RSS limit, bytes
	flat      [][2]string      // capture pairs whose ftpcap peak RSS must stay within flatLimit
	skipped   []string         // notes on tools left out
}

// flatLimit: issue 4 wants peak RSS flat within 20% between a 100 MB and
// a 1 GB capture of the same mix.
const flatLimit = 1.2

// render writes the comparison: times, peak RSS, ratios against issue
// 4's targets, then notes.
func render(w io.Writer, results []*result, rep report) error {
	if len(results) == 0 {
		return nil
	}
	cols := results[0].cells
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "Commands:")
	for _, c := range cols {
		fmt.Fprintf(w, "  %-14s %s\n", c.tool.title, c.tool.cmd)
	}
	fmt.Fprintf(tw, "\nWall time (CPU time): median of %d runs after a warm-up run, commands alternated; %d CPUs\n", rep.runs, rep.cpus)
	fmt.Fprint(tw, "capture\tsize\tpackets")
	for _, c := range cols {
		fmt.Fprintf(tw, "\t%s", c.tool.title)
	}
	fmt.Fprintln(tw)
	once := false
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s", filepath.Base(r.info.path), megabytes(r.info.size), count(r.info.packets))
		for _, c := range r.cells {
			wall, ok := c.wallMedian()
			switch {
			case c.err != nil:
				fmt.Fprint(tw, "\terror")
			case !ok:
				fmt.Fprint(tw, "\t-")
			default:
				cpu, _ := c.cpuMedian()
				mark := ""
				if c.once {
					mark, once = " ×1", true
				}
				fmt.Fprintf(tw, "\t%s (%s)%s", seconds(wall), seconds(cpu), mark)
			}
		}
		fmt.Fprintln(tw)
	}

	fmt.Fprintln(tw, "\nPeak RSS: median")
	fmt.Fprint(tw, "capture")
	for _, c := range cols {
		fmt.Fprintf(tw, "\t%s", c.tool.title)
	}
	fmt.Fprintln(tw)
	for _, r := range results {
		fmt.Fprint(tw, filepath.Base(r.info.path))
		for _, c := range r.cells {
			if rss, ok := c.rssMedian(); ok && c.err == nil {
				fmt.Fprintf(tw, "\t%s", megabytes(rss))
			} else {
				fmt.Fprint(tw, "\t-")
			}
		}
		fmt.Fprintln(tw)
	}

	fmt.Fprintln(tw, "\nRatios: median of the per-round ratios of wall times; [issue 4's target]")
	fmt.Fprint(tw, "capture")
	var shown []ratio
	for _, q := range ratios {
		if results[0].cell(q.num) != nil && results[0].cell(q.den) != nil {
			shown = append(shown, q)
			fmt.Fprintf(tw, "\t%s / %s", q.num, q.den)
		}
	}
	fmt.Fprintln(tw, "\tftpcap peak RSS")
	for _, r := range results {
		name := filepath.Base(r.info.path)
		fmt.Fprint(tw, name)
		for _, q := range shown {
			v, ok := pairRatio(r.cell(q.num), r.cell(q.den))
			if !ok {
				fmt.Fprint(tw, "\t-")
				continue
			}
			fmt.Fprintf(tw, "\t%s%s", ratioText(v), verdict(q.goal, v))
		}
		if rss, ok := ftpcapRSS(r); ok {
			fmt.Fprintf(tw, "\t%s", megabytes(rss))
			if limit, has := rep.rssLimits[name]; has {
				fmt.Fprintf(tw, " [< %g MB] %s", float64(limit)/1e6, okMiss(rss < limit))
			}
		} else {
			fmt.Fprint(tw, "\t-")
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	for _, pair := range rep.flat {
		small, big := find(results, pair[0]), find(results, pair[1])
		a, okA := ftpcapRSS(small)
		b, okB := ftpcapRSS(big)
		if !okA || !okB {
			continue
		}
		v := float64(b) / float64(a)
		fmt.Fprintf(w, "\nftpcap peak RSS %s / %s: %s [≤ %.1f] %s (%s vs %s)\n",
			pair[1], pair[0], ratioText(v), flatLimit, okMiss(v <= flatLimit), megabytes(b), megabytes(a))
	}
	var notes []string
	if once {
		notes = append(notes, fmt.Sprintf("×1: a run takes over %v, so the warm-up run is the only measurement (-slow 0, or BENCH_SLOW=0 for make bench, runs every command %d times).", rep.slow, rep.runs))
	}
	notes = append(notes, rep.skipped...)
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func find(results []*result, name string) *result {
	for _, r := range results {
		if filepath.Base(r.info.path) == name {
			return r
		}
	}
	return nil
}

func ftpcapRSS(r *result) (int64, bool) {
	if r == nil {
		return 0, false
	}
	c := r.cell("ftpcap")
	if c == nil || c.err != nil {
		return 0, false
	}
	return c.rssMedian()
}

func verdict(g goal, v float64) string {
	if g.op == "" {
		return ""
	}
	op := "≤"
	if g.op == ">=" {
		op = "≥"
	}
	return fmt.Sprintf(" [%s %g] %s", op, g.value, okMiss(g.met(v)))
}

func okMiss(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISS"
}

func ratioText(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f×", v)
	case v >= 10:
		return fmt.Sprintf("%.1f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

func seconds(d time.Duration) string {
	s := d.Seconds()
	if s < 1 {
		return fmt.Sprintf("%.3f s", s)
	}
	return fmt.Sprintf("%.2f s", s)
}

func megabytes(b int64) string {
	return fmt.Sprintf("%.1f MB", float64(b)/1e6)
}

// count writes n with thousands separators; -1 is unknown.
func count(n int64) string {
	if n < 0 {
		return "-"
	}
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}
