package correlate

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"

	"github.com/ftpcap/ftpcap/analysis"
)

// candidate is one point's verdict, with what its proof rule found.
type candidate struct {
	point   int
	order   int // position in the point's list
	v       analysis.Verdict
	outcome proofOutcome
}

// verdictKey groups the points' verdicts about the same thing: breaks of
// one connection (and transfer) are one break, whatever cause each point
// named; findings are one per connection, transfer and cause.
type verdictKey struct {
	finding  bool
	group    int // connection group, or -1 - a unique number when only one point saw it
	transfer int
	cause    string // findings only
	// nth tells apart a point's several verdicts of one key: one point's
	// verdicts are never joined with each other.
	nth int
}

type verdictMerge struct {
	breaks, findings []analysis.Verdict
	contradictions   []string
}

// mergeVerdicts joins the points' verdicts and numbers them anew.
//
// Of the verdicts about one break, the one a proof rule proves leads
// (the points together show it); among equals the more confident, then
// the point given first. The others' causes become contributing causes
// and their evidence follows the leader's, each item naming its point,
// so nothing a point saw is lost. A verdict the other point's view
// contradicts is kept (it may lead when nothing is proven), its
// contradiction written as an evidence item and as a capture-quality
// note naming the break.
func (m *merger) mergeVerdicts(sessions sessionMerge) verdictMerge {
	groups := map[verdictKey][]candidate{}
	var keys []verdictKey
	unique := 0
	for p, vp := range m.vs {
		if vp.Result == nil {
			continue
		}
		kept := indexKept(vp.Result)
		for _, list := range []struct {
			vs      []analysis.Verdict
			finding bool
		}{{vp.Result.Breaks, false}, {vp.Result.Findings, true}} {
			for i, v := range list.vs {
				conn := kept.of(v)
				key := verdictKey{finding: list.finding, transfer: v.Transfer}
				if id, ok := m.conns.of(node{p, conn}); conn >= 0 && ok {
					key.group = id
				} else {
					unique++
					key.group = -unique
				}
				if list.finding {
					key.cause = v.Cause
				}
				key = slotFor(groups, key, p, v.Cause)
				pc := &proofCase{Verdict: v, Point: p, Conn: conn, vs: m.vs, c: m.c, sessionConns: kept.bySession}
				if _, seen := groups[key]; !seen {
					keys = append(keys, key)
				}
				groups[key] = append(groups[key], candidate{point: p, order: i, v: v, outcome: prove(pc)})
			}
		}
	}
	keys = m.joinOnePointBreaks(keys, groups, sessions)

	type merged struct {
		v       analysis.Verdict
		lead    candidate
		finding bool
		notes   []candidate // contradicted candidates
	}
	var all []merged
	for _, k := range keys {
		cands := groups[k]
		slices.SortStableFunc(cands, func(a, b candidate) int {
			return cmp.Or(-cmp.Compare(boolRank(a.outcome.Proven), boolRank(b.outcome.Proven)),
				-cmp.Compare(a.v.Confidence, b.v.Confidence), cmp.Compare(a.point, b.point), cmp.Compare(a.order, b.order))
		})
		mv := merged{v: m.joinVerdict(cands, sessions), lead: cands[0], finding: k.finding}
		for _, c := range cands {
			if c.outcome.Contradiction != "" {
				mv.notes = append(mv.notes, c)
			}
		}
		all = append(all, mv)
	}
	slices.SortStableFunc(all, func(a, b merged) int {
		return cmp.Or(a.v.Time.Compare(b.v.Time), cmp.Compare(a.lead.point, b.lead.point), cmp.Compare(a.lead.order, b.lead.order))
	})
	out := verdictMerge{breaks: []analysis.Verdict{}, findings: []analysis.Verdict{}}
	for _, mv := range all {
		if mv.finding {
			mv.v.ID = "F" + strconv.Itoa(len(out.findings)+1)
			out.findings = append(out.findings, mv.v)
		} else {
			mv.v.ID = "B" + strconv.Itoa(len(out.breaks)+1)
			out.breaks = append(out.breaks, mv.v)
		}
		for _, c := range mv.notes {
			out.contradictions = append(out.contradictions, "contradiction: "+mv.v.ID+" "+c.v.Cause+" (from "+
				m.vs[c.point].Name+"'s capture): "+c.outcome.Contradiction)
		}
	}
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// joinVerdict makes one verdict of the candidates, the first leading.
func (m *merger) joinVerdict(cands []candidate, sessions sessionMerge) analysis.Verdict {
	lead := cands[0]
	v := lead.v
	v.Time = m.toRef(lead.point, v.Time)
	v.Summary = m.nameSummaryFrames(lead.point, v.Summary, lead.v.Evidence)
	if v.Session != "" {
		v.Session = sessions.id[sessKey{lead.point, v.Session}]
	}
	v.Proof = analysis.ProofInferred
	if lead.outcome.Proven {
		v.Proof = analysis.ProofProven
	}
	v.Contributing = slices.Clone(v.Contributing)
	v.Evidence = m.tagEvidence(lead.point, lead.v.Evidence)
	if lead.outcome.Contradiction == "" {
		// The other point's view: the proof, or what it shows short of one.
		v.Evidence = append(v.Evidence, m.tagEvidence(lead.point, lead.outcome.Evidence)...)
	}
	for _, c := range cands[1:] {
		if c.v.Cause != v.Cause && !slices.Contains(v.Contributing, c.v.Cause) {
			v.Contributing = append(v.Contributing, c.v.Cause)
		}
		v.Evidence = append(v.Evidence, m.tagEvidence(c.point, c.v.Evidence)...)
	}
	for _, c := range cands {
		if c.outcome.Contradiction == "" {
			continue
		}
		ev := m.tagEvidence(c.point, c.outcome.Evidence)
		if len(ev) == 0 {
			ev = m.tagEvidence(c.point, []analysis.Evidence{{Text: c.outcome.Contradiction}})
		}
		for i := range ev {
			ev[i].Text = "contradicts " + c.v.Cause + ": " + ev[i].Text
		}
		v.Evidence = append(v.Evidence, ev...)
	}
	v.Ladders = m.mergeLadders(lead.point, v.Ladders, v.Evidence)
	return v
}

// joinOnePointBreaks joins a break on a connection only one point saw
// with the other points' break of a cause it shares in the same session: the
// same break, seen on different connections because one point never saw
// the connection that broke (a blocked data channel is a data connection
// at the client's point and, at the server's, which never saw it, a
// break of the control connection). Each break is joined at most once;
// the joined keys are dropped from the list.
func (m *merger) joinOnePointBreaks(keys []verdictKey, groups map[verdictKey][]candidate, sessions sessionMerge) []verdictKey {
	session := func(k verdictKey) string {
		c := groups[k][0]
		return sessions.id[sessKey{c.point, c.v.Session}]
	}
	points := func(k verdictKey) map[int]bool {
		out := map[int]bool{}
		for _, c := range groups[k] {
			out[c.point] = true
		}
		return out
	}
	// One point's cause held at the other too, as its cause or a
	// contributing one (the client's pasv-address-mismatch on the data
	// connection also held data-channel-blocked, the server's cause on
	// the control connection).
	sameCause := func(a, b verdictKey) bool {
		for _, x := range groups[a] {
			for _, y := range groups[b] {
				if x.v.Cause == y.v.Cause || slices.Contains(x.v.Contributing, y.v.Cause) || slices.Contains(y.v.Contributing, x.v.Cause) {
					return true
				}
			}
		}
		return false
	}
	disjoint := func(a, b map[int]bool) bool {
		for p := range a {
			if b[p] {
				return false
			}
		}
		return true
	}
	joined := map[verdictKey]bool{}
	for _, a := range keys {
		if a.finding || a.group >= 0 || joined[a] || session(a) == "" {
			continue // a break on a connection another point saw too, or already joined
		}
		for _, b := range keys {
			if b == a || b.finding || joined[b] || session(b) != session(a) || !disjoint(points(a), points(b)) || !sameCause(a, b) {
				continue
			}
			groups[a] = append(groups[a], groups[b]...)
			joined[a], joined[b] = true, true
			delete(groups, b)
			break
		}
	}
	out := keys[:0]
	for _, k := range keys {
		if _, ok := groups[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// slotFor picks, among the verdicts already keyed like key, the slot
// (nth) a verdict of point p joins: one holding the same cause from
// other points, else the first without p's verdict, else a new one.
func slotFor(groups map[verdictKey][]candidate, key verdictKey, p int, cause string) verdictKey {
	free := -1
	for key.nth = 0; ; key.nth++ {
		cands, ok := groups[key]
		if !ok {
			break
		}
		if hasPoint(cands, p) {
			continue
		}
		if cands[0].v.Cause == cause {
			return key
		}
		if free < 0 {
			free = key.nth
		}
	}
	if free >= 0 {
		key.nth = free
	}
	return key
}

func hasPoint(cands []candidate, point int) bool {
	for _, c := range cands {
		if c.point == point {
			return true
		}
	}
	return false
}

// summaryFrame finds the frame numbers a summary quotes ("frame 4906").
var summaryFrame = regexp.MustCompile(`\bframe (\d+)\b`)

// nameSummaryFrames names the point of each frame a point's summary
// quotes ("client frame 4906"): frame numbers are per file, and the
// merged report has every point's. Only a point of one file, whose
// summaries name no file; a frame its evidence does not cite is left as
// it is.
func (m *merger) nameSummaryFrames(point int, summary string, ev []analysis.Evidence) string {
	if r := m.vs[point].Result; r == nil || len(r.Inputs) != 1 {
		return summary
	}
	cited := map[string]bool{}
	for _, e := range ev {
		cited[strconv.FormatInt(e.Frame, 10)] = true
	}
	return summaryFrame.ReplaceAllStringFunc(summary, func(s string) string {
		if !cited[s[len("frame "):]] {
			return s
		}
		return m.vs[point].Name + " " + s
	})
}
