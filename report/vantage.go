package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// A multi-point report (ftpcap analyze --vantage) has its capture points
// in Result.VantagePoints, a proof on every verdict, the point of every
// evidence item and the path counts of every connection matched between
// the points. Every format shows them; a single-point report has none of
// them and renders exactly as before.

// multiPoint reports whether r is a multi-point analysis.
func multiPoint(r *analysis.Result) bool { return len(r.VantagePoints) > 0 }

// clockOffset words a point's clock against the first point's:
// "+2.500 s", "reference" for the first.
func clockOffset(i int, vp analysis.VantagePoint) string {
	if i == 0 {
		return "reference"
	}
	ms := math.Round(vp.ClockOffsetS * 1000)
	if ms == 0 {
		ms = 0 // no "-0.000 s" for a clock behind by less than half a millisecond
	}
	s := strconv.FormatFloat(ms/1000, 'f', 3, 64) + " s"
	if ms >= 0 {
		s = "+" + s
	}
	return s
}

// drift words a point's clock drift ("" when none was estimated).
func drift(vp analysis.VantagePoint) string {
	if vp.DriftPPM == 0 {
		return ""
	}
	return strconv.FormatFloat(vp.DriftPPM, 'f', 1, 64) + " ppm"
}

// vantageLine is one point in words, for headers.
func vantageLine(i int, vp analysis.VantagePoint) string {
	parts := []string{clean(vp.Name) + ": " + clean(vp.Path)}
	if vp.CapturePoint != "" {
		parts = append(parts, "seen as "+clean(vp.CapturePoint))
	}
	if i == 0 {
		parts = append(parts, "clock reference")
	} else {
		parts = append(parts, "clock "+clockOffset(i, vp))
	}
	if d := drift(vp); d != "" {
		parts = append(parts, "drift "+d)
	}
	parts = append(parts, groupDigits(vp.MatchedPackets)+" packets matched")
	return strings.Join(parts, ", ")
}

// proofWord is a verdict's proof, "-" when it has none.
func proofWord(v analysis.Verdict) string { return orDash(string(v.Proof)) }

// pathCell words one direction's counts: sent/delivered/dropped/injected.
func pathCell(c analysis.PathCounts) string {
	return groupDigits(c.Sent) + "/" + groupDigits(c.Delivered) + "/" + groupDigits(c.Dropped) + "/" + groupDigits(c.Injected)
}

// pathWords words one direction's counts in a sentence's terms.
func pathWords(c analysis.PathCounts) string {
	return groupDigits(c.Sent) + " sent, " + groupDigits(c.Delivered) + " delivered, " +
		groupDigits(c.Dropped) + " dropped, " + groupDigits(c.Injected) + " injected"
}

// delayWords is one direction's one-way delay between the points, as a
// clause after its counts ("" when not measured).
func delayWords(d *analysis.DirDelays, toServer bool) string {
	if d == nil {
		return ""
	}
	s := d.ServerToClient
	if toServer {
		s = d.ClientToServer
	}
	return "; one-way delay " + strconv.FormatFloat(s*1000, 'f', 3, 64) + " ms"
}
