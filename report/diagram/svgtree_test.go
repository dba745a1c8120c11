package diagram

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// node is an element of a parsed drawing, enough to assert its
// structure.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     string // the character data directly inside
}

// parseSVG reads a whole drawing with a strict XML decoder: it fails on
// anything that is not well-formed.
func parseSVG(t testing.TB, data []byte) *node {
	t.Helper()
	root, err := parseXML(data)
	if err != nil {
		t.Fatalf("the drawing is not well-formed XML: %v\n%s", err, data)
	}
	return root
}

func parseXML(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		case xml.ProcInst, xml.Directive:
			return nil, errors.New("a processing instruction or directive in a drawing")
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// all returns the elements under n (n included) for which match holds,
// in document order.
func (n *node) all(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(m *node) {
		if match(m) {
			out = append(out, m)
		}
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

// hasClass reports whether the element's class list holds every name.
func (n *node) hasClass(names ...string) bool {
	have := strings.Fields(n.attrs["class"])
	for _, want := range names {
		found := false
		for _, h := range have {
			found = found || h == want
		}
		if !found {
			return false
		}
	}
	return true
}

func byClass(names ...string) func(*node) bool {
	return func(n *node) bool { return n.hasClass(names...) }
}

// allText is the character data of n and everything under it.
func (n *node) allText() string {
	var b strings.Builder
	for _, m := range n.all(func(*node) bool { return true }) {
		b.WriteString(m.text)
	}
	return b.String()
}

// child returns n's first child element of the given name.
func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// checkInert asserts what makes a drawing safe to inline and to open on
// its own: SVG elements only, no script, no event handler, no reference
// to anything outside it.
func checkInert(t testing.TB, root *node) {
	t.Helper()
	allowed := map[string]bool{"svg": true, "g": true, "title": true, "text": true, "line": true, "rect": true, "path": true, "circle": true, "tspan": true}
	for _, n := range root.all(func(*node) bool { return true }) {
		if !allowed[n.name] {
			t.Errorf("element <%s> in a drawing", n.name)
		}
		for k := range n.attrs {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "on") || lk == "href" || lk == "src" || lk == "style" {
				t.Errorf("attribute %s=%q on <%s>", k, n.attrs[k], n.name)
			}
		}
	}
}
