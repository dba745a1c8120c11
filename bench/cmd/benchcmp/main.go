// Command benchcmp times ftpcap against tcpdump, tshark and tcptrace on
// the same captures, whole process against whole process, and prints the
// medians, peak RSS and the ratios issue 4 sets targets for.
//
//	benchcmp [-runs 3] [-slow 12s] [-ftpcap bin/ftpcap] CAPTURE...
//
// Wall time comes from the clock around each run, CPU time and peak RSS
// from the kernel's rusage of the process (wait4). Each capture gets a
// warm-up round of every command, then -runs rounds; within a round the
// commands run one after another, starting one further along each round.
// Ratios are taken within a round, then their median, so a machine that is
// busier in one round than another skews them less than ratios of medians
// would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchcmp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s := settings{}
	fs.StringVar(&s.ftpcap, "ftpcap", "bin/ftpcap", "ftpcap binary to measure")
	fs.IntVar(&s.runs, "runs", 3, "measured runs of each command per capture, after a warm-up run")
	fs.DurationVar(&s.slow, "slow", 12*time.Second, "a command whose warm-up run takes longer is measured once (0: never)")
	fs.DurationVar(&s.timeout, "timeout", 5*time.Minute, "longest a single run may take")
	toolList := fs.String("tools", "ftpcap,tcpdump,tshark-conv,tshark-expert,tcptrace", "commands to compare, in column order")
	rssLimits := fs.String("rss-limit", "", "ftpcap peak RSS targets, as CAPTURE=MB,... (capture base names)")
	flat := fs.String("flat", "", "pairs SMALL:LARGE of captures of one mix whose ftpcap peak RSS must stay within 20%, comma-separated")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: benchcmp [flags] CAPTURE...\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 || s.runs < 1 {
		fs.Usage()
		return 2
	}
	rep := report{cpus: runtime.NumCPU(), runs: s.runs, slow: s.slow}
	var err error
	if rep.rssLimits, err = parseLimits(*rssLimits); err != nil {
		fmt.Fprintf(stderr, "benchcmp: -rss-limit: %v\n", err)
		return 2
	}
	if rep.flat, err = parsePairs(*flat); err != nil {
		fmt.Fprintf(stderr, "benchcmp: -flat: %v\n", err)
		return 2
	}
	for _, id := range strings.Split(*toolList, ",") {
		t, ok := toolByID(strings.TrimSpace(id))
		if !ok {
			fmt.Fprintf(stderr, "benchcmp: unknown tool %q\n", id)
			return 2
		}
		if !t.available(s.ftpcap) {
			rep.skipped = append(rep.skipped, fmt.Sprintf("%s: %s is not installed; its column is left out.", t.id, t.args(s.ftpcap, "")[0]))
			continue
		}
		s.tools = append(s.tools, t)
	}
	if len(s.tools) == 0 {
		fmt.Fprintln(stderr, "benchcmp: no tool to run")
		return 1
	}

	began := time.Now()
	var results []*result
	code := 0
	for _, path := range fs.Args() {
		res, err := compare(ctx, path, s, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "benchcmp: %v\n", err)
			code = 1
			if res == nil || ctx.Err() != nil {
				break
			}
		}
		results = append(results, res)
		for _, c := range res.cells {
			if c.err != nil {
				code = 1
			}
		}
	}
	fmt.Fprintln(stdout)
	if err := render(stdout, results, rep); err != nil {
		fmt.Fprintf(stderr, "benchcmp: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "comparison took %.0f s\n", time.Since(began).Seconds())
	return code
}

// parseLimits reads NAME=MB,NAME=MB.
func parseLimits(s string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		name, mb, ok := strings.Cut(kv, "=")
		v, err := strconv.ParseFloat(mb, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not CAPTURE=MB", kv)
		}
		out[name] = int64(v * 1e6)
	}
	return out, nil
}

// parsePairs reads SMALL:LARGE,SMALL:LARGE.
func parsePairs(s string) ([][2]string, error) {
	var out [][2]string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		a, b, ok := strings.Cut(p, ":")
		if !ok || a == "" || b == "" {
			return nil, fmt.Errorf("%q is not SMALL:LARGE", p)
		}
		out = append(out, [2]string{a, b})
	}
	return out, nil
}
