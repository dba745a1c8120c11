package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"
)

// settings of one comparison.
type settings struct {
	ftpcap  string        // the ftpcap binary
	tools   []tool        // the commands, in column order
	runs    int           // measured runs per command after the warm-up
	slow    time.Duration // a command whose warm-up takes longer is measured once (0: never)
	timeout time.Duration // per run
}

// cell is one command on one capture.
type cell struct {
	tool   tool
	runs   []sample
	rounds []int // the round of each run
	// once: the command is slow, its warm-up run is its only
	// measurement (paired with every run of the others)
	once bool
	err  error
}

// result is one capture's row.
type result struct {
	info  capInfo
	cells []*cell
}

func (r *result) cell(id string) *cell {
	for _, c := range r.cells {
		if c.tool.id == id {
			return c
		}
	}
	return nil
}

// compare measures every tool on one capture: a warm-up round, then
// s.runs rounds. Each round runs the commands one after another, starting
// one further along the list each time, so no command always follows the
// same other one. Progress goes to log.
func compare(ctx context.Context, path string, s settings, log io.Writer) (*result, error) {
	info, err := inspect(path)
	if err != nil {
		return nil, err
	}
	res := &result{info: info}
	for _, t := range s.tools {
		res.cells = append(res.cells, &cell{tool: t})
	}
	name := filepath.Base(path)
	for round := 0; round <= s.runs; round++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		began := time.Now()
		for i := range res.cells {
			c := res.cells[(i+round)%len(res.cells)]
			if c.err != nil || (round > 0 && c.once) {
				continue
			}
			sm, err := measure(ctx, c.tool.args(s.ftpcap, path), s.timeout)
			if err != nil {
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				c.err = err
				fmt.Fprintf(log, "benchcmp: %s: %v\n", name, err)
				continue
			}
			switch {
			case round == 0 && s.slow > 0 && sm.wall > s.slow:
				c.once = true
				fallthrough
			case round > 0:
				c.runs = append(c.runs, sm)
				c.rounds = append(c.rounds, round)
			}
		}
		what := "warm-up"
		if round > 0 {
			what = fmt.Sprintf("run %d/%d", round, s.runs)
		}
		fmt.Fprintf(log, "benchcmp: %s %s done in %.1f s\n", name, what, time.Since(began).Seconds())
	}
	return res, nil
}

// wallMedian is the median wall time of the cell's runs.
func (c *cell) wallMedian() (time.Duration, bool) {
	return medianOf(c.runs, func(s sample) float64 { return float64(s.wall) })
}

func (c *cell) cpuMedian() (time.Duration, bool) {
	return medianOf(c.runs, func(s sample) float64 { return float64(s.cpu) })
}

func (c *cell) rssMedian() (int64, bool) {
	d, ok := medianOf(c.runs, func(s sample) float64 { return float64(s.maxRSS) })
	return int64(d), ok
}

func medianOf(runs []sample, f func(sample) float64) (time.Duration, bool) {
	if len(runs) == 0 {
		return 0, false
	}
	xs := make([]float64, len(runs))
	for i, s := range runs {
		xs[i] = f(s)
	}
	return time.Duration(median(xs)), true
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// pairRatio is the median over rounds of num's wall time over den's in
// the same round. A command measured once is paired with every run of
// the other.
func pairRatio(num, den *cell) (float64, bool) {
	if num == nil || den == nil || num.err != nil || den.err != nil || len(num.runs) == 0 || len(den.runs) == 0 {
		return 0, false
	}
	var xs []float64
	for i, a := range num.runs {
		for j, b := range den.runs {
			if num.once || den.once || num.rounds[i] == den.rounds[j] {
				xs = append(xs, float64(a.wall)/float64(b.wall))
			}
		}
	}
	if len(xs) == 0 {
		return 0, false
	}
	return median(xs), true
}
