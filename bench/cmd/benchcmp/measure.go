package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// sample is one run of one command.
type sample struct {
	wall   time.Duration // from the clock, start to exit
	cpu    time.Duration // user + system time of the process and the children it waited for
	maxRSS int64         // peak resident set size, bytes
}

// measure runs argv once with its standard output discarded and returns
// its wall time, CPU time and peak RSS. A command that exits non-zero, or
// runs past timeout, is an error carrying the end of its standard error.
func measure(ctx context.Context, argv []string, timeout time.Duration) (sample, error) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return sample{}, fmt.Errorf("run %s: %w", argv[0], err)
	}
	defer devNull.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout = devNull
	var stderr tail
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	var s sample
	if ps := cmd.ProcessState; ps != nil {
		s = sample{wall: wall, cpu: ps.UserTime() + ps.SystemTime()}
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			s.maxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
		}
	}
	if ctx.Err() == context.DeadlineExceeded {
		return s, fmt.Errorf("run %s: no exit after %v", strings.Join(argv, " "), timeout)
	}
	if err != nil {
		return s, fmt.Errorf("run %s: %w: %s", strings.Join(argv, " "), err, stderr.String())
	}
	return s, nil
}

// tail keeps the last bytes written to it: enough of a failing command's
// standard error to say why.
type tail struct{ b []byte }

const tailSize = 512

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > tailSize {
		t.b = append(t.b[:0], t.b[len(t.b)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(bytes.TrimSpace(t.b)) }
