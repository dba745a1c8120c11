package correlate

import (
	"net/netip"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Hand-built capture points: what analysis would give for each point
// (sessions, connections, verdicts and the kept packets), so Merge and
// the proof rules are tested on exactly the facts they read.

var t0 = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// at is t0 plus ms milliseconds.
func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

const (
	flagSYN    = tcpflow.FlagSYN
	flagSYNACK = tcpflow.FlagSYN | tcpflow.FlagACK
	flagACK    = tcpflow.FlagACK
	flagRST    = tcpflow.FlagRST | tcpflow.FlagACK
	flagPSH    = tcpflow.FlagPSH | tcpflow.FlagACK
)

// point builds one vantage point's Result.
type point struct {
	name string
	res  *analysis.Result
	// skew is how far this point's clock is ahead of the reference: the
	// times the builder is given are on the reference clock.
	skew time.Duration
}

func newPoint(name, path, capturePoint string, skew time.Duration) *point {
	return &point{name: name, skew: skew, res: &analysis.Result{
		Tool: "ftpcap", Version: "test", CapturePoint: capturePoint,
		Inputs:         []analysis.Input{{Path: path, Format: "pcap", LinkType: "Ethernet", First: at(0).Add(skew), Last: at(60_000).Add(skew)}},
		CaptureQuality: analysis.CaptureQuality{Rating: "good"},
		Sessions:       []analysis.Session{}, Breaks: []analysis.Verdict{}, Findings: []analysis.Verdict{},
		Connections: []analysis.Connection{},
	}}
}

func (p *point) vantage() Vantage {
	return Vantage{Name: p.name, Paths: []string{p.res.Inputs[0].Path}, Result: p.res}
}

func (p *point) session(id, cliEnd, srvEnd string, startMS int, outcome analysis.Outcome) {
	p.res.Sessions = append(p.res.Sessions, analysis.Session{
		ID: id, Client: cliEnd, Server: srvEnd, Start: at(startMS).Add(p.skew), End: at(startMS + 5000).Add(p.skew),
		Outcome: outcome, Transfers: []analysis.Transfer{},
	})
}

// conn adds a connection (listed and kept) and returns its index in
// Packets.
func (p *point) conn(kind classify.ConnKind, session, cliEnd, srvEnd string, isn uint32, pkts ...analysis.PathPacket) int {
	cp := analysis.ConnPackets{
		Session: session, Kind: kind, Connection: len(p.res.Connections),
		Client: netip.MustParseAddrPort(cliEnd), Server: netip.MustParseAddrPort(srvEnd),
		ISN: [2]uint32{isn, isn + 1000},
	}
	for _, pk := range pkts {
		pk.TS += int64(p.skew)
		if isSYN(pk) {
			cp.SawSYN[0] = true
		}
		if isSYNACK(pk) {
			cp.SawSYN[1] = true
		}
		cp.Packets = append(cp.Packets, pk)
	}
	start := t0
	if len(pkts) > 0 {
		start = time.Unix(0, cp.Packets[0].TS).UTC()
	}
	p.res.Connections = append(p.res.Connections, analysis.Connection{
		Kind: kind, Session: session, Client: cliEnd, Server: srvEnd, Start: start, End: start.Add(time.Second),
		ConnState: "S0", Frame: frameOf(pkts),
	})
	p.res.Packets = append(p.res.Packets, cp)
	return len(p.res.Packets) - 1
}

func frameOf(pkts []analysis.PathPacket) int64 {
	if len(pkts) == 0 {
		return 0
	}
	return pkts[0].Frame
}

// verdict adds a break (finding false) on a connection.
func (p *point) verdict(finding bool, cause, session string, kind classify.ConnKind, cliEnd, srvEnd string, ms int, frames ...int64) {
	v := analysis.Verdict{
		Session: session, Connection: analysis.ConnRef{Kind: kind, Client: cliEnd, Server: srvEnd},
		Class: classify.CauseClass(cause), Cause: cause, Confidence: 0.8, Time: at(ms).Add(p.skew),
		Summary: cause + " seen at " + p.name,
	}
	for _, f := range frames {
		v.Evidence = append(v.Evidence, analysis.Evidence{Frame: f, Time: at(ms).Add(p.skew), Text: "packet " + p.name})
	}
	var tally analysis.CauseTally
	if finding {
		v.Severity = analysis.SeverityInfo
		v.ID = "F1"
		p.res.Findings = append(p.res.Findings, v)
	} else {
		v.ID = "B1"
		p.res.Breaks = append(p.res.Breaks, v)
	}
	for _, b := range p.res.Breaks {
		tally.Add(b.Class, b.Cause, false)
	}
	for _, f := range p.res.Findings {
		tally.Add(f.Class, f.Cause, true)
	}
	tally.Fill(&p.res.Stats)
}

// pk is a packet at ms on the reference clock (the point's skew is added
// by conn).
func pk(frame int64, ms int, fromClient bool, flags uint8, seq uint32, length int) analysis.PathPacket {
	return analysis.PathPacket{Frame: frame, TS: at(ms).UnixNano(), FromClient: fromClient, Flags: flags, Seq: seq, Len: length, TTL: 64}
}

// correlation is the correlation of two points, the second's clock
// ahead by skew.
func correlation(a, b *point, pairs ...Pair) *Correlation {
	return &Correlation{
		Points: []Point{{Name: a.name, Paths: a.vantage().Paths}, {Name: b.name, Paths: b.vantage().Paths, ClockOffset: b.skew - a.skew, Matched: 10}},
		Pairs:  pairs,
	}
}

const (
	cliEnd     = "198.51.100.10:40112"
	srvEnd     = "203.0.113.20:21"
	dataCliEnd = "198.51.100.10:40114"
	dataSrvEnd = "203.0.113.20:30001"
)

// controlConn is a healthy control connection's start at a point.
func controlConn(p *point, session string) int {
	return p.conn(classify.KindControl, session, cliEnd, srvEnd, 100,
		pk(1, 0, true, flagSYN, 100, 0),
		pk(2, 10, false, flagSYNACK, 1100, 0),
		pk(3, 20, true, flagACK, 101, 0),
		pk(4, 30, false, flagPSH, 1101, 20),
	)
}
