package capgen

import (
	"math/rand/v2"
	"net/netip"
)

// floodSources are the forged source addresses of a SYN flood: disjoint
// from the legitimate clients (198.51.100.1-127, 2001:db8:1::/64).
type floodSources struct {
	v4, v6 []*host
}

func newFloodSources(r *rand.Rand) *floodSources {
	f := &floodSources{}
	src := func(a netip.Addr) *host {
		// half are bare crafted SYNs, half come from real stacks (a botnet
		// of hosts calling connect())
		st := floodStack
		if r.IntN(2) == 0 {
			st = linuxStack
		}
		return newHost(a, uint8(5+r.IntN(20)), st, int64(between(r, float64(20*ms), 0.6, float64(2*ms), float64(200*ms))), routerMAC, r)
	}
	for i := 1; i <= 254; i++ {
		f.v4 = append(f.v4, src(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})))
	}
	for i := 128; i <= 254; i++ {
		f.v4 = append(f.v4, src(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})))
	}
	for i := 1; i <= 4096; i++ {
		f.v6 = append(f.v6, src(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x0b, 0xad, 14: byte(i >> 8), 15: byte(i)})))
	}
	return f
}

// floodPortStride walks the (address, port) space of each family in a
// scattered order: multiplying the SYN's index by a prime that shares no
// factor with the space's size is a bijection, so no four-tuple repeats.
const floodPortStride = 1_000_003

// tuple is the source of the k-th SYN of a family whose addresses are hosts.
func floodTuple(hosts []*host, k int) (*host, uint16) {
	const ports = 65536 - 1024
	space := uint64(len(hosts)) * ports
	i := uint64(k) * floodPortStride % space
	return hosts[i%uint64(len(hosts))], uint16(1024 + i/uint64(len(hosts)))
}

// flood sends p.FloodSYNs SYNs to port 21 of the first server, one in ten
// over IPv6, at p.FloodRate a second (Poisson arrivals), none answered.
func (g *gen) flood(r *rand.Rand, p Profile) func(*task) {
	return func(t *task) {
		src := newFloodSources(r)
		target := g.site.servers[0]
		mean := int64(float64(sec) / p.FloodRate)
		var at int64
		var n4, n6 int
		for i := range p.FloodSYNs {
			var h *host
			var port uint16
			dst := target.v4
			if i%10 == 9 && target.v6 != nil {
				h, port = floodTuple(src.v6, n6)
				dst = target.v6
				n6++
			} else {
				h, port = floodTuple(src.v4, n4)
				n4++
			}
			c := newConn(h, port, dst, 21, r)
			g.sim.emit(at, c.next(up, flagSYN, nil))
			g.m.FloodSYNs++
			g.m.Connections++
			at += expGap(r, mean)
			if i%256 == 255 {
				t.sleepUntil(at)
			}
		}
	}
}
