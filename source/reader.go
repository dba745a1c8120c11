package source

import (
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// packetReader reads one file's packets with gopacket's pure-Go readers
// and their zero-copy calls: data is owned by the reader and valid until
// its next read.
type packetReader interface {
	read() (data []byte, ci gopacket.CaptureInfo, lt layers.LinkType, err error)
	snaplen() int
}

type pcapReader struct {
	r  *pcapgo.Reader
	lt layers.LinkType
}

func newPcapReader(r io.Reader) (*pcapReader, error) {
	pr, err := pcapgo.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("pcap header: %w", err)
	}
	return &pcapReader{r: pr, lt: pr.LinkType()}, nil
}

func (p *pcapReader) read() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	data, ci, err := p.r.ZeroCopyReadPacketData()
	return data, ci, p.lt, err
}

func (p *pcapReader) snaplen() int { return int(p.r.Snaplen()) }

// ngReader reads pcapng with mixed link types, so that every interface's
// packets are delivered (libpcap's behaviour silently skips interfaces
// whose link type differs from the first one's). pcapgo then boxes each
// packet's link type into an interface value, which allocates 2 bytes for
// link types above 255 (Linux cooked v2, 276): the one allocation per
// packet left on this path, and only for such pcapng files.
type ngReader struct {
	r     *pcapgo.NgReader
	drops *ngDrops
}

func newNgReader(r io.Reader, in *input) (*ngReader, error) {
	drops := &ngDrops{}
	nr, err := pcapgo.NewNgReader(r, pcapgo.NgReaderOptions{
		WantMixedLinkType:  true,
		SkipUnknownVersion: true,
		SectionEndCallback: func([]pcapgo.NgInterface, pcapgo.NgSectionInfo) { drops.endSection() },
		StatisticsCallback: drops.record,
	})
	if err != nil {
		return nil, fmt.Errorf("pcapng section header: %w", err)
	}
	in.drops = drops
	return &ngReader{r: nr, drops: drops}, nil
}

func (n *ngReader) read() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	data, ci, err := n.r.ZeroCopyReadPacketData()
	if err != nil {
		return nil, ci, 0, err
	}
	// With WantMixedLinkType the reader puts the packet's interface link
	// type in AncillaryData[0]; the slice is the reader's own, reused.
	var lt layers.LinkType
	if len(ci.AncillaryData) > 0 {
		lt, _ = ci.AncillaryData[0].(layers.LinkType)
	}
	ci.AncillaryData = nil
	return data, ci, lt, nil
}

// snaplen returns the largest snap length among the interfaces known so
// far (0 means unlimited).
func (n *ngReader) snaplen() int {
	snap := 0
	for i := range n.r.NInterfaces() {
		iface, err := n.r.Interface(i)
		if err != nil {
			continue
		}
		if iface.SnapLength == 0 {
			return 0
		}
		snap = max(snap, int(iface.SnapLength))
	}
	return snap
}

// ngDrops sums the drop counters of pcapng interface statistics blocks.
// The counters are cumulative, so the last block of each interface counts;
// interface numbers restart with every section.
type ngDrops struct {
	seen    bool
	done    int64          // drops of the sections already ended
	current map[int]uint64 // interface → last isb_ifdrop in this section
}

func (d *ngDrops) record(iface int, st pcapgo.NgInterfaceStatistics) {
	if st.PacketsDropped == pcapgo.NgNoValue64 {
		return
	}
	if d.current == nil {
		d.current = make(map[int]uint64)
	}
	d.seen = true
	d.current[iface] = st.PacketsDropped
}

func (d *ngDrops) endSection() {
	for _, n := range d.current {
		d.done += int64(n)
	}
	clear(d.current)
}

// total returns the drops reported so far, nil when no statistics block
// carried a drop counter.
func (d *ngDrops) total() *int64 {
	if d == nil || !d.seen {
		return nil
	}
	n := d.done
	for _, v := range d.current {
		n += int64(v)
	}
	return &n
}
