package capgen

// stack is what one operating system's TCP/IP stack puts in its packets.
// The values are those of current Linux and Windows 10/11 defaults.
type stack struct {
	name       string
	initialTTL uint8
	// synWindow and synAckWindow are the (never scaled) window fields of
	// the stack's SYN and SYN-ACK.
	synWindow    uint16
	synAckWindow uint16
	wscale       int8 // shift offered in the SYN; -1 offers no window scaling
	timestamps   bool // offers RFC 7323 timestamps
	sackOK       bool
	synOptions   synLayout
	// rcvWindow is the receive window (bytes) right after the handshake;
	// maxRcvWindow the ceiling of receive-buffer autotuning.
	rcvWindow    uint32
	maxRcvWindow uint32
	// perConnIPID: Linux numbers the IP IDs of each connection from a
	// random start; Windows uses one counter for the whole host.
	perConnIPID bool
	// zeroIDSynAck: Linux sends its SYN-ACKs and RSTs with IP ID 0.
	zeroIDSynAck bool
	// delayedAck is how long the stack holds an ACK hoping to piggyback it
	// (Linux 40 ms, Windows 200 ms); quickAcks is how many data segments
	// it acknowledges at once at the start of a connection, before an
	// exchange of requests and replies puts it in delayed-ACK ("pingpong")
	// mode, where the answer carries the ACK.
	delayedAck int64
	quickAcks  int
	// ephemeral port range for outgoing connections.
	portLo, portHi uint16
}

// synLayout is the order in which a stack writes its SYN options; real
// stacks differ, and fingerprinting tools (p0f) rely on it.
type synLayout uint8

const (
	synLinux   synLayout = iota // MSS, SACK_PERM, TS, NOP, WS
	synWindows                  // MSS, NOP, WS, NOP, NOP, SACK_PERM
	synBare                     // no options (hping3, many flood tools)
)

var (
	linuxStack = &stack{
		name: "linux", initialTTL: 64,
		synWindow: 64240, synAckWindow: 65160, wscale: 7,
		timestamps: true, sackOK: true, synOptions: synLinux,
		rcvWindow: 64256, maxRcvWindow: 6 << 20,
		perConnIPID: true, zeroIDSynAck: true,
		delayedAck: 40_000_000, quickAcks: 2,
		portLo: 32768, portHi: 60999,
	}
	windowsStack = &stack{
		name: "windows", initialTTL: 128,
		synWindow: 64240, synAckWindow: 65535, wscale: 8,
		timestamps: false, sackOK: true, synOptions: synWindows,
		rcvWindow: 262656, maxRcvWindow: 4 << 20,
		delayedAck: 200_000_000, quickAcks: 2,
		portLo: 49152, portHi: 65535,
	}
	// floodStack is a packet crafter's: bare SYNs, small window, no state.
	floodStack = &stack{
		name: "flood", initialTTL: 64,
		synWindow: 512, wscale: -1, synOptions: synBare,
		rcvWindow: 512, maxRcvWindow: 512,
		portLo: 1024, portHi: 65535,
	}
)
