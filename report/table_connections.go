package report

import (
	"strconv"

	"github.com/ftpcap/ftpcap/analysis"
)

// connections lists every TCP connection, Zeek conn.log style. Each row
// has a client line and a server line: the endpoints, then each per-side
// counter, client first.
func (t *tableReport) connections() error {
	t.section("CONNECTIONS", len(t.r.Connections))
	if len(t.r.Connections) == 0 {
		t.line("no TCP connections")
		return nil
	}
	counter := column{right: true, flex: true, min: 4, keepWords: true}
	titled := func(c column, title string) column { c.title = title; return c }
	g := &grid{cols: []column{
		{title: "SESS\nKIND"},
		{title: "CLIENT\n→ SERVER", flex: true, min: 19, wrap: wrapSpec{breakAfter: ":"}},
		{title: "STATE\nHISTORY", flex: true, min: 10, wrap: wrapSpec{breakAfter: "-", maxLines: 8}},
		titled(counter, "PKTS"),
		titled(counter, "BYTES"),
		titled(counter, "RETX"),
		titled(counter, "HOPS"),
		{title: "WSCALE", flex: true, min: 4, keepWords: true},
	}}
	multi := multiPoint(t.r)
	if multi {
		// Client line: client to server; server line: server to client.
		g.cols = append(g.cols, column{title: "PATH sent/\ndlv/drop/inj", flex: true, min: 7, keepWords: true})
	}
	for i, c := range t.r.Connections {
		t.faults.guard("connection "+strconv.Itoa(i+1)+" ("+c.Client+" → "+c.Server+")", func() {
			if multi {
				connectionRow(g, c, pathCells(c.Path))
			} else {
				connectionRow(g, c)
			}
		})
	}
	if len(g.rows) == 0 {
		return nil
	}
	return t.grid(g)
}

// pathCells is a connection's path counts, client to server above server
// to client, "-" for a connection only one point saw.
func pathCells(p *analysis.ConnPath) cell {
	if p == nil {
		return txt("-")
	}
	if p.Translation != "" {
		return txt(pathCell(p.ClientToServer), pathCell(p.ServerToClient), "NAT "+p.Translation)
	}
	return txt(pathCell(p.ClientToServer), pathCell(p.ServerToClient))
}

// connectionRow adds one connection's row, and the extra cells after it.
func connectionRow(g *grid, c analysis.Connection, extra ...cell) {
	// The history comes last: it is the part a long connection may
	// have to lose to the line cap.
	state := append(connectionStateParts(c), orDash(c.History))
	cells := []cell{
		txt(orDash(c.Session), orDash(c.Kind)),
		txt(orDash(c.Client), "→ "+orDash(c.Server)),
		txt(state...),
		txt(groupDigits(c.Packets.Client), groupDigits(c.Packets.Server)),
		txt(groupDigits(c.Bytes.Client), groupDigits(c.Bytes.Server)),
		txt(groupDigits(c.Retransmits.Client), groupDigits(c.Retransmits.Server)),
		txt(strconv.Itoa(c.Hops.Client), strconv.Itoa(c.Hops.Server)),
		txt(orDash(string(c.WindowScale.Client)), orDash(string(c.WindowScale.Server))),
	}
	g.add(append(cells, extra...)...)
}

// connectionStateParts are the words of a connection's state, how it
// closed and what the capture lost of it, for the table's lines and the
// page's cell.
func connectionStateParts(c analysis.Connection) []string {
	state := []string{orDash(c.ConnState)}
	if c.Closed != "" {
		state = append(state, c.Closed)
	}
	if c.Midstream {
		state = append(state, "midstream")
	}
	if c.CaptureLoss > 0 {
		state = append(state, "capture lost "+groupDigits(c.CaptureLoss)+" bytes")
	}
	return state
}
