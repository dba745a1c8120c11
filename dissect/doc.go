// Package dissect reads FTP control connections (RFC 959 and its
// extensions: 2228 security, 2389 FEAT/OPTS, 2428 EPRT/EPSV, 2640 LANG,
// 3659 SIZE/MDTM/MLST/REST, 4217 FTP over TLS) and links their data
// connections, producing one Session per control connection.
//
// The Analyzer is a tcpflow.Handler. The tracker reassembles control
// connections (the Analyzer asks for that in Opened, or in Sniff for a
// server that greets with 220 on another port) and delivers their bytes in
// order, split anywhere; the Analyzer cuts them into lines, lines into
// commands and replies, and pairs replies with commands in order
// (pipelining allowed). Data connections are never reassembled: a
// PASV/EPSV/PORT/EPRT creates an expectation, Opened links the matching
// connection, and a transfer's size comes from the tracker's sequence
// counters (tcpflow.Half.SeqBytes).
//
// The package judges protocol form only (anomalies under stable keys, such
// as reply_without_space) and a transfer's status; deciding why a session
// broke is classify's job.
//
// Ownership: the Analyzer keeps no slice the tracker passes it. Sessions
// are handed to the done callback once, complete; the Analyzer never
// touches them again.
package dissect
