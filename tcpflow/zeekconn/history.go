package zeekconn

// historyCap bounds the stored history. Zeek keeps every letter, but a
// letter is either once-only (a d i q), logarithmic (c g t w) or repeated
// only for a new sequence number (s h f r), so real connections stay far
// below this; what does not fit is counted in HistoryOverflow.
const historyCap = 32

// MaxHistory is how many history letters a connection keeps (historyCap),
// for reports that say where the history was cut.
const MaxHistory = historyCap

// Zeek's hist_seen masks for the once-per-direction letters. The
// responder's bits sit 16 higher. The bits belong to the role, not to the
// endpoint: Zeek does not move them when it flips a connection.
const (
	histSYN     = 0x1
	histFIN     = 0x2
	histRST     = 0x4
	histFINRST  = 0x8
	histData    = 0x10
	histACK     = 0x20
	histMulti   = 0x40
	respHistPos = 16
)

// history is the letter string, stored without allocation.
type history struct {
	b        [historyCap]byte
	n        uint8
	overflow uint32
	// rstos0 tracks, over every letter including those past the cap,
	// whether the whole history matches Zeek's /\^?S[^HAFGIQ]*R.*/, the
	// test conn_state() uses to tell RSTOS0 from OTH.
	rstos0 rstos0Match
}

func (h *history) add(c byte) {
	h.rstos0 = h.rstos0.next(c)
	if int(h.n) < len(h.b) {
		h.b[h.n] = c
		h.n++
		return
	}
	h.overflow++
}

// is reports whether the whole history is exactly one letter c.
func (h *history) is(c byte) bool { return h.n == 1 && h.overflow == 0 && h.b[0] == c }

// reset empties the history (Zeek's ReplaceHistory, before the new letters).
func (h *history) reset() { *h = history{} }

func (h *history) String() string { return string(h.b[:h.n]) }

// rstos0Match is a small automaton for /\^?S[^HAFGIQ]*R.*/ anchored at
// both ends. Its zero value is the start state.
type rstos0Match uint8

const (
	rstos0Start  rstos0Match = iota
	rstos0Caret              // a leading '^'
	rstos0AfterS             // "^?S", no H A F G I Q since
	rstos0Yes                // an R followed: matches whatever comes next
	rstos0No
)

func (m rstos0Match) next(c byte) rstos0Match {
	switch m {
	case rstos0Start:
		switch c {
		case '^':
			return rstos0Caret
		case 'S':
			return rstos0AfterS
		}
		return rstos0No
	case rstos0Caret:
		if c == 'S' {
			return rstos0AfterS
		}
		return rstos0No
	case rstos0AfterS:
		switch c {
		case 'R':
			return rstos0Yes
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return rstos0No
		}
		return rstos0AfterS
	}
	return m
}

// letter returns code as Zeek writes it for side: upper case for the
// originator, lower case for the responder.
func (s *State) letter(side int, code byte) byte {
	if s.isOrig(side) {
		return code
	}
	return code | 0x20
}

func (s *State) isOrig(side int) bool { return uint8(side) == s.origSide }

// addLetter appends code for side unconditionally (Zeek's AddHistory).
func (s *State) addLetter(side int, code byte) { s.hist.add(s.letter(side, code)) }

// checkHistory appends code for side unless its mask was already seen and
// reports whether it had been (Zeek's TCP_Endpoint::CheckHistory).
func (s *State) checkHistory(side int, mask uint32, code byte) bool {
	if (code == 'A' || code == 'D') && s.hist.is('H') {
		// The connection began with a SYN-ACK that Zeek did not flip at
		// once (a stealth scan's SYN-ACK comes from the originator). A pure
		// ACK or data makes a scan unlikely: Zeek flips now and rewrites
		// the history as if it had seen the responder's SYN-ACK, "^h".
		s.flipRoles()
		s.hist.reset()
		s.hist.add('^')
		s.hist.add('h')
		s.firstSeen |= seenOrig
	}
	if !s.isOrig(side) {
		mask <<= respHistPos
	}
	if s.histSeen&mask != 0 {
		return true
	}
	s.histSeen |= mask
	s.addLetter(side, code)
	return false
}

// scaled appends code for side when c crosses its next threshold.
func (s *State) scaled(side int, c *scaledCounter, code byte) {
	if c.hit() {
		s.addLetter(side, code)
	}
}

// flipRoles swaps originator and responder (Zeek's Connection::FlipRoles
// and TCPSessionAdapter::FlipRoles) and writes '^'.
func (s *State) flipRoles() {
	s.origSide = 1 - s.origSide
	fs := s.firstSeen
	s.firstSeen = 0
	if fs&seenOrig != 0 {
		s.firstSeen |= seenResp
	}
	if fs&seenResp != 0 {
		s.firstSeen |= seenOrig
	}
	s.partial = false
	s.hist.add('^')
}
