package live

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/report"
	"github.com/ftpcap/ftpcap/source"
)

// lineTime is the time format of live lines, the verdict lines' own.
const lineTime = "2006-01-02 15:04:05.000000"

// PrinterOptions choose how live lines look.
type PrinterOptions struct {
	// NDJSON writes one JSON object a line: "break" records as the
	// NDJSON report has them, and "alert" and "capture_drops" records.
	NDJSON bool
	Color  bool
	// FileOf names the evidence file holding a frame (Recorder.FileOf);
	// nil without evidence files, when frames count the interface's
	// packets.
	FileOf func(frame int64, t time.Time) string
}

// Printer writes what happens during a live run, a line at a time, the
// moment it is known: each break as its session is judged, each alert
// crossing, and, before a verdict, how many packets the capture has
// dropped so far when that number grew (a verdict drawn from a capture
// that dropped packets says so).
type Printer struct {
	w         io.Writer
	opts      PrinterOptions
	lastDrops int64
}

// NewPrinter writes lines to w (each with one Write call).
func NewPrinter(w io.Writer, opts PrinterOptions) *Printer {
	return &Printer{w: w, opts: opts}
}

// Break writes a settled break. Evidence frames are named by their file
// when the run writes evidence files ("evidence-000002.pcapng:#812").
func (p *Printer) Break(v *analysis.Verdict) error {
	if p.opts.FileOf != nil {
		cp := *v
		cp.Evidence = slices.Clone(v.Evidence)
		for i := range cp.Evidence {
			if name := p.opts.FileOf(cp.Evidence[i].Frame, cp.Evidence[i].Time); name != "" {
				cp.Evidence[i].Input = filepath.Base(name)
			}
		}
		v = &cp
	}
	format := report.FormatTable
	if p.opts.NDJSON {
		format = report.FormatNDJSON
	}
	var b strings.Builder
	if err := report.WriteBreakLine(&b, v, report.Options{Format: format, Color: p.opts.Color}); err != nil {
		return err
	}
	return p.write(b.String())
}

// alertRecord is an alert as an NDJSON line.
type alertRecord struct {
	Type      string    `json:"type"` // "alert"
	Alert     string    `json:"alert"`
	State     string    `json:"state"` // firing | cleared
	Time      time.Time `json:"time"`
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold"`
	Sample    int       `json:"sample"`
	Cause     string    `json:"cause,omitempty"`
	Message   string    `json:"message"`
}

// Alert writes an alert crossing: "… ALERT break-rate: 6 breaks in the
// last 1h0m0s (threshold: more than 5)", or "ALERT CLEARED".
func (p *Printer) Alert(a Alert) error {
	state := "firing"
	if !a.Firing {
		state = "cleared"
	}
	if p.opts.NDJSON {
		return p.json(alertRecord{"alert", a.Name, state, a.Time.UTC(), a.Value, a.Threshold, a.Sample, a.Cause, a.Message})
	}
	word := "ALERT"
	if !a.Firing {
		word = "ALERT CLEARED"
	}
	return p.write(fmt.Sprintf("%s  %s %s: %s\n", a.Time.UTC().Format(lineTime), word, a.Name, a.Message))
}

// dropsRecord is a drop notice as an NDJSON line.
type dropsRecord struct {
	Type      string    `json:"type"` // "capture_drops"
	Time      time.Time `json:"time"`
	Dropped   int64     `json:"dropped"`
	Kernel    int64     `json:"kernel"`
	Interface int64     `json:"interface"`
	Packets   int64     `json:"packets"`
}

// Drops writes a notice when the capture has dropped more packets than
// at the last notice; at is the capture time to date it with.
func (p *Printer) Drops(at time.Time, st source.LiveStats) error {
	d := st.Dropped()
	if d <= p.lastDrops {
		return nil
	}
	p.lastDrops = d
	if p.opts.NDJSON {
		return p.json(dropsRecord{"capture_drops", at.UTC(), d, st.KernelDropped, st.InterfaceDrops, st.Packets})
	}
	return p.write(fmt.Sprintf("%s  CAPTURE DROPPED %d packets so far (kernel %d, interface %d): the verdicts below may blame the network for packets the capture lost\n",
		at.UTC().Format(lineTime), d, st.KernelDropped, st.InterfaceDrops))
}

func (p *Printer) json(rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("write live line: %w", err)
	}
	return p.write(string(b) + "\n")
}

func (p *Printer) write(s string) error {
	if _, err := io.WriteString(p.w, s); err != nil {
		return fmt.Errorf("write live line: %w", err)
	}
	return nil
}

// StopInfo is how a live capture ended.
type StopInfo struct {
	Reason  string        // "interrupted", "--duration 10m0s reached", …
	Elapsed time.Duration // wall time captured
	// JudgedAtStop counts the FTP connections still open at the stop,
	// judged with what had been seen: had the capture gone on, their
	// verdicts might differ.
	JudgedAtStop int64
	Capture      source.LiveStats
	Files        int64 // evidence files written
	FilesRemoved int64 // of which removed by the file count
}

// Sentence says it for people.
func (s StopInfo) Sentence() string {
	var b strings.Builder
	fmt.Fprintf(&b, "capture stopped (%s) after %s: %s, %s dropped", s.Reason, s.Elapsed, plural(s.Capture.Packets, "packet", "packets"), group(s.Capture.Dropped()))
	switch s.JudgedAtStop {
	case 0:
		b.WriteString("; no FTP connection was still open")
	case 1:
		b.WriteString("; 1 FTP connection still open was judged with what was seen (it might have ended otherwise)")
	default:
		fmt.Fprintf(&b, "; %d FTP connections still open were judged with what was seen (they might have ended otherwise)", s.JudgedAtStop)
	}
	return b.String()
}

// stopRecord is the stop as an NDJSON line.
type stopRecord struct {
	Type           string    `json:"type"` // "capture_end"
	Time           time.Time `json:"time"`
	Reason         string    `json:"reason"`
	ElapsedSeconds float64   `json:"elapsed_seconds"`
	Packets        int64     `json:"packets"`
	Dropped        int64     `json:"dropped"`
	JudgedAtStop   int64     `json:"judged_at_stop"`
	Files          int64     `json:"evidence_files,omitempty"`
	FilesRemoved   int64     `json:"evidence_files_removed,omitempty"`
	Message        string    `json:"message"`
}

// Stopped writes the end of the capture as a live line, dated with the
// last capture time; the full report follows it.
func (p *Printer) Stopped(at time.Time, s StopInfo) error {
	if p.opts.NDJSON {
		return p.json(stopRecord{"capture_end", at.UTC(), s.Reason, s.Elapsed.Seconds(), s.Capture.Packets,
			s.Capture.Dropped(), s.JudgedAtStop, s.Files, s.FilesRemoved, s.Sentence()})
	}
	return p.write(fmt.Sprintf("%s  CAPTURE STOPPED  %s\n", at.UTC().Format(lineTime), s.Sentence()))
}
