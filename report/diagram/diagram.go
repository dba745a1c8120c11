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
// apply; in a ladder of several capture points also dropped (lost
// between two points) and injected (forged between two points).
//
// Beyond the contract, for the style sheet and tests that want them: a
// ladder's arrow is line.arrow, a deciding packet's row has a
// rect.decide-band behind it, folded packets are g.fold and a folded
// silence g.fold.silence; a time-sequence graph has path.segments,
// path.acks and path.window, a g.seg (with retrans, syn, fin, rst) and
// data-frame for each segment drawn on its own, g.ack-mark.zero-window
// for each zero window and g.break for the mark; a timeline has
// g.exchange (error for a 4xx/5xx reply, unanswered) with data-frame,
// g.data (broken) with data-transfer, and g.fold. Captions are
// text.caption. A ladder of several capture points marks where each
// point captured a packet with circle.seen and where one went by a point
// unseen with circle.unseen.
//
// Each drawing is one <svg> element with width, height and a view box in
// pixels: about 1000 wide (a ladder of three or more connections is
// wider), as tall as its content. It uses no id, no <defs>, no style
// element and no external reference, so any number of drawings can be
// inlined in one page without clashing, and scaled down with
// max-width: 100%; height: auto. Output is deterministic byte for byte.
package diagram

import "time"

// Mark is an instant to mark on a graph: the break.
type Mark struct {
	At    time.Time
	Label string // "B3 middlebox-reset"
}
