package tcpflow

// Kept packets: correlating captures of the same traffic taken at
// several points (package correlate) needs every packet of each FTP
// connection, not the reduced trace the diagrams draw. With
// Options.KeepPackets a connection whose handler asks (Conn.KeepTrace, the
// same call that asks for a drawn trace) keeps every packet it sees from
// then on, duplicates included, each with a hash of its payload, until
// DropTrace. All connections together keep at most
// Options.MaxKeptPackets over the whole run (the analysis hands them all
// to its Result, so none come back); past it packets are counted, per
// connection (KeptPackets' dropped) and in Stats.KeptDropped.
//
// Without the option no connection has a log and the one step record
// adds (keepPacket) returns at its first test.

// DefaultMaxKeptPackets is the default of Options.MaxKeptPackets: about
// 4 million packets, at 56 bytes each some 230 MB, enough for the FTP
// connections of captures of a few gigabytes.
const DefaultMaxKeptPackets = 1 << 22

// KeptPacket is one packet of a connection as the capture saw it.
type KeptPacket struct {
	Ref
	// Hash is a 64-bit FNV-1a hash of the captured payload bytes; 0 when
	// none were captured, or for a packet whose place in the log was
	// known only from the segment log (a keeping begun late).
	Hash     uint64
	Seq, Ack uint32
	Len      int32 // TCP payload length, as the IP header states it
	// Cut: the snap length cut the payload, so Hash covers a prefix.
	Cut   bool
	Win   uint16 // raw advertised window
	IPID  uint16 // IPv4 identification (0 for IPv6)
	Dir   Dir
	Flags uint8
	TTL   uint8
}

// keepBudget is what all connections of a tracker may keep together.
// Only the tracker's goroutine touches it.
type keepBudget struct {
	limit, used int64
}

// packetLog is one connection's kept packets.
type packetLog struct {
	budget  *keepBudget
	packets []KeptPacket
	// dropped counts the packets not kept: past the budget, or seen
	// before the keeping began and no longer in the segment log.
	dropped int64
	// cut: the budget had no room for one of the connection's packets.
	cut bool
}

func (l *packetLog) add(kp KeptPacket) bool {
	if l.budget.used >= l.budget.limit {
		l.dropped++
		return false
	}
	l.budget.used++
	l.packets = append(l.packets, kp)
	return true
}

// seed begins a log asked for after the connection's first packets with
// what its segment log and last packets hold (without payload hashes);
// the packets neither holds are counted as not kept.
func (l *packetLog) seed(c *Conn) {
	pts := knownPoints(c)
	for i := range pts {
		pt := &pts[i]
		l.add(KeptPacket{Ref: pt.Ref, Seq: pt.Seq, Ack: pt.Ack, Len: pt.Len, Win: pt.Win,
			IPID: pt.IPID, Dir: pt.Dir, Flags: pt.Flags, TTL: pt.TTL})
	}
	total := c.Half[0].Packets + c.Half[1].Packets
	l.dropped += max(total-int64(len(pts)), 0)
}

// KeptPackets returns the packets the connection kept (Options.
// KeepPackets and KeepTrace), in capture order, and how many of its
// packets it did not keep. The slice is the tracker's until DropTrace.
func (c *Conn) KeptPackets() (packets []KeptPacket, dropped int64) {
	tr := c.trace
	if tr == nil || tr.log == nil {
		return nil, 0
	}
	return tr.log.packets, tr.log.dropped
}

// keepPacket is record's first step after counting: every packet of a
// connection keeping its packets is kept, a copy the capture saw twice
// included (the other capture point may have seen it once).
func (r *recording) keepPacket() {
	tr := r.c.trace
	if tr == nil || tr.log == nil {
		return
	}
	p := r.p
	kp := KeptPacket{Ref: r.at, Seq: p.Seq, Ack: p.Ack, Len: int32(p.PayloadLen), Win: p.Win,
		IPID: p.IPID, Dir: r.dir, Flags: p.Flags, TTL: p.TTL,
		Hash: payloadHash(p.Payload), Cut: len(p.Payload) < p.PayloadLen}
	if !tr.log.add(kp) {
		if !tr.log.cut {
			tr.log.cut = true
			r.t.stats.KeptCut++
		}
		r.t.stats.KeptDropped++
	}
}

// payloadHash is the 64-bit FNV-1a hash of b, 0 for no bytes (written
// out rather than hash/fnv's, which would allocate per packet).
func payloadHash(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime
	}
	return h
}
