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

// timelinesForAll: a page that lists this many sessions or fewer draws
// the timeline of every one of them, the healthy ones too, which shows
// what a good session looked like beside the broken one; a longer list
// draws the timelines of the sessions whose verdicts it draws.
const timelinesForAll = 50

// otherSeqGraphs caps the time-sequence graphs the transfers section
// draws of transfers that did not complete and whose graph no drawn
// verdict shows (a transfer cut short that only a control-connection
// verdict names, or none): a few show the pattern, and the others are
// counted, unless the page draws everything (Options.Verbose).
const otherSeqGraphs = 10

// graphedTransfers returns the transfers whose time-sequence graph a
// drawn verdict shows, by session and 1-based index.
func graphedTransfers(h *htmlReport) map[transferKey]bool {
	keys := map[transferKey]bool{}
	for _, vs := range [][]analysis.Verdict{h.r.Breaks, h.r.Findings} {
		for _, v := range vs {
			if x := h.transferOf(v); x != nil && x.SeqGraph != nil && h.drawn[v.ID] {
				keys[transferKey{v.Session, v.Transfer}] = true
			}
		}
	}
	return keys
}

// transferKey names a transfer: its session and 1-based index.
type transferKey struct {
	session string
	index   int
}
