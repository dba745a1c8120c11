package classify

import (
	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Evidence is one fact a person can check: a packet and what it shows.
type Evidence struct {
	At   tcpflow.Ref
	Text string
}

// Finding is what one rule concluded about one break (or, with Info set,
// about a connection that did not break).
type Finding struct {
	Cause      string
	Confidence float64 // 0..1: how direct the evidence is
	Summary    string  // one sentence for a postmortem
	Evidence   []Evidence
}

// Verdict is the decision on one break: the strongest finding, the others
// that also held, and what the break was about.
type Verdict struct {
	Finding
	Class string
	Kind  ConnKind
	Conn  *tcpflow.Conn
	Time  tcpflow.Ref // when it broke
	// Transfer is the transfer the break is about (nil for a connection).
	Transfer     *dissect.Transfer
	Contributing []string
	Info         bool // a finding (severity info), not a break
}
