//go:build cgo

package source

import (
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// compileBPF compiles with libpcap, so filters mean exactly what they mean
// to tcpdump.
func compileBPF(lt layers.LinkType, snaplen int, expr string) (bpfProgram, error) {
	prog, err := pcap.NewBPF(lt, snaplen, expr)
	if err != nil {
		return nil, err
	}
	return prog, nil
}
