package live

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// recorder of what Shutdown did.
type shutdownLog struct {
	stops []os.Signal
	exits []int
	ch    chan struct{}
}

func (l *shutdownLog) shutdown() Shutdown {
	return Shutdown{
		Stop: func(s os.Signal) { l.stops = append(l.stops, s); l.ch <- struct{}{} },
		Exit: func(code int) { l.exits = append(l.exits, code); l.ch <- struct{}{} },
	}
}

func TestShutdownTwoSteps(t *testing.T) {
	cases := []struct {
		name      string
		sigs      []os.Signal
		wantStops int
		wantExit  []int
	}{
		{"one Ctrl-C stops gracefully", []os.Signal{os.Interrupt}, 1, nil},
		{"a second Ctrl-C exits at once", []os.Signal{os.Interrupt, os.Interrupt}, 1, []int{130}},
		{"SIGTERM then SIGTERM", []os.Signal{syscall.SIGTERM, syscall.SIGTERM}, 1, []int{143}},
		{"SIGTERM then Ctrl-C", []os.Signal{syscall.SIGTERM, os.Interrupt}, 1, []int{130}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &shutdownLog{ch: make(chan struct{}, 4)}
			sigs := make(chan os.Signal, 4)
			done := make(chan struct{})
			finished := make(chan struct{})
			go func() { log.shutdown().Watch(sigs, done); close(finished) }()
			for _, s := range c.sigs {
				sigs <- s
				select {
				case <-log.ch:
				case <-time.After(5 * time.Second):
					t.Fatalf("no reaction to %v", s)
				}
			}
			if len(c.wantExit) == 0 {
				close(done)
			}
			select {
			case <-finished:
			case <-time.After(5 * time.Second):
				t.Fatal("Watch did not return")
			}
			if len(log.stops) != c.wantStops || len(log.exits) != len(c.wantExit) {
				t.Fatalf("stops %v exits %v", log.stops, log.exits)
			}
			for i := range c.wantExit {
				if log.exits[i] != c.wantExit[i] {
					t.Errorf("exit %d, want %d", log.exits[i], c.wantExit[i])
				}
			}
			if log.stops[0] != c.sigs[0] {
				t.Errorf("stopped with %v, want %v", log.stops[0], c.sigs[0])
			}
		})
	}
}

// Once the run is over, Watch returns without touching anything.
func TestShutdownDoneFirst(t *testing.T) {
	log := &shutdownLog{ch: make(chan struct{}, 4)}
	done := make(chan struct{})
	close(done)
	log.shutdown().Watch(make(chan os.Signal), done)
	if len(log.stops)+len(log.exits) != 0 {
		t.Errorf("acted after done: %+v", log)
	}
}
