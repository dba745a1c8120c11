package source

import (
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// maxSnaplen is libpcap's MAXIMUM_SNAPLEN, the capture length filters are
// compiled for: a filter must see every byte a file may hold.
const maxSnaplen = 262144

// filter is one BPF expression, compiled once per link type met (pcapng
// files mix link types, and a program is specific to one).
type filter struct {
	expr  string
	progs map[layers.LinkType]bpfProgram
}

// newFilter checks the expression by compiling it for Ethernet, so that a
// bad filter is reported before any file is read.
func newFilter(expr string) (*filter, error) {
	f := &filter{expr: expr, progs: make(map[layers.LinkType]bpfProgram)}
	if _, err := f.program(layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *filter) program(lt layers.LinkType) (bpfProgram, error) {
	if p, ok := f.progs[lt]; ok {
		return p, nil
	}
	p, err := compileBPF(filterLinkType(lt), maxSnaplen, f.expr)
	if err != nil {
		return nil, fmt.Errorf("compile filter %q for link type %s: %w", f.expr, linkTypeName(lt), err)
	}
	f.progs[lt] = p
	return p, nil
}

// matcher applies a filter to one input's packets, remembering the
// program of the link type it saw last.
type matcher struct {
	f    *filter
	lt   layers.LinkType
	prog bpfProgram
}

func (m *matcher) matches(lt layers.LinkType, ci gopacket.CaptureInfo, data []byte) (bool, error) {
	if m.prog == nil || lt != m.lt {
		p, err := m.f.program(lt)
		if err != nil {
			return false, err
		}
		m.lt, m.prog = lt, p
	}
	return m.prog.Matches(ci, data), nil
}

// bpfProgram is a compiled filter.
type bpfProgram interface {
	Matches(ci gopacket.CaptureInfo, data []byte) bool
}
