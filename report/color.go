package report

import (
	"github.com/ftpcap/ftpcap/analysis"
	"github.com/ftpcap/ftpcap/classify"
)

// ANSI SGR parameters used in colour tables. Only the report's own words
// are coloured; capture text is cleaned before it gets here, so the only
// escape sequences in the output are these.
const (
	sgrBold    = "1"
	sgrRed     = "31"
	sgrBoldRed = "1;31"
	sgrGreen   = "32"
	sgrYellow  = "33"
	sgrBlue    = "34"
	sgrMagenta = "35"
	sgrCyan    = "36"
	sgrGrey    = "90"
)

// paint wraps one line of text in an SGR colour and a reset.
func paint(sgr, s string) string {
	if sgr == "" || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}

// painter colours the report's words when colour is on.
type painter bool

func (p painter) paint(sgr, s string) string {
	if !p {
		return s
	}
	return paint(sgr, s)
}

// classColor tells the classes of causes.md apart at a glance.
func classColor(class string) string {
	switch class {
	case classify.ClassNetwork:
		return sgrYellow
	case classify.ClassProtocol:
		return sgrMagenta
	case classify.ClassServerPolicy:
		return sgrCyan
	case classify.ClassClient:
		return sgrBlue
	case classify.ClassUnknown:
		return sgrGrey
	}
	return ""
}

func outcomeColor(outcome analysis.Outcome) string {
	switch outcome {
	case analysis.OutcomeOK:
		return sgrGreen
	case analysis.OutcomeBroken:
		return sgrBoldRed
	}
	return ""
}

func statusColor(status classify.TransferStatus) string {
	switch status {
	case classify.StatusComplete:
		return sgrGreen
	case classify.StatusFailed, classify.StatusTruncated:
		return sgrRed
	case classify.StatusAborted:
		return sgrYellow
	}
	return ""
}
