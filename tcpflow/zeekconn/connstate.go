package zeekconn

// ConnState returns Zeek's conn_state for the connection as seen so far:
// S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH. It applies the
// conn_state() function of Zeek's base/protocols/conn/main.zeek to the
// originator's and responder's endpoint states, and for REJ their sizes.
func (s *State) ConnState() string {
	orig, resp := &s.ep[s.origSide], &s.ep[1-s.origSide]
	os, rs := orig.state, resp.state
	origInactive := os == Inactive || os == Partial
	respInactive := rs == Inactive || rs == Partial
	switch {
	case rs == Reset:
		switch {
		case os == SynSent || os == SynAckSent ||
			(os == Reset && orig.size(resp) == 0 && resp.size(orig) == 0):
			return "REJ"
		case origInactive:
			return "RSTRH"
		}
		return "RSTR"
	case os == Reset:
		switch {
		case !respInactive:
			return "RSTO"
		case s.hist.rstos0 == rstos0Yes:
			return "RSTOS0"
		}
		return "OTH"
	case rs == Closed && os == Closed:
		return "SF"
	case os == Closed:
		if respInactive {
			return "SH"
		}
		return "S2"
	case rs == Closed:
		if origInactive {
			return "SHR"
		}
		return "S3"
	case os == SynSent && rs == Inactive:
		return "S0"
	case os == Established && rs == Established:
		return "S1"
	}
	return "OTH"
}
