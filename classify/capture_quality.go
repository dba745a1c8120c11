package classify

import "fmt"

// CaptureDefects are the capture's own defects, summed over its
// connections and inputs: what the capture distorts or lost, as opposed
// to what the network did.
type CaptureDefects struct {
	AckedUnseenBytes    int64 // acknowledged by their receiver, never captured
	KernelDrops         int64 // reported dropped by the capturing interfaces
	Duplicates          int64 // packets captured twice
	OversizedSegments   int64 // larger than the peer's MSS: captured above TSO/GRO
	TruncatedPackets    int64 // cut by the snap length
	FragmentsIncomplete int64 // fragmented datagrams never completed
	OneSided            int64 // connections of which the capture has one direction only
}

// Capture quality ratings.
const (
	QualityGood     = "good"     // nothing found
	QualityDegraded = "degraded" // facts distorted: duplicates, offload-sized segments, snap-length cuts, lost fragments
	QualityPoor     = "poor"     // packets lost by the capture: loss-based verdicts are doubtful
)

// RateCapture judges a capture from its defects and says in words what
// each defect means for the verdicts.
func RateCapture(d CaptureDefects) (rating string, notes []string) {
	rating = QualityGood
	if d.Duplicates > 0 || d.OversizedSegments > 0 || d.TruncatedPackets > 0 || d.FragmentsIncomplete > 0 {
		rating = QualityDegraded
	}
	if d.AckedUnseenBytes > 0 || d.KernelDrops > 0 || d.OneSided > 0 {
		rating = QualityPoor
	}
	if d.OneSided > 0 {
		notes = append(notes, fmt.Sprintf("%s only one direction in the capture, though the other side acknowledges what it cannot show (a SPAN port or tap that lost a direction, asymmetric routing, a filter): what the missing side sent cannot be seen, and verdicts on those connections are far less certain",
			countText(d.OneSided, "connection has", "connections have")))
	}
	if d.KernelDrops > 0 {
		notes = append(notes, fmt.Sprintf("the capturing interfaces reported %s dropped: missing packets may be the capture's, not the network's",
			count(d.KernelDrops, "packet")))
	}
	if d.AckedUnseenBytes > 0 {
		was, their, are, them := "bytes were", "their", "are", "them"
		if d.AckedUnseenBytes == 1 {
			was, their, are, them = "byte was", "its", "is", "it"
		}
		notes = append(notes, fmt.Sprintf("%s %s acknowledged by %s receiver but %s not in the capture: the capture missed %s (not the network); byte counts include %s, loss-based verdicts on those connections are doubtful",
			fmtInt(d.AckedUnseenBytes), was, their, are, them, them))
	}
	if d.Duplicates > 0 {
		notes = append(notes, fmt.Sprintf("%s twice (captured on two interfaces or on both sides of a router); each is counted once and is not a retransmission",
			countText(d.Duplicates, "packet appears", "packets appear")))
	}
	if d.OversizedSegments > 0 {
		notes = append(notes, fmt.Sprintf("%s larger than the peer's MSS: the capture was taken above segmentation offload (TSO/GRO), so segment sizes are the host's, not the wire's",
			countText(d.OversizedSegments, "segment is", "segments are")))
	}
	if d.FragmentsIncomplete > 0 {
		notes = append(notes, fmt.Sprintf("%s never completed: fragments are missing (lost on the path, or by the capture), so their payload was not analysed",
			count(d.FragmentsIncomplete, "fragmented IP datagram")))
	}
	if d.TruncatedPackets > 0 {
		notes = append(notes, fmt.Sprintf("%s cut by the snap length; payload beyond it is counted, not read",
			countText(d.TruncatedPackets, "packet was", "packets were")))
	}
	return rating, notes
}
