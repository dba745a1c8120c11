package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain turns the test binary into the child measure runs when
// BENCHCMP_CHILD is set: "MB SLEEP CODE" touches MB megabytes, sleeps,
// writes to stderr and exits with CODE.
func TestMain(m *testing.M) {
	if spec := os.Getenv("BENCHCMP_CHILD"); spec != "" {
		os.Exit(child(spec))
	}
	os.Exit(m.Run())
}

func child(spec string) int {
	f := strings.Fields(spec)
	mb, _ := strconv.Atoi(f[0])
	sleep, _ := time.ParseDuration(f[1])
	code, _ := strconv.Atoi(f[2])
	b := make([]byte, mb<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1 // make the pages resident
	}
	time.Sleep(sleep)
	fmt.Fprintf(os.Stdout, "%d\n", b[len(b)/2]) // stdout goes to /dev/null
	fmt.Fprintln(os.Stderr, "child says why")
	return code
}

func childArgv(t *testing.T, spec string) []string {
	t.Setenv("BENCHCMP_CHILD", spec)
	return []string{os.Args[0]}
}

func TestMeasureReportsWallTimeAndPeakRSS(t *testing.T) {
	s, err := measure(context.Background(), childArgv(t, "64 200ms 0"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if s.wall < 200*time.Millisecond {
		t.Errorf("wall %v, the child slept 200ms", s.wall)
	}
	if s.maxRSS < 64<<20 {
		t.Errorf("peak RSS %d bytes, the child touched 64 MiB", s.maxRSS)
	}
	if s.cpu <= 0 || s.cpu > s.wall {
		t.Errorf("CPU time %v for a child that mostly slept %v", s.cpu, s.wall)
	}
}

func TestMeasureFailures(t *testing.T) {
	_, err := measure(context.Background(), childArgv(t, "1 0s 3"), time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "child says why") {
		t.Errorf("exit 3: err = %v, want the status and the child's stderr", err)
	}
	_, err = measure(context.Background(), childArgv(t, "1 10s 0"), 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no exit after") {
		t.Errorf("past the timeout: err = %v", err)
	}
	_, err = measure(context.Background(), []string{"/nonexistent/benchcmp-tool"}, time.Minute)
	if err == nil {
		t.Error("missing program: no error")
	}
}

func TestTailKeepsTheEnd(t *testing.T) {
	var tl tail
	for i := range 1000 {
		fmt.Fprintf(&tl, "line %d\n", i)
	}
	if got := tl.String(); len(got) > tailSize || !strings.HasSuffix(got, "line 999") {
		t.Errorf("tail = %q", got)
	}
}
