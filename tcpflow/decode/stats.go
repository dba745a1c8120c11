package decode

// Stats counts what a Decoder saw. Every Decode call counts in Packets,
// and its result in TCP, ICMPErrors, Other or NonIP; a KindFragment result
// counts in Fragments only. A fragment that completes its datagram counts
// in Fragments and as what the datagram turned out to be.
type Stats struct {
	Packets int64 // Decode calls

	TCP        int64 // KindTCP results
	ICMPErrors int64 // KindICMPError results
	Other      int64 // KindOther results: IP that is neither (UDP, ICMP echo, …)
	NonIP      int64 // KindNonIP results: ARP, LLC, unsupported link types, …

	// Undecodable counts packets Decode returned an error for (malformed
	// headers, unsupported link types).
	Undecodable int64
	// UnsupportedLinkType counts packets of link types without a parser.
	UnsupportedLinkType int64
	// Truncated counts packets the snap length cut inside the IP datagram.
	Truncated int64
	// ICMPQuoteShort counts ICMP errors whose quote is too short to name
	// the offending packet's addresses; they are reported as KindOther.
	ICMPQuoteShort int64

	// IP fragments (IPv4 and IPv6).
	Fragments       int64 // fragments seen
	FragReassembled int64 // datagrams rebuilt and delivered
	FragDuplicates  int64 // fragments repeating one already held (ignored)
	FragOverlaps    int64 // datagrams discarded for overlapping fragments (teardrop)
	FragInvalid     int64 // empty or oversized fragments, and datagrams with conflicting ends
	FragTruncated   int64 // fragments cut by the snap length, which cannot be used
	FragExpired     int64 // datagrams dropped incomplete after Options.FragTimeout
	FragEvicted     int64 // datagrams dropped incomplete at Options.MaxFragBytes
	FragPieceCap    int64 // datagrams dropped for having too many fragments
	FragPending     int   // datagrams incomplete now
	FragBytesHeld   int   // memory charged for them now

	// The limits in force, so that a report can say at what a cap was hit:
	// Options.MaxFragBytes, and the fragments one datagram may have.
	MaxFragBytes  int
	MaxFragPieces int
}

// count adds one Decode result.
func (s *Stats) count(k Kind) {
	switch k {
	case KindTCP:
		s.TCP++
	case KindICMPError:
		s.ICMPErrors++
	case KindOther:
		s.Other++
	case KindNonIP:
		s.NonIP++
	}
}
