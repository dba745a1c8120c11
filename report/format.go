package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/internal/words"
)

// groupDigits writes an integer with thousands separators: 18,234.
func groupDigits(n int64) string { return words.GroupDigits(n) }

// counted writes a count and its noun: "1 packet", "12 packets".
func counted(n int64, singular, plural string) string { return words.Counted(n, singular, plural) }

// span formats the time between two capture timestamps compactly:
// 840us, 312.4ms, 4.213s, 5m12.3s, 1h02m03s. A zero end is "-".
func span(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "-"
	}
	return formatDuration(end.Sub(start))
}

func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + formatDuration(-d)
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + "us"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
	case d < time.Hour:
		m := d / time.Minute
		s := float64(d-m*time.Minute) / float64(time.Second)
		return fmt.Sprintf("%dm%04.1fs", m, s)
	default:
		h := d / time.Hour
		m := (d - h*time.Hour) / time.Minute
		s := (d - h*time.Hour - m*time.Minute) / time.Second
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	}
}

// confidence formats a verdict's confidence with two decimals.
func confidence(c float64) string { return strconv.FormatFloat(c, 'f', 2, 64) }

// clock formats capture times as they appear in tables: UTC wall-clock
// time of day to the microsecond, with the date only when it differs from
// the report's date (stated once in the header).
type clock struct {
	year  int
	month time.Month
	day   int
	known bool
}

// newClock takes the report's date from the first timestamp it holds:
// the inputs' first packets, else the sessions, else the verdicts.
func newClock(r *analysis.Result) clock {
	var first time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	for _, in := range r.Inputs {
		consider(in.First)
	}
	if first.IsZero() {
		for _, s := range r.Sessions {
			consider(s.Start)
		}
	}
	if first.IsZero() {
		for _, v := range r.Breaks {
			consider(v.Time)
		}
		for _, v := range r.Findings {
			consider(v.Time)
		}
	}
	return clockOn(first)
}

func clockOn(t time.Time) clock {
	if t.IsZero() {
		return clock{}
	}
	y, m, d := t.UTC().Date()
	return clock{year: y, month: m, day: d, known: true}
}

// date is the report's date, "" when the report holds no time at all.
func (c clock) date() string {
	if !c.known {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", c.year, c.month, c.day)
}

const (
	timeOfDay   = "15:04:05.000000"
	dateAndTime = "2006-01-02 15:04:05.000000"
)

// at formats t; a zero time (not seen) is "-".
func (c clock) at(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.UTC()
	if y, m, d := t.Date(); c.known && y == c.year && m == c.month && d == c.day {
		return t.Format(timeOfDay)
	}
	return t.Format(dateAndTime)
}

// full formats t with its date, for ranges in the header.
func full(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(dateAndTime)
}

// endpoints shows a connection as "client → server".
func endpoints(client, server string) string {
	return orDash(client) + " → " + orDash(server)
}

// orDash shows an empty value as "-". It takes the model's named string
// types (outcomes, statuses, kinds) as they are.
func orDash[S ~string](s S) string {
	if s == "" {
		return "-"
	}
	return string(s)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// inputIndex maps input paths to their 1-based position in the report,
// so evidence from several captures can be cited as "2:#812".
type inputIndex struct {
	position map[string]int
	inputs   int
}

func newInputIndex(inputs []analysis.Input) inputIndex {
	idx := inputIndex{position: make(map[string]int, len(inputs)), inputs: len(inputs)}
	for i, in := range inputs {
		if _, dup := idx.position[in.Path]; !dup {
			idx.position[in.Path] = i + 1
		}
	}
	return idx
}

// frameRef names one evidence packet: "#812" when the report has one
// input, "2:#812" (the input's number in the header) when it has several,
// and "name:#812" when the evidence names an input the report does not
// list (a live verdict line has no input list).
func (idx inputIndex) frameRef(e analysis.Evidence) string {
	ref := "#" + strconv.FormatInt(e.Frame, 10)
	if e.Input == "" {
		return ref
	}
	n, ok := idx.position[e.Input]
	switch {
	case !ok:
		return e.Input + ":" + ref
	case idx.inputs == 1:
		return ref
	default:
		return strconv.Itoa(n) + ":" + ref
	}
}

// frameList is the compact list of a verdict's evidence packets,
// "#12 #15 #19", each packet once, in evidence order. limit > 0 caps the
// list and says how many more there are.
func (idx inputIndex) frameList(evidence []analysis.Evidence, limit int) string {
	seen := make(map[string]bool, len(evidence))
	refs := make([]string, 0, len(evidence))
	for _, e := range evidence {
		if e.Frame <= 0 {
			continue // a fact without a packet (e.g. a count) has no frame to cite
		}
		ref := idx.frameRef(e)
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	if limit > 0 && len(refs) > limit {
		more := len(refs) - limit
		refs = append(refs[:limit], "+"+strconv.Itoa(more)+" more")
	}
	return strings.Join(refs, " ")
}
