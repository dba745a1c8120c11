package analysis

import (
	"time"

	"github.com/ftpcap/ftpcap/classify"
)

// What the HTML report draws: the packets of a verdict's connections (a
// ladder diagram), the sequence numbers of a broken or stalled transfer
// over time (a time-sequence graph, as tcptrace draws it) and each
// session's commands and replies on a timeline. They are kept only when
// Options.Diagrams asks (the html format): the tracker then keeps a
// bounded trace of every FTP connection (tcpflow.Options.Trace), and the
// collector turns the traces of the sessions that have a verdict into
// these records. None of them is part of the JSON contract: the fields
// that hold them are left out of JSON.

// Ladder is one connection's packets in time order, as a ladder diagram
// draws them: an arrow per packet between the client's column and the
// server's, crossing the capture point's.
type Ladder struct {
	Kind   classify.ConnKind `json:"kind"`
	Client string            `json:"client"` // the TCP client (the FTP server on an active-mode data connection)
	Server string            `json:"server"`
	// FTPServerIsClient: an active-mode data connection, opened by the
	// FTP server.
	FTPServerIsClient bool `json:"ftp_server_is_client,omitempty"`
	// Transfer is the 1-based index in the session's transfers of the
	// transfer a data connection carried (0: none, or a control
	// connection).
	Transfer int `json:"transfer,omitempty"`
	// Packets are the packets kept, in capture order. Where packets of
	// the connection were not kept (a long transfer's middle), the next
	// kept packet's Skipped says how many lie between. ICMP errors are
	// never skipped and count in no Skipped.
	Packets []LadderPacket `json:"packets"`
	// Total is the number of packets the connection had in the capture,
	// ICMP errors quoting it not included. The TCP packets of Packets
	// plus their Skipped add up to Total, short of the packets after the
	// last one kept (none, unless the trace budget was spent before the
	// connection's end, or the capture saw its last packets twice).
	Total int64 `json:"total"`
	// Closed is how the tracker saw the connection end (fin, rst, idle,
	// end-of-capture…).
	Closed string `json:"closed"`
	// Points, in a report of several capture points, are the points that
	// saw the connection, in order from the FTP client's side to the
	// server's; LadderPacket.SeenAt says which of them captured each
	// packet. Empty in a report of one capture point. Vantage is the
	// point whose capture the ladder was drawn from (its packets carry
	// that point's frame numbers; the packets only the other points saw
	// are added, each naming its own point).
	Points  []string `json:"points,omitempty"`
	Vantage string   `json:"vantage,omitempty"`
}

// LadderPacket is one packet of a ladder: a TCP segment, or an ICMP
// error quoting one of the connection's packets (ICMP set).
type LadderPacket struct {
	Frame int64     `json:"frame"`
	Input int       `json:"input"`
	Time  time.Time `json:"time"`
	// FromClient: sent by the TCP client (Ladder.Client). For an ICMP
	// error, the direction of the packet it quotes: the error travels
	// the other way, from a router or the peer back to that packet's
	// sender.
	FromClient bool `json:"from_client"`
	// Flags are the TCP flag bits (tcpflow.FlagFIN…FlagCWR).
	Flags uint8 `json:"flags"`
	// Seq and Ack are relative to each side's initial sequence number
	// (or its first sequence number seen, for a connection picked up
	// mid-stream), as Wireshark shows them.
	Seq uint32 `json:"seq"`
	Ack uint32 `json:"ack"`
	Len int    `json:"len"`
	// Win is the advertised receive window in bytes: scaled when both
	// SYNs were seen offering window scaling, else the raw field.
	Win  int64  `json:"win"`
	TTL  uint8  `json:"ttl"`
	IPID uint16 `json:"ip_id,omitempty"`
	// Retrans: payload (or a SYN or FIN) already seen before.
	Retrans bool `json:"retrans,omitempty"`
	// ZeroWindow: the packet advertises a zero window (not a RST).
	ZeroWindow bool `json:"zero_window,omitempty"`
	// ICMP describes an ICMP error quoting the connection ("fragmentation
	// needed, next-hop MTU 1400"); From is its sender.
	ICMP     string `json:"icmp,omitempty"`
	ICMPFrom string `json:"icmp_from,omitempty"`
	// Label is the FTP command or reply the segment carried, as the
	// report prints it (passwords redacted): "RETR big.bin", "226
	// Transfer complete". Empty for other segments.
	Label string `json:"label,omitempty"`
	// Deciding: the packet is one of the verdict's evidence frames.
	Deciding bool `json:"deciding,omitempty"`
	// Skipped is how many packets of the connection lie between the
	// previous kept packet and this one and were not kept: thinned out
	// of a long stretch, past the trace budget, or copies the capture saw
	// twice. A trace begun after the connection's first packets (a
	// session found by its banner, a data connection linked late) may
	// not know where each of those early packets lay: the ones it lacks
	// are counted on the first packet whose place it knows.
	Skipped int64 `json:"skipped,omitempty"`
	// In a report of several capture points (Ladder.Points set): Point
	// names the point whose capture Frame and Input belong to, and Time
	// is on the report's clock (the first point's). SeenAt is a bit mask
	// over Ladder.Points: bit i set when point i captured the packet.
	// PathDropped: the packet left a point and never reached the next
	// one on its way (dropped between them, not merely missed by that
	// point's capture); PathInjected: it reached a point without having
	// left the one before it (forged on the path).
	Point        string `json:"point,omitempty"`
	SeenAt       uint64 `json:"seen_at,omitempty"`
	PathDropped  bool   `json:"path_dropped,omitempty"`
	PathInjected bool   `json:"path_injected,omitempty"`
}

// SeqGraph is a time-sequence graph of one direction of a data
// connection: the sender's segments, and the receiver's acknowledgements
// and advertised window, over time.
type SeqGraph struct {
	Client string `json:"client"` // the data connection's TCP ends
	Server string `json:"server"`
	// SenderIsClient: the data flowed from the TCP client (an upload in
	// passive mode, a download in active mode).
	SenderIsClient bool `json:"sender_is_client"`
	// Start is time zero of the graph: the connection's first packet.
	Start time.Time `json:"start"`
	// End is the connection's last packet.
	End time.Time `json:"end"`
	// MSS is the sender's segment size limit (the receiver's MSS option,
	// 0 when unseen).
	MSS int `json:"mss,omitempty"`
	// Segments are the sender's packets with payload, SYN, FIN or RST;
	// Acks are the receiver's packets. A long transfer is reduced: every
	// retransmission, window change, zero window, SYN, FIN and RST and
	// the last packets are kept, and the ordinary packets between them
	// thinned evenly; Reduced counts the packets left out.
	Segments []SeqSegment `json:"segments"`
	Acks     []SeqAck     `json:"acks"`
	Reduced  int64        `json:"reduced,omitempty"`
	// Closed is how the connection ended (fin, rst, idle…).
	Closed string `json:"closed"`
}

// SeqSegment is one sender packet of a time-sequence graph.
type SeqSegment struct {
	At    time.Duration `json:"at"` // since SeqGraph.Start
	Frame int64         `json:"frame"`
	Seq   uint32        `json:"seq"` // relative
	Len   int           `json:"len"`
	Flags uint8         `json:"flags"`
	// Retrans: these bytes were sent before.
	Retrans bool `json:"retrans,omitempty"`
}

// SeqAck is one receiver packet of a time-sequence graph.
type SeqAck struct {
	At    time.Duration `json:"at"`
	Frame int64         `json:"frame"`
	Ack   uint32        `json:"ack"` // relative to the sender's sequence numbers
	Win   int64         `json:"win"` // bytes, scaled as LadderPacket.Win
	Flags uint8         `json:"flags"`
	// ZeroWindow: the receiver advertised no room at all.
	ZeroWindow bool `json:"zero_window,omitempty"`
}

// Timeline is a session's commands and replies in time order, and its
// data connections as bars.
type Timeline struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Exchanges are the commands and the replies to them; a long session
	// keeps its first and last ones and counts the rest in Omitted.
	Exchanges []TimelineExchange `json:"exchanges"`
	Omitted   int                `json:"omitted,omitempty"`
	Data      []TimelineData     `json:"data"`
}

// TimelineExchange is one command (or an unsolicited reply such as the
// greeting: Command empty) and its reply.
type TimelineExchange struct {
	At      time.Time `json:"at"`
	Frame   int64     `json:"frame"`
	Command string    `json:"command,omitempty"` // verb and argument, passwords redacted
	// Reply is the final reply's code and first line; ReplyAt its time
	// (zero: no reply seen).
	Reply     int       `json:"reply,omitempty"`
	ReplyText string    `json:"reply_text,omitempty"`
	ReplyAt   time.Time `json:"reply_at"`
}

// TimelineData is one data connection of a session.
type TimelineData struct {
	Client   string    `json:"client"`
	Server   string    `json:"server"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Bytes    int64     `json:"bytes"`
	Transfer int       `json:"transfer,omitempty"` // 1-based; 0: linked to no transfer
	Closed   string    `json:"closed"`
	// Broken: a break names this connection.
	Broken bool `json:"broken,omitempty"`
}
