//go:build !cgo

package source

import (
	"errors"

	"github.com/gopacket/gopacket/layers"
)

// compileBPF needs libpcap, which a build without cgo does not link:
// reading files still works, filtering does not.
func compileBPF(layers.LinkType, int, string) (bpfProgram, error) {
	return nil, errors.New("filters need a build with cgo and libpcap")
}
