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

// linkTypeNames holds libpcap's descriptions (pcap_datalink_val_to_description)
// of the link types a capture of FTP traffic is likely to use.
var linkTypeNames = map[layers.LinkType]string{
	layers.LinkTypeNull:           "BSD loopback",
	layers.LinkTypeEthernet:       "Ethernet",
	layers.LinkTypePPP:            "PPP",
	linkTypeRawDLT:                "Raw IP",
	linkTypeRawDLTOpenBSD:         "Raw IP",
	layers.LinkTypeRaw:            "Raw IP",
	layers.LinkTypeIEEE802_11:     "802.11",
	layers.LinkTypeLoop:           "OpenBSD loopback",
	layers.LinkTypeLinuxSLL:       "Linux cooked v1",
	layers.LinkTypePFLog:          "OpenBSD pflog",
	layers.LinkTypeIEEE80211Radio: "802.11 plus radiotap header",
	layers.LinkTypeIPv4:           "Raw IPv4",
	layers.LinkTypeIPv6:           "Raw IPv6",
	layers.LinkTypeLinuxSLL2:      "Linux cooked v2",
}

// linkTypeName names a link type for people; unknown ones by number.
func linkTypeName(lt layers.LinkType) string {
	if name, ok := linkTypeNames[lt]; ok {
		return name
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
