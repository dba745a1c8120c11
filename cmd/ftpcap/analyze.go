package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/report"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// analyzeFlags are the options of `ftpcap analyze`.
type analyzeFlags struct {
	files         []string
	vantages      []string
	filter        string
	ports         []string
	format        string
	output        string
	showPasswords bool
	failOn        []string
	verbose       bool
	color         string
	progress      progressMode
	maxConns      int
	maxHalfOpen   int
	maxReported   int
	connIdle      time.Duration
	cpuProfile    string
	memProfile    string
}

func newAnalyzeFlagSet(f *analyzeFlags, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("analyze", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.StringArrayVarP(&f.files, "read", "r", nil, "capture file to read (repeatable; positional FILEs work too; - is stdin)")
	fs.StringArrayVar(&f.vantages, "vantage", nil, "NAME=FILE[,FILE…]: a capture point of the same traffic (repeatable, two or more: --vantage client=a.pcapng --vantage server=b.pcap); the points are correlated to prove where packets died")
	fs.StringVarP(&f.filter, "filter", "f", "", "BPF capture filter applied to the files, as tcpdump -f/tshark -f")
	fs.StringSliceVar(&f.ports, "ports", nil, "extra FTP control ports besides 21 and 990 (implicit FTPS) (comma-separated)")
	fs.StringVarP(&f.format, "format", "F", "table", "output format: "+strings.Join(report.Formats(), ", ")+" (html: one self-contained page with a diagram of each break, e.g. -F html -o report.html)")
	fs.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of stdout")
	fs.BoolVar(&f.showPasswords, "show-passwords", false, "show PASS arguments (redacted by default)")
	fs.StringSliceVar(&f.failOn, "fail-on", nil, "exit 3 when a break of these classes is found (comma-separated: network, protocol, server-policy, client, unknown, or any)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "table: also every connection and every evidence line; table and markdown: every session, transfer, break and finding of a large capture")
	fs.StringVar(&f.color, "color", "auto", "colour in tables: auto, always, never")
	fs.VarPF(progressFlag{&f.progress, progressAlways}, "progress", "", "draw the progress bar (percent, rate, ETA) on stderr even when it is not a terminal (by default: on a terminal only)").NoOptDefVal = "true"
	fs.VarPF(progressFlag{&f.progress, progressNever}, "no-progress", "", "no progress bar, even on a terminal").NoOptDefVal = "true"
	fs.IntVar(&f.maxConns, "max-conns", tcpflow.DefaultOptions().MaxConns, "cap on connections tracked at once (the oldest idle is evicted, and counted)")
	fs.IntVar(&f.maxHalfOpen, "max-half-open", tcpflow.DefaultOptions().MaxHalfOpen, "cap on connection attempts (SYN or SYN-ACK only) tracked at once, within --max-conns (the oldest is evicted, and counted)")
	fs.IntVar(&f.maxReported, "max-reported", analysis.DefaultMaxReported, "list at most this many sessions, breaks, findings and connections; the rest are counted in the summary")
	fs.DurationVar(&f.connIdle, "conn-idle", tcpflow.DefaultOptions().ConnIdle, "forget an established connection after this much capture time without a packet")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (go tool pprof) of the analysis and the report to this file")
	fs.StringVar(&f.memProfile, "memprofile", "", "write a heap profile (go tool pprof) at the end of the analysis to this file")
	_ = fs.MarkHidden("cpuprofile")
	_ = fs.MarkHidden("memprofile")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: ftpcap analyze [flags] FILE...\n       ftpcap analyze [flags] --vantage NAME=FILE[,FILE...] --vantage NAME=FILE...\n\nFlags:\n%s\nExit status: 0 analysed, 1 error (the report still covers what was read), 3 --fail-on matched.\n", fs.FlagUsages())
	}
	return fs
}

func runAnalyze(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f analyzeFlags
	fs := newAnalyzeFlagSet(&f, stderr)
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	opts, err := f.options()
	if err != nil {
		fmt.Fprintf(stderr, "ftpcap: %v\n", err)
		return exitError
	}
	paths := append(f.files, fs.Args()...)
	var points []vantageArg
	if len(f.vantages) > 0 {
		if len(paths) > 0 {
			fmt.Fprintln(stderr, "ftpcap: analyze: --vantage and capture files given as arguments do not mix: name every file in a --vantage")
			return exitError
		}
		if points, err = parseVantages(f.vantages); err == nil {
			err = checkReadable(points)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ftpcap: %v\n", err)
			return exitError
		}
	} else if len(paths) == 0 {
		fmt.Fprintln(stderr, "ftpcap: analyze: no capture file given (ftpcap analyze FILE..., or - for stdin)")
		return exitError
	}
	if !slices.Contains(report.Formats(), strings.ToLower(f.format)) {
		fmt.Fprintf(stderr, "ftpcap: unknown --format %q (want %s)\n", f.format, strings.Join(report.Formats(), ", "))
		return exitError
	}
	failClasses, err := parseFailOn(f.failOn)
	if err != nil {
		fmt.Fprintf(stderr, "ftpcap: %v\n", err)
		return exitError
	}

	stopProfile, err := startProfiles(f.cpuProfile, f.memProfile)
	if err != nil {
		fmt.Fprintf(stderr, "ftpcap: %v\n", err)
		return exitError
	}
	// The profiles cover the report too: rendering a large one is part
	// of the run's cost.
	defer func() {
		if perr := stopProfile(); perr != nil {
			fmt.Fprintf(stderr, "ftpcap: %v\n", perr)
		}
	}()
	var res *analysis.Result
	if points != nil {
		res, err = analyzeVantages(ctx, points, opts, f.progress.shows(stderr), stderr)
	} else {
		res, err = analyzeFiles(ctx, paths, opts, f.progress.shows(stderr), stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ftpcap: %v\n", err)
		return exitError
	}

	out, closeOut, err := openOutput(f.output, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "ftpcap: %v\n", err)
		return exitError
	}
	warnPageToTerminal(f.format, f.output, stdout, stderr)
	ropts := report.Options{Format: f.format, Verbose: f.verbose, Color: useColor(f.color, f.output == "", stdout)}
	werr := report.Write(out, res, ropts)
	if cerr := closeOut(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		fmt.Fprintf(stderr, "ftpcap: write report: %v\n", werr)
		return exitError
	}
	code := exitOK
	for _, e := range res.Errors {
		fmt.Fprintf(stderr, "ftpcap: %s\n", e.Error)
		code = exitError
	}
	if code == exitOK && ctx.Err() != nil {
		fmt.Fprintln(stderr, "ftpcap: interrupted: the report covers the packets read before the interrupt")
	}
	if code == exitOK && breaksMatch(res, failClasses) {
		code = exitFound
	}
	return code
}

// analyzeFiles is analysis.Files on every core, with the progress bar on
// stderr while the files are read when showBar; the bar is off the screen
// when it returns.
func analyzeFiles(ctx context.Context, paths []string, opts analysis.Options, showBar bool, stderr io.Writer) (*analysis.Result, error) {
	if showBar {
		pr := &analysis.Progress{}
		opts.Progress = pr
		position := func() (read, total int64) {
			read, total, _ = pr.Position() // 0 of unknown until the files are open
			return read, total
		}
		stop := startProgress(stderr, position, pr, terminalWidth())
		defer stop()
	}
	// Files need no packet to reach the tracker at once: read ahead and
	// judge on the other cores.
	opts.Parallel = true
	return analysis.Files(ctx, paths, opts)
}

// options turns flags into analysis options. The html format draws each
// break, so it has the analysis keep what the drawings need.
func (f *analyzeFlags) options() (analysis.Options, error) {
	opts := analysis.Options{Version: version, Filter: f.filter, ShowPasswords: f.showPasswords,
		Diagrams: strings.EqualFold(f.format, report.FormatHTML)}
	for _, p := range f.ports {
		n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
		if err != nil || n == 0 {
			return opts, fmt.Errorf("--ports: %q is not a TCP port", p)
		}
		opts.ControlPorts = append(opts.ControlPorts, uint16(n))
	}
	if f.maxConns < 1 {
		return opts, fmt.Errorf("--max-conns must be at least 1")
	}
	if f.maxHalfOpen < 1 {
		return opts, fmt.Errorf("--max-half-open must be at least 1")
	}
	if f.maxReported < 1 {
		return opts, fmt.Errorf("--max-reported must be at least 1")
	}
	opts.MaxReported = f.maxReported
	opts.Tracker = tcpflow.DefaultOptions()
	opts.Tracker.MaxConns = f.maxConns
	opts.Tracker.MaxHalfOpen = f.maxHalfOpen
	opts.Tracker.ConnIdle = f.connIdle
	return opts, nil
}

// failOnClasses are the break classes --fail-on takes (besides "any").
func failOnClasses() []string {
	return []string{classify.ClassNetwork, classify.ClassProtocol, classify.ClassServerPolicy, classify.ClassClient, classify.ClassUnknown}
}

// parseFailOn checks the --fail-on classes.
func parseFailOn(list []string) (map[string]bool, error) {
	valid := failOnClasses()
	out := map[string]bool{}
	for _, c := range list {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case c == "any":
			for _, v := range valid {
				out[v] = true
			}
		case slices.Contains(valid, c):
			out[c] = true
		default:
			return nil, fmt.Errorf("--fail-on: unknown class %q (want %s or any)", c, strings.Join(valid, ", "))
		}
	}
	return out, nil
}

// breaksMatch reports whether any break of the classes was found, listed
// or only counted past --max-reported: the counts by class cover every
// break.
func breaksMatch(res *analysis.Result, classes map[string]bool) bool {
	for class, n := range res.Stats.BreaksByClass {
		if n > 0 && classes[class] {
			return true
		}
	}
	return false
}

// openOutput returns the report's destination.
func openOutput(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		bw := bufio.NewWriterSize(stdout, 64<<10)
		return bw, bw.Flush, nil
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("create report: %w", err)
	}
	bw := bufio.NewWriterSize(file, 64<<10)
	return bw, func() error {
		if err := bw.Flush(); err != nil {
			file.Close()
			return err
		}
		return file.Close()
	}, nil
}

// warnPageToTerminal says, when the HTML page is about to fill a
// terminal, how to write it to a file instead. The page is still written:
// it is text, and a pipe or a terminal multiplexer's log may want it.
func warnPageToTerminal(format, output string, stdout, stderr io.Writer) {
	if strings.EqualFold(format, report.FormatHTML) && (output == "" || output == "-") && isTerminal(stdout) {
		fmt.Fprintln(stderr, "ftpcap: the html report is a page for a browser; -o report.html writes it to a file")
	}
}

// useColor decides on ANSI colour: only on a terminal unless forced, and
// never when NO_COLOR is set (no-color.org).
func useColor(mode string, toStdout bool, stdout io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" || !toStdout {
		return false
	}
	file, ok := stdout.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// startProfiles starts a CPU profile and arranges a heap profile; the
// returned function stops and writes them.
func startProfiles(cpu, mem string) (func() error, error) {
	var cpuFile *os.File
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		cpuFile = f
	}
	return func() error {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			if err := cpuFile.Close(); err != nil {
				return fmt.Errorf("cpu profile: %w", err)
			}
		}
		if mem == "" {
			return nil
		}
		f, err := os.Create(mem)
		if err != nil {
			return fmt.Errorf("heap profile: %w", err)
		}
		runtime.GC() // up-to-date statistics
		if err := pprof.WriteHeapProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("heap profile: %w", err)
		}
		return f.Close()
	}, nil
}
