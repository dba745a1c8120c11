package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/live"
	"github.com/ftpcap/ftpcap/report"
	"github.com/ftpcap/ftpcap/source"
)

// Why the capture stopped.
var (
	errInterrupted     = errors.New("interrupted")
	errDurationReached = errors.New("--duration reached")
)

// liveRun is one `ftpcap live`.
type liveRun struct {
	flags          *liveFlags
	cfg            *liveConfig
	stdout, stderr io.Writer

	capture  *source.Live
	recorder *live.Recorder
	progress analysis.Progress
	console  *live.Console
	monitor  *live.Monitor
	started  time.Time
}

func (lr *liveRun) run(ctx context.Context) int {
	// The capture stops on the first signal, at --duration or at -c; the
	// pipeline itself is never cut short: it ends when the capture does,
	// and judges what is still open.
	capCtx, stopCapture := context.WithCancelCause(ctx)
	defer stopCapture(nil)
	if d := lr.flags.duration; d > 0 {
		var cancel context.CancelFunc
		capCtx, cancel = context.WithTimeoutCause(capCtx, d, errDurationReached)
		defer cancel()
	}
	defer lr.watchSignals(stopCapture)()

	src, err := lr.open(capCtx)
	if err != nil {
		fmt.Fprintf(lr.stderr, "ftpcap: %v\n", err)
		return exitError
	}
	defer src.Close()
	metrics, stopMetrics, err := lr.serveMetrics()
	if err != nil {
		fmt.Fprintf(lr.stderr, "ftpcap: %v\n", err)
		return exitError
	}
	defer stopMetrics()
	printer := lr.wire(metrics)

	opts := lr.cfg.analysis
	opts.Version = version
	opts.OnBreak = lr.monitor.Break
	opts.OnSession = lr.monitor.Session
	opts.Progress = &lr.progress
	lr.started = time.Now()
	fmt.Fprintln(lr.notices(), lr.startLine())
	stopStatus := lr.showStatus()
	res, err := analysis.Run(context.WithoutCancel(ctx), lr.monitor.Watch(src), src.Inputs, opts)
	stopStatus()
	lr.console.Clear()
	if err != nil {
		fmt.Fprintf(lr.stderr, "ftpcap: %v\n", err)
		return exitError
	}
	lr.reportStop(printer, context.Cause(capCtx))
	return lr.finish(res)
}

// watchSignals turns SIGINT and SIGTERM into the two-step stop; the
// returned function stops watching.
func (lr *liveRun) watchSignals(stopCapture context.CancelCauseFunc) func() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go live.Shutdown{
		Stop: func(sig os.Signal) {
			fmt.Fprintf(lr.notices(), "\nftpcap: %v: stopping the capture and judging what is still open (again to exit at once)\n", sig)
			stopCapture(errInterrupted)
		},
		Exit: os.Exit,
	}.Watch(sigs, done)
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// packetSource is what the pipeline reads: the capture, or the evidence
// writer around it.
type packetSource interface {
	source.Reader
	Inputs() []source.InputInfo
}

// open starts the capture and, with -w, the evidence writer; the errors
// are the one line a user reads.
func (lr *liveRun) open(ctx context.Context) (packetSource, error) {
	f := lr.flags
	capture, err := source.OpenLive(ctx, lr.cfg.capture)
	if err != nil {
		return nil, errors.New(captureErrorLine(err))
	}
	lr.capture = capture
	if f.write == "" {
		return capture, nil
	}
	lr.recorder, err = live.NewRecorder(capture, live.EvidenceOptions{
		Path: f.write, Rotation: lr.cfg.rotation,
		LinkType: capture.LinkType(), LinkTypeName: capture.LinkTypeName(),
		Interface: capture.Interface(), Filter: f.filter, Snaplen: capture.Snaplen(),
		Application: "ftpcap " + version,
		OnRemove: func(path string, err error) {
			if err != nil {
				fmt.Fprintf(lr.stderr, "ftpcap: evidence: %v\n", err)
			}
		},
	})
	if err != nil {
		capture.Close()
		return nil, err
	}
	return lr.recorder, nil
}

// serveMetrics serves the metrics with --metrics-addr (nil without); they
// read the capture and the evidence writer, so it comes after open.
func (lr *liveRun) serveMetrics() (*live.Metrics, func(), error) {
	if lr.flags.metricsAddr == "" {
		return nil, func() {}, nil
	}
	sources := live.MetricsSources{Capture: lr.capture.Stats, Progress: &lr.progress}
	if lr.recorder != nil {
		sources.Evidence = lr.recorder.Stats
	}
	metrics := live.NewMetrics(sources)
	server, err := live.ServeMetrics(lr.flags.metricsAddr, metrics.Handler())
	if err != nil {
		return nil, nil, err
	}
	return metrics, func() { server.Close() }, nil
}

// wire builds the console, the printer, the alerts and the monitor that
// takes the pipeline's callbacks.
func (lr *liveRun) wire(metrics *live.Metrics) *live.Printer {
	f, cfg := lr.flags, lr.cfg
	var statusOut io.Writer
	if isTerminal(lr.stderr) && !f.quiet {
		statusOut = lr.stderr
	}
	lines := lr.stdout
	if f.quiet {
		lines = io.Discard // the breaks are in the final report
	}
	lr.console = live.NewConsole(lines, statusOut)
	popts := live.PrinterOptions{NDJSON: cfg.lineNDJSON, Color: useColor(f.color, true, lr.stdout)}
	if lr.recorder != nil {
		popts.FileOf = lr.recorder.FileOf
	}
	printer := live.NewPrinter(lr.console, popts)
	var alerts *live.Alerts
	if cfg.alerts.MaxBreaks > 0 || cfg.alerts.MinLifetime > 0 || cfg.alerts.DominantShare > 0 {
		alerts, _ = live.NewAlerts(cfg.alerts) // checked in config
	}
	lineErr := false
	lr.monitor = live.NewMonitor(live.MonitorOptions{
		Printer: printer, Metrics: metrics, Alerts: alerts, Capture: lr.capture.Stats,
		OnError: func(err error) {
			if !lineErr { // once: stdout is probably gone
				lineErr = true
				fmt.Fprintf(lr.stderr, "ftpcap: %v (the capture goes on)\n", err)
			}
		},
	})
	return printer
}

// startLine says what is being captured, and how to stop.
func (lr *liveRun) startLine() string {
	c := lr.capture
	var b strings.Builder
	fmt.Fprintf(&b, "ftpcap: capturing on %s (%s, snaplen %d), filter %q", c.Interface(), c.LinkTypeName(), c.Snaplen(), lr.flags.filter)
	if lr.recorder != nil {
		fmt.Fprintf(&b, ", writing %s", lr.recorder.Stats().Current)
	}
	if lr.flags.metricsAddr != "" {
		fmt.Fprintf(&b, ", metrics on %s/metrics", lr.flags.metricsAddr)
	}
	b.WriteString("; Ctrl-C stops and prints the report")
	return b.String()
}

// showStatus refreshes the status line every second, when stderr is a
// terminal, until the returned function is called.
func (lr *liveRun) showStatus() func() {
	if !isTerminal(lr.stderr) || lr.flags.quiet {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var st live.Status
		// Asked of the terminal at each redraw, as the progress bar does:
		// shells do not export $COLUMNS, and a pane may narrow mid-run.
		width := lineWidth(lr.stderr, terminalWidth())
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				lr.console.Status(st.Line(lr.statusSnapshot(), width()))
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (lr *liveRun) statusSnapshot() live.StatusSnapshot {
	cs := lr.capture.Stats()
	s := live.StatusSnapshot{
		Interface: lr.capture.Interface(), Elapsed: time.Since(lr.started),
		Packets: cs.Packets, Bytes: cs.Bytes, Dropped: cs.Dropped(),
		OpenConns: lr.progress.OpenConns.Load(), Sessions: lr.monitor.Sessions(),
		Breaks: lr.monitor.Breaks(), Alerts: lr.monitor.AlertsActive(),
	}
	if lr.recorder != nil {
		s.File = lr.recorder.Stats().Current
	}
	return s
}

// reportStop says why the capture stopped and what that means for the
// verdicts, on stderr and in the live lines.
func (lr *liveRun) reportStop(printer *live.Printer, cause error) {
	st := lr.capture.Stats()
	why := "the capture ended"
	switch {
	case errors.Is(cause, errDurationReached):
		why = "--duration " + lr.flags.duration.String() + " reached"
	case errors.Is(cause, errInterrupted), errors.Is(cause, context.Canceled):
		why = "interrupted"
	case lr.flags.count > 0 && st.Packets >= lr.flags.count:
		why = fmt.Sprintf("-c %d packets captured", lr.flags.count)
	}
	open := lr.monitor.JudgedAtStop()
	info := live.StopInfo{Reason: why, Elapsed: time.Since(lr.started).Round(time.Second), JudgedAtStop: open, Capture: st}
	if lr.recorder != nil {
		ev := lr.recorder.Stats()
		info.Files, info.FilesRemoved = ev.Files, ev.Removed
	}
	if err := printer.Stopped(lr.monitor.Now(), info); err != nil {
		fmt.Fprintf(lr.stderr, "ftpcap: %v\n", err)
	}
	if lr.flags.quiet {
		return
	}
	if !isTerminal(lr.stdout) {
		// On a terminal the live line above already said it.
		fmt.Fprintf(lr.stderr, "ftpcap: %s\n", info.Sentence())
	}
	if lr.recorder != nil {
		lr.evidenceNote()
	}
}

// evidenceNote names the evidence files and how to replay them.
func (lr *liveRun) evidenceNote() {
	ev := lr.recorder.Stats()
	inputs := lr.recorder.Inputs()
	first := inputs[0].Path
	if ev.Removed > 0 {
		first = inputs[ev.Removed].Path
	}
	files := first
	if len(inputs) > 1 {
		files = first + " … " + filepath.Base(inputs[len(inputs)-1].Path)
	}
	fmt.Fprintf(lr.stderr, "ftpcap: evidence in %s (%s", files, live.Plural(ev.Files-ev.Removed, "file", "files"))
	if ev.Removed > 0 {
		fmt.Fprintf(lr.stderr, "; %d older removed by -W %d: verdicts citing them point at packets no longer on disk", ev.Removed, lr.flags.fileCount)
	}
	replay := lr.flags.write
	if lr.cfg.rotation.Rotating() {
		ext := filepath.Ext(replay)
		replay = strings.TrimSuffix(replay, ext) + "-*" + ext
	}
	fmt.Fprintf(lr.stderr, "); replay: ftpcap analyze %s\n", replay)
}

// finish writes the full report and picks the exit status.
func (lr *liveRun) finish(res *analysis.Result) int {
	f := lr.flags
	out, closeOut, err := openOutput(f.output, lr.stdout)
	if err != nil {
		fmt.Fprintf(lr.stderr, "ftpcap: %v\n", err)
		return exitError
	}
	warnPageToTerminal(f.format, f.output, lr.stdout, lr.notices())
	ropts := report.Options{Format: f.format, Verbose: f.verbose, Color: useColor(f.color, f.output == "", lr.stdout)}
	werr := report.Write(out, res, ropts)
	if cerr := closeOut(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		fmt.Fprintf(lr.stderr, "ftpcap: write report: %v\n", werr)
		return exitError
	}
	code := exitOK
	for _, e := range res.Errors {
		fmt.Fprintf(lr.stderr, "ftpcap: %s\n", e.Error)
		code = exitError
	}
	if code == exitOK && (breaksMatch(res, lr.cfg.failClasses) || (lr.cfg.failOnAlert && lr.monitor.AlertsFired() > 0)) {
		code = exitFound
	}
	return code
}

// notices is where the lines that are not errors go: stderr, or nowhere
// with --quiet.
func (lr *liveRun) notices() io.Writer {
	if lr.flags.quiet {
		return io.Discard
	}
	return lr.stderr
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	file, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// terminalWidth is $COLUMNS, or 80: the status line must fit one line,
// or the carriage return that redraws it would leave its head behind.
func terminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 10 {
		return n - 1
	}
	return 79
}
