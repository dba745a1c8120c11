package classify

// Where the capture was taken, judged from the hop distances of the FTP
// clients' and servers' packets (spec/causes.md, "Where the capture was
// taken"): zero hops means the packets were captured on that host or its
// LAN segment (a router's interface facing it included: TTLs cannot tell
// those apart); one or more means they crossed routers first.

// Capture points.
const (
	PointClientSide = "client-side"
	PointServerSide = "server-side"
	PointMiddle     = "middle"
	PointUnknown    = "unknown"
)

// Role of a host in FTP, for the capture point: the FTP client or the FTP
// server (on an active-mode data connection the FTP server is the TCP
// client).
const (
	RoleFTPClient = 0
	RoleFTPServer = 1
)

// HopTally adds up the hop distances of each FTP role's connections.
type HopTally struct {
	sum, count [2]int
}

// Add counts one connection side of role whose packets crossed hops
// routers; a negative hops (the side sent nothing) is not counted.
func (t *HopTally) Add(role, hops int) {
	if hops < 0 {
		return
	}
	t.sum[role] += hops
	t.count[role]++
}

// Point says where the capture was taken: client-side when the clients'
// packets arrive with no router hop on average and the servers' with one
// or more, server-side the reverse, middle when both crossed routers,
// unknown when either role has no packets or both are local.
func (t *HopTally) Point() string {
	if t.count[RoleFTPClient] == 0 || t.count[RoleFTPServer] == 0 {
		return PointUnknown
	}
	c := float64(t.sum[RoleFTPClient]) / float64(t.count[RoleFTPClient])
	s := float64(t.sum[RoleFTPServer]) / float64(t.count[RoleFTPServer])
	switch {
	case c < 0.5 && s >= 0.5:
		return PointClientSide
	case s < 0.5 && c >= 0.5:
		return PointServerSide
	case c >= 0.5 && s >= 0.5:
		return PointMiddle
	}
	return PointUnknown
}
