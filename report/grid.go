package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// A grid is one terminal table. tablewriter draws it; the grid decides
// the column widths and wraps every cell itself first, because
// tablewriter's own MaxWidth does not keep wide tables inside the
// terminal (measured: a 9-column table asked for 100 columns came out
// at 190).
type grid struct {
	cols []column
	rows [][]cell
}

// column describes one column of a grid.
type column struct {
	title string // header text; '\n' stacks it on several lines
	right bool   // right-align (numbers)
	// flex columns may be narrowed below their widest cell down to min
	// (default 10), wrapping their text; other columns keep their width
	// unless the table cannot fit any other way.
	flex bool
	min  int
	// keepWords keeps every word of the column's cells whole while other
	// columns can still give way: numbers are never split.
	keepWords bool
	wrap      wrapSpec
}

// cell is one table cell. Its text is already clean (see clean) and may
// hold '\n' between stacked facts; sgr is the ANSI colour for it ("" for
// none), applied only when the report is in colour.
type cell struct {
	text string
	sgr  string
}

// txt is a cell showing parts, each cleaned, stacked one per line.
func txt(parts ...string) cell {
	for i, p := range parts {
		parts[i] = clean(p)
	}
	return cell{text: strings.Join(parts, "\n")}
}

// painted is txt in a colour.
func painted(sgr string, parts ...string) cell {
	c := txt(parts...)
	c.sgr = sgr
	return c
}

func (g *grid) add(cells ...cell) {
	if len(cells) != len(g.cols) {
		// A programming error in this package, never the data's fault.
		panic(fmt.Sprintf("report: row of %d cells for %d columns", len(cells), len(g.cols)))
	}
	g.rows = append(g.rows, cells)
}

// tableOverhead is what borders and padding take around the content of n
// columns in tablewriter's default style: "│ a │ b │".
func tableOverhead(n int) int { return 3*n + 1 }

const defaultFlexMin = 10

// fitWidths chooses a content width for each column so the table spans
// at most width terminal columns. Columns start at their widest cell;
// while the table is too wide the widest flex column above its minimum
// gives up one column, so long paths and endpoints wrap before anything
// else does. It reports false when even the minimums do not fit.
func (g *grid) fitWidths(width int) ([]int, bool) {
	n := len(g.cols)
	avail := width - tableOverhead(n)
	if avail < n {
		return nil, false
	}
	widths := make([]int, n)
	floor := make([]int, n)
	for i, col := range g.cols {
		widths[i] = maxLineWidth(col.title)
		words := maxWordWidth(col.title) // headers break between words, never inside one
		for _, row := range g.rows {
			widths[i] = max(widths[i], maxLineWidth(row[i].text))
			if col.keepWords {
				words = max(words, maxWordWidth(row[i].text))
			}
		}
		widths[i] = min(widths[i], avail) // a huge cell cannot need more than the whole table
		floor[i] = widths[i]
		if col.flex {
			m := col.min
			if m <= 0 {
				m = defaultFlexMin
			}
			floor[i] = min(widths[i], max(m, words))
		}
	}
	excess := -avail
	for _, w := range widths {
		excess += w
	}
	for ; excess > 0; excess-- {
		widest := -1
		for i, w := range widths {
			if w > floor[i] && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return nil, false
		}
		widths[widest]--
	}
	return widths, true
}

// render draws the grid at most width columns wide: as a table when its
// columns fit, else as one block of "TITLE  value" lines a row, which
// stays readable on any terminal.
func (g *grid) render(w io.Writer, width int, color bool) error {
	widths, ok := g.fitWidths(width)
	if !ok {
		return g.renderRecords(w, width, color)
	}
	headers := make([]any, len(g.cols))
	aligns := make([]tw.Align, len(g.cols))
	for i, col := range g.cols {
		headers[i] = strings.Join(wrapText(col.title, widths[i], wrapSpec{}), "\n")
		aligns[i] = tw.AlignLeft
		if col.right {
			aligns[i] = tw.AlignRight
		}
	}
	table := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: aligns}),
		// The cells are wrapped and cleaned here; tablewriter must show
		// them as they are.
		tablewriter.WithTrimSpace(tw.Off),
		tablewriter.WithTrimTab(tw.Off),
		tablewriter.WithTrimLine(tw.Off),
	)
	table.Header(headers...)
	for _, row := range g.rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = strings.Join(paintLines(wrapText(c.text, widths[i], g.cols[i].wrap), c.sgr, color), "\n")
		}
		if err := table.Append(cells); err != nil {
			return fmt.Errorf("add table row: %w", err)
		}
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}

// renderRecords writes each row as a block of labelled lines, for
// terminals too narrow for the table.
func (g *grid) renderRecords(w io.Writer, width int, color bool) error {
	titles := make([]string, len(g.cols))
	labelWidth := 0
	for i, col := range g.cols {
		titles[i] = strings.Join(strings.Fields(col.title), " ")
		labelWidth = max(labelWidth, textWidth(titles[i]))
	}
	labelWidth = min(labelWidth+2, max(width/3, 1))
	valueWidth := max(width-labelWidth, 1)
	var b strings.Builder
	for r, row := range g.rows {
		if r > 0 {
			b.WriteString("\n")
		}
		for i, c := range row {
			label := truncateWidth(titles[i], labelWidth-1)
			pad := strings.Repeat(" ", labelWidth-textWidth(label))
			for j, line := range paintLines(wrapText(c.text, valueWidth, g.cols[i].wrap), c.sgr, color) {
				if j == 0 {
					b.WriteString(label + pad)
				} else {
					b.WriteString(strings.Repeat(" ", labelWidth))
				}
				b.WriteString(line)
				b.WriteString("\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// paintLines colours each line on its own, so a colour never runs into a
// table border.
func paintLines(lines []string, sgr string, color bool) []string {
	if color && sgr != "" {
		for i, line := range lines {
			lines[i] = paint(sgr, line)
		}
	}
	return lines
}
