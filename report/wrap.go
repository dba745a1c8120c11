package report

import (
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// ellipsis marks text left out of a narrow cell. The JSON output always
// has the whole value.
const ellipsis = "…"

// textWidth is the number of terminal columns s occupies. It is the
// measure tablewriter itself uses, so cells wrapped here fill the
// columns it draws exactly.
func textWidth(s string) int { return twwidth.Width(s) }

// maxWordWidth is the width of the widest space-separated word of s.
func maxWordWidth(s string) int {
	widest := 0
	for _, word := range strings.Fields(s) {
		widest = max(widest, textWidth(word))
	}
	return widest
}

// maxLineWidth is the width of the widest '\n'-separated line of s.
func maxLineWidth(s string) int {
	widest := 0
	for line := range strings.SplitSeq(s, "\n") {
		widest = max(widest, textWidth(line))
	}
	return widest
}

// wrapSpec says how the text of one column may be broken into lines.
type wrapSpec struct {
	// breakAfter lists characters after which a word too long for a line
	// may be split: "/" for paths, ":" for endpoints. Without one the word
	// is split where the line is full.
	breakAfter string
	// maxLines caps the lines of a cell (0: no cap); the rest is elided
	// with an ellipsis.
	maxLines int
	// keepTail elides the middle rather than the end, for paths, whose
	// file name at the end matters most.
	keepTail bool
}

// wrapText breaks s (already cleaned; '\n' separates stacked facts) into
// lines no wider than width, breaking at spaces where it can.
func wrapText(s string, width int, spec wrapSpec) []string {
	width = max(width, 1)
	lines := wrapParagraphs(s, width, spec.breakAfter)
	if spec.maxLines <= 0 || len(lines) <= spec.maxLines {
		return lines
	}
	if spec.keepTail {
		// Keep as much of the head and the tail as possible: first the
		// whole text broken anywhere, then with its middle elided, broken
		// where the column likes to and then anywhere. One column a line
		// is slack for wide runes that cannot straddle a line end.
		flat := strings.ReplaceAll(s, "\n", " ")
		elided := elideMiddle(flat, max(spec.maxLines*width-spec.maxLines, 1))
		for _, try := range []struct{ text, breakAfter string }{
			{flat, ""}, {elided, spec.breakAfter}, {elided, ""},
		} {
			if l := wrapParagraphs(try.text, width, try.breakAfter); len(l) <= spec.maxLines {
				return l
			}
		}
	}
	lines = lines[:spec.maxLines]
	last := len(lines) - 1
	lines[last] = truncateWidth(lines[last], width-textWidth(ellipsis)) + ellipsis
	return lines
}

func wrapParagraphs(s string, width int, breakAfter string) []string {
	var lines []string
	for para := range strings.SplitSeq(s, "\n") {
		lines = wrapParagraph(lines, para, width, breakAfter)
	}
	return lines
}

// wrapParagraph appends the lines of one paragraph to lines. Runs of
// spaces inside a line are kept as they are (capture text is shown as
// it was sent); the spaces where a line is broken are dropped.
func wrapParagraph(lines []string, para string, width int, breakAfter string) []string {
	var line strings.Builder
	lineWidth := 0
	started := false // something of this paragraph is on the current line
	flush := func() {
		lines = append(lines, line.String())
		line.Reset()
		lineWidth = 0
	}
	for i := 0; i < len(para); {
		j := i
		for j < len(para) && para[j] == ' ' {
			j++
		}
		spaces := para[i:j]
		if j == len(para) {
			break // trailing spaces show nothing
		}
		i = j
		for j < len(para) && para[j] != ' ' {
			j++
		}
		word := para[i:j]
		i = j
		wordWidth := textWidth(word)

		if started && lineWidth+len(spaces)+wordWidth <= width {
			line.WriteString(spaces)
			line.WriteString(word)
			lineWidth += len(spaces) + wordWidth
			continue
		}
		if started {
			flush()
		} else if len(spaces)+wordWidth <= width {
			// Leading spaces of the paragraph are content; keep them when
			// they fit.
			word = spaces + word
			wordWidth += len(spaces)
		}
		started = true
		for wordWidth > width {
			head, rest := splitWord(word, width, breakAfter)
			lines = append(lines, head)
			word, wordWidth = rest, textWidth(rest)
		}
		line.WriteString(word)
		lineWidth = wordWidth
	}
	flush() // the last line, or the one empty line of an empty paragraph
	return lines
}

// splitWord cuts a word wider than width into a head that fits and the
// rest. It prefers to cut after one of breakAfter when that leaves the
// head at least half full, so "/srv/ftp/pub/" breaks between directories.
// The head always holds at least one rune, so wrapping ends even when a
// single rune is wider than the column.
func splitWord(word string, width int, breakAfter string) (head, rest string) {
	used, hard, soft := 0, 0, 0
	for i, r := range word {
		w := textWidth(string(r))
		if used+w > width && hard > 0 {
			break
		}
		used += w
		hard = i + utf8.RuneLen(r)
		if breakAfter != "" && strings.ContainsRune(breakAfter, r) && used*2 >= width {
			soft = hard
		}
	}
	cut := hard
	if soft > 0 && hard < len(word) {
		cut = soft
	}
	return word[:cut], word[cut:]
}

// truncateWidth returns the longest prefix of s no wider than width.
func truncateWidth(s string, width int) string {
	used := 0
	for i, r := range s {
		used += textWidth(string(r))
		if used > width {
			return s[:i]
		}
	}
	return s
}

// tailWidth returns the longest suffix of s no wider than width.
func tailWidth(s string, width int) string {
	used := 0
	for i := len(s); i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		used += textWidth(string(r))
		if used > width {
			return s[i:]
		}
		i -= size
	}
	return s
}

// elideMiddle shortens s to at most width columns by replacing its middle
// with an ellipsis, keeping a third for the head and the rest for the
// tail.
func elideMiddle(s string, width int) string {
	if textWidth(s) <= width {
		return s
	}
	room := width - textWidth(ellipsis)
	if room <= 0 {
		return truncateWidth(ellipsis, width)
	}
	head := truncateWidth(s, room/3)
	return head + ellipsis + tailWidth(s, room-textWidth(head))
}
