package dissect

// Stats counts the dissector's work and every cap it hit.
type Stats struct {
	// Sessions recognised: by control port, or by banner on another port
	// (SessionsByBanner of them). ProvisionalDropped: banner-sniffed
	// connections whose client's first line was not an FTP command (or
	// that ended before the client spoke), forgotten.
	Sessions           int64
	SessionsByBanner   int64
	ProvisionalDropped int64
	// NotFTP: control connections whose server spoke another protocol.
	NotFTP int64
	// TLSSessions: AUTH TLS/SSL answered 234.
	TLSSessions int64

	// Data connections linked to a negotiated endpoint (DataByAdvertised of
	// them through the advertised address, DataByDefaultPort through RFC
	// 959's default port), linked by hosts during an encrypted session
	// (DataInferred), and linked connections no transfer command claimed
	// (DataUnclaimed). DataDropped: over the per-session cap.
	DataLinked        int64
	DataByAdvertised  int64
	DataByDefaultPort int64
	DataInferred      int64
	DataUnclaimed     int64
	DataDropped       int64

	// Expectations of data connections: created, met by a connection,
	// expired on capture time (DataExpectTimeout), and abandoned unmet
	// (superseded by a newer PASV/PORT, refused, or the session ended).
	Expectations          int64
	ExpectationsMet       int64
	ExpectationsExpired   int64
	ExpectationsAbandoned int64

	Transfers        int64
	TransfersDropped int64 // over Options.MaxLog in a session

	Commands       int64
	Replies        int64
	LogDropped     int64 // exchanges over Options.MaxLog
	RepliesDropped int64 // replies over maxRepliesPerExchange on one command
	PendingDropped int64 // commands over Options.MaxPendingCommands
	LinesTooLong   int64 // lines cut at Options.MaxLineLen
	ReplyTextCut   int64 // replies whose text exceeded maxReplyText
	// ReplyLinesDropped: lines of multi-line replies past maxLineStarts,
	// counted in Reply.Lines but not located in Reply.LineStarts.
	ReplyLinesDropped int64
	Gaps              int64
	GapBytes          int64
	AnomaliesDropped  int64 // over maxListed in a session
	// AddrMismatchesDropped: PASV/PORT address mismatches over maxListed
	// in a session (Session.AddrMismatchesDropped, summed).
	AddrMismatchesDropped int64
	// TLSAlertsDropped: TLS alerts over maxTLSAlerts on one connection
	// (TLSFacts.AlertsDropped of control and data connections, summed).
	TLSAlertsDropped int64
	SizesForgotten   int64 // SIZE answers over maxSizes in a session

	// The limits in force, so that a report can say at what a cap was hit.
	Limits Limits
}

// Limits are the caps the dissector works under: its Options after
// defaults, and the fixed caps on what one session, reply or connection
// keeps.
type Limits struct {
	MaxLineLen            int // Options.MaxLineLen
	MaxLog                int // Options.MaxLog
	MaxPendingCommands    int // Options.MaxPendingCommands
	MaxRepliesPerExchange int // replies kept per command
	MaxReplyText          int // bytes of one reply's text
	MaxReplyLines         int // lines of one reply located by packet
	MaxListed             int // anomalies, and address mismatches, listed per session
	MaxTLSAlerts          int // TLS alerts kept per connection
	MaxSizes              int // SIZE answers remembered per session
}

func limitsOf(o Options) Limits {
	return Limits{
		MaxLineLen: o.MaxLineLen, MaxLog: o.MaxLog, MaxPendingCommands: o.MaxPendingCommands,
		MaxRepliesPerExchange: maxRepliesPerExchange, MaxReplyText: maxReplyText, MaxReplyLines: maxLineStarts,
		MaxListed: maxListed, MaxTLSAlerts: maxTLSAlerts, MaxSizes: maxSizes,
	}
}
