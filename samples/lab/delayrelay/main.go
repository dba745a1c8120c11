//go:build linux

// Command delayrelay is the fault lab's delay line: it joins two network
// interfaces at layer 2 and holds every frame for a fixed time before
// copying it to the other side, so a TCP connection routed across it sees
// a longer round trip. The lab needs it because this kernel has no netem.
//
// It runs in a namespace of its own (ftpcap-dly) whose two veth ports have
// no addresses: each port gets an AF_PACKET raw socket that receives every
// frame arriving on it (the ports are in promiscuous mode) and ignores the
// frames the relay itself sends. A reader goroutine per direction stamps
// each frame with the time it is due and queues it; a writer goroutine
// sleeps until that time and sends it out of the other port. The delay is
// the same for every frame, so the queue is a FIFO and order is kept. A
// full queue drops the frame, as a router's tail-drop queue would; drops
// are counted and printed at exit.
//
//	delayrelay -a ftpcap-da -b ftpcap-db -delay 50ms
//
// Frames cross the relay unchanged: no TTL is decremented, no address
// appears, so captures on either side cannot tell the delay line from a
// long cable.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	a := flag.String("a", "", "first interface")
	b := flag.String("b", "", "second interface")
	delay := flag.Duration("delay", 50*time.Millisecond, "time each frame is held, each way")
	queue := flag.Int("queue", 4096, "frames held at most per direction; more are dropped")
	flag.Parse()
	if *a == "" || *b == "" || *delay < 0 || *queue < 1 {
		fmt.Fprintln(os.Stderr, "usage: delayrelay -a IFACE -b IFACE [-delay 50ms] [-queue 4096]")
		os.Exit(2)
	}
	if err := run(*a, *b, *delay, *queue); err != nil {
		fmt.Fprintln(os.Stderr, "delayrelay:", err)
		os.Exit(1)
	}
}

func run(nameA, nameB string, delay time.Duration, queue int) error {
	portA, err := openPort(nameA)
	if err != nil {
		return err
	}
	defer portA.Close()
	portB, err := openPort(nameB)
	if err != nil {
		return err
	}
	defer portB.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	lines := []*line{
		newLine(nameA+"->"+nameB, portA, portB, delay, queue, time.Now),
		newLine(nameB+"->"+nameA, portB, portA, delay, queue, time.Now),
	}
	errs := make(chan error, len(lines))
	var wg sync.WaitGroup
	for _, l := range lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.run(ctx); err != nil {
				errs <- err
			}
		}()
	}
	fmt.Printf("relaying %s <-> %s, %v each way\n", nameA, nameB, delay)

	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	stop()
	portA.Stop()
	portB.Stop()
	wg.Wait()
	for _, l := range lines {
		fmt.Printf("%s: %s\n", l.name, l.stats())
	}
	return err
}
