package tcpflow

import "net/netip"

// connKey is a connection's 4-tuple in canonical order (the lower endpoint
// first), so both directions find the same entry.
type connKey struct {
	lo, hi netip.AddrPort
}

func makeKey(a, b netip.AddrPort) connKey {
	if lessAddrPort(b, a) {
		a, b = b, a
	}
	return connKey{lo: a, hi: b}
}

func lessAddrPort(a, b netip.AddrPort) bool {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c < 0
	}
	return a.Port() < b.Port()
}

// seqLT reports whether sequence number a comes before b (RFC 1982 serial
// arithmetic over the 32-bit space).
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

// seqDiff returns b-a as a signed distance in sequence space.
func seqDiff(a, b uint32) int64 { return int64(int32(b - a)) }
