package correlate

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// Merge makes one report of several capture points: the points' own
// analyses (vs, packets kept) joined where the correlation c matched the
// same connection. A session or connection seen at two points is listed
// once, a break seen at two points is one break, and every verdict says
// whether the points together prove it (the proof rules, proof*.go).
// Times are on the first point's clock; every evidence item names its
// point and file.
//
// Where the points share no connection (files that do not overlap in
// time, or captures of other traffic) nothing is joined: the report is
// each point's analysis alone, one after the other, its verdicts
// inferred, and a note in capture_quality says so (NoSharedConnection
// tells the caller, to say it on the terminal too).
func Merge(vs []Vantage, c *Correlation) *analysis.Result {
	if c == nil {
		c = &Correlation{}
	}
	m := newMerger(vs, c)
	return m.result()
}

// NoSharedConnection reports whether the correlation matched no
// connection between the points (a pair of a connection only one point
// saw does not count): each point's report stands alone.
func NoSharedConnection(c *Correlation) bool {
	if c == nil {
		return true
	}
	for _, p := range c.Pairs {
		if p.ConnA >= 0 && p.ConnB >= 0 {
			return false
		}
	}
	return true
}

// merger holds what joining the points needs: where each point's inputs
// land in the merged list, each point's clock offset, and which of the
// points' connections are the same connection.
type merger struct {
	vs        []Vantage
	c         *Correlation
	inputBase []int           // merged index of each point's first input
	offsets   []time.Duration // each point's clock offset, from c.Points
	byName    map[string]int  // point name → index
	conns     *connGroups
}

func newMerger(vs []Vantage, c *Correlation) *merger {
	m := &merger{vs: vs, c: c, byName: map[string]int{}}
	base := 0
	for i, v := range vs {
		m.inputBase = append(m.inputBase, base)
		if v.Result != nil {
			base += len(v.Result.Inputs)
		}
		var off time.Duration
		if i < len(c.Points) {
			off = c.Points[i].ClockOffset
		}
		m.offsets = append(m.offsets, off)
		m.byName[v.Name] = i
	}
	m.conns = groupConnections(vs, c)
	return m
}

// result builds the merged Result.
func (m *merger) result() *analysis.Result {
	out := &analysis.Result{
		Inputs: []analysis.Input{}, Sessions: []analysis.Session{}, Breaks: []analysis.Verdict{},
		Findings: []analysis.Verdict{}, Connections: []analysis.Connection{},
	}
	for i, v := range m.vs {
		r := v.Result
		if r == nil {
			continue
		}
		if out.Tool == "" {
			out.Tool, out.Version, out.CapturePoint = r.Tool, r.Version, r.CapturePoint
		}
		out.Inputs = append(out.Inputs, r.Inputs...)
		for _, e := range r.Errors {
			out.Errors = append(out.Errors, e)
		}
		out.VantagePoints = append(out.VantagePoints, m.vantagePoint(i))
	}
	sessions := m.mergeSessions()
	out.Sessions = sessions.list
	out.Connections = m.mergeConnections(sessions)
	verdicts := m.mergeVerdicts(sessions)
	out.Breaks, out.Findings = verdicts.breaks, verdicts.findings
	out.CaptureQuality = m.captureQuality(verdicts.contradictions)
	out.Stats = m.stats(out)
	markBrokenSessions(out)
	return out
}

// vantagePoint is the report's record of point i.
func (m *merger) vantagePoint(i int) analysis.VantagePoint {
	v := m.vs[i]
	vp := analysis.VantagePoint{Name: v.Name, Path: strings.Join(v.Paths, ",")}
	if len(v.Paths) > 1 {
		vp.Paths = slices.Clone(v.Paths)
	}
	if v.Result != nil {
		vp.CapturePoint = v.Result.CapturePoint
	}
	if i < len(m.c.Points) {
		p := m.c.Points[i]
		vp.ClockOffsetS = p.ClockOffset.Seconds()
		vp.DriftPPM = p.DriftPPM
		vp.MatchedPackets = p.Matched
	}
	return vp
}

// toRef puts a time of point i's clock on the first point's.
func (m *merger) toRef(i int, t time.Time) time.Time {
	if t.IsZero() || i < 0 || i >= len(m.offsets) {
		return t
	}
	return t.Add(-m.offsets[i])
}

// inputPath is the path of point i's input in (its own numbering).
func (m *merger) inputPath(i, input int) string {
	r := m.vs[i].Result
	if r == nil || input < 0 || input >= len(r.Inputs) {
		return ""
	}
	return r.Inputs[input].Path
}

// tagEvidence names each evidence item's point and file and puts its
// time on the first point's clock. Evidence that already names a point
// (a proof rule's, about the other point) is shifted by that point's
// offset.
func (m *merger) tagEvidence(point int, ev []analysis.Evidence) []analysis.Evidence {
	out := make([]analysis.Evidence, len(ev))
	for k, e := range ev {
		at := point
		if e.Vantage == "" {
			e.Vantage = m.vs[point].Name
		} else if j, ok := m.byName[e.Vantage]; ok {
			at = j
		}
		if e.Input == "" && e.Frame > 0 {
			e.Input = m.inputPath(at, 0)
		}
		e.Time = m.toRef(at, e.Time)
		out[k] = e
	}
	return out
}

// captureQuality joins the points' capture quality: the worst rating,
// the sums, each point's notes under its name, then what the correlation
// and the proof rules found (contradictions between the views are said
// here, each also as an evidence item of its verdict).
func (m *merger) captureQuality(contradictions []string) analysis.CaptureQuality {
	q := analysis.CaptureQuality{}
	rank := map[string]int{"good": 1, "degraded": 2, "poor": 3}
	for _, v := range m.vs {
		r := v.Result
		if r == nil {
			continue
		}
		pq := r.CaptureQuality
		if rank[pq.Rating] > rank[q.Rating] || q.Rating == "" {
			q.Rating = pq.Rating
		}
		q.AckedUnseenBytes += pq.AckedUnseenBytes
		q.KernelDrops += pq.KernelDrops
		q.Duplicates += pq.Duplicates
		q.OversizedSegments += pq.OversizedSegments
		q.TruncatedPackets += pq.TruncatedPackets
		q.OneSidedConnections += pq.OneSidedConnections
		for _, n := range pq.Notes {
			q.Notes = append(q.Notes, v.Name+": "+n)
		}
	}
	if NoSharedConnection(m.c) && len(m.vs) > 1 {
		q.Notes = append(q.Notes, noSharedNote(m.vs))
	}
	q.Notes = append(q.Notes, m.c.Notes...)
	q.Notes = append(q.Notes, contradictions...)
	return q
}

// noSharedNote says why the report is each point's alone.
func noSharedNote(vs []Vantage) string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	return "the captures of " + strings.Join(names, ", ") + " share no connection (they do not overlap in time, " +
		"or saw different traffic): each point's sessions and verdicts are listed alone, inferred from its own capture"
}

// stats sums the points' counters (the work done at every point: packets
// read at all of them; the caps are the first point's, the same options
// analysed all), counts a session or connection several points saw once,
// and counts
// the merged verdicts by cause, plus those each point counted past
// --max-reported without listing them.
func (m *merger) stats(out *analysis.Result) analysis.Stats {
	var st analysis.Stats
	first := true
	for _, v := range m.vs {
		if v.Result == nil {
			continue
		}
		sumCounters(reflect.ValueOf(&st).Elem(), reflect.ValueOf(v.Result.Stats), first)
		first = false
	}
	// A session or connection several points saw is one: the counts of
	// sessions and connections drop the copies folded into one record.
	var sessions, conns, data int64
	for _, v := range m.vs {
		if v.Result == nil {
			continue
		}
		sessions += int64(len(v.Result.Sessions))
		conns += int64(len(v.Result.Connections))
		data += countKind(v.Result.Connections, classify.KindData)
	}
	st.FTPSessions -= sessions - int64(len(out.Sessions))
	st.Connections -= conns - int64(len(out.Connections))
	st.DataConnections -= data - countKind(out.Connections, classify.KindData)
	var tally analysis.CauseTally
	for _, b := range out.Breaks {
		tally.Add(b.Class, b.Cause, false)
	}
	for _, f := range out.Findings {
		tally.Add(f.Class, f.Cause, true)
	}
	for _, v := range m.vs {
		if v.Result != nil {
			addUnlisted(&tally, v.Result)
		}
	}
	tally.Fill(&st)
	return st
}

func countKind(conns []analysis.Connection, kind classify.ConnKind) int64 {
	n := int64(0)
	for _, c := range conns {
		if c.Kind == kind {
			n++
		}
	}
	return n
}

// sumCounters adds src's int64 and float64 fields into dst and copies
// its int fields (the caps) from the first point; maps and lists are
// left to the tally.
func sumCounters(dst, src reflect.Value, first bool) {
	for i := 0; i < dst.NumField(); i++ {
		d, s := dst.Field(i), src.Field(i)
		switch d.Kind() {
		case reflect.Int64:
			d.SetInt(d.Int() + s.Int())
		case reflect.Float64:
			d.SetFloat(d.Float() + s.Float())
		case reflect.Int:
			if first {
				d.SetInt(s.Int())
			}
		case reflect.Struct:
			sumCounters(d, s, first)
		}
	}
}

// addUnlisted counts a point's verdicts past its listing cap: the ones
// its tally has and its lists do not.
func addUnlisted(t *analysis.CauseTally, r *analysis.Result) {
	listed := map[[2]string][2]int64{}
	for _, b := range r.Breaks {
		k := [2]string{b.Class, b.Cause}
		n := listed[k]
		n[0]++
		listed[k] = n
	}
	for _, f := range r.Findings {
		k := [2]string{f.Class, f.Cause}
		n := listed[k]
		n[1]++
		listed[k] = n
	}
	for _, cc := range r.Stats.Causes {
		n := listed[[2]string{cc.Class, cc.Cause}]
		for j := n[0]; j < cc.Breaks; j++ {
			t.Add(cc.Class, cc.Cause, false)
		}
		for j := n[1]; j < cc.Findings; j++ {
			t.Add(cc.Class, cc.Cause, true)
		}
	}
}

// markBrokenSessions sets a session broken when a merged break names it.
func markBrokenSessions(out *analysis.Result) {
	broken := map[string]bool{}
	for _, b := range out.Breaks {
		broken[b.Session] = true
	}
	for i := range out.Sessions {
		if broken[out.Sessions[i].ID] {
			out.Sessions[i].Outcome = analysis.OutcomeBroken
		}
	}
}

// idNumber is the number of an id such as "S12" (0 when it has none).
func idNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimLeft(id, "SBF"))
	return n
}

// byTimeThenPoint orders merged records by time on the first point's
// clock, then by point, then by their order at the point.
func byTimeThenPoint(at func(int) time.Time, point func(int) int, order func(int) int) func(a, b int) int {
	return func(a, b int) int {
		return cmp.Or(at(a).Compare(at(b)), cmp.Compare(point(a), point(b)), cmp.Compare(order(a), order(b)))
	}
}

// pointList names points in words: "client and server".
func pointList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// errNoPoint is what a proof rule says of a point it cannot name.
func pointName(vs []Vantage, i int) string {
	if i < 0 || i >= len(vs) {
		return fmt.Sprintf("point %d", i+1)
	}
	return vs[i].Name
}
