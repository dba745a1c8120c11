package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal cols columns wide: the terminal side
// the program writes to, and the side a terminal emulator would read.
func openPTY(t *testing.T, cols int) (term, screen *os.File) {
	t.Helper()
	screen, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { screen.Close() })
	fd := int(screen.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	term, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the terminal side: %v", err)
	}
	t.Cleanup(func() { term.Close() })
	resizePTY(t, term, cols)
	return term, screen
}

func resizePTY(t *testing.T, term *os.File, cols int) {
	t.Helper()
	if err := unix.IoctlSetWinsize(int(term.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: uint16(cols)}); err != nil {
		t.Fatalf("resize to %d columns: %v", cols, err)
	}
}

// The width is the terminal's, not $COLUMNS's (which shells do not
// export), asked again at each redraw; the fallback only off a terminal.
func TestLineWidthFollowsTheTerminal(t *testing.T) {
	t.Setenv("COLUMNS", "200")
	term, _ := openPTY(t, 40)
	width := lineWidth(term, 79)
	if w := width(); w != 39 {
		t.Errorf("40-column terminal: width %d, want 39", w)
	}
	resizePTY(t, term, 120)
	if w := width(); w != 119 {
		t.Errorf("after a resize to 120 columns: width %d, want 119", w)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if got := lineWidth(w, 79)(); got != 79 {
		t.Errorf("a pipe: width %d, want the fallback 79", got)
	}
	if got := lineWidth(&bytes.Buffer{}, 59)(); got != 59 {
		t.Errorf("a buffer: width %d, want the fallback 59", got)
	}
}

// screenReader collects what reaches the screen side of a pseudo-terminal.
type screenReader struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func readScreen(screen *os.File) *screenReader {
	s := &screenReader{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		chunk := make([]byte, 4096)
		for {
			n, err := screen.Read(chunk)
			s.mu.Lock()
			s.buf.Write(chunk[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return s
}

func (s *screenReader) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// redraws splits what the bar wrote into the lines it drew.
func redraws(written string) []string {
	var lines []string
	for _, part := range strings.Split(written, "\r") {
		if line := strings.TrimSuffix(part, eraseToEnd); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// The bar on a real terminal of 40, 60, 80 and 120 columns: every line
// fits (a longer one would wrap and leave its head behind), the fields
// that matter stay, and the last thing written erases the line.
func TestProgressOnATerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("draws for over a second")
	}
	for _, cols := range []int{40, 60, 80, 120} {
		t.Run(strconv.Itoa(cols)+" columns", func(t *testing.T) {
			t.Parallel()
			term, screen := openPTY(t, cols)
			seen := readScreen(screen)
			pos := &fakePosition{read: 1288490189, total: 3113851290}
			counts := &analysis.Progress{}
			counts.Packets.Store(1234567)
			counts.Sessions.Store(12)
			counts.Breaks.Store(3)
			stop := startProgress(term, pos.position, counts, 79)
			time.Sleep(progressDelay + 2*progressEvery)
			stop()
			term.Close() // the screen side then reads to its end
			<-seen.done

			written := seen.String()
			if !strings.HasSuffix(written, eraseLine) {
				t.Errorf("does not end by erasing the line: %q", written)
			}
			lines := redraws(written)
			if len(lines) == 0 {
				t.Fatalf("nothing drawn: %q", written)
			}
			for _, line := range lines {
				if n := len([]rune(line)); n >= cols {
					t.Errorf("%d columns on a %d-column terminal: %q", n, cols, line)
				}
				if !strings.HasPrefix(line, " 41% ") || !strings.Contains(line, "ETA") {
					t.Errorf("percent or ETA lost: %q", line)
				}
				if cols >= 60 && !strings.Contains(line, "3 breaks") {
					t.Errorf("the breaks lost at %d columns: %q", cols, line)
				}
				if cols >= 120 && !strings.Contains(line, "1,234,567 pkts") {
					t.Errorf("the packets lost at %d columns: %q", cols, line)
				}
			}
		})
	}
}

// A terminal made narrower while the bar runs: the next redraws fit it.
func TestProgressFollowsAResize(t *testing.T) {
	if testing.Short() {
		t.Skip("draws for over a second")
	}
	term, screen := openPTY(t, 120)
	seen := readScreen(screen)
	pos := &fakePosition{read: 10 * mib, total: 100 * mib}
	stop := startProgress(term, pos.position, &analysis.Progress{}, 79)
	time.Sleep(progressDelay + progressEvery/2)
	before := len(redraws(seen.String()))
	resizePTY(t, term, 40)
	time.Sleep(3 * progressEvery)
	stop()
	term.Close()
	<-seen.done

	lines := redraws(seen.String())
	if before == 0 || len(lines) <= before+1 {
		t.Fatalf("%d lines before the resize, %d in all: nothing to compare", before, len(lines))
	}
	if n := len([]rune(lines[0])); n < 60 {
		t.Errorf("before the resize the line used %d of 120 columns: %q", n, lines[0])
	}
	// The redraw under way at the resize may still have the old width.
	for _, line := range lines[before+1:] {
		if n := len([]rune(line)); n >= 40 {
			t.Errorf("after the resize to 40 columns: %d columns: %q", n, line)
		}
	}
}
