package report

import (
	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// What a report for people (the table and Markdown) leaves out of a large
// capture, unless told to list everything (Options.Verbose): thousands of
// rows of healthy sessions and complete transfers hide the broken ones,
// and a SYN flood's 20,000 syn-unanswered breaks are one story, told by
// its first few and a count. JSON, NDJSON and CSV always list everything.
const (
	// briefRows: past this many sessions or transfers, only those that
	// went wrong are listed, and at most this many broken sessions; past
	// this many breaks or findings, briefPerCause of each cause.
	briefRows     = 1000
	briefPerCause = 20
)

// briefSessions returns the sessions to list and how many healthy and
// broken ones were left out.
func briefSessions(ss []analysis.Session, all bool) (shown []analysis.Session, okLeft, brokenLeft int) {
	if all || len(ss) <= briefRows {
		return ss, 0, 0
	}
	for _, s := range ss {
		switch {
		case s.Outcome == analysis.OutcomeOK:
			okLeft++
		case len(shown) == briefRows:
			brokenLeft++
		default:
			shown = append(shown, s)
		}
	}
	return shown, okLeft, brokenLeft
}

// sessionTransfer is a transfer with the session it belongs to.
type sessionTransfer struct {
	session string
	analysis.Transfer
}

// briefTransfers returns the transfers of every session to list, in
// order, how many there are in all, and how many complete ones were left
// out.
func briefTransfers(ss []analysis.Session, all bool) (shown []sessionTransfer, total, completeLeft int) {
	for _, s := range ss {
		total += len(s.Transfers)
	}
	brief := !all && total > briefRows
	for _, s := range ss {
		for _, x := range s.Transfers {
			if brief && x.Status == classify.StatusComplete {
				completeLeft++
				continue
			}
			shown = append(shown, sessionTransfer{s.ID, x})
		}
	}
	return shown, total, completeLeft
}

// hiddenCause counts the verdicts of a cause a brief report left out.
type hiddenCause struct {
	cause string
	n     int64
}

// briefVerdicts keeps, past briefRows verdicts, the first briefPerCause of
// each cause, in order, and counts the others by cause, in the order the
// causes first appear.
func briefVerdicts(vs []analysis.Verdict, all bool) (shown []analysis.Verdict, hidden []hiddenCause) {
	if all || len(vs) <= briefRows {
		return vs, nil
	}
	seen := map[string]int{}
	index := map[string]int{}
	for _, v := range vs {
		seen[v.Cause]++
		if seen[v.Cause] <= briefPerCause {
			shown = append(shown, v)
			continue
		}
		i, ok := index[v.Cause]
		if !ok {
			i = len(hidden)
			index[v.Cause] = i
			hidden = append(hidden, hiddenCause{cause: v.Cause})
		}
		hidden[i].n++
	}
	return shown, hidden
}

// leftOut words what a brief report left out: "19,980 more syn-unanswered
// breaks are not listed (--verbose lists them)".
func leftOut(n int64, what, whatPlural string) string {
	are := " are"
	if n == 1 {
		are = " is"
	}
	return counted(n, what, whatPlural) + are + " not listed (--verbose lists them)"
}
