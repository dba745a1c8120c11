package source

import (
	"fmt"
	"runtime/debug"
)

// Guard runs use, which reads packets from a Reader and works on their
// bytes, and keeps a memory fault in a mapped input from crashing the
// process. Files reads classic pcap files through a read-only memory
// mapping (mapped.go); when someone else cuts such a file short while it
// is read (truncated in place: a capture rotated by overwriting, a disk
// cleaner), the pages past its new end fault wherever their bytes are
// touched: in Next, in the decoder, or downstream, where a Stable payload
// is kept without a copy. The pager notices most truncations before the
// reading gets there (errShrunk); Guard covers the race it cannot close.
//
// Under Guard such a fault ends use with an *InputCutShort error, so the
// caller reports what was read before it; any other panic goes on. Run
// each goroutine that touches packet bytes under Guard. The fault
// handling stays here, beside the mapping that causes it, so the pipeline
// only sees an error.
func Guard(use func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !IsMemoryFault(r) {
				panic(r)
			}
			err = &InputCutShort{Addr: r.(interface{ Addr() uintptr }).Addr()}
		}
	}()
	return use()
}

// IsMemoryFault reports whether a recovered panic is a memory fault at an
// address (what a mapped input cut short raises under Guard), which a
// recover nested inside Guard must let through to it.
func IsMemoryFault(r any) bool {
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}

// InputCutShort is a memory fault met reading a mapped input: the file
// was cut short while being read. What was read before it is analysed.
type InputCutShort struct {
	Addr uintptr // the faulting address
}

func (e *InputCutShort) Error() string {
	return fmt.Sprintf("read packets: an input was cut short while being read (memory fault at %#x); the packets before it are analysed", e.Addr)
}
