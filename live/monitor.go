package live

import (
	"sync/atomic"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// MonitorOptions wire a Monitor.
type MonitorOptions struct {
	Printer *Printer                // required: the live lines
	Metrics *Metrics                // nil without a metrics address
	Alerts  *Alerts                 // nil: no alerts
	Capture func() source.LiveStats // required: the drop counters
	// OnError is told when a live line could not be written (stdout
	// closed); the run goes on.
	OnError func(error)
}

// Monitor receives the pipeline's callbacks during a live run
// (analysis.Options.OnBreak and OnSession) and the capture time of every
// packet (through Watch), and hands them to the printer, the metrics and
// the alerts. All of it runs on the pipeline's goroutine; the counts it
// publishes for the status line are atomic.
type Monitor struct {
	opts         MonitorOptions
	now          time.Time
	judgedAtStop int64
	alertsFired  int64
	active       atomic.Int64 // alerts firing now
	// Counted as the callbacks come, for the status line: the
	// pipeline's own progress counters are refreshed only every thousand
	// packets, which on a quiet interface is rarely.
	sessions, breaks atomic.Int64
}

// NewMonitor returns a monitor.
func NewMonitor(opts MonitorOptions) *Monitor {
	return &Monitor{opts: opts}
}

// Break prints a settled break (after a drop notice when the capture has
// lost packets since the last one), counts it, and feeds the alerts.
func (m *Monitor) Break(v *analysis.Verdict) {
	m.breaks.Add(1)
	if m.now.Before(v.Time) {
		m.now = v.Time
	}
	m.check(m.opts.Printer.Drops(m.now, m.opts.Capture()))
	m.check(m.opts.Printer.Break(v))
	if m.opts.Metrics != nil {
		m.opts.Metrics.Break(v)
	}
	if m.opts.Alerts != nil {
		m.alerts(m.opts.Alerts.Break(v.Time, v.Cause))
	}
}

// Session counts a judged session, and feeds the lifetime alert with its
// control connection if it lived a lifetime (see lived).
func (m *Monitor) Session(s *dissect.Session) {
	m.sessions.Add(1)
	if m.opts.Metrics != nil {
		m.opts.Metrics.Session(s)
	}
	c := s.Control
	if c == nil {
		return
	}
	if c.Closed == tcpflow.ClosedEOF {
		m.judgedAtStop++
	}
	for _, d := range s.Data {
		if d.Conn != nil && d.Conn.Closed == tcpflow.ClosedEOF {
			m.judgedAtStop++
		}
	}
	if m.opts.Alerts != nil && lived(c) {
		m.alerts(m.opts.Alerts.ControlClosed(c.First.Time(), c.Last.Time()))
	}
}

// lived reports whether a control connection's span is its lifetime: the
// capture saw it begin (SYN and SYN-ACK: a refused or unanswered attempt
// is a break of its own, counted by the break alerts, and a connection
// picked up mid-stream began earlier) and end on its own (not cut by the
// capture's end or evicted by the connection cap).
func lived(c *tcpflow.Conn) bool {
	begun := !c.Half[tcpflow.FromClient].SYN.IsZero() && !c.Half[tcpflow.FromServer].SYN.IsZero()
	return begun && c.Closed != tcpflow.ClosedEOF && c.Closed != tcpflow.ClosedEvicted
}

func (m *Monitor) alerts(list []Alert) {
	for _, a := range list {
		if a.Firing {
			m.alertsFired++
			m.active.Add(1)
		} else {
			m.active.Add(-1)
		}
		m.check(m.opts.Printer.Alert(a))
		if m.opts.Metrics != nil {
			m.opts.Metrics.Alert(a)
		}
	}
}

func (m *Monitor) check(err error) {
	if err != nil && m.opts.OnError != nil {
		m.opts.OnError(err)
	}
}

// JudgedAtStop is the number of FTP connections still open when the
// capture stopped, judged with what had been seen.
func (m *Monitor) JudgedAtStop() int64 { return m.judgedAtStop }

// AlertsFired is the number of alert crossings that fired.
func (m *Monitor) AlertsFired() int64 { return m.alertsFired }

// Sessions and Breaks count the sessions judged and their breaks so far
// (any goroutine).
func (m *Monitor) Sessions() int64 { return m.sessions.Load() }

// Breaks: see Sessions.
func (m *Monitor) Breaks() int64 { return m.breaks.Load() }

// AlertsActive is the number of alerts firing now (any goroutine).
func (m *Monitor) AlertsActive() int { return int(m.active.Load()) }

// Watch returns src with every packet's and tick's capture time passed to
// the alerts first, so that breaks leave the window on time even when no
// new event comes.
func (m *Monitor) Watch(src source.Reader) source.Reader {
	return &watched{Reader: src, m: m}
}

type watched struct {
	source.Reader
	m *Monitor
}

func (w *watched) Next(p *source.Packet) error {
	err := w.Reader.Next(p)
	if err != nil {
		return err
	}
	m := w.m
	if t := p.CI.Timestamp; t.After(m.now) {
		m.now = t
		if m.opts.Alerts != nil {
			if list := m.opts.Alerts.Advance(t); len(list) > 0 {
				m.alerts(list)
			}
		}
	}
	return nil
}

// Now is the latest capture time seen.
func (m *Monitor) Now() time.Time { return m.now }
