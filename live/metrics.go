package live

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/source"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// MetricsSources are the running counts read at each scrape.
type MetricsSources struct {
	Capture  func() source.LiveStats // required
	Progress *analysis.Progress      // required
	Evidence func() EvidenceStats    // nil without -w
}

// connDurationBuckets span a refused connection (milliseconds) to a
// control connection idling for hours.
var connDurationBuckets = []float64{0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 7200}

// Metrics are the Prometheus metrics of a live run, in a registry of
// their own. Session, Break and Alert are called from the pipeline's
// goroutine; the handler serves scrapes from others.
type Metrics struct {
	reg            *prometheus.Registry
	sessions       prometheus.Counter
	sessionsBroken prometheus.Counter
	transfers      *prometheus.CounterVec
	transferBytes  *prometheus.CounterVec
	breaks         *prometheus.CounterVec
	connDuration   *prometheus.HistogramVec
	connClosed     *prometheus.CounterVec
	alerts         *prometheus.CounterVec
	alertActive    *prometheus.GaugeVec

	lastBrokenSession string
}

// NewMetrics registers the metrics. Every class/cause pair of the
// catalog, every transfer direction/status and every alert starts at 0,
// so that rate() and alert rules see the series before the first event.
func NewMetrics(src MetricsSources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.sessions = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ftpcap_sessions_total", Help: "FTP sessions (control connections) judged.",
	})
	m.sessionsBroken = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ftpcap_sessions_broken_total", Help: "FTP sessions with at least one break.",
	})
	m.transfers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ftpcap_transfers_total", Help: "Data transfers by direction and status (complete, failed, truncated, aborted).",
	}, []string{"direction", "status"})
	m.transferBytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ftpcap_transfer_bytes_total", Help: "Bytes carried by data transfers, by direction and status.",
	}, []string{"direction", "status"})
	m.breaks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ftpcap_breaks_total", Help: "Breaks by class and cause (ids of spec/causes.md).",
	}, []string{"class", "cause"})
	m.connDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ftpcap_connection_duration_seconds", Help: "Lifetime of FTP connections (first to last packet), by kind (control, data).",
		Buckets: connDurationBuckets,
	}, []string{"kind"})
	m.connClosed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ftpcap_ftp_connections_closed_total",
		Help: "FTP connections by kind and how tracking ended (fin, rst, idle, evicted, end-of-capture, port-reused).",
	}, []string{"kind", "reason"})
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ftpcap_alerts_total", Help: "Alert thresholds crossed (each firing counts once).",
	}, []string{"alert"})
	m.alertActive = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ftpcap_alert_active", Help: "1 while an alert's condition holds.",
	}, []string{"alert"})

	for _, r := range classify.Rules() {
		m.breaks.WithLabelValues(r.Class, r.Cause)
	}
	for _, dir := range []dissect.Direction{dissect.DirectionDownload, dissect.DirectionUpload, dissect.DirectionUnknown} {
		for _, st := range classify.TransferStatuses() {
			m.transfers.WithLabelValues(string(dir), string(st))
			m.transferBytes.WithLabelValues(string(dir), string(st))
		}
	}
	for _, a := range []string{AlertBreakRate, AlertShortSessions, AlertDominantCause} {
		m.alerts.WithLabelValues(a)
		m.alertActive.WithLabelValues(a)
	}

	m.reg.MustRegister(m.sessions, m.sessionsBroken, m.transfers, m.transferBytes, m.breaks,
		m.connDuration, m.connClosed, m.alerts, m.alertActive,
		&runCollector{src: src},
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector())
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the metrics' registry (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Session counts a judged session: its transfers and the lifetimes and
// ends of its connections.
func (m *Metrics) Session(s *dissect.Session) {
	m.sessions.Inc()
	for _, t := range s.Transfers {
		dir, st := string(t.Direction), string(classify.TransferStatusOf(s, t))
		m.transfers.WithLabelValues(dir, st).Inc()
		m.transferBytes.WithLabelValues(dir, st).Add(float64(t.Bytes()))
	}
	m.conn(classify.KindControl, s.Control)
	for _, d := range s.Data {
		m.conn(classify.KindData, d.Conn)
	}
}

func (m *Metrics) conn(kind classify.ConnKind, c *tcpflow.Conn) {
	if c == nil {
		return
	}
	m.connDuration.WithLabelValues(string(kind)).Observe(time.Duration(c.Last.TS - c.First.TS).Seconds())
	m.connClosed.WithLabelValues(string(kind), c.Closed.String()).Inc()
}

// Break counts a break, and its session once.
func (m *Metrics) Break(v *analysis.Verdict) {
	m.breaks.WithLabelValues(v.Class, v.Cause).Inc()
	if v.Session != "" && v.Session != m.lastBrokenSession {
		// A session's breaks are settled together, one after another.
		m.lastBrokenSession = v.Session
		m.sessionsBroken.Inc()
	}
}

// Alert counts a crossing and sets the alert's state.
func (m *Metrics) Alert(a Alert) {
	if a.Firing {
		m.alerts.WithLabelValues(a.Name).Inc()
		m.alertActive.WithLabelValues(a.Name).Set(1)
		return
	}
	m.alertActive.WithLabelValues(a.Name).Set(0)
}

// runCollector reports the capture's and the pipeline's running counts at
// scrape time.
type runCollector struct{ src MetricsSources }

var (
	descPackets       = prometheus.NewDesc("ftpcap_packets_total", "Packets captured and analysed.", nil, nil)
	descBytes         = prometheus.NewDesc("ftpcap_bytes_total", "Bytes (on the wire) of the packets captured.", nil, nil)
	descReceived      = prometheus.NewDesc("ftpcap_capture_received_packets_total", "Packets the kernel filter passed (pcap ps_recv), dropped ones included.", nil, nil)
	descDropped       = prometheus.NewDesc("ftpcap_capture_dropped_packets_total", "Packets the capture lost: kernel (capture buffer full, ps_drop) or interface (ps_ifdrop).", []string{"where"}, nil)
	descConns         = prometheus.NewDesc("ftpcap_connections_total", "TCP connections tracked (FTP or not).", nil, nil)
	descConnsOpen     = prometheus.NewDesc("ftpcap_connections_open", "TCP connections being tracked now.", nil, nil)
	descEvidenceFiles = prometheus.NewDesc("ftpcap_evidence_files_total", "Evidence files opened (-w).", nil, nil)
	descEvidenceGone  = prometheus.NewDesc("ftpcap_evidence_files_removed_total", "Evidence files removed to keep the file count (-W).", nil, nil)
	descEvidencePkts  = prometheus.NewDesc("ftpcap_evidence_packets_total", "Packets written to evidence files.", nil, nil)
	descEvidenceStall = prometheus.NewDesc("ftpcap_evidence_writer_stalls_total", "Times the capture waited for the disk: the evidence writer's queue was full.", nil, nil)
)

func (c *runCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPackets, descBytes, descReceived, descDropped, descConns, descConnsOpen} {
		ch <- d
	}
	if c.src.Evidence != nil {
		ch <- descEvidenceFiles
		ch <- descEvidenceGone
		ch <- descEvidencePkts
		ch <- descEvidenceStall
	}
}

func (c *runCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Capture()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(descPackets, st.Packets)
	counter(descBytes, st.Bytes)
	counter(descReceived, st.Received)
	counter(descDropped, st.KernelDropped, "kernel")
	counter(descDropped, st.InterfaceDrops, "interface")
	counter(descConns, c.src.Progress.Connections.Load())
	ch <- prometheus.MustNewConstMetric(descConnsOpen, prometheus.GaugeValue, float64(c.src.Progress.OpenConns.Load()))
	if c.src.Evidence != nil {
		ev := c.src.Evidence()
		counter(descEvidenceFiles, ev.Files)
		counter(descEvidenceGone, ev.Removed)
		counter(descEvidencePkts, ev.Packets)
		counter(descEvidenceStall, ev.Stalls)
	}
}
