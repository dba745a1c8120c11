package analysis

import (
	"cmp"
	"slices"

	"github.com/ftpcap/ftpcap/classify"
)

// CauseTally counts verdicts by class and cause together, at the moment
// each verdict is made, listed or not. Every count in the report's
// summaries (by cause, by class, and --fail-on's test) is read from what
// it fills in Stats, so a break past the listing cap is counted with its
// class like any other. (Exported for results built by hand: tests.)
type CauseTally struct {
	counts map[classCause]*CauseCount
}

type classCause struct{ class, cause string }

// Add counts one verdict.
func (t *CauseTally) Add(class, cause string, finding bool) {
	if t.counts == nil {
		t.counts = map[classCause]*CauseCount{}
	}
	k := classCause{class, cause}
	c := t.counts[k]
	if c == nil {
		c = &CauseCount{Class: class, Cause: cause}
		t.counts[k] = c
	}
	if finding {
		c.Findings++
	} else {
		c.Breaks++
	}
}

// Fill writes the counts into st: by cause, by class, and the ordered
// list by class and cause.
func (t *CauseTally) Fill(st *Stats) {
	st.BreaksByCause = map[string]int64{}
	st.FindingsByCause = map[string]int64{}
	st.BreaksByClass = map[string]int64{}
	st.Causes = make([]CauseCount, 0, len(t.counts))
	for _, c := range t.counts {
		if c.Breaks > 0 {
			st.BreaksByCause[c.Cause] += c.Breaks
			st.BreaksByClass[c.Class] += c.Breaks
		}
		if c.Findings > 0 {
			st.FindingsByCause[c.Cause] += c.Findings
		}
		st.Causes = append(st.Causes, *c)
	}
	SortCauseCounts(st.Causes)
}

// SortCauseCounts orders counts by class, in the order of
// spec/causes.md (classes it does not list after those, by name), then
// by cause.
func SortCauseCounts(cs []CauseCount) {
	order := classify.Classes()
	rank := func(class string) int {
		if i := slices.Index(order, class); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(cs, func(a, b CauseCount) int {
		return cmp.Or(
			cmp.Compare(rank(a.Class), rank(b.Class)),
			cmp.Compare(a.Class, b.Class),
			cmp.Compare(a.Cause, b.Cause),
		)
	})
}
