package report

import (
	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// breakIDsBySession lists the breaks of each session, for the sessions
// table's cross-reference.
func breakIDsBySession(breaks []analysis.Verdict) map[string][]string {
	ids := map[string][]string{}
	for _, b := range breaks {
		if b.Session != "" {
			ids[b.Session] = append(ids[b.Session], b.ID)
		}
	}
	return ids
}

// transferTally counts a session's transfers by the status classify gave
// them: complete, or failed, truncated or aborted.
func transferTally(s analysis.Session) (ok, failed int) {
	for _, t := range s.Transfers {
		switch t.Status {
		case classify.StatusComplete:
			ok++
		case classify.StatusFailed, classify.StatusTruncated, classify.StatusAborted:
			failed++
		}
	}
	return ok, failed
}
