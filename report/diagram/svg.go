package diagram

import (
	"bytes"
	"encoding/xml"
	"github.com/ftpcap/ftpcap/internal/inert"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The drawing's look, in presentation attributes so that no style sheet
// is needed. The colours differ in lightness as well as hue, and every
// distinction they carry is carried again by a stroke width, a dash
// pattern or a shape, so a grey printout keeps it.
const (
	fontFamily = "DejaVu Sans, Arial, Helvetica, sans-serif"
	monoFamily = "monospace"

	inkNormal  = "#404040"
	inkStrong  = "#000000"
	inkHandsh  = "#1f3f8f" // SYN, FIN: dark blue
	inkReset   = "#c0001a" // RST, the break: red, darker than the blue in grey
	inkICMP    = "#8a5a00" // ICMP errors: brown
	inkAck     = "#1e6b1e" // the ACK line: green
	inkWindow  = "#8a5a00" // the window line: brown, dashed
	inkMuted   = "#707070"
	fillFold   = "#ececec"
	fillDecide = "#fff0a0" // light yellow: a very light grey on paper
	fillPanel  = "#ffffff"

	dashReset   = "7 3"
	dashICMP    = "2 3"
	dashRetrans = "9 3 2 3"
	dashCapture = "4 4"
	dashWindow  = "6 3"
	dashMark    = "3 2"
)

// canvas collects a drawing's elements; the root element is written once
// the content's extent is known, so the view box fits it.
type canvas struct {
	body bytes.Buffer
}

// raw appends markup built by this package from numbers and constants.
func (c *canvas) raw(parts ...string) {
	for _, p := range parts {
		c.body.WriteString(p)
	}
}

// text appends a text element; attrs is markup built by this package,
// content comes from anywhere and is escaped here.
func (c *canvas) text(x, y float64, attrs, content string) {
	c.raw(`<text x="`, num(x), `" y="`, num(y), `"`)
	if attrs != "" {
		c.raw(" ", attrs)
	}
	c.raw(">", esc(content), "</text>\n")
}

// title appends a title element: the hover text of its parent.
func (c *canvas) title(content string) {
	c.raw("<title>", esc(content), "</title>")
}

// line appends a line with the given stroke attributes.
func (c *canvas) line(x1, y1, x2, y2 float64, attrs string) {
	c.raw(`<line x1="`, num(x1), `" y1="`, num(y1), `" x2="`, num(x2), `" y2="`, num(y2), `" `, attrs, "/>\n")
}

// rect appends a rectangle.
func (c *canvas) rect(x, y, w, h float64, attrs string) {
	c.raw(`<rect x="`, num(x), `" y="`, num(y), `" width="`, num(math.Max(w, 0)), `" height="`, num(math.Max(h, 0)), `" `, attrs, "/>\n")
}

// writeSVG writes the root element with its view box, an accessible
// title, the body and the closing tag.
func (c *canvas) writeSVG(w io.Writer, class string, width, height float64, label string) error {
	var out bytes.Buffer
	out.Grow(c.body.Len() + 400)
	out.WriteString(`<svg class="` + class + `" xmlns="http://www.w3.org/2000/svg" version="1.1"`)
	out.WriteString(` width="` + num(width) + `" height="` + num(height) + `" viewBox="0 0 ` + num(width) + " " + num(height) + `"`)
	out.WriteString(` font-family="` + fontFamily + `" font-size="11" role="img">`)
	out.WriteString("\n<title>" + esc(label) + "</title>\n")
	out.WriteString(`<rect x="0" y="0" width="` + num(width) + `" height="` + num(height) + `" fill="` + fillPanel + `"/>` + "\n")
	out.Write(c.body.Bytes())
	out.WriteString("</svg>\n")
	_, err := w.Write(out.Bytes())
	return err
}

// stroke builds stroke attributes.
func stroke(colour string, width float64, dash string) string {
	s := `stroke="` + colour + `" stroke-width="` + num(width) + `"`
	if dash != "" {
		s += ` stroke-dasharray="` + dash + `"`
	}
	return s
}

// halo makes text readable where it crosses a line: a white outline
// painted under the glyphs.
const halo = `stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`

// num formats a coordinate with at most one decimal, the same on every
// machine: the output is compared byte for byte.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	r := math.Round(x*10) / 10
	if r == 0 {
		return "0" // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// esc makes capture text safe inside SVG and HTML, as element content or
// as an attribute value: controls, bidirectional overrides, XML's
// non-characters and bytes that are not UTF-8 become visible escapes, as
// every report format shows them (internal/inert), then the XML
// metacharacters are escaped.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(inert.Text(s))) // a strings.Builder does not fail
	return b.String()
}

// shorten cuts text to at most n characters, ending in "…" when cut; the
// full text goes into a title.
func shorten(s string, n int) string {
	s = inert.Text(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// textWidth estimates how wide text is drawn at the given font size: no
// font metrics are at hand, so an average glyph width is used that errs
// on the wide side for the sans-serif faces browsers pick.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.6
}
