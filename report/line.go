package report

import (
	"io"
	"strings"

	"github.com/ftpcap/ftpcap/analysis"
)

// writeVerdictLine writes one settled verdict as a single line for live
// use: date and time, id, session, class/cause, confidence, connection,
// summary and evidence frames. The line is not wrapped, so grep and tail
// see a verdict per line; it is self-contained, so it carries the date.
func writeVerdictLine(w io.Writer, v *analysis.Verdict, p painter) {
	fields := []string{
		full(v.Time),
		p.paint(verdictIDColor(*v), clean(orDash(v.ID))),
		clean(orDash(v.Session)),
		p.paint(classColor(v.Class), clean(orDash(v.Class))) + "/" + clean(orDash(v.Cause)),
		"conf " + confidence(v.Confidence),
		clean(orDash(v.Connection.Kind)) + " " + clean(endpoints(v.Connection.Client, v.Connection.Server)),
	}
	if v.Severity != "" {
		fields = append(fields, "severity "+clean(string(v.Severity)))
	}
	fields = append(fields, clean(orDash(v.Summary)))
	if frames := newInputIndex(nil).frameList(v.Evidence, 0); frames != "" {
		fields = append(fields, "["+clean(frames)+"]")
	}
	io.WriteString(w, strings.Join(fields, "  ")+"\n")
}
