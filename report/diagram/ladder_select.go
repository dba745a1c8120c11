package diagram

import (
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// maxArrows bounds the arrows drawn per connection: beyond it a ladder is
// taller than anyone scrolls, and the middle of a long transfer says no
// more than its first and last packets.
const maxArrows = 200

// decidingNeighbours is how many packets either side of a deciding packet
// are kept with it: what came just before a reset is part of its story.
const decidingNeighbours = 3

// A run of more than maxPlainRun ordinary packets (data and ACKs that
// change nothing, far from a deciding packet) is drawn as its first and
// last plainRunEnds packets around a fold: a hundred rows of "ACK seq …"
// bury the packets that matter. A run the tracker already thinned (its
// packets skip others) is cut shorter still, to thinRunEnds at either
// end: drawn whole it would alternate packets and folds.
const (
	maxPlainRun  = 24
	plainRunEnds = 8
	thinRunEnds  = 4
)

// keepMask chooses the packets of one connection to draw: long runs of
// ordinary packets are thinned (thinPlainRuns), and when more than limit
// remain, the deciding packets and their neighbours come first, then the
// packets that change the connection's state or carry an FTP command
// (up to half of what is left), then the first and the last packets.
func keepMask(pkts []analysis.LadderPacket, limit int) []bool {
	keep := thinPlainRuns(pkts)
	if countTrue(keep) <= limit {
		return keep
	}
	keep = make([]bool, len(pkts))
	kept := 0
	mark := func(i int) {
		if i >= 0 && i < len(pkts) && !keep[i] && kept < limit {
			keep[i] = true
			kept++
		}
	}
	decidingWithNeighbours := 0
	for _, p := range pkts {
		if p.Deciding {
			decidingWithNeighbours += 1 + 2*decidingNeighbours
		}
	}
	around := decidingNeighbours
	if decidingWithNeighbours > limit {
		around = 0 // too many deciding packets: no room for their context
	}
	for i, p := range pkts {
		if p.Deciding {
			for j := i - around; j <= i+around; j++ {
				mark(j)
			}
		}
	}
	eventBudget := kept + (limit-kept)/2
	for i, p := range pkts {
		if kept >= eventBudget {
			break
		}
		if isEvent(p) {
			mark(i)
		}
	}
	// The rest shared between the start and the end.
	head := (limit - kept) / 2
	for i := 0; i < len(pkts) && head > 0; i++ {
		if !keep[i] {
			mark(i)
			head--
		}
	}
	for i := len(pkts) - 1; i >= 0 && kept < limit; i-- {
		mark(i)
	}
	return keep
}

// thinPlainRuns marks every packet to be drawn except the middles of
// long runs of ordinary packets.
func thinPlainRuns(pkts []analysis.LadderPacket) []bool {
	keep := make([]bool, len(pkts))
	plain := make([]bool, len(pkts))
	for i := range pkts {
		plain[i] = !isEvent(pkts[i])
	}
	for i, p := range pkts {
		if p.Deciding {
			for j := max(i-decidingNeighbours, 0); j <= min(i+decidingNeighbours, len(pkts)-1); j++ {
				plain[j] = false
			}
		}
	}
	for i := 0; i < len(pkts); {
		j := i
		for j < len(pkts) && plain[j] {
			j++
		}
		if j == i { // not plain
			keep[i] = true
			i++
			continue
		}
		limit, ends := maxPlainRun, plainRunEnds
		for k := i + 1; k < j; k++ {
			if pkts[k].Skipped > 0 {
				limit, ends = 2*thinRunEnds, thinRunEnds
				break
			}
		}
		for k := i; k < j; k++ {
			keep[k] = j-i <= limit || k < i+ends || k >= j-ends
		}
		i = j
	}
	return keep
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// isEvent: a packet that changes the connection's state, reports an
// error or carries an FTP command or reply.
func isEvent(p analysis.LadderPacket) bool {
	return p.Flags&(tcpflow.FlagSYN|tcpflow.FlagFIN|tcpflow.FlagRST) != 0 ||
		p.ICMP != "" || p.Label != "" || p.Retrans || p.ZeroWindow || p.PathDropped || p.PathInjected
}

// ladderItem is one row of a ladder drawing: a packet, or a fold that
// stands for packets not drawn (in one panel) or for a long silence (in
// all of them).
type ladderItem struct {
	panel int
	at    time.Time
	pkt   *analysis.LadderPacket // nil: a fold
	// A fold's packets not drawn and the time they span.
	hidden int64
	spans  time.Duration
}

// panelItems turns one connection's packets into rows: the packets kept,
// and a fold before each kept packet that follows packets not drawn
// (left out here, or not kept by the tracker: Skipped).
func panelItems(panel int, pkts []analysis.LadderPacket, keep []bool) []ladderItem {
	var items []ladderItem
	var hidden int64
	var last time.Time
	haveLast := false
	for i := range pkts {
		p := &pkts[i]
		if !keep[i] {
			hidden += 1 + max(p.Skipped, 0)
			continue
		}
		hidden += max(p.Skipped, 0)
		if hidden > 0 {
			f := ladderItem{panel: panel, at: p.Time, hidden: hidden}
			if haveLast {
				f.spans = p.Time.Sub(last)
			}
			items = append(items, f)
			hidden = 0
		}
		items = append(items, ladderItem{panel: panel, at: p.Time, pkt: p})
		last, haveLast = p.Time, true
	}
	if hidden > 0 { // more deciding packets than the limit: the tail was left out
		items = append(items, ladderItem{panel: panel, at: last, hidden: hidden})
	}
	return items
}

// mergeItems interleaves the panels' rows in time order, keeping each
// panel's own order (a capture merged from two inputs need not be
// monotonic); ties go to the earlier panel.
func mergeItems(panels [][]ladderItem) []ladderItem {
	var out []ladderItem
	next := make([]int, len(panels))
	for {
		best := -1
		for i, items := range panels {
			if next[i] >= len(items) {
				continue
			}
			if best < 0 || items[next[i]].at.Before(panels[best][next[best]].at) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		out = append(out, panels[best][next[best]])
		next[best]++
	}
}
