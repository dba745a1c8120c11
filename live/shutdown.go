package live

import (
	"os"
	"syscall"
)

// Shutdown turns interrupt signals into a two-step stop. The first
// SIGINT or SIGTERM stops the capture: the connections still open are
// judged with what was seen and the full report is printed, which can
// take a moment on a big run. A second signal means "now": Exit is called
// at once with the shell's status for death by that signal.
type Shutdown struct {
	// Stop ends the capture gracefully (called once, with the signal).
	Stop func(os.Signal)
	// Exit ends the process (os.Exit in ftpcap).
	Exit func(code int)
}

// Watch handles signals from sigs until done is closed. Run it in its own
// goroutine, with sigs registered by signal.Notify.
func (s Shutdown) Watch(sigs <-chan os.Signal, done <-chan struct{}) {
	stopped := false
	for {
		select {
		case <-done:
			return
		case sig := <-sigs:
			if !stopped {
				stopped = true
				s.Stop(sig)
				continue
			}
			s.Exit(ExitCode(sig))
			return
		}
	}
}

// ExitCode is the status a shell reports for a process ended by sig:
// 128 plus the signal's number (130 for SIGINT, 143 for SIGTERM).
func ExitCode(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
