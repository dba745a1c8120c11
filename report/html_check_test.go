package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The checks every HTML page must pass, whatever the capture: parsed as a
// browser parses it, the page holds only the elements and attributes the
// renderer writes, its one style sheet and its one script, the
// Content-Security-Policy, and no reference to anything outside itself.

// htmlElements are the elements the page's own markup uses, outside the
// diagrams.
var htmlElements = []string{
	"html", "head", "body", "meta", "link", "title", "style", "script",
	"nav", "main", "header", "footer", "section", "h1", "h2", "h3", "p", "ul", "ol", "li", "a",
	"dl", "dt", "dd", "span", "strong", "br", "code", "button", "figure", "figcaption", "details", "summary",
	"table", "thead", "tbody", "tr", "th", "td",
}

// svgForbidden are the SVG elements that could run script, embed another
// document or fetch: report/diagram draws none of them.
var svgForbidden = []string{"script", "foreignobject", "iframe", "object", "embed", "style", "image", "use", "animate", "set", "handler", "feimage"}

// htmlAttributes are the attributes the page's own markup uses.
var htmlAttributes = []string{
	"lang", "charset", "http-equiv", "content", "name", "rel", "href", "class", "id", "style",
	"aria-label", "data-sort", "data-copy", "type", "hidden", "title",
}

// parseHTML parses a page as a browser does.
func parseHTML(out []byte) (*html.Node, error) {
	return html.Parse(bytes.NewReader(out))
}

// htmlPageProblems lists what is wrong with a page: an empty list for a
// safe, self-contained one whose every link has its target.
func htmlPageProblems(out []byte) []string {
	problems := htmlSafetyProblems(out)
	if doc, err := parseHTML(out); err == nil {
		problems = append(problems, brokenLinks(doc)...)
	}
	return problems
}

// htmlSafetyProblems lists what makes a page unsafe or not self-contained.
func htmlSafetyProblems(out []byte) []string {
	doc, err := parseHTML(out)
	if err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !bytes.HasPrefix(out, []byte("<!DOCTYPE html>\n")) {
		add("no doctype")
	}
	var csp, scripts, styles, metaSeen int
	walk(doc, func(n *html.Node, inSVG bool) {
		if n.Type != html.ElementNode {
			return
		}
		tag := strings.ToLower(n.Data)
		switch {
		case inSVG && slices.Contains(svgForbidden, tag):
			add("a <%s> inside a diagram", tag)
		case !inSVG && tag != "svg" && !slices.Contains(htmlElements, tag):
			add("element <%s> the renderer does not write", tag)
		}
		for _, a := range n.Attr {
			name := strings.ToLower(a.Key)
			if a.Namespace != "" {
				name = strings.ToLower(a.Namespace) + ":" + name
			}
			if p := attributeProblem(name, a.Val, inSVG || tag == "svg"); p != "" {
				add("<%s %s=%q>: %s", tag, name, a.Val, p)
			}
		}
		switch tag {
		case "meta":
			metaSeen++
			if strings.EqualFold(attr(n, "http-equiv"), "Content-Security-Policy") {
				csp++
				if attr(n, "content") != htmlCSP {
					add("the CSP is %q", attr(n, "content"))
				}
				if metaSeen > 2 {
					add("the CSP is not at the head's start")
				}
			}
		case "script":
			scripts++
			if inSVG {
				break
			}
			if text(n) != htmlScript || len(n.Attr) > 0 {
				add("a script other than the page's own")
			}
		case "style":
			styles++
			if text(n) != htmlCSS || len(n.Attr) > 0 {
				add("a style sheet other than the page's own")
			}
		}
	})
	if csp != 1 {
		add("%d Content-Security-Policy meta elements", csp)
	}
	if scripts != 1 || styles != 1 {
		add("%d scripts and %d style sheets, want one of each", scripts, styles)
	}
	return problems
}

// attributeProblem says what is wrong with one attribute.
func attributeProblem(name, val string, svg bool) string {
	lower := strings.ToLower(val)
	switch {
	case strings.HasPrefix(name, "on"):
		return "an event handler"
	case name == "href" || name == "xlink:href" || name == "src" || name == "action" || name == "formaction":
		if !strings.HasPrefix(val, "#") && val != "data:," {
			return "a reference outside the page"
		}
	case !svg && !slices.Contains(htmlAttributes, name):
		return "an attribute the renderer does not write"
	}
	// Style, and any attribute of a diagram (fill="url(…)"), is read as
	// CSS or as a reference; the others (data-copy, title) are plain text.
	if name == "style" || svg {
		switch {
		case fetchingURL(lower) || strings.Contains(lower, "@import") || strings.Contains(lower, "expression("):
			return "CSS that could fetch"
		case strings.Contains(lower, "javascript:"):
			return "a javascript: URL"
		}
	}
	return ""
}

// fetchingURL reports a CSS url() other than a reference into the page
// (an SVG marker's url(#arrow)).
func fetchingURL(css string) bool {
	for rest := css; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return false
		}
		rest = strings.TrimLeft(rest[i+len("url("):], " '\"")
		if !strings.HasPrefix(rest, "#") {
			return true
		}
	}
}

// brokenLinks lists the page's links to an id it does not have.
func brokenLinks(doc *html.Node) []string {
	ids := map[string]bool{}
	var hrefs []string
	walk(doc, func(n *html.Node, _ bool) {
		if id := attr(n, "id"); id != "" {
			ids[id] = true
		}
		if n.DataAtom == atom.A {
			hrefs = append(hrefs, attr(n, "href"))
		}
	})
	var out []string
	for _, h := range hrefs {
		if !ids[strings.TrimPrefix(h, "#")] {
			out = append(out, "a link to "+h+", which the page does not have")
		}
	}
	return out
}

// walk visits every node, telling whether it is inside an <svg>.
func walk(n *html.Node, visit func(n *html.Node, inSVG bool)) {
	var rec func(n *html.Node, inSVG bool)
	rec = func(n *html.Node, inSVG bool) {
		visit(n, inSVG)
		inner := inSVG || (n.Type == html.ElementNode && n.Data == "svg")
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c, inner)
		}
	}
	rec(n, false)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && slices.Contains(strings.Fields(attr(n, "class")), class)
}

// text is the text a node holds, as a browser shows it (entities
// decoded).
func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node, _ bool) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// find returns the elements under n that match.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(n, func(c *html.Node, _ bool) {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
	})
	return out
}

func byTagClass(tag, class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag && (class == "" || hasClass(n, class)) }
}
