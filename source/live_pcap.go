//go:build cgo

package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// OpenLive opens an interface with libpcap and starts capturing. The
// errors a user can fix come back as *CaptureError: no privilege to
// capture, no such interface (with the ones that exist), a filter that
// does not compile.
func OpenLive(ctx context.Context, opts LiveOptions) (*Live, error) {
	opts.fillDefaults()
	name, err := resolveInterface(opts.Interface)
	if err != nil {
		return nil, err
	}
	opts.Interface = name
	h, err := activate(opts)
	if err != nil {
		return nil, err
	}
	if opts.Filter != "" {
		if err := h.SetBPFFilter(opts.Filter); err != nil {
			h.Close()
			return nil, &CaptureError{Kind: CaptureBadFilter, Interface: name,
				Err: fmt.Errorf("compile filter %q for %s: %w", opts.Filter, linkTypeName(h.LinkType()), err)}
		}
	}
	return NewLive(ctx, pcapHandle{h}, opts)
}

// activate creates and activates the handle with the options.
func activate(opts LiveOptions) (*pcap.Handle, error) {
	name := opts.Interface
	inactive, err := pcap.NewInactiveHandle(name)
	if err != nil {
		return nil, &CaptureError{Kind: CaptureFailed, Interface: name, Err: err}
	}
	defer inactive.CleanUp()
	// libpcap refuses promiscuous mode on "any" with a warning, which
	// gopacket turns into a failure: there is no single interface to put
	// in that mode anyway.
	promisc := opts.Promiscuous && name != "any"
	steps := []struct {
		what string
		err  error
	}{
		{"snap length", inactive.SetSnapLen(opts.Snaplen)},
		{"promiscuous mode", inactive.SetPromisc(promisc)},
		{"read timeout", inactive.SetTimeout(opts.ReadTimeout)},
		{"immediate mode", inactive.SetImmediateMode(opts.Immediate)},
	}
	if opts.BufferSize > 0 {
		steps = append(steps, struct {
			what string
			err  error
		}{"buffer size", inactive.SetBufferSize(opts.BufferSize)})
	}
	for _, s := range steps {
		if s.err != nil {
			return nil, &CaptureError{Kind: CaptureFailed, Interface: name, Err: fmt.Errorf("set %s: %w", s.what, s.err)}
		}
	}
	h, err := inactive.Activate()
	if err != nil {
		return nil, activateError(name, err, inactive.Error())
	}
	if name == "any" {
		// Linux cooked v2 names the interface of every packet; older
		// libpcap only offers v1, which is fine too.
		_ = h.SetLinkType(layers.LinkTypeLinuxSLL2)
	}
	return h, nil
}

// activateError sorts pcap_activate's failures. gopacket reports them by
// fixed messages (its error type is unexported); detail is pcap_geterr's
// text, which says more ("socket: Operation not permitted").
func activateError(name string, err, detail error) error {
	msg := err.Error()
	kind := CaptureFailed
	switch {
	case msg == "Permission Denied" || strings.HasSuffix(msg, "error: -11"): // -11: PCAP_ERROR_PROMISC_PERM_DENIED
		kind = CapturePermission
	case msg == "No Such Device":
		kind = CaptureNoSuchInterface
	case msg == "Interface Not Up":
		kind = CaptureInterfaceDown
	}
	if detail != nil && detail.Error() != "" && !strings.Contains(msg, detail.Error()) {
		err = fmt.Errorf("%s (%w)", detail.Error(), err)
	}
	ce := &CaptureError{Kind: kind, Interface: name, Err: err}
	if kind == CaptureNoSuchInterface {
		ce.Available, _ = interfaceNames()
	}
	return ce
}

// resolveInterface checks that the interface exists, so that a typo is
// reported as such even without the privilege to capture (libpcap would
// say "permission denied" first). A number picks the interface of that
// position in the Interfaces list, as tcpdump -i 2 does.
func resolveInterface(name string) (string, error) {
	if name == "" {
		return "", &CaptureError{Kind: CaptureNoSuchInterface, Err: errors.New("no interface given")}
	}
	ifs, err := Interfaces()
	if err != nil {
		// Listing failed: let pcap_activate decide.
		return name, nil
	}
	for _, in := range ifs {
		if in.Name == name {
			return name, nil
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 1 && n <= len(ifs) {
		return ifs[n-1].Name, nil
	}
	ce := &CaptureError{Kind: CaptureNoSuchInterface, Interface: name, Err: errors.New("no such interface")}
	for _, in := range ifs {
		ce.Available = append(ce.Available, in.Name)
	}
	return "", ce
}

func interfaceNames() ([]string, error) {
	ifs, err := Interfaces()
	var names []string
	for _, in := range ifs {
		names = append(names, in.Name)
	}
	return names, err
}

// Interfaces lists the interfaces libpcap can capture on, in its order
// (the numbers tcpdump -D shows).
func Interfaces() ([]Interface, error) {
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	out := make([]Interface, 0, len(devs))
	for i, d := range devs {
		in := Interface{Number: i + 1, Name: d.Name, Description: d.Description, Flags: interfaceFlags(d.Flags)}
		for _, a := range d.Addresses {
			if a.IP != nil {
				in.Addresses = append(in.Addresses, a.IP.String())
			}
		}
		out = append(out, in)
	}
	return out, nil
}

// libpcap's interface flags (pcap/pcap.h).
const (
	pcapIfLoopback         = 0x1
	pcapIfUp               = 0x2
	pcapIfRunning          = 0x4
	pcapIfWireless         = 0x8
	pcapIfConnectionStatus = 0x30
	pcapIfConnected        = 0x10
	pcapIfDisconnected     = 0x20
	pcapIfNotApplicable    = 0x30
)

// interfaceFlags names the flags as tcpdump -D does, in its order.
func interfaceFlags(f uint32) []string {
	var out []string
	for _, b := range []struct {
		bit  uint32
		name string
	}{{pcapIfUp, "Up"}, {pcapIfRunning, "Running"}, {pcapIfLoopback, "Loopback"}, {pcapIfWireless, "Wireless"}} {
		if f&b.bit != 0 {
			out = append(out, b.name)
		}
	}
	switch f & pcapIfConnectionStatus {
	case pcapIfConnected:
		out = append(out, "Connected")
	case pcapIfDisconnected:
		out = append(out, "Disconnected")
	case pcapIfNotApplicable:
	default:
		if f&pcapIfLoopback == 0 {
			out = append(out, "Connection status unknown")
		}
	}
	return out
}

// pcapHandle adapts gopacket's pcap.Handle to CaptureHandle.
type pcapHandle struct{ h *pcap.Handle }

func (p pcapHandle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := p.h.ZeroCopyReadPacketData()
	switch {
	case err == nil:
		return data, ci, nil
	case errors.Is(err, pcap.NextErrorTimeoutExpired):
		return nil, ci, ErrReadTimeout
	case errors.Is(err, io.EOF):
		return nil, ci, io.EOF
	}
	// "Read Error" alone says nothing; libpcap's own text says what
	// happened ("The interface went down").
	if detail := p.h.Error(); detail != nil && detail.Error() != "" {
		return nil, ci, fmt.Errorf("%s: %w", detail.Error(), err)
	}
	return nil, ci, err
}

func (p pcapHandle) Counters() (CaptureCounters, error) {
	st, err := p.h.Stats()
	if err != nil {
		return CaptureCounters{}, err
	}
	return CaptureCounters{
		Received:       uint32(st.PacketsReceived),
		KernelDropped:  uint32(st.PacketsDropped),
		InterfaceDrops: uint32(st.PacketsIfDropped),
	}, nil
}

func (p pcapHandle) LinkType() layers.LinkType { return p.h.LinkType() }
func (p pcapHandle) SnapLen() int              { return p.h.SnapLen() }
func (p pcapHandle) Close()                    { p.h.Close() }
