package dissect

import (
	"errors"
	"fmt"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// TLS record content types (RFC 5246 §6.2.1, RFC 8446 §5.1, RFC 6520).
const (
	tlsChangeCipherSpec = 20
	tlsAlert            = 21
	tlsHandshake        = 22
	tlsApplicationData  = 23
	tlsHeartbeat        = 24
)

// tlsMaxRecord is the largest record body a peer may send: 2^14 bytes of
// plaintext plus 2048 of expansion (RFC 5246 §6.2.3).
const tlsMaxRecord = 1<<14 + 2048

// Caps on what TLSFacts lists.
const (
	maxTLSVersions = 8
	maxTLSAlerts   = 8
)

// TLSFacts are what the TLS record headers of a control connection showed.
// Only record headers are read, plus the two bytes of plaintext alerts and
// the first byte (message type) of plaintext handshake records: nothing is
// decrypted. Arrays are indexed by tcpflow.Dir.
type TLSFacts struct {
	// Versions are the distinct record-layer versions in the order first
	// seen (0x0301 TLS 1.0 … 0x0303; TLS 1.3 records say 0x0303 too;
	// 0x0002 marks an SSLv2-format ClientHello). Capped at maxTLSVersions.
	Versions []uint16
	Records  [2]int64
	First    [2]tcpflow.Ref // first record per direction
	// Handshakes: bit n is set when a plaintext handshake record began
	// with message type n (1 ClientHello, 2 ServerHello, 11 Certificate,
	// 13 CertificateRequest, 14 ServerHelloDone, 16 ClientKeyExchange).
	Handshakes [2]uint32
	// ChangeCipherSpec and AppData are the first such records per
	// direction. Finished messages travel encrypted, so a sender's
	// ChangeCipherSpec is the visible sign that it finished its handshake.
	ChangeCipherSpec [2]tcpflow.Ref
	AppData          [2]tcpflow.Ref
	// Finished marks where each side's handshake visibly ended: in TLS ≤
	// 1.2 its first encrypted handshake record (Finished, right after its
	// ChangeCipherSpec); in TLS 1.3, where every encrypted record is
	// application data on the outside, the TLS client's first one is its
	// Finished, and the server's Finished was in the encrypted flight it
	// sent before, so both are marked there.
	Finished [2]tcpflow.Ref
	// AppBytes sums the bodies of the application-data records each side
	// sent after its Finished: what it wrote, plus each record's
	// encryption overhead (tens of bytes), never the handshake. AppRecords
	// counts them. In TLS 1.3 the server's session tickets and both sides'
	// closing alerts are such records too (a few hundred bytes at most).
	AppBytes   [2]int64
	AppRecords [2]int64
	// Last is each side's last record header.
	Last [2]TLSRecord
	// Alerts in order (capped at maxTLSAlerts; AlertsDropped counts the
	// rest).
	Alerts        []TLSAlert
	AlertsDropped int
	// Cleartext marks where a direction went back to plain FTP lines
	// (after CCC, RFC 4217 §6, or a server that drops TLS after
	// close_notify).
	Cleartext [2]tcpflow.Ref
	// Lost marks where a record header was invalid (or bytes went missing
	// from the capture) and record tracking stopped for that direction.
	Lost [2]tcpflow.Ref
}

// HandshakeDone reports whether the TLS handshake visibly completed: both
// sides sent ChangeCipherSpec (TLS ≤ 1.2, and TLS 1.3 in middlebox
// compatibility mode), or the client sent application data (in TLS 1.3 the
// client's first encrypted record is its Finished; in TLS ≤ 1.2 it sends
// application data only after the handshake).
func (f *TLSFacts) HandshakeDone() bool {
	ccs := !f.ChangeCipherSpec[tcpflow.FromClient].IsZero() && !f.ChangeCipherSpec[tcpflow.FromServer].IsZero()
	return ccs || !f.AppData[tcpflow.FromClient].IsZero()
}

func (f *TLSFacts) noteVersion(v uint16) {
	for _, have := range f.Versions {
		if have == v {
			return
		}
	}
	if len(f.Versions) < maxTLSVersions {
		f.Versions = append(f.Versions, v)
	}
}

func (f *TLSFacts) noteAlert(a TLSAlert) {
	if len(f.Alerts) < maxTLSAlerts {
		f.Alerts = append(f.Alerts, a)
	} else {
		f.AlertsDropped++
	}
}

// TLSAlert is one alert record. Plaintext alerts (sent before the sender's
// ChangeCipherSpec) show their level and description; encrypted ones show
// only that an alert was sent.
type TLSAlert struct {
	From        tcpflow.Dir
	At          tcpflow.Ref
	Encrypted   bool
	Level       uint8 // 1 warning, 2 fatal
	Description uint8
}

// Name returns the alert description's name from the TLS registry
// ("handshake_failure"), "encrypted" for an encrypted alert, or
// "alert_<n>" for an unregistered value.
func (a TLSAlert) Name() string {
	if a.Encrypted {
		return "encrypted"
	}
	if n, ok := tlsAlertNames[a.Description]; ok {
		return n
	}
	return fmt.Sprintf("alert_%d", a.Description)
}

// tlsAlertNames is the TLS AlertDescription registry (RFC 8446 §6, RFC
// 5246 §7.2, RFC 7301, RFC 7507, RFC 6066).
var tlsAlertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
	40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
	43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
	46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error",
	60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
	80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
	111: "certificate_unobtainable", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
	115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
}

// TLSRecord is where a record began, with its header.
type TLSRecord struct {
	At     tcpflow.Ref
	Type   uint8
	Length int
}

// TLSRecordHeader is a parsed record header.
type TLSRecordHeader struct {
	Type    uint8  // content type; an SSLv2 ClientHello reports tlsHandshake
	Version uint16 // record-layer version; 0x0002 for an SSLv2 record
	Length  int    // body length
	// HeaderLen is 5, or 2 for an SSLv2 record (whose body then starts
	// with the message type).
	HeaderLen int
}

// Errors of ParseTLSRecordHeader.
var (
	ErrTLSNeedMore  = errors.New("tls record header: need more bytes")
	ErrNotTLSRecord = errors.New("tls record header: not a tls record")
)

// ParseTLSRecordHeader reads the record header at the start of b. It needs
// 5 bytes (TLS: type, version, length; an SSLv2-format ClientHello, allowed
// only when sslv2 is true, is recognised by its 2-byte header followed by
// message type 1 and a 3.x or 0.2 version). It checks the content type,
// the major version and the length limit.
func ParseTLSRecordHeader(b []byte, sslv2 bool) (TLSRecordHeader, error) {
	if len(b) < 5 {
		return TLSRecordHeader{}, ErrTLSNeedMore
	}
	if sslv2 && b[0]&0x80 != 0 && b[2] == 1 && (b[3] == 3 || (b[3] == 0 && b[4] == 2)) {
		n := int(b[0]&0x7f)<<8 | int(b[1])
		if n < 3 || n > tlsMaxRecord {
			return TLSRecordHeader{}, ErrNotTLSRecord
		}
		return TLSRecordHeader{Type: tlsHandshake, Version: 0x0002, Length: n, HeaderLen: 2}, nil
	}
	h := TLSRecordHeader{
		Type:      b[0],
		Version:   uint16(b[1])<<8 | uint16(b[2]),
		Length:    int(b[3])<<8 | int(b[4]),
		HeaderLen: 5,
	}
	if h.Type < tlsChangeCipherSpec || h.Type > tlsHeartbeat || b[1] != 3 || b[2] > 4 {
		return TLSRecordHeader{}, ErrNotTLSRecord
	}
	if h.Length > tlsMaxRecord || (h.Length == 0 && h.Type != tlsApplicationData) {
		return TLSRecordHeader{}, ErrNotTLSRecord
	}
	return h, nil
}

// looksLikeRecordStart reports whether a byte can begin a TLS record (a
// content type) — bytes that begin FTP lines are printable ASCII and never
// do.
func looksLikeRecordStart(b byte) bool { return b >= tlsChangeCipherSpec && b <= tlsHeartbeat }

// tlsStop says why tlsScanner.feed returned before the end of its input.
type tlsStop uint8

const (
	tlsMore      tlsStop = iota // all input consumed
	tlsCleartext                // a text line starts at a record boundary
	tlsLost                     // an invalid record header: tracking stops
)

// tlsScanner follows the records of one direction across Data calls.
type tlsScanner struct {
	hdr   [5]byte
	hdrN  int
	hdrAt tcpflow.Ref
	rec   TLSRecordHeader
	body  int // body bytes of rec not yet consumed
	// peek collects the first body bytes of plaintext alerts (2) and
	// handshake records (1).
	peek     [2]byte
	peekN    int
	peekWant int
}

// feed consumes one direction's bytes and records facts in f. It returns
// how many bytes it consumed and why it stopped.
func (s *tlsScanner) feed(data []byte, at tcpflow.Ref, dir tcpflow.Dir, f *TLSFacts) (int, tlsStop) {
	n := 0
	for n < len(data) {
		if s.body > 0 {
			take := min(s.body, len(data)-n)
			if s.peekN < s.peekWant {
				k := min(take, s.peekWant-s.peekN)
				copy(s.peek[s.peekN:], data[n:n+k])
				s.peekN += k
				if s.peekN == s.peekWant {
					s.peeked(dir, f)
				}
			}
			s.body -= take
			n += take
			continue
		}
		if s.hdrN == 0 {
			b := data[n]
			if !looksLikeRecordStart(b) && !(b&0x80 != 0 && f.Records[dir] == 0) {
				if b >= 0x20 && b < 0x7f || b == '\r' || b == '\n' {
					return n, tlsCleartext
				}
				return n, tlsLost
			}
			s.hdrAt = at
		}
		k := copy(s.hdr[s.hdrN:], data[n:])
		s.hdrN += k
		n += k
		if s.hdrN < len(s.hdr) {
			continue
		}
		h, err := ParseTLSRecordHeader(s.hdr[:], f.Records[dir] == 0)
		if err != nil {
			return n, tlsLost
		}
		s.begin(h, dir, f)
		// Header bytes collected beyond the header belong to the body.
		extra := len(s.hdr) - h.HeaderLen
		s.hdrN = 0
		if extra > 0 {
			s.body = h.Length
			s.body -= extra
			if s.peekWant > 0 {
				k := min(extra, s.peekWant)
				copy(s.peek[:], s.hdr[h.HeaderLen:h.HeaderLen+k])
				s.peekN = k
				if s.peekN == s.peekWant {
					s.peeked(dir, f)
				}
			}
			if s.body < 0 {
				return n, tlsLost
			}
		}
	}
	return n, tlsMore
}

// begin records a new record's header facts and decides what body bytes
// to peek at.
func (s *tlsScanner) begin(h TLSRecordHeader, dir tcpflow.Dir, f *TLSFacts) {
	s.rec, s.body, s.peekN, s.peekWant = h, h.Length, 0, 0
	if f.Records[dir] == 0 {
		f.First[dir] = s.hdrAt
	}
	f.Records[dir]++
	f.Last[dir] = TLSRecord{At: s.hdrAt, Type: h.Type, Length: h.Length}
	f.noteVersion(h.Version)
	encrypted := !f.ChangeCipherSpec[dir].IsZero()
	switch h.Type {
	case tlsChangeCipherSpec:
		if f.ChangeCipherSpec[dir].IsZero() {
			f.ChangeCipherSpec[dir] = s.hdrAt
		}
	case tlsApplicationData:
		if f.AppData[dir].IsZero() {
			f.AppData[dir] = s.hdrAt
		}
		switch {
		case !f.Finished[dir].IsZero():
			f.AppBytes[dir] += int64(h.Length)
			f.AppRecords[dir]++
		case f.Handshakes[dir]&(1<<tlsClientHello) != 0:
			// The TLS client's first encrypted record before any
			// encrypted handshake record of its own: TLS 1.3's Finished.
			f.Finished[dir] = s.hdrAt
			if f.Finished[dir.Other()].IsZero() {
				f.Finished[dir.Other()] = s.hdrAt
			}
		}
	case tlsAlert:
		if encrypted || h.Length != 2 {
			f.noteAlert(TLSAlert{From: dir, At: s.hdrAt, Encrypted: true})
		} else {
			s.peekWant = 2
		}
	case tlsHandshake:
		switch {
		case !encrypted && h.Length > 0:
			s.peekWant = 1
		case encrypted && f.Finished[dir].IsZero():
			f.Finished[dir] = s.hdrAt // TLS ≤ 1.2: Finished follows ChangeCipherSpec
		}
	}
}

// tlsClientHello is the handshake message type of a ClientHello.
const tlsClientHello = 1

// peeked records what the first body bytes of the current record say.
func (s *tlsScanner) peeked(dir tcpflow.Dir, f *TLSFacts) {
	switch s.rec.Type {
	case tlsAlert:
		f.noteAlert(TLSAlert{From: dir, At: s.hdrAt, Level: s.peek[0], Description: s.peek[1]})
	case tlsHandshake:
		if t := s.peek[0]; t < 32 {
			f.Handshakes[dir] |= 1 << t
		}
	}
}
