// Package capgen synthesises large, realistic FTP packet captures for
// ftpcap's benchmarks.
//
// The captures look like what real stacks put on the wire: three-way
// handshakes with MSS, SACK-permitted, timestamp and window-scale options;
// random initial sequence numbers; per-connection IP ID counters (Linux)
// or one counter per host (Windows); TTLs that tell the hop distance from
// the capture point; delayed ACKs every second segment; slow start,
// pacing at the path's rate and receive-window growth; dup ACKs with SACK
// blocks and fast retransmissions after a loss. On top run real FTP
// dialogues of three server programs (vsftpd, ProFTPD, Pure-FTPd, each
// with its own reply texts, multi-line where the real one is) and several
// client habits (PASV, EPSV, PORT, EPRT; RETR, STOR, LIST, SIZE, FEAT),
// over IPv4 and IPv6, many sessions interleaved in time, and a share of
// failures whose expected cause ids (causes.md) are counted in a Manifest.
//
// # How it works
//
// Generation is a discrete-event simulation. Every session is a coroutine
// (iter.Pull) that writes its packets, with their capture times, into one
// timeline ordered by time; the scheduler pops the earliest packet and
// serialises it (gopacket.SerializeLayers into a reused buffer, then
// pcapgo). A session computes its whole control dialogue ahead of time and
// only yields while it streams a bulk transfer, a few hundred segments at
// a time, so memory holds the packets in flight, never a transfer.
// Fields that depend on the order of emission — IP IDs and TCP timestamp
// values and echoes — are filled in when a packet is written.
//
// Times are capture times: every end has a one-way delay to the capture
// point, so an answer to a packet seen at T is seen at T + 2×(the
// answering end's delay) + its processing time.
//
// # Determinism
//
// A profile and its seed fix the output byte for byte for a given Go
// release (math/rand/v2's PCG is specified; its distributions are not
// promised across releases). Each session draws from its own generator,
// seeded from the profile's, so changing one session's script does not
// reshuffle the rest.
package capgen
