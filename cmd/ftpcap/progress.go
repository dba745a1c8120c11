package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/live"
	"golang.org/x/term"
)

// The progress bar of `ftpcap analyze`, in the family of curl, pv and
// wget: one line on stderr, redrawn in place,
//
//	 41% [======>       ] 1.2 GiB/2.9 GiB   85.3 MiB/s  ETA 0:21  12 sessions  3 breaks  1,234,567 pkts
//
// and taken off the screen before the report is written.
//
// Why it is written here and not taken from a library (issue 10). Four
// well-kept Go progress bars were driven through the same simulated run
// (3 GiB at ~1 GiB/s, the counts growing) in tmux panes of 120, 80, 60
// and 40 columns, with a known and an unknown total, on 2026-12-06:
//
//   - github.com/schollz/progressbar/v3 v3.19.1 shrinks only the bar,
//     never the text: with our fields the line wraps at 80 columns and
//     below (60 with an unknown total), leaving a stale row per redraw
//     (seven to ten of a 12-row screen still there after the run), and
//     its full-width mode collapses the bar to "[]" at 80.
//   - github.com/vbauerster/mpb/v8 v8.16.2 measures the terminal at each
//     redraw and clears well, but narrows by dropping the bar first (gone
//     at 60 columns) and then cutting the last fields mid-number: "18…"
//     for 185 sessions at 40 columns. On a terminal that reports 0 rows
//     (a serial console, `script` without a terminal) it draws nothing.
//   - github.com/cheggaaa/pb/v3 v3.3.0 cuts the line at the width with
//     no mark ("2,092,"; the ETA and every count gone at 40), wraps with
//     an unknown total (no bar to shrink), sizes the line by /dev/tty,
//     which it opens when the program starts, not by the writer, and adds
//     4.1 MB to the binary (text/template).
//   - github.com/jedib0t/go-pretty/v6/progress v6.9.2 keeps a fixed-width
//     bar and cuts what follows at the width with no mark ("175 sessi",
//     only the percent and the bar left at 40 columns).
//
// Each clears its line when stopped and can be kept off a file or a pipe
// by not starting it, so those two needs are met by all. None drops whole
// fields by priority so that a narrow terminal still shows the percent,
// the sizes, the ETA and then the breaks found, and three of the four show
// a cut count, which reads as a smaller one. Redraw cost is no reason either
// way: one redraw here is 12-20 us (BenchmarkProgressRedraw), five a
// second; each library's 10 s run took 70-120 ms of CPU against 50-70 ms
// with no bar, under the noise of a loaded `ftpcap analyze`. The libraries
// add 0.23-0.32 MB to the binary (pb 4.1 MB); terminal sizing here costs
// golang.org/x/term, already in the module graph. The tests in
// progress_pty_linux_test.go check the behaviour on a real pseudo-terminal.

const (
	// progressDelay keeps short runs from flashing a bar: nothing is
	// drawn before it has passed.
	progressDelay = time.Second
	// progressEvery is the redraw period: often enough to look alive,
	// rarely enough to cost nothing.
	progressEvery = 200 * time.Millisecond
	// rateWindow is the time constant of the rate's smoothing: long enough
	// for a steady ETA, short enough to follow a real change of pace.
	rateWindow = 2 * time.Second

	minBarWidth = 8
	maxBarWidth = 40

	// eraseToEnd erases from the cursor to the end of the line (ANSI EL);
	// eraseLine returns to the start of the line first.
	eraseToEnd = "\x1b[K"
	eraseLine  = "\r" + eraseToEnd
)

// progressMode is when to draw the bar: by default when stderr is a
// terminal; --progress and --no-progress override that.
type progressMode int

const (
	progressAuto progressMode = iota
	progressAlways
	progressNever
)

// shows reports whether the bar is drawn on stderr.
func (m progressMode) shows(stderr io.Writer) bool {
	switch m {
	case progressAlways:
		return true
	case progressNever:
		return false
	}
	return isTerminal(stderr)
}

// progressFlag is one of the boolean flags --progress and --no-progress,
// both setting the same mode, so that the last one given wins:
// --progress=false means --no-progress and the other way round.
type progressFlag struct {
	mode   *progressMode
	ifTrue progressMode
}

func (f progressFlag) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	switch {
	case on:
		*f.mode = f.ifTrue
	case f.ifTrue == progressAlways:
		*f.mode = progressNever
	default:
		*f.mode = progressAlways
	}
	return nil
}

func (f progressFlag) String() string   { return strconv.FormatBool(*f.mode == f.ifTrue) }
func (f progressFlag) Type() string     { return "bool" }
func (f progressFlag) IsBoolFlag() bool { return true }

// progressSnapshot is what one redraw shows.
type progressSnapshot struct {
	Read    int64         // bytes of the input files read so far
	Total   int64         // their size; negative when unknown (a pipe)
	Elapsed time.Duration // wall time since reading started
	Rate    float64       // bytes a second, smoothed; 0 when nothing was read yet
	// From analysis.Progress.
	Packets, Sessions, Breaks int64
}

// lowestPriority is the largest priority number of a line piece.
const lowestPriority = 7

// linePiece is one item of the progress line. The line keeps the pieces
// of highest priority (lowest number) that fit.
type linePiece struct {
	text     string
	priority int
	sep      string // before the piece, when it is not the first shown
	bar      bool   // the bar: its width is whatever room is left
}

// progressLine renders s in at most width columns (0: no limit). A
// narrow terminal loses the packet count first, then the sessions, the
// bar, the breaks, the rate, the ETA and the sizes; the percent stays.
// The breaks found outrank the bar: they are what ftpcap is run for.
func progressLine(s progressSnapshot, width int) string {
	known := s.Total >= 0
	var pieces []linePiece
	if known {
		pieces = append(pieces,
			linePiece{text: fmt.Sprintf("%3d%%", percent(s.Read, s.Total)), priority: 0},
			linePiece{bar: true, priority: 5, sep: " "},
			linePiece{text: sizes(s.Read, s.Total), priority: 1, sep: " "},
			linePiece{text: fmt.Sprintf("%*s", rateWidth, iec(s.Rate)+"/s"), priority: 3, sep: "  "},
			linePiece{text: "ETA " + eta(s.Total-s.Read, s.Rate), priority: 2, sep: "  "},
		)
	} else {
		pieces = append(pieces,
			linePiece{text: iec(float64(s.Read)), priority: 0},
			linePiece{text: fmt.Sprintf("%*s", rateWidth, iec(s.Rate)+"/s"), priority: 3, sep: "  "},
			linePiece{text: clock(s.Elapsed) + " elapsed", priority: 2, sep: "  "},
		)
	}
	pieces = append(pieces,
		linePiece{text: live.Plural(s.Sessions, "session", "sessions"), priority: 6, sep: "  "},
		linePiece{text: live.Plural(s.Breaks, "break", "breaks"), priority: 4, sep: "  "},
		linePiece{text: live.Plural(s.Packets, "pkt", "pkts"), priority: 7, sep: "  "},
	)
	frac := 1.0
	if s.Total > 0 {
		frac = min(float64(s.Read)/float64(s.Total), 1)
	}
	for limit := lowestPriority; limit >= 0; limit-- {
		if line, ok := layOut(pieces, limit, frac, width); ok {
			return line
		}
	}
	line, _ := layOut(pieces, 0, frac, 0)
	return truncate(line, width)
}

// layOut joins the pieces of priority up to limit, giving the bar the
// room left (at most maxBarWidth). It fails when they do not fit width,
// or leave the bar less than minBarWidth.
func layOut(pieces []linePiece, limit int, frac float64, width int) (string, bool) {
	used, withBar := 0, false
	first := true
	for _, p := range pieces {
		if p.priority > limit {
			continue
		}
		if !first {
			used += len(p.sep)
		}
		first = false
		if p.bar {
			withBar = true
			used += 2 // the brackets
			continue
		}
		used += len([]rune(p.text))
	}
	barWidth := maxBarWidth
	if width > 0 {
		room := width - used
		if room < 0 || (withBar && room < minBarWidth) {
			return "", false
		}
		barWidth = min(room, maxBarWidth)
	}
	var b strings.Builder
	first = true
	for _, p := range pieces {
		if p.priority > limit {
			continue
		}
		if !first {
			b.WriteString(p.sep)
		}
		first = false
		if p.bar {
			b.WriteString(bar(frac, barWidth))
			continue
		}
		b.WriteString(p.text)
	}
	return b.String(), true
}

// sizes writes "52.0 MiB/148.5 MiB", the bytes read padded to the width
// of the total so that the line does not jitter as they grow.
func sizes(read, total int64) string {
	t := iec(float64(total))
	return fmt.Sprintf("%*s/%s", len(t), iec(float64(read)), t)
}

// bar draws [=====>    ] with width columns inside the brackets.
func bar(frac float64, width int) string {
	filled := int(frac * float64(width))
	filled = max(0, min(filled, width))
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(strings.Repeat("=", filled))
	if filled < width {
		b.WriteByte('>')
		b.WriteString(strings.Repeat(" ", width-filled-1))
	}
	b.WriteByte(']')
	return b.String()
}

// percent is read of total in whole percent, from 0 to 100 (a file that
// grows while it is read would go past its size).
func percent(read, total int64) int {
	if total <= 0 {
		return 100
	}
	return int(max(0, min(read*100/total, 100)))
}

// iec writes a byte count with binary units, as pv and curl do: 512 B,
// 1.5 KiB, 85.3 MiB, 2.9 GiB. The next unit starts at 1000, not 1024, so
// that no number has more than three digits before the point and the
// fields keep their width ("0.98 GiB" is shown as "1.0 GiB").
func iec(n float64) string {
	if n < 1000 {
		return strconv.Itoa(int(max(n, 0))) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for n /= 1024; n >= 999.95 && i < len(units)-1; i++ { // 999.95 would print as 1000.0
		n /= 1024
	}
	return strconv.FormatFloat(n, 'f', 1, 64) + " " + units[i]
}

// rateWidth fits the widest rate, "999.9 MiB/s".
const rateWidth = 11

// eta is the time left at rate as m:ss or h:mm:ss; --:-- while the rate
// is unknown or the wait would be absurd.
func eta(left int64, rate float64) string {
	if left <= 0 {
		return clock(0)
	}
	if rate <= 0 {
		return "--:--"
	}
	secs := float64(left) / rate
	if secs > 100*3600 {
		return "--:--"
	}
	return clock(time.Duration(math.Ceil(secs)) * time.Second)
}

// clock writes a duration as m:ss, or h:mm:ss from an hour on.
func clock(d time.Duration) string {
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// truncate cuts line to width columns, with an ellipsis.
func truncate(line string, width int) string {
	r := []rune(line)
	if width <= 0 || len(r) <= width {
		return line
	}
	if width == 1 {
		return "…"
	}
	return string(r[:width-1]) + "…"
}

// rateMeter smooths the read rate: an exponential moving average whose
// weight follows the time between samples, so irregular ticks do not
// bias it. The first sample is the average since the start.
type rateMeter struct {
	seen     bool
	lastRead int64
	lastAt   time.Duration
	rate     float64 // bytes a second
}

// update takes the bytes read after elapsed and returns the smoothed rate.
func (m *rateMeter) update(read int64, elapsed time.Duration) float64 {
	if !m.seen {
		m.seen = true
		if elapsed > 0 {
			m.rate = float64(read) / elapsed.Seconds()
		}
		m.lastRead, m.lastAt = read, elapsed
		return m.rate
	}
	dt := elapsed - m.lastAt
	if dt <= 0 {
		return m.rate
	}
	now := float64(read-m.lastRead) / dt.Seconds()
	weight := 1 - math.Exp(-dt.Seconds()/rateWindow.Seconds())
	m.rate += weight * (now - m.rate)
	m.lastRead, m.lastAt = read, elapsed
	return m.rate
}

// progressBar draws the bar for one run. tick and clear are called from
// one goroutine; what they read (the position and the counts) is safe to
// read while the pipeline runs.
type progressBar struct {
	out      io.Writer
	position func() (read, total int64)
	counts   *analysis.Progress
	width    func() int // columns the line may take, asked at every redraw
	rate     rateMeter
	drawn    bool
}

// tick samples the position after elapsed and, once progressDelay has
// passed, redraws the line.
func (b *progressBar) tick(elapsed time.Duration) {
	read, total := b.position()
	rate := b.rate.update(read, elapsed)
	if elapsed < progressDelay {
		return
	}
	line := progressLine(progressSnapshot{
		Read: read, Total: total, Elapsed: elapsed, Rate: rate,
		Packets: b.counts.Packets.Load(), Sessions: b.counts.Sessions.Load(), Breaks: b.counts.Breaks.Load(),
	}, b.width())
	// Written over the old line, then the rest of the old line erased:
	// no blank flicker between the two.
	io.WriteString(b.out, "\r"+line+eraseToEnd)
	b.drawn = true
}

// clear takes the line off the screen, if it was ever drawn.
func (b *progressBar) clear() {
	if b.drawn {
		io.WriteString(b.out, eraseLine)
		b.drawn = false
	}
}

// startProgress draws the bar on out every progressEvery, from its own
// goroutine, until the returned function is called; that function waits
// for the goroutine and clears the line, so that whatever is written next
// starts on a clean line. The line fits the terminal out is, measured at
// every redraw; fallbackWidth is its width when out is not a terminal.
func startProgress(out io.Writer, position func() (read, total int64), counts *analysis.Progress, fallbackWidth int) (stop func()) {
	b := &progressBar{out: out, position: position, counts: counts, width: lineWidth(out, fallbackWidth)}
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				b.tick(now.Sub(start))
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		b.clear()
	}
}

// lineWidth returns the columns the progress line may take on out: the
// width of the terminal out is, asked anew at each redraw so that the
// line follows a window made narrower while it runs, less one column (a
// line that fills the last column leaves some terminals waiting to wrap,
// and the next carriage return then lands on the row below); fallback
// when out is not a terminal (--progress into a file or a pipe).
//
// $COLUMNS, which terminalWidth reads, is not enough on a terminal: shells
// do not export it, so a program started from one sees none, and a line
// sized for 80 columns wraps on a narrower terminal, leaving one stale row
// per redraw above the bar.
func lineWidth(out io.Writer, fallback int) func() int {
	file, ok := out.(*os.File)
	if !ok || !isTerminal(out) {
		return func() int { return fallback }
	}
	fd := int(file.Fd())
	return func() int {
		if cols, _, err := term.GetSize(fd); err == nil && cols > 1 {
			return cols - 1
		}
		return fallback
	}
}
