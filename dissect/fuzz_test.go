package dissect

import (
	"bytes"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ftpcap/ftpcap/tcpflow"
)

// seeds are fuzz seeds taken from the public corpus's control streams:
// every control connection's client and server bytes, the lines that carry
// data endpoints, and the TLS bytes after a 234.
type seeds struct {
	streams                [][2][]byte
	commands, replies      [][]byte
	pasv, epsv, port, eprt []string
	tls                    [][]byte
}

// corpusSeeds reads the corpus; with no corpus it returns no seeds (the
// literal seeds of each target still run).
func corpusSeeds(tb testing.TB) seeds {
	var s seeds
	for _, capture := range findCorpusCaptures() {
		r := replay(tb, capture, Options{ShowPasswords: true})
		s.streams = append(s.streams, r.streams...)
		for _, st := range r.streams {
			for _, l := range bytes.SplitAfter(st[tcpflow.FromClient], []byte("\n")) {
				s.commands = append(s.commands, bytes.TrimRight(l, "\r\n"))
				verb, arg, _ := ParseCommand(bytes.TrimRight(l, "\r\n"))
				switch verb {
				case "PORT":
					s.port = append(s.port, arg)
				case "EPRT":
					s.eprt = append(s.eprt, arg)
				}
			}
			server := st[tcpflow.FromServer]
			s.replies = append(s.replies, server)
			for _, l := range bytes.Split(server, []byte("\n")) {
				switch {
				case bytes.HasPrefix(l, []byte("227")):
					s.pasv = append(s.pasv, string(l[4:]))
				case bytes.HasPrefix(l, []byte("229")):
					s.epsv = append(s.epsv, string(l[4:]))
				}
			}
			if i := bytes.Index(server, []byte("\n234 ")); i >= 0 {
				if j := bytes.IndexByte(server[i+1:], '\n'); j >= 0 {
					s.tls = append(s.tls, server[i+1+j+1:])
				}
			}
		}
	}
	return s
}

func FuzzParseCommand(f *testing.F) {
	for _, l := range []string{"USER anonymous", "retr  a b ", "\xff\xf4\xff\xf2ABOR", "", " \t", "PASS"} {
		f.Add([]byte(l))
	}
	for _, l := range corpusSeeds(f).commands {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		verb, arg, ok := ParseCommand(line)
		if ok != (verb != "") || len(verb)+len(arg) > len(line) {
			t.Fatalf("ParseCommand(%q) = %q, %q, %v", line, verb, arg, ok)
		}
		if strings.ContainsAny(verb, " \tabcdefghijklmnopqrstuvwxyz") {
			t.Fatalf("ParseCommand(%q): verb %q has blanks or lowercase letters", line, verb)
		}
		if ok && !bytes.Contains(line, []byte(arg)) {
			t.Fatalf("ParseCommand(%q): argument %q is not from the line", line, arg)
		}
	})
}

// FuzzReplyStream reads a server stream, cut into two packets at cut, and
// checks that splitting the packets' bytes further changes nothing and
// that every reply keeps within its caps.
func FuzzReplyStream(f *testing.F) {
	for _, s := range []string{"220-a\r\n b\r\n220 c\r\n", "99 x\r\n", "SSH-2.0-x\r\n\x00\x01", "220\n331x\r\n"} {
		f.Add([]byte(s), uint16(3))
	}
	for _, s := range corpusSeeds(f).replies {
		f.Add(s, uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		k := int(cut) % (len(data) + 1)
		packets := []string{string(data[:k]), string(data[k:])}
		replies, problems := readReplies(packets, func(b []byte) [][]byte { return [][]byte{b} })
		for name, split := range map[string]func([]byte) [][]byte{"bytes": splitters(0)["bytes"], "halves": halves} {
			r2, p2 := readReplies(packets, split)
			if !reflect.DeepEqual(replies, r2) || !reflect.DeepEqual(problems, p2) {
				t.Fatalf("split %s changed the result:\n %+v %q\n %+v %q", name, replies, problems, r2, p2)
			}
		}
		for _, r := range replies {
			if len(r.Text) > maxReplyText || len(r.LineStarts) > maxLineStarts || r.Lines < len(r.LineStarts) ||
				r.Valid != (r.Code >= 100 && r.Code < 700) || r.Lines < 1 {
				t.Fatalf("reply out of bounds: %+v", r)
			}
		}
	})
}

func halves(b []byte) [][]byte { return [][]byte{b[:len(b)/2], b[len(b)/2:]} }

func FuzzParsePASV(f *testing.F) {
	for _, s := range []string{"Entering Passive Mode (192,168,1,1,4,1).", "=1,2,3,4,5,6", "(1,2,3,4,5", "1,2,3,4,0,0"} {
		f.Add(s)
	}
	for _, s := range corpusSeeds(f).pasv {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ap, ok := ParsePASV(text)
		if !ok {
			return
		}
		if !ap.Addr().Is4() || ap.Port() == 0 {
			t.Fatalf("ParsePASV(%q) = %v", text, ap)
		}
		if back, ok := ParsePORT(formatPORT(ap)); !ok || back != ap {
			t.Fatalf("ParsePASV(%q) = %v, which does not round-trip: %v", text, ap, back)
		}
	})
}

func FuzzParsePORT(f *testing.F) {
	for _, s := range []string{"192,168,0,13,234,10", " 1, 2,3 ,4,5,6 ", "1,2,3,4,5", "256,0,0,0,1,1"} {
		f.Add(s)
	}
	for _, s := range corpusSeeds(f).port {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ap, ok := ParsePORT(arg)
		if !ok {
			return
		}
		if pasv, ok := ParsePASV(arg); !ok || pasv != ap {
			t.Fatalf("ParsePORT(%q) = %v but ParsePASV finds %v, %v", arg, ap, pasv, ok)
		}
	})
}

// formatPORT writes an endpoint as PORT's h1,h2,h3,h4,p1,p2.
func formatPORT(ap netip.AddrPort) string {
	a := ap.Addr().As4()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", a[0], a[1], a[2], a[3], ap.Port()>>8, ap.Port()&0xff)
}

func FuzzParseEPSV(f *testing.F) {
	for _, s := range []string{"Entering Extended Passive Mode (|||6446|)", "(!!!1!)", "|||65536|", "(|||6446)"} {
		f.Add(s)
	}
	for _, s := range corpusSeeds(f).epsv {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		port, ok := ParseEPSV(text)
		if !ok {
			return
		}
		if port == 0 {
			t.Fatalf("ParseEPSV(%q) = port 0", text)
		}
		if back, ok := ParseEPSV("(|||" + strconv.Itoa(int(port)) + "|)"); !ok || back != port {
			t.Fatalf("ParseEPSV(%q) = %d, which does not round-trip", text, port)
		}
	})
}

func FuzzParseEPRT(f *testing.F) {
	for _, s := range []string{"|1|192.0.2.5|6275|", "|2|2001:db8::1|5282|", "!2!::ffff:1.2.3.4!1!", "|1|1.2.3.4|0|"} {
		f.Add(s)
	}
	for _, s := range corpusSeeds(f).eprt {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ap, ok := ParseEPRT(arg)
		if !ok {
			return
		}
		if ap.Port() == 0 || ap.Addr().Is4In6() {
			t.Fatalf("ParseEPRT(%q) = %v", arg, ap)
		}
		proto := "1"
		if ap.Addr().Is6() {
			proto = "2"
		}
		if back, ok := ParseEPRT("|" + proto + "|" + ap.Addr().String() + "|" + strconv.Itoa(int(ap.Port())) + "|"); !ok || back != ap {
			t.Fatalf("ParseEPRT(%q) = %v, which does not round-trip: %v", arg, ap, back)
		}
	})
}

// FuzzParseTLSRecordHeader parses a header and follows a record stream,
// checking that how the bytes are split does not matter.
func FuzzParseTLSRecordHeader(f *testing.F) {
	f.Add(record(22, 1, 0, 0, 1, 0))
	f.Add(append(record(21, 2, 40), "PASV\r\n"...))
	f.Add([]byte{0x80, 0x0b, 0x01, 0x03, 0x01, 0, 0, 0, 0, 0, 0, 0, 0})
	for _, s := range corpusSeeds(f).tls {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if h, err := ParseTLSRecordHeader(data, true); err == nil &&
			(h.Length > tlsMaxRecord || (h.HeaderLen != 5 && h.HeaderLen != 2)) {
			t.Fatalf("ParseTLSRecordHeader(% x) = %+v", data, h)
		}
		run := func(pieces [][]byte) (int, tlsStop, TLSFacts) {
			var s tlsScanner
			var facts TLSFacts
			used := 0
			for _, p := range pieces {
				n, stop := s.feed(p, ref(1), tcpflow.FromServer, &facts)
				used += n
				if n > len(p) {
					t.Fatalf("feed used %d of %d bytes", n, len(p))
				}
				if stop != tlsMore {
					return used, stop, facts
				}
			}
			return used, tlsMore, facts
		}
		u1, s1, f1 := run([][]byte{data})
		u2, s2, f2 := run(splitters(0)["bytes"](data))
		if u1 != u2 || s1 != s2 || !reflect.DeepEqual(f1, f2) {
			t.Fatalf("byte-by-byte feed differs: %d %d %+v / %d %d %+v", u1, s1, f1, u2, s2, f2)
		}
	})
}

// FuzzControlSession plays arbitrary client and server bytes as a control
// connection on port 21 (each line its own packet, client and server
// alternating) and checks that splitting packets further changes nothing,
// and that the session completes and leaves no state behind.
func FuzzControlSession(f *testing.F) {
	f.Add([]byte("USER a\r\nPASV\r\nRETR f\r\nABOR\r\n"), []byte("220 hi\r\n331 pw\r\n227 (203,0,113,20,4,1)\r\n150 ok\r\n426 x\r\n226 y\r\n"))
	f.Add([]byte("AUTH TLS\r\n\x16\x03\x01\x00\x01\x01"), []byte("220 hi\r\n234 go\r\n\x16\x03\x03\x00\x01\x02"))
	f.Add([]byte("USER x\r\n"), []byte("SSH-2.0-x\r\n"))
	// Replies paired by code: a 221 past a transfer, replies no waiting
	// command can receive.
	f.Add([]byte("RETR f\r\nQUIT\r\nNOOP\r\nXFOO\r\n"), []byte("220 hi\r\n150 ok\r\n221 bye\r\n227 (1,2,3,4,5,6)\r\n150 x\r\n200 ok\r\n"))
	for _, st := range corpusSeeds(f).streams {
		f.Add(st[tcpflow.FromClient], st[tcpflow.FromServer])
	}
	f.Fuzz(func(t *testing.T, client, server []byte) {
		run := func(split func([]byte) [][]byte) ([]any, *harness) {
			h := newHarness(t, Options{MaxLineLen: 256, MaxLog: 64})
			h.split = split
			ctl := h.open(ctlCli, ctlSrv)
			cl := bytes.SplitAfter(client, []byte("\n"))
			sl := bytes.SplitAfter(server, []byte("\n"))
			for i := 0; i < max(len(cl), len(sl)); i++ {
				if i < len(sl) && len(sl[i]) > 0 {
					h.send(ctl, tcpflow.FromServer, string(sl[i]))
				}
				if i < len(cl) && len(cl[i]) > 0 {
					h.send(ctl, tcpflow.FromClient, string(cl[i]))
				}
			}
			data := h.open(cliAddr+":40001", srvAddr+":1025")
			h.fin(data, tcpflow.FromServer)
			h.fin(ctl, tcpflow.FromClient)
			h.a.Flush()
			if len(h.done) != 1 || len(h.a.live) != 0 || len(h.a.exp.byDst) != 0 || len(h.a.tlsHosts) != 0 {
				t.Fatalf("%d sessions done, state left: %d live, %d expected, %d tls", len(h.done), len(h.a.live), len(h.a.exp.byDst), len(h.a.tlsHosts))
			}
			return sessionDigest(h.done[0]), h
		}
		whole, _ := run(nil)
		bytewise, _ := run(splitters(0)["bytes"])
		if !reflect.DeepEqual(whole, bytewise) {
			t.Fatalf("byte-by-byte delivery changed the session:\n %+v\n %+v", whole, bytewise)
		}
	})
}

// FuzzControlGaps plays client and server bytes as a control connection,
// one packet per line, with the capture cutting every packet to at most
// snap bytes (a snap length) and losing the packet numbered lose of each
// direction: the bytes cut or lost reach the analyzer as gaps. Splitting
// packets further changes nothing, and the session completes.
func FuzzControlGaps(f *testing.F) {
	f.Add([]byte("USER a\r\nRETR a-long-file-name.iso\r\nQUIT\r\n"),
		[]byte("220 hi\r\n331 pw\r\n150 Opening BINARY mode data connection\r\n226 Transfer complete.\r\n221 bye\r\n"), uint8(20), uint8(9))
	f.Add([]byte("FEAT\r\nTYPE I\r\n"), []byte("220 hi\r\n211-Features:\r\n EPRT\r\n EPSV\r\n211 End\r\n200 ok\r\n"), uint8(60), uint8(3))
	f.Fuzz(func(t *testing.T, client, server []byte, snap, lose uint8) {
		run := func(split func([]byte) [][]byte) []any {
			h := newHarness(t, Options{MaxLineLen: 256, MaxLog: 64})
			h.split = split
			ctl := h.open(ctlCli, ctlSrv)
			lines := [2][][]byte{bytes.SplitAfter(client, []byte("\n")), bytes.SplitAfter(server, []byte("\n"))}
			for i := 0; i < max(len(lines[0]), len(lines[1])); i++ {
				for _, dir := range []tcpflow.Dir{tcpflow.FromServer, tcpflow.FromClient} {
					if i >= len(lines[dir]) || len(lines[dir][i]) == 0 {
						continue
					}
					pkt := lines[dir][i]
					if i == int(lose) {
						h.a.Gap(ctl, dir, int64(len(pkt)), h.tick())
						continue
					}
					kept := pkt[:min(len(pkt), max(int(snap), 1))]
					at := h.send(ctl, dir, string(kept))
					if len(kept) < len(pkt) {
						h.a.Gap(ctl, dir, int64(len(pkt)-len(kept)), at)
					}
				}
			}
			h.fin(ctl, tcpflow.FromClient)
			h.a.Flush()
			if len(h.done) != 1 || len(h.a.live) != 0 {
				t.Fatalf("%d sessions done, %d live", len(h.done), len(h.a.live))
			}
			s := h.done[0]
			return append(sessionDigest(s), s.ControlGaps, s.ControlGapBytes)
		}
		whole, bytewise := run(nil), run(splitters(0)["bytes"])
		if !reflect.DeepEqual(whole, bytewise) {
			t.Fatalf("byte-by-byte delivery changed the session:\n %+v\n %+v", whole, bytewise)
		}
	})
}
