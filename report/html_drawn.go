package report

import "github.com/ftpcap/ftpcap/analysis"

// diagramsPerCause is how many breaks (and findings) of each cause a page
// draws diagrams for, unless told to draw all (Options.Verbose). A
// ladder runs to tens of kB: a capture with hundreds of breaks of one
// cause (many.pcap of the bench has 200 listed) would weigh tens of MB
// for pictures that repeat one story, so the first few of each cause are
// drawn, which shows it, and the others say so.
const diagramsPerCause = 5

// chooseDrawn picks the verdicts the page draws diagrams for, among those
// it lists: the first diagramsPerCause of each cause, or every one; and
// their sessions, whose timelines it draws.
func chooseDrawn(r *analysis.Result, all bool) (drawn, sessions map[string]bool) {
	drawn, sessions = map[string]bool{}, map[string]bool{}
	for _, vs := range [][]analysis.Verdict{r.Breaks, r.Findings} {
		shown, _ := briefVerdicts(vs, all)
		perCause := map[string]int{}
		for _, v := range shown {
			perCause[v.Cause]++
			if !all && perCause[v.Cause] > diagramsPerCause {
				continue
			}
			drawn[v.ID] = true
			if v.Session != "" {
				sessions[v.Session] = true
			}
		}
	}
	return drawn, sessions
}

// hasDiagrams reports whether analysis kept a diagram for the verdict.
func hasDiagrams(h *htmlReport, v analysis.Verdict) bool {
	x := h.transferOf(v)
	return len(v.Ladders) > 0 || x != nil && x.SeqGraph != nil
}
