package source

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// Link types written in capture files that libpcap knows under other
// numbers: LINKTYPE_RAW is 101 in files, and the raw-IP DLTs 12 (most
// systems) and 14 (OpenBSD) also appear in old files.
const (
	linkTypeRawDLT        layers.LinkType = 12
	linkTypeRawDLTOpenBSD layers.LinkType = 14
)

// linkTypeName names a link type for people, with libpcap's descriptions
// (pcap_datalink_val_to_description) of the ones a capture of FTP traffic
// is likely to use; others by number.
func linkTypeName(lt layers.LinkType) string {
	switch lt {
	case layers.LinkTypeNull:
		return "BSD loopback"
	case layers.LinkTypeEthernet:
		return "Ethernet"
	case layers.LinkTypePPP:
		return "PPP"
	case layers.LinkTypeRaw, linkTypeRawDLT, linkTypeRawDLTOpenBSD:
		return "Raw IP"
	case layers.LinkTypeIEEE802_11:
		return "802.11"
	case layers.LinkTypeLoop:
		return "OpenBSD loopback"
	case layers.LinkTypeLinuxSLL:
		return "Linux cooked v1"
	case layers.LinkTypePFLog:
		return "OpenBSD pflog"
	case layers.LinkTypeIEEE80211Radio:
		return "802.11 plus radiotap header"
	case layers.LinkTypeIPv4:
		return "Raw IPv4"
	case layers.LinkTypeIPv6:
		return "Raw IPv6"
	case layers.LinkTypeLinuxSLL2:
		return "Linux cooked v2"
	}
	return fmt.Sprintf("linktype %d", uint16(lt))
}

// filterLinkType is the link type libpcap compiles a filter for: it takes
// DLT values, in which raw IP is 12.
func filterLinkType(lt layers.LinkType) layers.LinkType {
	switch lt {
	case layers.LinkTypeRaw, linkTypeRawDLTOpenBSD:
		return linkTypeRawDLT
	}
	return lt
}
