// Package analysis wires the pipeline: packet source → tcpflow → dissect →
// classify, and gathers what they produce into a Result. The Result is the
// one model every report format renders; its JSON shape is the contract in
// spec/report-json.md (fields are added, never renamed).
package analysis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/dissect"
)

// Result is everything one run found.
type Result struct {
	Tool    string  `json:"tool"`
	Version string  `json:"version"`
	Inputs  []Input `json:"inputs"`
	// CapturePoint: client-side, server-side, middle or unknown.
	CapturePoint string `json:"capture_point"`
	// CaptureQuality says what the capture itself lost or distorted, so
	// nobody blames the network for it.
	CaptureQuality CaptureQuality `json:"capture_quality"`
	Sessions       []Session      `json:"sessions"`
	Breaks         []Verdict      `json:"breaks"`
	Findings       []Verdict      `json:"findings"`
	Connections    []Connection   `json:"connections"`
	Stats          Stats          `json:"stats"`
	Errors         []InputError   `json:"errors,omitempty"`
	// VantagePoints are the capture points of a multi-point analysis
	// (--vantage), the first the clock reference; absent otherwise.
	VantagePoints []VantagePoint `json:"vantage_points,omitempty"`
	// Packets, kept with Options.KeepPackets, are every packet of the
	// FTP connections, for correlating several capture points
	// (packets.go, package correlate).
	Packets []ConnPackets `json:"-"`
}

// CaptureQuality sums up the capture's own defects over the FTP
// connections and the inputs.
type CaptureQuality struct {
	// Rating: good (nothing found), degraded (the capture distorts some
	// facts: duplicates, offload-sized segments, snap-length cuts) or poor
	// (the capture lost packets: loss-based verdicts are doubtful).
	Rating string `json:"rating"`
	// AckedUnseenBytes: bytes the receiver acknowledged that the capture
	// never had (capture loss, not network loss).
	AckedUnseenBytes int64 `json:"acked_unseen_bytes"`
	// KernelDrops: packets the capturing interfaces reported dropped.
	KernelDrops int64 `json:"kernel_drops"`
	// Duplicates: packets captured twice.
	Duplicates int64 `json:"duplicates"`
	// OversizedSegments: segments larger than the peer's MSS (captured
	// above TSO/GRO offload).
	OversizedSegments int64 `json:"oversized_segments"`
	// TruncatedPackets: packets cut by the snap length.
	TruncatedPackets int64 `json:"truncated_packets"`
	// OneSidedConnections: connections of which the capture has one
	// direction only, though the other side acknowledges the missing one.
	OneSidedConnections int64 `json:"one_sided_connections,omitempty"`
	// Notes say in words what the numbers mean for the verdicts.
	Notes []string `json:"notes,omitempty"`
}

// Input describes one capture file (or the live interface).
type Input struct {
	Path        string    `json:"path"`
	Format      string    `json:"format"`                // pcap, pcapng (gzip noted in Compression)
	Compression string    `json:"compression,omitempty"` // gzip
	LinkType    string    `json:"link_type"`             // Ethernet, Linux SLL, Linux SLL2, Raw IP, Null/Loopback
	Packets     int64     `json:"packets"`
	Bytes       int64     `json:"bytes"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	// Drops reported by the capture itself (pcapng interface statistics).
	Dropped *int64 `json:"dropped,omitempty"`
	// Truncated packets: captured length below the original length.
	Truncated int64 `json:"truncated,omitempty"`
}

// InputError is a file that could not be read to its end (everything
// before the failure was analysed), or, with Kind "internal", an FTP
// session ftpcap failed to judge or a packet it failed to process (a
// bug: the session or packet is left out and everything else is
// reported).
type InputError struct {
	Path  string `json:"path"`
	Frame int64  `json:"frame,omitempty"` // 0: before the first packet
	Error string `json:"error"`
	// Kind is ErrorInternal for a session that could not be judged;
	// empty for an input's damage.
	Kind ErrorKind `json:"kind,omitempty"`
	// Session, Connection, LastFrame and Filter locate the session an
	// internal error is about: its control connection's frames from
	// Frame to LastFrame, and a Wireshark filter isolating it.
	Session    string   `json:"session,omitempty"`
	Connection *ConnRef `json:"connection,omitempty"`
	LastFrame  int64    `json:"last_frame,omitempty"`
	Filter     string   `json:"filter,omitempty"`

	inputIndex int
}

// Outcome is how a session ended, as a whole.
type Outcome string

// Session outcomes: broken when at least one of its verdicts is a break.
const (
	OutcomeOK     Outcome = "ok"
	OutcomeBroken Outcome = "broken"
)

// Severity marks a verdict that is a finding. Breaks have none (the
// field is empty and left out of JSON).
type Severity string

// SeverityInfo is the severity of every finding.
const SeverityInfo Severity = "info"

// ErrorKind tells an internal error from an input's damage (empty).
type ErrorKind string

// ErrorInternal is the Kind of an InputError about a session ftpcap
// could not judge.
const ErrorInternal ErrorKind = "internal"

// Session is one FTP control connection and what happened on it.
type Session struct {
	ID        string     `json:"id"` // S1, S2, … in order of the control connection's first packet
	Client    string     `json:"client"`
	Server    string     `json:"server"`
	User      string     `json:"user,omitempty"`
	TLS       bool       `json:"tls"`
	Start     time.Time  `json:"start"`
	End       time.Time  `json:"end"`
	Outcome   Outcome    `json:"outcome"`
	Banner    string     `json:"banner,omitempty"`
	Commands  int        `json:"commands"`
	Replies   int        `json:"replies"`
	LastReply int        `json:"last_reply,omitempty"`
	Transfers []Transfer `json:"transfers"`
	// Anomalies: stable snake_case keys from the dissector with counts.
	Anomalies map[string]int `json:"anomalies,omitempty"`
	Input     int            `json:"input"` // 0-based index into inputs
	Frame     int64          `json:"frame"` // first frame of the control connection
	// Timeline, kept with Options.Diagrams for the HTML report, is the
	// session's commands, replies and data connections (diagram.go).
	Timeline *Timeline `json:"-"`
}

// Transfer is one data-transfer command and its outcome.
type Transfer struct {
	Command       string                  `json:"command"` // RETR, STOR, STOU, APPE, LIST, NLST, MLSD
	Path          string                  `json:"path"`
	Direction     dissect.Direction       `json:"direction"`
	Mode          dissect.Mode            `json:"mode"`
	Data          *DataEnds               `json:"data,omitempty"`
	Bytes         int64                   `json:"bytes"`
	ExpectedBytes *int64                  `json:"expected_bytes,omitempty"`
	Reply         int                     `json:"reply"` // final reply code (0: none seen)
	ReplyText     string                  `json:"reply_text,omitempty"`
	Status        classify.TransferStatus `json:"status"`
	Start         time.Time               `json:"start"`
	End           time.Time               `json:"end"`
	Frame         int64                   `json:"frame"` // frame of the command
	Input         int                     `json:"input"`
	// Inferred: the data connection was linked by hosts and time only
	// (e.g. the control connection is encrypted).
	Inferred bool `json:"inferred,omitempty"`
	// SeqGraph, kept with Options.Diagrams for a transfer that did not
	// complete, is its data connection's time-sequence graph.
	SeqGraph *SeqGraph `json:"-"`
}

// DataEnds are the endpoints of a transfer's data connection.
type DataEnds struct {
	Client string `json:"client"`
	Server string `json:"server"`
}

// ConnRef names a connection inside a verdict.
type ConnRef struct {
	Kind   classify.ConnKind `json:"kind"`
	Client string            `json:"client"`
	Server string            `json:"server"`
}

// Evidence is one checkable fact: a packet and what it shows.
type Evidence struct {
	Frame int64     `json:"frame"`
	Time  time.Time `json:"time"`
	Text  string    `json:"text"`
	// Input names the file when there are several inputs.
	Input string `json:"input,omitempty"`
	// Vantage names the capture point the packet was seen at, in a
	// multi-point analysis.
	Vantage string `json:"vantage,omitempty"`

	inputIndex int
}

// Verdict is a break (something ended badly) or a finding (severity info).
type Verdict struct {
	ID      string `json:"id"` // B1… for breaks, F1… for findings
	Session string `json:"session,omitempty"`
	// Transfer is the 1-based position in its session's transfers of the
	// transfer this verdict is about; 0 (omitted) for a connection.
	Transfer   int        `json:"transfer,omitempty"`
	Connection ConnRef    `json:"connection"`
	Class      string     `json:"class"`
	Cause      string     `json:"cause"`
	Confidence float64    `json:"confidence"`
	Time       time.Time  `json:"time"`
	Summary    string     `json:"summary"`
	Evidence   []Evidence `json:"evidence"`
	// Filter is a Wireshark display filter isolating the connection.
	Filter string `json:"filter"`
	// Contributing lists other causes whose rules also held.
	Contributing []string `json:"contributing,omitempty"`
	Severity     Severity `json:"severity,omitempty"`
	// Proof, in a multi-point analysis: ProofProven where the capture
	// points together show what the verdict says, ProofInferred where
	// it rests on one view's inference.
	Proof Proof `json:"proof,omitempty"`
	// Ladders, kept with Options.Diagrams, are the packets of the
	// connections the verdict is about: its own, and the session's
	// control connection beside a data connection (diagram.go).
	Ladders []Ladder `json:"-"`

	input int // for ordering: the input and frame of Time
	frame int64
}

// Connection is one TCP connection's summary, Zeek conn.log style.
type Connection struct {
	Kind        classify.ConnKind `json:"kind"`
	Session     string            `json:"session,omitempty"`
	Client      string            `json:"client"`
	Server      string            `json:"server"`
	Start       time.Time         `json:"start"`
	End         time.Time         `json:"end"`
	ConnState   string            `json:"conn_state"`
	History     string            `json:"history"`
	Packets     PerSide[int64]    `json:"packets"`
	Bytes       PerSide[int64]    `json:"bytes"`
	Hops        PerSide[int]      `json:"hops"`
	WindowScale PerSide[WScale]   `json:"window_scale"` // a shift, "none" or "unknown"
	Midstream   bool              `json:"midstream,omitempty"`
	Retransmits PerSide[int64]    `json:"retransmits"`
	CaptureLoss int64             `json:"capture_loss_bytes,omitempty"`
	Duplicates  int64             `json:"duplicates,omitempty"`
	Oversized   int64             `json:"oversized_segments,omitempty"`
	Closed      string            `json:"closed"`
	Input       int               `json:"input"`
	Frame       int64             `json:"frame"`
	// Path, in a multi-point analysis, counts the packets of each
	// direction (FTP client to server and back, also on an active-mode
	// data connection) sent, delivered, dropped and injected between the
	// capture points.
	Path *ConnPath `json:"path,omitempty"`
}

// ConnPath is a connection's packets between capture points, per
// direction of the FTP connection.
type ConnPath struct {
	ClientToServer PathCounts `json:"client_to_server"`
	ServerToClient PathCounts `json:"server_to_client"`
	// Translation names the ends a NAT between the capture points
	// rewrote, the point nearer the client's view first
	// ("198.51.100.10:40112 ↔ 192.0.2.1:61000"); empty when none.
	Translation string `json:"translation,omitempty"`
	// DelayS is the one-way delay between the points, in seconds, each
	// way (from the point nearer the client to the one nearer the
	// server, and back), from the matched packets after the clock
	// offset; absent when no packet matched.
	DelayS *DirDelays `json:"delay_s,omitempty"`
}

// DirDelays are one-way delays in seconds, per direction of the FTP
// connection.
type DirDelays struct {
	ClientToServer float64 `json:"client_to_server"`
	ServerToClient float64 `json:"server_to_client"`
}

// PathCounts are one direction's packets between capture points: sent
// (seen at the sending side's point), delivered (seen, or acknowledged,
// at the receiving side's), dropped (sent, never delivered) and injected
// (delivered, never sent).
type PathCounts struct {
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Dropped   int64 `json:"dropped"`
	Injected  int64 `json:"injected"`
}

// Proof says whether several capture points prove a verdict.
type Proof string

// Proofs.
const (
	ProofProven   Proof = "proven"
	ProofInferred Proof = "inferred"
)

// VantagePoint is one capture point of a multi-point analysis.
type VantagePoint struct {
	Name string `json:"name"`
	// Path is the point's file, or its files joined by commas; Paths
	// lists them.
	Path  string   `json:"path"`
	Paths []string `json:"paths,omitempty"`
	// CapturePoint is where this point's own capture appears to be taken
	// (client-side, server-side, middle or unknown), as a single-point
	// analysis of it says.
	CapturePoint string `json:"capture_point,omitempty"`
	// ClockOffsetS is how many seconds this point's clock is ahead of
	// the first point's.
	ClockOffsetS float64 `json:"clock_offset_s"`
	DriftPPM     float64 `json:"drift_ppm,omitempty"`
	// MatchedPackets counts this point's packets also seen at another
	// point.
	MatchedPackets int64 `json:"matched_packets"`
}

// PerSide is a value for each side of a connection.
type PerSide[T any] struct {
	Client T `json:"client"`
	Server T `json:"server"`
}

// Stats counts the work done and the caps hit, so nothing is dropped
// silently. The stages' counters reach it through one table, counters in
// counters.go.
type Stats struct {
	Packets              int64 `json:"packets"`
	Bytes                int64 `json:"bytes"`
	TCPPackets           int64 `json:"tcp_packets"`
	ICMPErrors           int64 `json:"icmp_errors"`
	Undecodable          int64 `json:"undecodable"`
	NonIP                int64 `json:"non_ip"`
	Fragments            int64 `json:"ip_fragments"`
	FragmentsReassembled int64 `json:"ip_fragments_reassembled"`
	// FragmentsIncomplete counts IP datagrams whose fragments never all
	// arrived (expired, evicted at the memory cap, or pending at the end).
	FragmentsIncomplete int64 `json:"ip_datagrams_incomplete,omitempty"`
	Connections         int64 `json:"connections"`
	FTPSessions         int64 `json:"ftp_sessions"`
	DataConnections     int64 `json:"data_connections"`
	ConnsExpired        int64 `json:"connections_expired"`
	ConnsEvicted        int64 `json:"connections_evicted"`
	// ConnsOpenAtEnd were still open when the input ended (the capture
	// stopped, or live capture was interrupted): they were judged with
	// what had been seen.
	ConnsOpenAtEnd int64 `json:"connections_open_at_end"`
	MaxConns       int   `json:"max_connections"`
	// ConnsEvictedHalfOpen counts, among ConnsEvicted, connection
	// attempts (SYN or SYN-ACK only) evicted because MaxHalfOpen were in
	// flight at once: a SYN flood or a port scan.
	ConnsEvictedHalfOpen int64 `json:"connections_evicted_half_open,omitempty"`
	MaxHalfOpen          int   `json:"max_half_open"`
	SessionsDropped      int64 `json:"sessions_dropped,omitempty"`
	// InternalErrors counts the sessions ftpcap failed to judge and the
	// packets it failed to process (each listed in errors, up to 100).
	InternalErrors int64 `json:"internal_errors,omitempty"`
	// MaxReported caps the sessions, breaks, findings and connections
	// listed one by one; past it they are counted (the *Dropped counters
	// and the by-cause counts below always cover everything).
	MaxReported     int   `json:"max_reported"`
	BreaksDropped   int64 `json:"breaks_dropped,omitempty"`
	FindingsDropped int64 `json:"findings_dropped,omitempty"`
	ConnsDropped    int64 `json:"connections_dropped,omitempty"`
	// BreaksByCause and FindingsByCause count every verdict, listed or
	// not.
	BreaksByCause   map[string]int64 `json:"breaks_by_cause"`
	FindingsByCause map[string]int64 `json:"findings_by_cause"`
	// BreaksByClass counts every break by class, listed or not: what
	// --fail-on looks at.
	BreaksByClass map[string]int64 `json:"breaks_by_class"`
	// Causes counts every verdict by class and cause together, counted
	// when the verdict was made (so a cause past the listing cap still
	// has its class), in the order of spec/causes.md's classes and then
	// by cause.
	Causes          []CauseCount `json:"causes"`
	DurationSeconds float64      `json:"-"` // wall time of the run: kept out of reports for byte-identical output
	// StageCounts: the other caps and counts of the decoder, tracker and
	// dissector, each omitted while zero. counters.go maps every stage
	// counter to its field here or above, and words each cap.
	StageCounts
}

// CauseCount is how many breaks and findings named one class and cause.
type CauseCount struct {
	Class    string `json:"class"`
	Cause    string `json:"cause"`
	Breaks   int64  `json:"breaks"`
	Findings int64  `json:"findings"`
}

// WScale is a side's window-scale shift as the report shows it: the shift
// its SYN offered ("7", a JSON number), "none" (its SYN had no option) or
// "unknown" (its SYN was not captured).
type WScale string

// MarshalJSON writes a shift as a number and the words as strings, as
// spec/report-json.md shows them.
func (w WScale) MarshalJSON() ([]byte, error) {
	if n, err := strconv.Atoi(string(w)); err == nil {
		return []byte(strconv.Itoa(n)), nil
	}
	return json.Marshal(string(w))
}

// UnmarshalJSON reads either form.
func (w *WScale) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*w = WScale(strconv.Itoa(n))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("window_scale: %w", err)
	}
	*w = WScale(s)
	return nil
}
