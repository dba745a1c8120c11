package dissect

import "github.com/ftpcap/ftpcap/tcpflow"

// TLS on data connections (RFC 4217 §9, PROT P). A session whose control
// connection carried TLS may protect its data connections too; their
// payload is then TLS records, and what the transfer moved is the
// application data after the handshake, not the connection's byte count
// (which includes certificates and key exchange, a few kilobytes each
// way). The same record-header scanner as the control connection's reads
// them: nothing is decrypted.

// dataTLS follows the records of one data connection.
type dataTLS struct {
	scan  [2]tlsScanner
	stop  [2]bool // the direction left TLS or lost track: no more scanning
	facts TLSFacts
}

// TLS returns what the data connection's TLS record headers showed, or
// nil when its session never used TLS or its payload was not TLS records
// (PROT C data on a protected control connection).
func (d *DataConn) TLS() *TLSFacts {
	if d == nil || d.tls == nil || d.tls.facts.Records[0]+d.tls.facts.Records[1] == 0 {
		return nil
	}
	return &d.tls.facts
}

// scanDataTLS asks for a data connection's payload when its session used
// TLS: only then can its records say anything, and only then is the
// reassembly worth its cost.
func (ctl *control) scanDataTLS(dc *DataConn) {
	f := &ctl.s.TLSFacts
	if dc.Conn.Midstream || f.Records[tcpflow.FromClient]+f.Records[tcpflow.FromServer] == 0 {
		return
	}
	dc.tls = &dataTLS{}
	dc.Conn.Reassemble = true
}

// data reads in-order payload of a data connection scanned for TLS.
func (t *dataTLS) data(dir tcpflow.Dir, data []byte, at tcpflow.Ref) {
	if t.stop[dir] {
		return
	}
	if _, why := t.scan[dir].feed(data, at, dir, &t.facts); why != tlsMore {
		// Plain bytes or a broken record: not (or no longer) TLS.
		t.stop[dir] = true
		if t.facts.Records[dir] > 0 {
			t.facts.Lost[dir] = at
		}
	}
}

// gap: bytes the capture missed; the record boundaries are lost with them.
func (t *dataTLS) gap(dir tcpflow.Dir, at tcpflow.Ref) {
	if !t.stop[dir] {
		t.stop[dir] = true
		t.facts.Lost[dir] = at
	}
}

// tlsAppBytes is what a transfer over a TLS data connection moved: the
// application data its sender sent after the handshake. ok is false when
// the data connection was not read as TLS, or its records were lost track
// of (then the sequence numbers are the better count).
func (t *Transfer) tlsAppBytes() (int64, bool) {
	f := t.Data.TLS()
	if f == nil {
		return 0, false
	}
	if t.Direction == DirectionUnknown {
		if !f.Lost[0].IsZero() || !f.Lost[1].IsZero() {
			return 0, false
		}
		return max(f.AppBytes[0], f.AppBytes[1]), true
	}
	if !f.Lost[t.Sender].IsZero() {
		return 0, false
	}
	return f.AppBytes[t.Sender], true
}

// directionFromTLS settles the direction of a transfer inferred while the
// control connection was encrypted, from its data connection's
// application data: the FTP server sending it is a download (RETR, LIST,
// NLST, MLSD), the FTP client an upload. The handshake is left out, so a
// certificate chain is never mistaken for a file; with no application
// data either way, or records lost track of, it stays unknown.
func (t *Transfer) directionFromTLS() {
	if t.Direction != DirectionUnknown || t.Data == nil {
		return
	}
	f := t.Data.TLS()
	if f == nil || !f.Lost[0].IsZero() || !f.Lost[1].IsZero() {
		return
	}
	srv := t.Data.FromFTPServer
	fromSrv, fromCli := f.AppBytes[srv], f.AppBytes[srv.Other()]
	switch {
	case fromSrv > fromCli:
		t.Direction, t.Sender = DirectionDownload, srv
	case fromCli > fromSrv:
		t.Direction, t.Sender = DirectionUpload, srv.Other()
	}
}
