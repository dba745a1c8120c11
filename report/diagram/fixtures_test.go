package diagram

import (
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Hand-built records modelled on the lab's captures: what the trace part
// fills for the breaks the classifier names.

var base = time.Date(2026, 3, 5, 14, 2, 7, 0, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

const (
	syn    = tcpflow.FlagSYN
	ack    = tcpflow.FlagACK
	psh    = tcpflow.FlagPSH
	fin    = tcpflow.FlagFIN
	rst    = tcpflow.FlagRST
	synack = tcpflow.FlagSYN | tcpflow.FlagACK
	pshack = tcpflow.FlagPSH | tcpflow.FlagACK
)

// ladderBuilder appends packets to a ladder with frame numbers and
// sequence numbers kept consistent.
type ladderBuilder struct {
	l          analysis.Ladder
	frame      int64
	cseq, sseq uint32 // next relative sequence numbers of client and server
	cttl, sttl uint8
}

func newLadder(kind classify.ConnKind, client, server string, firstFrame int64) *ladderBuilder {
	return &ladderBuilder{
		l:     analysis.Ladder{Kind: kind, Client: client, Server: server},
		frame: firstFrame, cttl: 64, sttl: 55,
	}
}

// pkt adds a segment; label is its FTP text.
func (b *ladderBuilder) pkt(t time.Duration, fromClient bool, flags uint8, n int, label string) *analysis.LadderPacket {
	p := analysis.LadderPacket{Frame: b.frame, Time: at(t), FromClient: fromClient, Flags: flags, Len: n, Win: 64240, Label: label}
	b.frame++
	if fromClient {
		p.Seq, p.Ack, p.TTL, p.IPID = b.cseq, b.sseq, b.cttl, uint16(1000+b.frame)
		b.cseq += uint32(n)
	} else {
		p.Seq, p.Ack, p.TTL, p.IPID = b.sseq, b.cseq, b.sttl, uint16(4400+b.frame)
		b.sseq += uint32(n)
	}
	if flags&(syn|fin) != 0 {
		if fromClient {
			b.cseq++
		} else {
			b.sseq++
		}
	}
	if flags&ack == 0 {
		p.Ack = 0
	}
	b.l.Packets = append(b.l.Packets, p)
	b.l.Total++
	return &b.l.Packets[len(b.l.Packets)-1]
}

func (b *ladderBuilder) handshake(t time.Duration) {
	b.pkt(t, true, syn, 0, "")
	b.pkt(t+ms(21), false, synack, 0, "")
	b.pkt(t+ms(21)+200*time.Microsecond, true, ack, 0, "")
}

// middleboxReset: a control connection that a firewall on the path
// resets after the RETR, forging the server's address: the RST arrives
// with TTL 64 where the server's packets carry 55, after a silence.
func middleboxReset() []analysis.Ladder {
	b := newLadder(classify.KindControl, "192.0.2.10:40000", "198.51.100.5:21", 1)
	b.handshake(0)
	b.pkt(ms(60), false, pshack, 37, "220 (vsFTPd 3.0.5)")
	b.pkt(ms(61), true, ack, 0, "")
	b.pkt(ms(1200), true, pshack, 14, "USER alice")
	b.pkt(ms(1222), false, pshack, 34, "331 Please specify the password.")
	b.pkt(ms(2900), true, pshack, 13, "PASS ****")
	b.pkt(ms(2951), false, pshack, 23, "230 Login successful.")
	b.pkt(ms(3010), true, pshack, 6, "PASV")
	b.pkt(ms(3031), false, pshack, 51, "227 Entering Passive Mode (198,51,100,5,195,80).")
	b.pkt(ms(3090), true, pshack, 14, "RETR big.bin")
	b.pkt(ms(3115), false, pshack, 67, "150 Opening BINARY mode data connection for big.bin (73400320 bytes).")
	b.pkt(ms(3160), true, ack, 0, "")
	r := b.pkt(ms(3160)+34*time.Second, false, rst|ack, 0, "")
	r.TTL, r.IPID, r.Win, r.Deciding = 64, 0, 0, true
	b.l.Closed = "rst"
	return []analysis.Ladder{b.l}
}

// mtuBlackHole: a passive-mode download whose full-size segments never
// arrive: the server retransmits the first one with a doubling timeout
// while the client's duplicate ACKs carry on, then gives up with a RST.
func mtuBlackHole() []analysis.Ladder {
	b := newLadder(classify.KindData, "192.0.2.10:40112", "198.51.100.5:50000", 14)
	b.l.Transfer = 1
	b.handshake(0)
	b.pkt(ms(25), false, pshack, 512, "")
	b.pkt(ms(26), true, ack, 0, "")
	first := b.sseq
	b.pkt(ms(27), false, ack, 1448, "")
	b.pkt(ms(27), false, ack, 1448, "")
	b.pkt(ms(28), false, ack, 1448, "")
	rto := ms(210)
	t := ms(27)
	for range 7 {
		t += rto
		p := b.pkt(t, false, ack, 1448, "")
		p.Seq, p.Retrans = first, true
		b.sseq -= 1448
		rto *= 2
	}
	b.l.Packets[len(b.l.Packets)-1].Deciding = true
	b.l.Packets[len(b.l.Packets)-3].Deciding = true
	rs := b.pkt(t+ms(9000), false, rst|ack, 0, "")
	rs.Deciding = true
	b.l.Closed = "rst"
	return []analysis.Ladder{b.l}
}

// activeBlocked: a control connection and an active-mode data connection
// side by side: the server's connection to the client's PORT is refused
// by a firewall next to the client (ICMP administratively prohibited),
// and the server answers 425.
func activeBlocked() []analysis.Ladder {
	c := newLadder(classify.KindControl, "192.0.2.10:40000", "198.51.100.5:21", 1)
	c.handshake(0)
	c.pkt(ms(60), false, pshack, 37, "220 (vsFTPd 3.0.5)")
	c.pkt(ms(900), true, pshack, 31, "PORT 192,0,2,10,156,65")
	c.pkt(ms(925), false, pshack, 30, "200 PORT command successful.")
	c.pkt(ms(990), true, pshack, 14, "LIST -la")
	d := newLadder(classify.KindData, "198.51.100.5:20", "192.0.2.10:40001", 9)
	d.l.FTPServerIsClient, d.l.Transfer = true, 2
	d.pkt(ms(1010), true, syn, 0, "")
	icmp := analysis.LadderPacket{Frame: 10, Time: at(ms(1011)), FromClient: true, Flags: syn,
		ICMP: "destination unreachable, administratively prohibited", ICMPFrom: "192.0.2.1", Deciding: true}
	d.l.Packets = append(d.l.Packets, icmp)
	d.frame++
	p := d.pkt(ms(2012), true, syn, 0, "")
	p.Seq, p.Retrans = 0, true
	p = d.pkt(ms(4015), true, syn, 0, "")
	p.Seq, p.Retrans = 0, true
	c.frame = 13
	r := c.pkt(ms(4100), false, pshack, 34, "425 Failed to establish connection.")
	r.Deciding = true
	c.pkt(ms(4300), true, ack, 0, "")
	c.l.Closed, d.l.Closed = "end-of-capture", "idle"
	return []analysis.Ladder{c.l, d.l}
}

// longTransfer: a data connection of which the tracker kept the start and
// the end (Skipped in between), plus more packets than a ladder draws.
func longTransfer() []analysis.Ladder {
	b := newLadder(classify.KindData, "192.0.2.10:40200", "198.51.100.5:50010", 20)
	b.l.Transfer = 3
	b.handshake(0)
	t := ms(25)
	for i := range 300 {
		t += 400 * time.Microsecond
		b.pkt(t, false, ack, 1448, "")
		if i%2 == 1 {
			b.pkt(t, true, ack, 0, "")
		}
	}
	b.frame += 1_204
	b.sseq += 1_204 * 1448
	t += 12400 * time.Millisecond
	next := b.pkt(t, false, ack, 1448, "")
	next.Skipped = 1_204
	b.l.Total += 1_204
	for range 40 {
		t += 400 * time.Microsecond
		b.pkt(t, false, ack, 1448, "")
	}
	f := b.pkt(t+ms(1), false, fin|ack, 0, "")
	f.Deciding = true
	b.pkt(t+ms(22), true, ack, 0, "")
	b.l.Closed = "fin"
	return []analysis.Ladder{b.l}
}

// blackHoleGraph: a download whose first full-size segments vanish: the
// small first segment is acknowledged, the 1448-byte ones are sent and
// retransmitted with a doubling timeout, the ACK line stays flat, and
// the sender resets after a long silence.
func blackHoleGraph() (*analysis.SeqGraph, Mark) {
	g := &analysis.SeqGraph{Client: "192.0.2.10:40112", Server: "198.51.100.5:50000", Start: base, MSS: 1460, Closed: "rst"}
	g.Segments = append(g.Segments, analysis.SeqSegment{At: 0, Frame: 15, Seq: 0, Flags: synack})
	g.Acks = append(g.Acks, analysis.SeqAck{At: 0, Frame: 14, Ack: 0, Win: 64240, Flags: syn})
	g.Acks = append(g.Acks, analysis.SeqAck{At: ms(21), Frame: 16, Ack: 1, Win: 64240, Flags: ack})
	g.Segments = append(g.Segments, analysis.SeqSegment{At: ms(25), Frame: 17, Seq: 1, Len: 512, Flags: pshack})
	g.Acks = append(g.Acks, analysis.SeqAck{At: ms(26), Frame: 18, Ack: 513, Win: 64240, Flags: ack})
	frame := int64(19)
	for i := range 4 {
		g.Segments = append(g.Segments, analysis.SeqSegment{At: ms(27 + i), Frame: frame, Seq: 513 + uint32(i)*1448, Len: 1448, Flags: ack})
		frame++
	}
	rto, t := ms(210), ms(27)
	for range 7 {
		t += rto
		g.Segments = append(g.Segments, analysis.SeqSegment{At: t, Frame: frame, Seq: 513, Len: 1448, Flags: ack, Retrans: true})
		frame++
		rto *= 2
	}
	g.Segments = append(g.Segments, analysis.SeqSegment{At: t + 9*time.Second, Frame: frame, Seq: 513 + 4*1448, Flags: rst | ack})
	g.End = at(t + 9*time.Second)
	return g, Mark{At: g.End, Label: "B2 mtu-black-hole"}
}

// zeroWindowGraph: an upload into a receiver that stops reading: the
// window shrinks to zero, the sender probes with a growing interval, and
// the transfer stalls until the server times out and resets.
func zeroWindowGraph() (*analysis.SeqGraph, Mark) {
	g := &analysis.SeqGraph{Client: "192.0.2.10:40300", Server: "198.51.100.5:50020", SenderIsClient: true, Start: base, MSS: 1460, Closed: "rst"}
	g.Segments = append(g.Segments, analysis.SeqSegment{At: 0, Frame: 30, Seq: 0, Flags: syn})
	g.Acks = append(g.Acks, analysis.SeqAck{At: ms(20), Frame: 31, Ack: 1, Win: 65160, Flags: synack})
	frame := int64(32)
	seq, win := uint32(1), int64(65160)
	t := ms(21)
	for i := range 120 {
		t += 2 * time.Millisecond
		g.Segments = append(g.Segments, analysis.SeqSegment{At: t, Frame: frame, Seq: seq, Len: 1448, Flags: ack})
		frame++
		seq += 1448
		if i%2 == 1 {
			if i > 60 {
				win = max(win-2*1448-1000, 0)
			}
			g.Acks = append(g.Acks, analysis.SeqAck{At: t + ms(1), Frame: frame, Ack: seq, Win: win, Flags: ack, ZeroWindow: win == 0})
			frame++
		}
		if win == 0 {
			break
		}
	}
	probe := 200 * time.Millisecond
	for range 6 {
		t += probe
		g.Segments = append(g.Segments, analysis.SeqSegment{At: t, Frame: frame, Seq: seq, Len: 1, Flags: ack})
		frame++
		g.Acks = append(g.Acks, analysis.SeqAck{At: t + ms(20), Frame: frame, Ack: seq, Win: 0, Flags: ack, ZeroWindow: true})
		frame++
		probe *= 2
	}
	t += 8 * time.Second
	g.Acks = append(g.Acks, analysis.SeqAck{At: t, Frame: frame, Ack: seq, Flags: rst | ack})
	g.End = at(t)
	return g, Mark{At: g.End, Label: "B5 zero-window-stall"}
}

// longGraph: a download of count segments with a retransmission every
// retransEvery segments (0: none), acknowledged every other segment.
func longGraph(count, retransEvery int) *analysis.SeqGraph {
	g := &analysis.SeqGraph{Client: "192.0.2.10:40400", Server: "198.51.100.5:50030", Start: base, MSS: 1460, Closed: "fin"}
	g.Segments = make([]analysis.SeqSegment, 0, count+count/max(retransEvery, count+1)+1)
	g.Acks = make([]analysis.SeqAck, 0, count/2+1)
	frame := int64(1)
	seq := uint32(1)
	t := time.Duration(0)
	for i := range count {
		t += 80 * time.Microsecond
		g.Segments = append(g.Segments, analysis.SeqSegment{At: t, Frame: frame, Seq: seq, Len: 1448, Flags: ack})
		frame++
		if retransEvery > 0 && i%retransEvery == retransEvery-1 {
			g.Segments = append(g.Segments, analysis.SeqSegment{At: t + ms(1), Frame: frame, Seq: seq, Len: 1448, Flags: ack, Retrans: true})
			frame++
		}
		seq += 1448
		if i%2 == 1 {
			g.Acks = append(g.Acks, analysis.SeqAck{At: t + 40*time.Microsecond, Frame: frame, Ack: seq, Win: 3 << 20, Flags: ack})
			frame++
		}
	}
	g.End = base.Add(t + ms(1))
	return g
}

// sessionTimeline: a session that logs in, lists, downloads twice (the
// second download broken by a reset), idles for twenty minutes and
// quits.
func sessionTimeline() *analysis.Timeline {
	ex := func(t time.Duration, frame int64, cmd string, reply int, text string, after time.Duration) analysis.TimelineExchange {
		e := analysis.TimelineExchange{At: at(t), Frame: frame, Command: cmd, Reply: reply, ReplyText: text}
		if reply > 0 {
			e.ReplyAt = at(t + after)
		}
		return e
	}
	idle := 20 * time.Minute
	tl := &analysis.Timeline{Start: base, End: at(idle + 40*time.Second)}
	tl.Exchanges = []analysis.TimelineExchange{
		ex(ms(60), 4, "", 220, "(vsFTPd 3.0.5)", 0),
		ex(ms(1200), 6, "USER alice", 331, "Please specify the password.", ms(22)),
		ex(ms(2900), 8, "PASS ****", 230, "Login successful.", ms(51)),
		ex(ms(3010), 10, "PWD", 257, `"/home/alice" is the current directory`, ms(20)),
		ex(ms(3100), 12, "TYPE I", 200, "Switching to Binary mode.", ms(20)),
		ex(ms(3200), 14, "PASV", 227, "Entering Passive Mode (198,51,100,5,195,80).", ms(21)),
		ex(ms(3300), 16, "LIST -la", 226, "Directory send OK.", ms(400)),
		ex(ms(4000), 30, "PASV", 227, "Entering Passive Mode (198,51,100,5,195,81).", ms(21)),
		ex(ms(4100), 32, "RETR reports/2026/quarterly-summary-final-v3.pdf", 226, "Transfer complete.", 6*time.Second),
		ex(11*time.Second, 900, "PASV", 227, "Entering Passive Mode (198,51,100,5,195,82).", ms(21)),
		ex(11*time.Second+ms(100), 902, "RETR big.bin", 426, "Failure writing network stream.", 25*time.Second),
		ex(idle+37*time.Second, 5000, "NOOP", 200, "NOOP ok.", ms(20)),
		ex(idle+38*time.Second, 5002, "QUIT", 221, "Goodbye.", ms(20)),
	}
	tl.Data = []analysis.TimelineData{
		{Client: "192.0.2.10:40111", Server: "198.51.100.5:50000", Start: at(ms(3320)), End: at(ms(3700)), Bytes: 1234, Closed: "fin"},
		{Client: "192.0.2.10:40112", Server: "198.51.100.5:50001", Start: at(ms(4120)), End: at(10 * time.Second), Bytes: 7_340_032, Transfer: 1, Closed: "fin"},
		{Client: "192.0.2.10:40113", Server: "198.51.100.5:50002", Start: at(11*time.Second + ms(120)), End: at(36 * time.Second), Bytes: 1_048_576, Transfer: 2, Closed: "rst", Broken: true},
	}
	return tl
}
