// Package zeekconn computes Zeek's conn_state and history for a connection
// from the packets the tracker sees, by Zeek's published definitions, so
// users can check ftpcap against the conn.log they already trust.
package zeekconn

// State follows one connection. The zero value is ready to use.
type State struct{}
