package live

import (
	"io"
	"sync"
)

// Console keeps the live lines (on stdout) and the status line (on
// stderr, a terminal) from garbling each other: before a line is
// written the status line is taken off the screen, and it is drawn again
// after. Safe for concurrent use: the pipeline writes lines while a timer
// refreshes the status.
type Console struct {
	mu     sync.Mutex
	out    io.Writer
	status io.Writer // nil: no status line
	line   string
	shown  bool
}

// The terminal sequences: carriage return, and erase to the end of the
// line.
const (
	eraseLine = "\r\x1b[K"
)

// NewConsole writes lines to out and the status line to status (nil for
// none, when stderr is not a terminal).
func NewConsole(out, status io.Writer) *Console {
	return &Console{out: out, status: status}
}

// Write writes whole lines to out.
func (c *Console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hide()
	n, err := c.out.Write(p)
	c.show()
	return n, err
}

// Status replaces the status line.
func (c *Console) Status(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status == nil {
		return
	}
	c.line = line
	c.show()
}

// Clear takes the status line off the screen for good, before the final
// report.
func (c *Console) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hide()
	c.status = nil
}

func (c *Console) hide() {
	if c.status != nil && c.shown {
		io.WriteString(c.status, eraseLine)
		c.shown = false
	}
}

func (c *Console) show() {
	if c.status != nil && c.line != "" {
		io.WriteString(c.status, eraseLine+c.line)
		c.shown = true
	}
}
