package tcpflow

// stream reassembles one direction of a connection (work in progress by the lead).
type stream struct{}
