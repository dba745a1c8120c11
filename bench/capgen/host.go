package capgen

import (
	"math/rand/v2"
	"net"
	"net/netip"
)

// host is one end system as the capture point sees it.
type host struct {
	addr netip.Addr
	ip   net.IP // addr as 4 or 16 bytes, kept so serialising never allocates
	// mac is the source MAC of its frames at the capture point: its own
	// when it sits on the captured LAN, the router's otherwise.
	mac   [6]byte
	hops  uint8 // routers between it and the capture point
	stack *stack
	// delay is the one-way delay (ns) between it and the capture point.
	delay    int64
	ipid     uint16 // host-wide IP ID counter (stacks without per-connection IDs)
	nextPort uint16
}

func newHost(addr netip.Addr, hops uint8, st *stack, delay int64, mac [6]byte, r *rand.Rand) *host {
	h := &host{addr: addr, hops: hops, stack: st, delay: delay, mac: mac, ipid: uint16(r.Uint32())}
	if addr.Is4() {
		a := addr.As4()
		h.ip = net.IP(a[:])
	} else {
		a := addr.As16()
		h.ip = net.IP(a[:])
	}
	span := int(st.portHi) - int(st.portLo) + 1
	h.nextPort = st.portLo + uint16(r.IntN(span))
	return h
}

// ttl is the TTL (hop limit) its packets carry at the capture point.
func (h *host) ttl() uint8 { return h.stack.initialTTL - h.hops }

// ephemeralPort hands out the host's next source port. Stacks walk their
// range; a host here opens far fewer connections than the range holds, so
// four-tuples never repeat within a capture.
func (h *host) ephemeralPort() uint16 {
	p := h.nextPort
	if h.nextPort >= h.stack.portHi {
		h.nextPort = h.stack.portLo
	} else {
		h.nextPort++
	}
	return p
}

// localMAC is a locally administered unicast MAC derived from an address,
// so every host on the captured LAN has a stable one of its own.
func localMAC(a netip.Addr) [6]byte {
	b := a.As16()
	return [6]byte{0x02, 0x42, b[12], b[13], b[14], b[15]}
}
