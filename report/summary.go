package report

import (
	"cmp"
	"slices"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// classOrder is the order of the classes in causes.md; classes added
// later sort after these, by name.
var classOrder = []string{classify.ClassNetwork, classify.ClassProtocol, classify.ClassServerPolicy, classify.ClassClient, classify.ClassUnknown}

func classRank(class string) int {
	if i := slices.Index(classOrder, class); i >= 0 {
		return i
	}
	return len(classOrder)
}

// causeCount is how many breaks and findings name one class and cause.
type causeCount struct {
	Class    string `json:"class"`
	Cause    string `json:"cause"`
	Breaks   int    `json:"breaks"`
	Findings int    `json:"findings"`
}

// countCauses tallies the verdicts by class and cause, in class order and
// then by cause name. It counts what classify decided; it decides nothing.
func countCauses(r *analysis.Result) []causeCount {
	type key struct{ class, cause string }
	counts := map[key]*causeCount{}
	tally := func(vs []analysis.Verdict, finding bool) {
		for _, v := range vs {
			k := key{v.Class, v.Cause}
			c := counts[k]
			if c == nil {
				c = &causeCount{Class: v.Class, Cause: v.Cause}
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
	// Past the listing cap the verdicts are only counted, by cause: those
	// counts cover every verdict, listed or not.
	total := func(byCause map[string]int64, finding bool) {
		for cause, n := range byCause {
			var c *causeCount
			for k, v := range counts {
				if k.cause == cause {
					c = v
				}
			}
			if c == nil {
				c = &causeCount{Cause: cause}
				counts[key{"", cause}] = c
			}
			if finding {
				c.Findings = max(c.Findings, int(n))
			} else {
				c.Breaks = max(c.Breaks, int(n))
			}
		}
	}
	total(r.Stats.BreaksByCause, false)
	total(r.Stats.FindingsByCause, true)
	out := make([]causeCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b causeCount) int {
		return cmp.Or(
			cmp.Compare(classRank(a.Class), classRank(b.Class)),
			cmp.Compare(a.Class, b.Class),
			cmp.Compare(a.Cause, b.Cause),
		)
	})
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
