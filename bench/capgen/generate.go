package capgen

import (
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"
)

// GeneratorVersion changes whenever a profile would produce different
// bytes; ftpgen compares it with a file's manifest to tell whether the
// file is current.
const GeneratorVersion = 1

// Profile describes one capture.
type Profile struct {
	Name  string
	Seed  uint64
	Start time.Time // capture time of the first packet
	// Sessions start until either target is reached (0: no target).
	TargetBytes int64 // estimated capture file size
	TargetConns int   // TCP connections, SYN flood excluded
	// FloodSYNs adds a SYN flood to port 21 at FloodRate SYNs a second,
	// every SYN from its own source address and port.
	FloodSYNs int
	FloodRate float64

	serverSide bool   // capture in front of the server instead of the clients' LAN
	clients    [2]int // IPv4 and IPv6 client hosts
	mix        mix
}

// Manifest says what a generated capture holds: what ftpcap should find.
type Manifest struct {
	Profile          string `json:"profile"`
	Seed             uint64 `json:"seed"`
	GeneratorVersion int    `json:"generator_version"`
	Target           string `json:"target"`

	Packets          int64   `json:"packets"`
	FileBytes        int64   `json:"file_bytes"`
	CaptureSeconds   float64 `json:"capture_seconds"`
	Sessions         int     `json:"sessions"`
	IPv6Sessions     int     `json:"ipv6_sessions"`
	Connections      int     `json:"connections"` // TCP connections, flood SYNs included
	DataConnections  int     `json:"data_connections"`
	FloodSYNs        int     `json:"flood_syns"`
	Transfers        int     `json:"transfers"`
	PassiveTransfers int     `json:"passive_transfers"`
	ActiveTransfers  int     `json:"active_transfers"`
	TransferBytes    int64   `json:"transfer_bytes"`
	Retransmissions  int     `json:"retransmissions"`
	// Injected counts the failures by the cause id ftpcap should report.
	Injected map[string]int `json:"injected_breaks"`
	// PeakSessions is the most sessions under way at one capture time.
	PeakSessions int `json:"peak_concurrent_sessions"`
	// LateSegments counts segments a session queued behind the clock; a
	// correct generator leaves it at 0.
	LateSegments int `json:"late_segments"`
}

// Describe is the target the manifest records, so a file can be matched
// against the profile that would regenerate it.
func (p Profile) Describe() string {
	return fmt.Sprintf("%s seed=%d bytes=%d conns=%d flood=%d@%g start=%s",
		p.Name, p.Seed, p.TargetBytes, p.TargetConns, p.FloodSYNs, p.FloodRate, p.Start.UTC().Format(time.RFC3339))
}

// gen is one generation run.
type gen struct {
	sim    sim
	site   *site
	mix    *mix
	binary []byte // payload of binary files
	m      *Manifest
	spans  [][2]int64 // each session's first and last capture time
}

// Generate writes the capture of profile p to w and returns its manifest.
// w should be buffered: packets are written one at a time.
func Generate(w io.Writer, p Profile) (*Manifest, error) {
	if p.TargetBytes <= 0 && p.TargetConns <= 0 && p.FloodSYNs <= 0 {
		return nil, fmt.Errorf("generate %s: the profile sets no target", p.Name)
	}
	master := newRand(p.Seed)
	g := &gen{
		mix: &p.mix,
		m: &Manifest{Profile: p.Name, Seed: p.Seed, GeneratorVersion: GeneratorVersion,
			Target: p.Describe(), Injected: map[string]int{}},
	}
	siteRand := newRand(master.Uint64())
	if p.serverSide {
		g.site = serverSideSite(siteRand, p.clients[0], p.clients[1])
	} else {
		g.site = clientSideSite(siteRand, p.clients[0], p.clients[1])
	}
	g.binary = make([]byte, 1<<20)
	for i := range g.binary {
		g.binary[i] = byte(master.Uint32())
	}
	sink, err := newPCAPSink(w, p.Start)
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", p.Name, err)
	}
	g.sim.out = sink
	if p.TargetBytes > 0 || p.TargetConns > 0 {
		g.sim.spawn(0, g.spawner(newRand(master.Uint64()), p))
	}
	if p.FloodSYNs > 0 {
		g.sim.spawn(0, g.flood(newRand(master.Uint64()), p))
	}
	if err := g.sim.run(); err != nil {
		return nil, fmt.Errorf("generate %s: %w", p.Name, err)
	}
	g.m.Packets = sink.packets
	g.m.FileBytes = sink.bytes
	g.m.CaptureSeconds = float64(g.sim.now) / float64(sec)
	g.m.PeakSessions = peakOverlap(g.spans)
	g.m.LateSegments = g.sim.late
	return g.m, nil
}

// spawner starts sessions at the mix's arrival rate until the profile's
// target is planned.
func (g *gen) spawner(r *rand.Rand, p Profile) func(*task) {
	return func(t *task) {
		var at, bytes int64
		conns := 0
		for (p.TargetBytes <= 0 || bytes < p.TargetBytes) && (p.TargetConns <= 0 || conns < p.TargetConns) {
			sr := newRand(r.Uint64())
			pl := g.mix.planSession(sr, g.site, at)
			if p.TargetBytes > 0 {
				pl.fit(p.TargetBytes - bytes)
			}
			bytes += pl.fileBytes()
			conns += pl.conns()
			g.m.Sessions++
			if pl.v6 {
				g.m.IPv6Sessions++
			}
			for _, c := range pl.causes() {
				g.m.Injected[c]++
			}
			g.sim.spawn(at, func(t *task) {
				s := &session{g: g, t: t, r: sr, p: pl, now: pl.start}
				s.run()
				s.settle()
				g.spans = append(g.spans, [2]int64{pl.start, s.end})
			})
			at += expGap(r, g.mix.arrivalMean)
			t.sleepUntil(at)
		}
	}
}

// peakOverlap is the largest number of spans that cover one instant.
func peakOverlap(spans [][2]int64) int {
	type edge struct {
		at    int64
		delta int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		edges = append(edges, edge{s[0], 1}, edge{s[1], -1})
	}
	// ends sort before starts at the same instant
	slices.SortFunc(edges, func(a, b edge) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.delta, b.delta)
	})
	peak, cur := 0, 0
	for _, e := range edges {
		cur += e.delta
		peak = max(peak, cur)
	}
	return peak
}
