package analysis

import (
	"net/netip"

	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// The judging stage: with Options.Parallel, finished sessions are judged
// and recorded on a goroutine of their own while the tracker goes on with
// the packets after them. A finished session is the judge's alone: its
// connections are closed and the dissector has let go of it. The one
// thing the rules read that keeps changing is the tracker's host table,
// so each session travels with a copy of the entries of its hosts, taken
// when it ended: what the rules would have read judging it on the spot.

// judgeQueue is how many finished sessions may wait for the judge: enough
// to smooth bursts (a SYN flood evicts a session per packet), bounded so
// memory is too.
const judgeQueue = 512

// judgeJob is one finished session and what it needs from the capture.
type judgeJob struct {
	s     *dissect.Session
	hosts hostSnapshot
}

// startJudging starts the judging goroutine.
func (p *pipeline) startJudging() {
	p.jobs = make(chan judgeJob, judgeQueue)
	p.judged = make(chan struct{})
	go func() {
		defer close(p.judged)
		for job := range p.jobs {
			p.col.session(job.s, &classify.Context{Hosts: &job.hosts})
		}
	}()
}

// stopJudging waits until every queued session has been judged; the
// collector is then the caller's again.
func (p *pipeline) stopJudging() {
	if p.jobs == nil {
		return
	}
	close(p.jobs)
	<-p.judged
	p.jobs = nil
}

// finished is the dissector's done callback.
func (p *pipeline) finished(s *dissect.Session) {
	if p.jobs == nil {
		p.col.session(s, &p.col.ctx)
		return
	}
	job := judgeJob{s: s}
	hosts := p.tracker.Hosts()
	job.hosts.add(hosts, s.Control)
	for _, d := range s.Data {
		job.hosts.add(hosts, d.Conn)
	}
	p.jobs <- job
}

// hostSnapshot holds copies of host-table entries: a session's hosts,
// usually two, in place; more (data connections to other hosts) in a map.
type hostSnapshot struct {
	n     int
	addrs [4]netip.Addr
	stats [4]tcpflow.TTLStats
	more  map[netip.Addr]tcpflow.TTLStats
}

// add copies the entries of both ends of c.
func (h *hostSnapshot) add(from *tcpflow.HostTable, c *tcpflow.Conn) {
	if c == nil {
		return
	}
	h.addAddr(from, c.Client.Addr())
	h.addAddr(from, c.Server.Addr())
}

func (h *hostSnapshot) addAddr(from *tcpflow.HostTable, a netip.Addr) {
	if h.TTL(a) != nil {
		return
	}
	st := from.TTL(a)
	if st == nil {
		return
	}
	if h.n < len(h.addrs) {
		h.addrs[h.n], h.stats[h.n] = a, *st
		h.n++
		return
	}
	if h.more == nil {
		h.more = map[netip.Addr]tcpflow.TTLStats{}
	}
	h.more[a] = *st
}

// TTL implements classify.HostTTLs.
func (h *hostSnapshot) TTL(a netip.Addr) *tcpflow.TTLStats {
	for i := range h.n {
		if h.addrs[i] == a {
			return &h.stats[i]
		}
	}
	if st, ok := h.more[a]; ok {
		return &st
	}
	return nil
}
