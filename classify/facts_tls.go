package classify

import (
	"fmt"
	"strings"

	"github.com/ftpcap/ftpcap/dissect"
	"github.com/ftpcap/ftpcap/tcpflow"
)

// Facts about TLS on a control connection (RFC 4217), from what the
// dissector read in record headers: nothing is decrypted.

// implicitTLS: the client opened the control connection with a TLS
// ClientHello and the server, instead of an FTP greeting, answered in TLS
// or not at all (implicit FTPS, conventionally on port 990). The
// dissector marks such a server NotFTP of kind "tls"; it is not one.
func implicitTLS(s *dissect.Session) bool {
	f := &s.TLSFacts
	if s.TLS || f.First[tcpflow.FromClient].IsZero() || s.Replies > 0 {
		return false
	}
	if s.NotFTP == nil {
		return true // the server said nothing, or only TLS
	}
	return s.NotFTP.Kind == "tls" && f.First[tcpflow.FromClient].Before(s.NotFTP.At)
}

// tlsAttempted: the control connection was to carry TLS: AUTH TLS/SSL was
// answered 234, or the client spoke TLS from its first byte.
func tlsAttempted(s *dissect.Session) bool { return s.TLS || implicitTLS(s) }

// greetedInPlain: a client that opened with a ClientHello (implicit FTPS)
// met a server that greets in plain FTP (explicit or no FTPS): the
// handshake can never complete.
func greetedInPlain(s *dissect.Session) bool {
	f := &s.TLSFacts
	return !s.TLS && !f.First[tcpflow.FromClient].IsZero() && s.Replies > 0 && f.Records[tcpflow.FromServer] == 0 &&
		s.AnomalyCounts[dissect.AnomalyTLSInCleartext] > 0
}

// tlsHandshakeFailed: TLS was attempted on the control connection and its
// handshake visibly did not complete: a fatal alert before it did, or the
// connection ended (FIN or RST) first. A handshake the capture stopped
// seeing while it ran is not a failure, and neither is one whose records
// the dissector lost track of (nothing can be said then) unless an alert
// came before.
func tlsHandshakeFailed(s *dissect.Session) bool {
	if !tlsAttempted(s) && !greetedInPlain(s) {
		return false
	}
	f := &s.TLSFacts
	if f.HandshakeDone() {
		return false
	}
	if _, ok := fatalAlert(f); ok {
		return true
	}
	if !f.Lost[0].IsZero() || !f.Lost[1].IsZero() {
		return false
	}
	c := s.Control
	ending, _ := c.Ending()
	return ending != 0 || !c.Half[0].FIN.IsZero() || !c.Half[1].FIN.IsZero()
}

// fatalAlert returns the first alert that ended the handshake: a fatal
// plaintext alert, or any alert the handshake did not survive (encrypted
// ones hide their level; a warning-level alert before the handshake ends
// is, in practice, a refusal too: TLS 1.3 makes every alert but
// close_notify and user_canceled fatal, RFC 8446 §6).
func fatalAlert(f *dissect.TLSFacts) (dissect.TLSAlert, bool) {
	for _, a := range f.Alerts {
		if a.Encrypted || a.Level == 2 || a.Description != 0 {
			return a, true
		}
	}
	return dissect.TLSAlert{}, false
}

// tlsVersionName names a record-layer version.
func tlsVersionName(v uint16) string {
	switch v {
	case 0x0002:
		return "SSL 2.0 (SSLv2-format ClientHello)"
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2 (also what TLS 1.3 records carry)"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// handshakeNames are the TLS HandshakeType values a plaintext record can
// start with (RFC 8446 §4, RFC 5246 §7.4).
var handshakeNames = []struct {
	t    uint
	name string
}{
	{1, "ClientHello"}, {2, "ServerHello"}, {4, "NewSessionTicket"}, {8, "EncryptedExtensions"},
	{11, "Certificate"}, {12, "ServerKeyExchange"}, {13, "CertificateRequest"},
	{14, "ServerHelloDone"}, {15, "CertificateVerify"}, {16, "ClientKeyExchange"}, {20, "Finished"},
}

// handshakeWords lists the handshake messages a side's plaintext records
// began with, "" when none.
func handshakeWords(bits uint32) string {
	var out []string
	for _, h := range handshakeNames {
		if bits&(1<<h.t) != 0 {
			out = append(out, h.name)
		}
	}
	return strings.Join(out, ", ")
}

// tlsProgress describes how far the handshake got, side by side.
func tlsProgress(f *dissect.TLSFacts) string {
	var parts []string
	for _, d := range []tcpflow.Dir{tcpflow.FromClient, tcpflow.FromServer} {
		switch {
		case f.Records[d] == 0:
			parts = append(parts, fmt.Sprintf("the %s sent no TLS record", d))
		case handshakeWords(f.Handshakes[d]) != "":
			p := fmt.Sprintf("the %s sent %s", d, handshakeWords(f.Handshakes[d]))
			if !f.ChangeCipherSpec[d].IsZero() {
				p += " and ChangeCipherSpec"
			}
			parts = append(parts, p)
		case f.Records[d] == 1:
			parts = append(parts, fmt.Sprintf("the %s sent no handshake message, one record", d))
		default:
			parts = append(parts, fmt.Sprintf("the %s sent no handshake message, %s", d, count(f.Records[d], "record")))
		}
	}
	return strings.Join(parts, "; ")
}

// versionWords lists the record-layer versions seen.
func versionWords(f *dissect.TLSFacts) string {
	if len(f.Versions) == 0 {
		return "no TLS record version seen"
	}
	names := make([]string, len(f.Versions))
	for i, v := range f.Versions {
		names[i] = tlsVersionName(v)
	}
	return "record-layer versions " + strings.Join(names, ", ")
}
