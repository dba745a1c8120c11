package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/live"
	"github.com/ftpcap/ftpcap/report"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// liveFlags are the options of `ftpcap live`.
type liveFlags struct {
	iface      string
	filter     string
	ports      []string
	snaplen    int
	noPromisc  bool
	immediate  bool
	bufferKiB  int
	duration   time.Duration
	count      int64
	listIfaces bool

	write     string
	fileSizeM int64
	rotate    secondsValue
	fileCount int

	format        string
	output        string
	verbose       bool
	quiet         bool
	color         string
	showPasswords bool
	failOn        []string

	maxConns    int
	maxHalfOpen int
	maxReported int
	connIdle    time.Duration

	metricsAddr   string
	alertBreaks   int
	alertLifetime time.Duration
	alertDominant float64
	alertWindow   time.Duration
	alertMin      int
}

// defaultBufferKiB is the kernel capture buffer: more than a second of
// 50 MB/s. libpcap's own default, 2 MiB, is 40 ms of it. Measured at a
// steady 50 MB/s with -w rotating 1 GB files, 16 MiB still dropped a few
// packets in ten minutes (0.008%, in bursts while the kernel was writing
// back the page cache); 64 MiB dropped none. It costs its size in
// resident memory once the ring has gone round.
const defaultBufferKiB = 64 << 10

// failOnAlert is the --fail-on word for "an alert fired".
const failOnAlert = "alert"

func newLiveFlagSet(f *liveFlags, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("live", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	def := live.DefaultAlertOptions()
	fs.StringVarP(&f.iface, "interface", "i", "", "interface to capture on (\"any\" for all; a number picks from ftpcap interfaces)")
	fs.StringVarP(&f.filter, "filter", "f", source.DefaultLiveFilter, "BPF capture filter, run in the kernel (tcpdump syntax)")
	fs.StringSliceVar(&f.ports, "ports", nil, "extra FTP control ports besides 21 and 990 (implicit FTPS) (comma-separated)")
	fs.IntVarP(&f.snaplen, "snaplen", "s", source.DefaultLiveSnaplen, "bytes kept of each packet")
	fs.BoolVarP(&f.noPromisc, "no-promiscuous-mode", "p", false, "do not put the interface in promiscuous mode (as tcpdump -p)")
	fs.BoolVar(&f.immediate, "immediate-mode", false, "hand over each packet at once instead of in blocks (up to 250 ms later); costs CPU at high rates")
	fs.IntVarP(&f.bufferKiB, "buffer-size", "B", defaultBufferKiB, "kernel capture buffer in KiB (as tcpdump -B)")
	fs.DurationVar(&f.duration, "duration", 0, "stop after this long (e.g. 10m); 0: until Ctrl-C or SIGTERM")
	fs.Int64VarP(&f.count, "count", "c", 0, "stop after this many packets; 0: no limit")
	fs.BoolVarP(&f.listIfaces, "list-interfaces", "D", false, "list the interfaces and exit (as ftpcap interfaces)")
	fs.StringVarP(&f.write, "write", "w", "", "write the captured packets to this pcapng file; verdicts cite its frames")
	fs.Int64VarP(&f.fileSizeM, "file-size", "C", 0, "with -w: start a new file when the current one reaches this many million bytes (as tcpdump -C)")
	fs.VarP(&f.rotate, "rotate-seconds", "G", "with -w: start a new file every so many seconds of capture (as tcpdump -G; a duration like 15m also works)")
	fs.IntVarP(&f.fileCount, "file-count", "W", 0, "with -C or -G: keep only this many files, removing the oldest")
	fs.StringVarP(&f.format, "format", "F", "table", "report format: "+strings.Join(report.Formats(), ", ")+" (breaks are printed as they happen: one line, or NDJSON with json and ndjson; html writes one page with a diagram of each break at the end, e.g. -F html -o report.html)")
	fs.StringVarP(&f.output, "output", "o", "", "write the final report to this file instead of stdout")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "table report: also every connection and every evidence line, and everything a large capture's report leaves out")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "for scripts and services: only the final report on stdout (nothing with -o); no break lines, status line or notices, only errors on stderr")
	fs.StringVar(&f.color, "color", "auto", "colour in tables and lines: auto, always, never")
	fs.BoolVar(&f.showPasswords, "show-passwords", false, "show PASS arguments (redacted by default)")
	fs.StringSliceVar(&f.failOn, "fail-on", nil, "exit 3 when a break of these classes was found, or \"alert\" when an alert fired (comma-separated)")
	fs.IntVar(&f.maxConns, "max-conns", tcpflow.DefaultOptions().MaxConns, "cap on connections tracked at once (the oldest idle is evicted, and counted)")
	fs.IntVar(&f.maxHalfOpen, "max-half-open", tcpflow.DefaultOptions().MaxHalfOpen, "cap on connection attempts (SYN or SYN-ACK only) tracked at once, within --max-conns (the oldest is evicted, and counted)")
	fs.IntVar(&f.maxReported, "max-reported", analysis.DefaultMaxReported, "list at most this many sessions, breaks, findings and connections in the report")
	fs.DurationVar(&f.connIdle, "conn-idle", tcpflow.DefaultOptions().ConnIdle, "forget an established connection after this much time without a packet")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (e.g. :9310)")
	fs.IntVar(&f.alertBreaks, "alert-breaks", def.MaxBreaks, "alert when the alert window holds more breaks than this (0: off)")
	fs.DurationVar(&f.alertLifetime, "alert-lifetime", def.MinLifetime, "alert when control connections ending in the window live less than this on average (0: off)")
	fs.Float64Var(&f.alertDominant, "alert-dominant", def.DominantShare, "alert when one cause makes at least this share of the window's breaks (0: off)")
	fs.DurationVar(&f.alertWindow, "alert-window", def.Window, "the sliding window of capture time the alerts look at")
	fs.IntVar(&f.alertMin, "alert-min", def.MinSample, "the lifetime and cause alerts judge windows with at least this many sessions or breaks")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: ftpcap live -i IFACE [flags]\n\nFlags:\n%s\nExit status: 0 captured and reported, 1 error, 3 --fail-on matched; a second Ctrl-C exits at once (130).\n", fs.FlagUsages())
	}
	return fs
}

// secondsValue is -G: seconds as tcpdump takes them ("3600"), or a Go
// duration ("1h").
type secondsValue struct{ d time.Duration }

func (s *secondsValue) String() string {
	if s.d == 0 {
		return "0"
	}
	return s.d.String()
}

func (s *secondsValue) Set(v string) error {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		s.d = time.Duration(n) * time.Second
	} else if d, err := time.ParseDuration(v); err == nil {
		s.d = d
	} else {
		return fmt.Errorf("%q is neither seconds nor a duration", v)
	}
	if s.d < 0 {
		return fmt.Errorf("%q is negative", v)
	}
	return nil
}

func (s *secondsValue) Type() string { return "seconds" }

// liveConfig is everything the flags decide.
type liveConfig struct {
	capture     source.LiveOptions
	analysis    analysis.Options
	rotation    live.Rotation
	alerts      live.AlertOptions
	failClasses map[string]bool
	failOnAlert bool
	lineNDJSON  bool
}

// config checks the flags and turns them into options.
func (f *liveFlags) config() (*liveConfig, error) {
	if f.iface == "" {
		return nil, errors.New("live: no interface: ftpcap live -i IFACE (ftpcap interfaces lists them)")
	}
	format := strings.ToLower(f.format)
	if !slices.Contains(report.Formats(), format) {
		return nil, fmt.Errorf("unknown --format %q (want %s)", f.format, strings.Join(report.Formats(), ", "))
	}
	switch {
	case f.snaplen < 1 || f.snaplen > source.DefaultLiveSnaplen:
		return nil, fmt.Errorf("--snaplen must be between 1 and %d", source.DefaultLiveSnaplen)
	case f.bufferKiB < 0:
		return nil, errors.New("--buffer-size must not be negative")
	case f.count < 0:
		return nil, errors.New("--count must not be negative")
	case f.duration < 0:
		return nil, errors.New("--duration must not be negative")
	case f.write == "" && (f.fileSizeM != 0 || f.rotate.d != 0 || f.fileCount != 0):
		return nil, errors.New("-C, -G and -W need -w FILE")
	}
	cfg := &liveConfig{lineNDJSON: format == report.FormatNDJSON || format == report.FormatJSON}
	cfg.rotation = live.Rotation{MaxBytes: f.fileSizeM * 1_000_000, MaxAge: f.rotate.d, MaxFiles: f.fileCount}
	if err := cfg.rotation.Check(); err != nil {
		return nil, err
	}
	cfg.alerts = live.AlertOptions{Window: f.alertWindow, MaxBreaks: f.alertBreaks, MinLifetime: f.alertLifetime,
		DominantShare: f.alertDominant, MinSample: f.alertMin}
	if err := cfg.alerts.Check(); err != nil {
		return nil, err
	}
	var classes []string
	for _, c := range f.failOn {
		if strings.EqualFold(strings.TrimSpace(c), failOnAlert) {
			cfg.failOnAlert = true
			continue
		}
		classes = append(classes, c)
	}
	var err error
	if cfg.failClasses, err = parseFailOn(classes); err != nil {
		return nil, err
	}
	// The analysis options are analyze's: the same flags mean the same,
	// and `ftpcap analyze` with them on the evidence files replays the run.
	af := analyzeFlags{format: format, ports: f.ports, showPasswords: f.showPasswords, maxConns: f.maxConns,
		maxHalfOpen: f.maxHalfOpen, maxReported: f.maxReported, connIdle: f.connIdle}
	if cfg.analysis, err = af.options(); err != nil {
		return nil, err
	}
	cfg.capture = source.LiveOptions{
		Interface: f.iface, Filter: f.filter, Snaplen: f.snaplen, Promiscuous: !f.noPromisc,
		Immediate: f.immediate, BufferSize: f.bufferKiB << 10, Count: f.count, Clock: time.Now,
	}
	return cfg, nil
}

func runLive(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f liveFlags
	fs := newLiveFlagSet(&f, stderr)
	if code, ok := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if f.listIfaces {
		return runInterfaces(stdout, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ftpcap: live: unexpected argument %q (a filter goes in -f)\n", fs.Arg(0))
		return exitError
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintf(stderr, "ftpcap: %v\n", err)
		return exitError
	}
	return (&liveRun{flags: &f, cfg: cfg, stdout: stdout, stderr: stderr}).run(ctx)
}

// captureErrorLine turns a capture that could not be opened into one line
// that says what to do.
func captureErrorLine(err error) string {
	var ce *source.CaptureError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	switch ce.Kind {
	case source.CapturePermission:
		bin, berr := os.Executable()
		if berr != nil {
			bin = "$(command -v ftpcap)"
		}
		return fmt.Sprintf("live: no permission to capture on %s: run as root, or give the binary CAP_NET_RAW and CAP_NET_ADMIN once: sudo setcap cap_net_raw,cap_net_admin=eip %s",
			ce.Interface, bin)
	case source.CaptureNoSuchInterface:
		if ce.Interface == "" {
			return "live: no interface: ftpcap live -i IFACE (ftpcap interfaces lists them)"
		}
		return fmt.Sprintf("live: no interface %q; the interfaces are: %s", ce.Interface, strings.Join(ce.Available, ", "))
	case source.CaptureInterfaceDown:
		return fmt.Sprintf("live: interface %s is down (ip link set %s up)", ce.Interface, ce.Interface)
	}
	return "live: " + err.Error()
}

// runInterfaces lists the interfaces as tcpdump -D does, with their
// addresses.
func runInterfaces(stdout, stderr io.Writer) int {
	ifs, err := source.Interfaces()
	if err != nil {
		fmt.Fprintf(stderr, "ftpcap: %v\n", err)
		return exitError
	}
	for _, in := range ifs {
		line := fmt.Sprintf("%d.%s", in.Number, in.Name)
		if in.Description != "" {
			line += " (" + in.Description + ")"
		}
		if len(in.Flags) > 0 {
			line += " [" + strings.Join(in.Flags, ", ") + "]"
		}
		if len(in.Addresses) > 0 {
			line += "  " + strings.Join(in.Addresses, ", ")
		}
		fmt.Fprintln(stdout, line)
	}
	return exitOK
}
