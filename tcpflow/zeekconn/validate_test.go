package zeekconn

import (
	"fmt"
	"strings"
)

var connStates = map[string]bool{
	"S0": true, "S1": true, "SF": true, "REJ": true, "S2": true, "S3": true, "RSTO": true,
	"RSTR": true, "RSTOS0": true, "RSTRH": true, "SH": true, "SHR": true, "OTH": true,
}

// invalid returns why s's outputs are not something Zeek could log, or "".
func invalid(s *State) string {
	h := s.History()
	if len(h) > historyCap {
		return fmt.Sprintf("history %q longer than %d", h, historyCap)
	}
	for _, c := range h {
		if !strings.ContainsRune("SsHhAaDdFfRrGgTtWwIiQq^", c) {
			return fmt.Sprintf("history %q has letter %q", h, c)
		}
		if strings.ContainsRune("AaDdIiQq", c) && strings.Count(h, string(c)) > 1 {
			return fmt.Sprintf("history %q repeats once-only letter %q", h, c)
		}
	}
	if cs := s.ConnState(); !connStates[cs] {
		return fmt.Sprintf("conn_state %q", cs)
	}
	for _, ep := range []Endpoint{s.Orig(), s.Resp()} {
		if ep.State > Reset {
			return fmt.Sprintf("endpoint state %d", ep.State)
		}
	}
	return ""
}
