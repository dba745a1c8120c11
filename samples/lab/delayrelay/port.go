//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Linux constants the syscall package does not export.
const (
	solPacket            = 263 // SOL_PACKET
	packetIgnoreOutgoing = 23  // PACKET_IGNORE_OUTGOING (Linux 4.20)
	packetOutgoing       = 4   // PACKET_OUTGOING, sll_pkttype of our own frames
)

// errStopped ends a read once Stop has been called.
var errStopped = errors.New("port stopped")

// pollInterval bounds how long a blocked read takes to notice Stop:
// closing a socket does not wake a thread blocked reading it, so reads
// time out this often and look at the stop flag.
const pollInterval = 100 * time.Millisecond

// port is one interface opened for raw frames: reads return whole
// Ethernet frames received on it, writes send whole frames out of it.
type port struct {
	name    string
	fd      int
	stopped atomic.Bool
	once    sync.Once
}

func openPort(name string) (*port, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	proto := htons(syscall.ETH_P_ALL)
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(proto))
	if err != nil {
		return nil, fmt.Errorf("open %s: packet socket: %w", name, err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("open %s: bind: %w", name, err)
	}
	// Without this the socket would also read every frame the relay
	// writes to this port and send it back the other way. Older kernels
	// lack the option; ReadFrame then skips outgoing frames itself.
	_ = syscall.SetsockoptInt(fd, solPacket, packetIgnoreOutgoing, 1)
	tv := syscall.NsecToTimeval(pollInterval.Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("open %s: receive timeout: %w", name, err)
	}
	return &port{name: name, fd: fd}, nil
}

// ReadFrame reads one received frame into buf and returns its length.
func (p *port) ReadFrame(buf []byte) (int, error) {
	for {
		if p.stopped.Load() {
			return 0, errStopped
		}
		n, from, err := syscall.Recvfrom(p.fd, buf, 0)
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", p.name, err)
		}
		if ll, ok := from.(*syscall.SockaddrLinklayer); ok && ll.Pkttype == packetOutgoing {
			continue
		}
		return n, nil
	}
}

// WriteFrame sends one frame out of the port.
func (p *port) WriteFrame(frame []byte) error {
	for {
		_, err := syscall.Write(p.fd, frame)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", p.name, err)
		}
		return nil
	}
}

// Stop makes reads return errStopped within pollInterval.
func (p *port) Stop() { p.stopped.Store(true) }

// Close closes the socket once; a second call is a no-op. Call it only
// when no read or write is under way.
func (p *port) Close() {
	p.once.Do(func() { syscall.Close(p.fd) })
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
