package tcpflow

import "net/netip"

// TTLStats counts the TTLs (hop limits) of one sender's packets. A host's
// stack uses one initial TTL, so on a stable path its packets all arrive
// with one value; a second value means a different sender (a middlebox
// forging packets) or a route change. Only a few distinct values are kept.
type TTLStats struct {
	vals   [4]uint8
	counts [4]int64
	n      int
	Other  int64 // packets whose TTL did not fit in the table
	// Shift is the first packet whose TTL differed from the value seen
	// until then (after at least shiftAfter packets); ShiftFrom/ShiftTo are
	// the values.
	Shift              Ref
	ShiftFrom, ShiftTo uint8
	last               uint8
	total              int64
}

// shiftAfter is how many packets must share one TTL before a different one
// counts as a shift rather than noise at the start.
const shiftAfter = 3

// Add counts one packet.
func (s *TTLStats) Add(ttl uint8, at Ref) {
	if s.total >= shiftAfter && ttl != s.last && s.Shift.IsZero() && s.count(s.last) >= shiftAfter {
		s.Shift, s.ShiftFrom, s.ShiftTo = at, s.last, ttl
	}
	s.total++
	s.last = ttl
	for i := 0; i < s.n; i++ {
		if s.vals[i] == ttl {
			s.counts[i]++
			return
		}
	}
	if s.n < len(s.vals) {
		s.vals[s.n], s.counts[s.n] = ttl, 1
		s.n++
		return
	}
	s.Other++
}

func (s *TTLStats) count(ttl uint8) int64 {
	for i := 0; i < s.n; i++ {
		if s.vals[i] == ttl {
			return s.counts[i]
		}
	}
	return 0
}

// Mode returns the most common TTL and how many packets had it (0, 0 when
// none were counted).
func (s *TTLStats) Mode() (ttl uint8, n int64) {
	for i := 0; i < s.n; i++ {
		if s.counts[i] > n {
			ttl, n = s.vals[i], s.counts[i]
		}
	}
	return ttl, n
}

// Count returns how many packets had the TTL (0 for a value that did not
// fit in the table).
func (s *TTLStats) Count(ttl uint8) int64 { return s.count(ttl) }

// Last returns the TTL of the latest packet counted.
func (s *TTLStats) Last() uint8 { return s.last }

// Total returns the number of packets counted.
func (s *TTLStats) Total() int64 { return s.total }

// Distinct returns the number of distinct TTLs seen.
func (s *TTLStats) Distinct() int { return s.n }

// InitialTTL guesses the TTL a packet left its sender with: today's stacks
// start at 64 (Linux, macOS, BSD), 128 (Windows) or 255 (network gear,
// Solaris); 32 on some old or embedded stacks.
func InitialTTL(ttl uint8) int {
	for _, initial := range []int{32, 64, 128, 255} {
		if int(ttl) <= initial {
			return initial
		}
	}
	return 255
}

// Hops returns how many routers a packet crossed, from its TTL.
func Hops(ttl uint8) int { return InitialTTL(ttl) - int(ttl) }

// HostTable remembers the TTLs each host's packets arrive with, across
// connections, so a RST answering a SYN (the only packet of its connection
// from that host) can be compared with the host's other traffic. It is
// capped; hosts beyond the cap are counted, not stored.
type HostTable struct {
	hosts   map[netip.Addr]*TTLStats
	max     int
	Dropped int64
}

func newHostTable(max int) *HostTable {
	return &HostTable{hosts: make(map[netip.Addr]*TTLStats), max: max}
}

// add counts a packet from host a and returns the host's entry, nil when
// the table is full and a is not in it. An entry stays put once made, so
// a caller may keep it and add to it directly.
func (h *HostTable) add(a netip.Addr, ttl uint8, at Ref) *TTLStats {
	s := h.hosts[a]
	if s == nil {
		if len(h.hosts) >= h.max {
			h.Dropped++
			return nil
		}
		s = &TTLStats{}
		h.hosts[a] = s
	}
	s.Add(ttl, at)
	return s
}

// TTL returns the host's TTL statistics over the packets seen so far
// (excluding resets), or nil.
func (h *HostTable) TTL(a netip.Addr) *TTLStats {
	if h == nil {
		return nil
	}
	return h.hosts[a]
}
