package analysis

import (
	"reflect"
	"strings"
	"sync"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/internal/words"
	"github.com/ftpcap/ftpcap/tcpflow"
	"github.com/ftpcap/ftpcap/tcpflow/decode"
)

// How a stage's counter reaches the report.
//
// The decoder (decode.Stats), the tracker (tcpflow.Stats) and the
// dissector (dissect.Stats) count their work, every cap they hit and the
// limit of each cap. The table counters below is the one place that says,
// for every one of those fields, which field of the report's stats
// reports it (by its JSON name), or why none does; and, for a cap, the
// sentence the table and markdown formats write in their "caps reached"
// line. finish copies the stages' counters into Stats by this table and
// nothing else, and TestEveryStageCounterIsMapped fails when a stage
// gains a field the table does not name.
//
// A cap is a limit past which something was dropped or cut: the report
// is then short of something the capture held, and says so. A mere count
// (commands seen, connections linked) is not a cap. The counters in
// StageCounts are omitted from the JSON while zero, and each cap's limit
// there is reported only when the cap was reached, so a clean capture's
// report does not grow. JSON names are snake_case, added, never renamed.

// counter is one row of the table.
type counter struct {
	// from names the stage's field, "tcpflow.Stats.SegLogDropped"; several
	// joined by " + " are summed. Empty when the report's field is counted
	// by the collector or the pipeline rather than by a stage.
	from string
	// to is the JSON name of the Stats field reporting it; empty when the
	// counter is not reported (note says why).
	to   string
	note string
	// limitOf, for a limit, names the counters (JSON, space-separated) of
	// the caps it sets: the limit is reported when one of them is not
	// zero. Empty for a counter, and for a limit reported always.
	limitOf string
	// reached, for a cap, is its "caps reached" sentence, written when the
	// counter is not zero (and the sentence not empty: evictions leave
	// the attempts to their own line).
	reached func(s *Stats) string
}

// counters maps every stage counter to the report, in the order the caps
// are written in the "caps reached" line.
var counters = []counter{
	// The connection table (tcpflow).
	{from: "tcpflow.Stats.TCPPackets", to: "tcp_packets"},
	{from: "tcpflow.Stats.Conns", to: "connections"},
	{from: "tcpflow.Stats.Reused", note: "a new connection on the 4-tuple of an ended one: counted in connections"},
	{from: "tcpflow.Stats.Expired", to: "connections_expired"},
	{from: "tcpflow.Stats.OpenAtEnd", to: "connections_open_at_end"},
	{from: "tcpflow.Stats.PeakConns", note: "the table's high-water mark, for benchmarks"},
	{from: "tcpflow.Stats.MaxConns", to: "max_connections"},
	{from: "tcpflow.Stats.MaxHalfOpen", to: "max_half_open"},
	{from: "tcpflow.Stats.EvictedHalfOpen", to: "connections_evicted_half_open", reached: func(s *Stats) string {
		many := "too many"
		if s.MaxHalfOpen > 0 {
			many = "more than " + digits(s.MaxHalfOpen)
		}
		return counted(s.ConnsEvictedHalfOpen, "connection attempt", "connection attempts") + " evicted: " + many +
			" were in flight at once, as in a SYN flood or a port scan"
	}},
	{from: "tcpflow.Stats.Evicted", to: "connections_evicted", reached: func(s *Stats) string {
		n := s.ConnsEvicted - s.ConnsEvictedHalfOpen // the attempts have their own line
		if n <= 0 {
			return ""
		}
		line := counted(n, "connection", "connections") + " evicted: the connection table was full"
		if s.MaxConns > 0 {
			line += " (max " + digits(s.MaxConns) + ")"
		}
		return line
	}},

	// What the tracker keeps of each connection (tcpflow).
	{from: "tcpflow.Stats.SegLogCut", to: "segment_logs_cut"},
	{from: "tcpflow.Stats.MaxSegLog", to: "max_segment_log", limitOf: "segment_log_entries_dropped"},
	{from: "tcpflow.Stats.SegLogDropped", to: "segment_log_entries_dropped", reached: func(s *Stats) string {
		return counted(s.SegLogsCut, "connection's packet log", "connections' packet logs") + " cut at " + counted(int64(s.MaxSegLog), "entry", "entries") +
			": " + counted(s.SegLogDropped, "packet", "packets") +
			" that bear on a verdict (SYN, FIN, RST, retransmissions, zero windows) not kept as evidence"
	}},
	{from: "tcpflow.Stats.ICMPCut", to: "icmp_lists_cut"},
	{from: "tcpflow.Stats.MaxICMP", to: "max_icmp_per_connection", limitOf: "icmp_errors_dropped"},
	{from: "tcpflow.Stats.ICMPDropped", to: "icmp_errors_dropped", reached: func(s *Stats) string {
		return counted(s.ICMPListsCut, "connection's", "connections'") + " ICMP errors cut at " + digits(s.MaxICMP) +
			": " + counted(s.ICMPDropped, "ICMP error", "ICMP errors") + " quoting them not kept as evidence"
	}},
	{from: "tcpflow.Stats.HistoryCut", to: "histories_cut"},
	{from: "tcpflow.Stats.MaxHistory", to: "max_history", limitOf: "history_letters_dropped"},
	{from: "tcpflow.Stats.HistoryDropped", to: "history_letters_dropped", reached: func(s *Stats) string {
		return counted(s.HistoriesCut, "connection's Zeek history", "connections' Zeek histories") + " cut at " + counted(int64(s.MaxHistory), "letter", "letters") +
			": " + counted(s.HistoryDropped, "later letter", "later letters") + " not shown"
	}},
	{from: "tcpflow.Stats.TracesCut", to: "traces_cut"},
	{from: "tcpflow.Stats.MaxTracePoints", to: "max_trace_points", limitOf: "trace_points_dropped"},
	{from: "tcpflow.Stats.TraceDropped", to: "trace_points_dropped", reached: func(s *Stats) string {
		return counted(s.TracesCut, "connection's packet trace", "connections' packet traces") + " for the diagrams cut: " +
			counted(s.TraceDropped, "packet", "packets") + " not drawn, as the traces of the connections open at once already held " +
			counted(int64(s.MaxTracePoints), "packet", "packets")
	}},
	{from: "tcpflow.Stats.KeptCut", to: "kept_packet_logs_cut"},
	{from: "tcpflow.Stats.MaxKeptPackets", to: "max_kept_packets", limitOf: "kept_packets_dropped"},
	{from: "tcpflow.Stats.KeptDropped", to: "kept_packets_dropped", reached: func(s *Stats) string {
		return counted(s.KeptCut, "connection's kept packets", "connections' kept packets") + " for correlating capture points cut: " +
			counted(s.KeptDropped, "packet", "packets") + " not kept, as the FTP connections had already kept " +
			counted(int64(s.MaxKeptPackets), "packet", "packets")
	}},
	{from: "tcpflow.Stats.ICMPMatched", note: "ICMP errors quoting a tracked connection: icmp_errors counts every ICMP error, and verdicts cite those that matter"},
	{from: "tcpflow.Stats.ICMPUnmatched", note: "ICMP errors quoting no tracked connection: among icmp_errors"},
	{from: "tcpflow.Stats.MaxBufferedBytes", to: "max_buffered_bytes", limitOf: "reassembly_overflows"},
	{from: "tcpflow.Stats.BufferOverflows", to: "reassembly_overflows", reached: func(s *Stats) string {
		return counted(s.ReassemblyOverflows, "hole in an FTP stream", "holes in FTP streams") + " given up on: more than " +
			counted(int64(s.MaxBufferedBytes), "byte", "bytes") + " arrived out of order behind it, so its bytes count as missed by the capture"
	}},
	{from: "tcpflow.Stats.GapBytes", note: "bytes of FTP streams the capture missed: each session's anomalies and capture_quality say so"},
	{from: "tcpflow.Stats.SnapGapBytes", note: "bytes of FTP streams the snap length cut: inputs[].truncated and capture_quality say so"},
	{from: "tcpflow.Stats.MaxHosts", to: "max_hosts", limitOf: "host_table_packets_dropped"},
	{from: "tcpflow.Stats.HostsDropped", to: "host_table_packets_dropped", reached: func(s *Stats) string {
		return "host table full at " + counted(int64(s.MaxHosts), "host", "hosts") + ": " + counted(s.HostsDropped, "packet", "packets") +
			" from further hosts not used to learn their usual TTL, so a reset from those hosts cannot be told from a middlebox's by its TTL"
	}},

	// IP decoding and fragment reassembly (decode).
	{from: "decode.Stats.Packets", note: "packets counts them as they are read"},
	{from: "decode.Stats.TCP", note: "tcp_packets counts them as the tracker gets them"},
	{from: "decode.Stats.ICMPErrors", note: "icmp_errors counts them as the tracker gets them"},
	{from: "decode.Stats.Other", note: "IP that is neither TCP nor an ICMP error (UDP, ICMP echo): nothing FTP uses"},
	{from: "decode.Stats.NonIP", to: "non_ip"},
	{from: "decode.Stats.Undecodable", to: "undecodable"},
	{from: "decode.Stats.UnsupportedLinkType", note: "among undecodable"},
	{from: "decode.Stats.Truncated", note: "inputs[].truncated counts the packets the snap length cut"},
	{from: "decode.Stats.ICMPQuoteShort", note: "ICMP errors quoting too little to name a connection, so they bear on none"},
	{from: "decode.Stats.Fragments", to: "ip_fragments"},
	{from: "decode.Stats.FragReassembled", to: "ip_fragments_reassembled"},
	{from: "decode.Stats.FragExpired + decode.Stats.FragEvicted + decode.Stats.FragPieceCap + decode.Stats.FragPending",
		to: "ip_datagrams_incomplete", note: "a capture-quality note says what it means for the verdicts"},
	{from: "decode.Stats.FragDuplicates", note: "a fragment received twice: nothing is lost"},
	{from: "decode.Stats.FragOverlaps", note: "datagrams of overlapping fragments (teardrop), discarded as a host discards them"},
	{from: "decode.Stats.FragInvalid", note: "empty, oversized or contradictory fragments, discarded as a host discards them"},
	{from: "decode.Stats.FragTruncated", note: "fragments the snap length cut: inputs[].truncated counts them"},
	{from: "decode.Stats.FragBytesHeld", note: "memory held at the end, not a count"},
	{from: "decode.Stats.MaxFragBytes", to: "max_fragment_bytes", limitOf: "ip_datagrams_evicted"},
	{from: "decode.Stats.FragEvicted", to: "ip_datagrams_evicted", reached: func(s *Stats) string {
		return counted(s.FragmentsEvicted, "IP datagram", "IP datagrams") + " dropped incomplete: fragments waiting for the rest of their datagram held more than " +
			counted(int64(s.MaxFragmentBytes), "byte", "bytes")
	}},
	{from: "decode.Stats.MaxFragPieces", to: "max_fragments_per_datagram", limitOf: "ip_datagrams_too_many_fragments"},
	{from: "decode.Stats.FragPieceCap", to: "ip_datagrams_too_many_fragments", reached: func(s *Stats) string {
		return counted(s.FragmentsTooMany, "IP datagram", "IP datagrams") + " dropped for coming in more than " +
			digits(s.MaxFragmentsPerDatagram) + " fragments"
	}},

	// FTP sessions (dissect).
	{from: "dissect.Stats.Sessions", note: "ftp_sessions counts them as they are judged"},
	{from: "dissect.Stats.SessionsByBanner", note: "sessions found by their 220 greeting on a port not known as FTP's: each session's server shows its port"},
	{from: "dissect.Stats.ProvisionalDropped", to: "provisional_sessions_dropped", note: "connections that greeted like an FTP server on another port but whose client did not speak FTP: not FTP, and not a cap"},
	{from: "dissect.Stats.NotFTP", note: "a not-ftp verdict reports each"},
	{from: "dissect.Stats.TLSSessions", note: "sessions[].tls"},
	{from: "dissect.Stats.Commands", note: "sessions[].commands"},
	{from: "dissect.Stats.Replies", note: "sessions[].replies"},
	{from: "dissect.Stats.Gaps", note: "each session's anomalies name the gaps in its control connection"},
	{from: "dissect.Stats.GapBytes", note: "each session's anomalies name the gaps in its control connection"},
	{from: "dissect.Stats.Limits.MaxPendingCommands", to: "max_pending_commands", limitOf: "pending_commands_dropped"},
	{from: "dissect.Stats.PendingDropped", to: "pending_commands_dropped", reached: func(s *Stats) string {
		return counted(s.PendingDropped, "FTP command", "FTP commands") + " stopped waiting for a reply: more than " +
			digits(s.MaxPendingCommands) + " were waiting at once in one session, so a late reply may be paired with a later command"
	}},
	{from: "dissect.Stats.Limits.MaxLog", to: "max_session_log", limitOf: "command_log_dropped transfers_dropped data_connections_dropped"},
	{from: "dissect.Stats.LogDropped", to: "command_log_dropped", reached: func(s *Stats) string {
		return counted(s.CommandLogDropped, "FTP command", "FTP commands") + " past the first " + digits(s.MaxSessionLog) +
			" of a session not kept in its command log"
	}},
	{from: "dissect.Stats.Transfers", note: "sessions[].transfers"},
	{from: "dissect.Stats.TransfersDropped", to: "transfers_dropped", reached: func(s *Stats) string {
		return counted(s.TransfersDropped, "transfer", "transfers") + " past the first " + digits(s.MaxSessionLog) +
			" of a session not listed or judged"
	}},
	{from: "dissect.Stats.DataLinked", note: "data_connections counts them as their sessions are judged"},
	{from: "dissect.Stats.DataByAdvertised", note: "how data connections were linked: for tests"},
	{from: "dissect.Stats.DataByDefaultPort", note: "how data connections were linked: for tests"},
	{from: "dissect.Stats.DataInferred", note: "transfers[].inferred"},
	{from: "dissect.Stats.DataUnclaimed", note: "data connections no transfer command claimed: connections[] lists them with their session"},
	{from: "dissect.Stats.DataDropped", to: "data_connections_dropped", reached: func(s *Stats) string {
		return counted(s.DataConnsDropped, "data connection", "data connections") + " past the first " + digits(s.MaxSessionLog) +
			" of a session not linked to it"
	}},
	{from: "dissect.Stats.Expectations", note: "data connections negotiated (PASV, EPSV, PORT, EPRT): transfers[] shows each"},
	{from: "dissect.Stats.ExpectationsMet", note: "negotiated data connections that came: transfers[].data"},
	{from: "dissect.Stats.ExpectationsExpired", to: "data_expectations_expired", note: "negotiated data connections that did not come within the expectation timeout; the verdicts say why, so not a cap"},
	{from: "dissect.Stats.ExpectationsAbandoned", to: "data_expectations_abandoned", note: "negotiated data connections given up when a newer PASV/PORT replaced them, the command was refused, or the session ended"},
	{from: "dissect.Stats.Limits.MaxRepliesPerExchange", to: "max_replies_per_command", limitOf: "replies_dropped"},
	{from: "dissect.Stats.RepliesDropped", to: "replies_dropped", reached: func(s *Stats) string {
		return counted(s.RepliesDropped, "reply", "replies") + " to a command past the first " + digits(s.MaxRepliesPerCommand) + " not kept"
	}},
	{from: "dissect.Stats.Limits.MaxReplyLines", to: "max_reply_lines", limitOf: "reply_lines_unlocated"},
	{from: "dissect.Stats.ReplyLinesDropped", to: "reply_lines_unlocated", reached: func(s *Stats) string {
		return counted(s.ReplyLinesUnlocated, "line", "lines") + " of multi-line replies past the first " + digits(s.MaxReplyLines) +
			" of a reply not located by packet"
	}},
	{from: "dissect.Stats.Limits.MaxReplyText", to: "max_reply_text", limitOf: "reply_texts_cut"},
	{from: "dissect.Stats.ReplyTextCut", to: "reply_texts_cut", reached: func(s *Stats) string {
		return counted(s.ReplyTextsCut, "reply's text", "replies' text") + " cut at " + counted(int64(s.MaxReplyText), "byte", "bytes")
	}},
	{from: "dissect.Stats.Limits.MaxLineLen", to: "max_line_length", limitOf: "control_lines_cut"},
	{from: "dissect.Stats.LinesTooLong", to: "control_lines_cut", reached: func(s *Stats) string {
		return counted(s.ControlLinesCut, "control-connection line", "control-connection lines") + " longer than " +
			counted(int64(s.MaxLineLength), "byte", "bytes") + " cut"
	}},
	{from: "dissect.Stats.Limits.MaxListed", to: "max_listed_per_session", limitOf: "anomalies_dropped address_mismatches_dropped"},
	{from: "dissect.Stats.AnomaliesDropped", to: "anomalies_dropped", reached: func(s *Stats) string {
		return counted(s.AnomaliesDropped, "protocol anomaly", "protocol anomalies") + " past the first " + digits(s.MaxListedPerSession) +
			" of a session not kept as evidence (still counted in its anomalies)"
	}},
	{from: "dissect.Stats.AddrMismatchesDropped", to: "address_mismatches_dropped", reached: func(s *Stats) string {
		return counted(s.AddrMismatchesDropped, "PASV/PORT address mismatch", "PASV/PORT address mismatches") + " past the first " +
			digits(s.MaxListedPerSession) + " of a session not kept as evidence"
	}},
	{from: "dissect.Stats.Limits.MaxTLSAlerts", to: "max_tls_alerts", limitOf: "tls_alerts_dropped"},
	{from: "dissect.Stats.TLSAlertsDropped", to: "tls_alerts_dropped", reached: func(s *Stats) string {
		return counted(s.TLSAlertsDropped, "TLS alert", "TLS alerts") + " past the first " + digits(s.MaxTLSAlerts) +
			" of a connection not kept"
	}},
	{from: "dissect.Stats.Limits.MaxSizes", to: "max_sizes", limitOf: "sizes_forgotten"},
	{from: "dissect.Stats.SizesForgotten", to: "sizes_forgotten", reached: func(s *Stats) string {
		return counted(s.SizesForgotten, "SIZE answer", "SIZE answers") + " forgotten: a session remembers " + digits(s.MaxSizes) +
			" files' sizes at once, so later transfers of those files are not checked against their size"
	}},

	// The lists of the report itself (the collector).
	{to: "sessions_dropped", note: "counted by the collector", reached: func(s *Stats) string {
		return counted(s.SessionsDropped, "FTP session", "FTP sessions") + " not listed" + listCap(s)
	}},
	{to: "breaks_dropped", note: "counted by the collector", reached: func(s *Stats) string {
		return counted(s.BreaksDropped, "break", "breaks") + " not listed" + listCap(s)
	}},
	{to: "findings_dropped", note: "counted by the collector", reached: func(s *Stats) string {
		return counted(s.FindingsDropped, "finding", "findings") + " not listed" + listCap(s)
	}},
	{to: "connections_dropped", note: "counted by the collector", reached: func(s *Stats) string {
		return counted(s.ConnsDropped, "connection", "connections") + " not listed" + listCap(s)
	}},
	{to: "max_diagram_points", note: "the collector's limit, reported when diagrams_dropped is not zero", limitOf: "diagrams_dropped"},
	{to: "diagrams_dropped", note: "counted by the collector", reached: func(s *Stats) string {
		return counted(s.DiagramsDropped, "diagram", "diagrams") + " not drawn: the report's diagrams already held " +
			counted(int64(s.MaxDiagramPoints), "packet or exchange", "packets and exchanges")
	}},
}

// StageCounts are the stages' caps and counts that Stats reports beyond
// the fields of its own (see counters). Every field is omitted while zero.
type StageCounts struct {
	// Per connection: the packet log (SYN, FIN, RST, retransmissions…)
	// and the ICMP errors kept as evidence.
	SegLogsCut    int64 `json:"segment_logs_cut,omitempty"`
	SegLogDropped int64 `json:"segment_log_entries_dropped,omitempty"`
	MaxSegLog     int   `json:"max_segment_log,omitempty"`
	ICMPListsCut  int64 `json:"icmp_lists_cut,omitempty"`
	ICMPDropped   int64 `json:"icmp_errors_dropped,omitempty"`
	MaxICMP       int   `json:"max_icmp_per_connection,omitempty"`
	// Per connection: the letters of Zeek's history (conn.log's history).
	HistoriesCut   int64 `json:"histories_cut,omitempty"`
	HistoryDropped int64 `json:"history_letters_dropped,omitempty"`
	MaxHistory     int   `json:"max_history,omitempty"`
	// Per connection, with Options.Diagrams: the packet traces the
	// diagrams are drawn from, bounded across the connections open at
	// once.
	TracesCut      int64 `json:"traces_cut,omitempty"`
	TraceDropped   int64 `json:"trace_points_dropped,omitempty"`
	MaxTracePoints int   `json:"max_trace_points,omitempty"`
	// Per connection, with Options.KeepPackets: every packet of the FTP
	// connections, for correlating capture points, bounded over the run.
	KeptCut        int64 `json:"kept_packet_logs_cut,omitempty"`
	KeptDropped    int64 `json:"kept_packets_dropped,omitempty"`
	MaxKeptPackets int   `json:"max_kept_packets,omitempty"`
	// Reassembly of FTP streams, and the table of hosts' TTLs.
	ReassemblyOverflows int64 `json:"reassembly_overflows,omitempty"`
	MaxBufferedBytes    int   `json:"max_buffered_bytes,omitempty"`
	HostsDropped        int64 `json:"host_table_packets_dropped,omitempty"`
	MaxHosts            int   `json:"max_hosts,omitempty"`
	// IP fragment reassembly.
	FragmentsEvicted        int64 `json:"ip_datagrams_evicted,omitempty"`
	MaxFragmentBytes        int   `json:"max_fragment_bytes,omitempty"`
	FragmentsTooMany        int64 `json:"ip_datagrams_too_many_fragments,omitempty"`
	MaxFragmentsPerDatagram int   `json:"max_fragments_per_datagram,omitempty"`
	// FTP sessions.
	ProvisionalDropped    int64 `json:"provisional_sessions_dropped,omitempty"`
	PendingDropped        int64 `json:"pending_commands_dropped,omitempty"`
	MaxPendingCommands    int   `json:"max_pending_commands,omitempty"`
	CommandLogDropped     int64 `json:"command_log_dropped,omitempty"`
	TransfersDropped      int64 `json:"transfers_dropped,omitempty"`
	DataConnsDropped      int64 `json:"data_connections_dropped,omitempty"`
	MaxSessionLog         int   `json:"max_session_log,omitempty"`
	ExpectationsExpired   int64 `json:"data_expectations_expired,omitempty"`
	ExpectationsAbandoned int64 `json:"data_expectations_abandoned,omitempty"`
	RepliesDropped        int64 `json:"replies_dropped,omitempty"`
	MaxRepliesPerCommand  int   `json:"max_replies_per_command,omitempty"`
	ReplyLinesUnlocated   int64 `json:"reply_lines_unlocated,omitempty"`
	MaxReplyLines         int   `json:"max_reply_lines,omitempty"`
	ReplyTextsCut         int64 `json:"reply_texts_cut,omitempty"`
	MaxReplyText          int   `json:"max_reply_text,omitempty"`
	ControlLinesCut       int64 `json:"control_lines_cut,omitempty"`
	MaxLineLength         int   `json:"max_line_length,omitempty"`
	AnomaliesDropped      int64 `json:"anomalies_dropped,omitempty"`
	AddrMismatchesDropped int64 `json:"address_mismatches_dropped,omitempty"`
	MaxListedPerSession   int   `json:"max_listed_per_session,omitempty"`
	TLSAlertsDropped      int64 `json:"tls_alerts_dropped,omitempty"`
	MaxTLSAlerts          int   `json:"max_tls_alerts,omitempty"`
	SizesForgotten        int64 `json:"sizes_forgotten,omitempty"`
	MaxSizes              int   `json:"max_sizes,omitempty"`
	// The report's own diagrams, with Options.Diagrams (diagrams.go).
	DiagramsDropped  int64 `json:"diagrams_dropped,omitempty"`
	MaxDiagramPoints int   `json:"max_diagram_points,omitempty"`
}

// stages holds the stages' counters at the end of a run, under the names
// the table's from fields use.
type stages struct {
	decode  decode.Stats
	tracker tcpflow.Stats
	dissect dissect.Stats
}

// fill copies the stages' counters into s as counters says: the counts
// first, then the limits of the caps that were reached.
func (s *Stats) fill(st stages) {
	dst := reflect.ValueOf(s).Elem()
	for _, limits := range []bool{false, true} {
		for _, c := range counters {
			if c.from == "" || c.to == "" || (c.limitOf != "") != limits {
				continue
			}
			if limits && !s.anyNonZero(c.limitOf) {
				continue
			}
			dst.FieldByIndex(statsField(c.to)).SetInt(st.sum(c.from))
		}
	}
}

// CapsReached says in a sentence each cap the run reached, in the order of
// the table.
func (s *Stats) CapsReached() []string {
	var out []string
	for _, c := range counters {
		if c.reached == nil || s.count(c.to) == 0 {
			continue
		}
		if line := c.reached(s); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// count returns the Stats field of a JSON name.
func (s *Stats) count(json string) int64 {
	return reflect.ValueOf(s).Elem().FieldByIndex(statsField(json)).Int()
}

func (s *Stats) anyNonZero(jsonNames string) bool {
	for _, name := range strings.Fields(jsonNames) {
		if s.count(name) != 0 {
			return true
		}
	}
	return false
}

// sum adds the stage fields a from names ("tcpflow.Stats.X + …").
func (st *stages) sum(from string) int64 {
	var n int64
	for _, name := range strings.Split(from, " + ") {
		n += st.field(name).Int()
	}
	return n
}

// field finds a stage's field by its name in the table.
func (st *stages) field(name string) reflect.Value {
	stage, path, _ := strings.Cut(name, ".Stats.")
	var v reflect.Value
	switch stage {
	case "decode":
		v = reflect.ValueOf(&st.decode).Elem()
	case "tcpflow":
		v = reflect.ValueOf(&st.tracker).Elem()
	case "dissect":
		v = reflect.ValueOf(&st.dissect).Elem()
	default:
		panic("analysis: counter of an unknown stage: " + name)
	}
	for _, f := range strings.Split(path, ".") {
		v = v.FieldByName(f)
		if !v.IsValid() {
			panic("analysis: no stage counter " + name)
		}
	}
	return v
}

// statsField returns the index of the Stats field with a JSON name; the
// table names only fields that exist (TestEveryStageCounterIsMapped).
func statsField(json string) []int {
	i, ok := statsFields()[json]
	if !ok {
		panic("analysis: no stats field " + json)
	}
	return i
}

// statsFields maps the JSON names of Stats's integer fields, those of the
// embedded StageCounts included, to their indexes.
var statsFields = sync.OnceValue(func() map[string][]int {
	m := map[string][]int{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Stats]()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && f.Type.Kind() >= reflect.Int && f.Type.Kind() <= reflect.Int64 {
			m[name] = f.Index
		}
	}
	return m
})

func listCap(s *Stats) string {
	return " (listed at most " + digits(s.MaxReported) + "; counted in the summary)"
}

func digits(n int) string { return words.GroupDigits(int64(n)) }

func counted(n int64, singular, plural string) string { return words.Counted(n, singular, plural) }
