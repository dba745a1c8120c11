package report

import (
	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// countCauses returns the verdicts counted by class and cause, in class
// order and then by cause. The counts were made by the analysis as each
// verdict was made (Stats.Causes), so they cover the verdicts past the
// listing cap too; a Result built without them (a hand-made one) is
// tallied from its lists. It counts what classify decided; it decides
// nothing.
func countCauses(r *analysis.Result) []analysis.CauseCount {
	if len(r.Stats.Causes) > 0 || len(r.Breaks)+len(r.Findings) == 0 {
		return r.Stats.Causes
	}
	type key struct{ class, cause string }
	counts := map[key]*analysis.CauseCount{}
	tally := func(vs []analysis.Verdict, finding bool) {
		for _, v := range vs {
			k := key{v.Class, v.Cause}
			c := counts[k]
			if c == nil {
				c = &analysis.CauseCount{Class: v.Class, Cause: v.Cause}
				counts[k] = c
			}
			if finding {
				c.Findings++
			} else {
				c.Breaks++
			}
		}
	}
	tally(r.Breaks, false)
	tally(r.Findings, true)
	out := make([]analysis.CauseCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	analysis.SortCauseCounts(out)
	return out
}

// breaksByClass sums the counts by class, listed or not.
func breaksByClass(counts []analysis.CauseCount) map[string]int64 {
	out := map[string]int64{}
	for _, c := range counts {
		if c.Breaks > 0 {
			out[c.Class] += c.Breaks
		}
	}
	return out
}

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
