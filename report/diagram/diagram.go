// Package diagram draws the pictures of the HTML report as inline SVG:
// a ladder diagram of a verdict's connections, a time-sequence graph of a
// transfer that did not complete, and a session's timeline. It draws what
// analysis kept (analysis.Ladder, SeqGraph, Timeline) and decides
// nothing. Every text that came off the wire is escaped; the SVG carries
// its own presentation attributes, so it reads the same inside the page,
// saved on its own, and printed in grey.
//
// The class names are a contract with the page's script, its style sheet
// and its browser test: svg.ladder, svg.tsg and svg.timeline are the
// roots; in a ladder each packet is a g.pkt with data-frame, and the
// classes syn, fin, rst, icmp, retrans, ftp and deciding where they
// apply.
package diagram

import "time"

// Mark is an instant to mark on a graph: the break.
type Mark struct {
	At    time.Time
	Label string // "B3 middlebox-reset"
}
