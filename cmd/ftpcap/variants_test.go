package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpcap/ftpcap/analysis"
)

// Capture variants: the volume lab's traffic as customers capture it.
//
// The committed volume capture was taken whole, on the router. Customers
// send captures cut by a snap length, with packets the capture lost, and
// rotated into several files. These tests derive such variants from the
// volume capture at test time (in Go, with a fixed seed: nothing to
// install, the same files on every clone) and check ftpcap against what
// each variant can still show. The expectation model below was written
// from spec/causes.md ("What the capture cannot show") and the plan before
// ftpcap ran on any variant; it is judged per planned session, and only on
// sessions ftpcap gets fully right on the whole capture (on the committed
// set, all of them), so a variant is measured for what the variant does.
//
// Rotated files (editcap -c 5000): the same packets in the same order, cut
// into files. ftpcap reads them as one capture, so it must give exactly the
// original's breaks, findings and sessions: same connections, causes,
// confidences, times and summaries, and evidence pointing at the same
// packets (frame numbers counted across the files).
//
// Snap length 96 and 128 (editcap -s): every packet is still there with its
// IP and TCP headers; only payload beyond the cut is gone. With Ethernet,
// IP and TCP with timestamps that leaves 30 (IPv4) or 10 (IPv6) bytes of
// each segment at 96, 62 or 42 at 128: a reply or command that starts a
// segment keeps its code or verb. Breaks rest on codes, commands and TCP
// flags and sequence numbers, so:
//   - the capture quality says packets were cut (rating not good);
//   - every planned break is found on its connection, no break is added
//     (a clean session stays clean), and none is a network cause;
//   - the cause is the planned one, except where it rests on reply text the
//     cut removed: a refusal (file-unavailable or permission-denied) whose
//     4xx/5xx reply line the cut shortened may be named as either refusal
//     or unexplained, at a confidence below the whole capture's verdict;
//     never a different cause at full confidence.
//
// Capture loss of 1%, 3% and 5% (frames deleted at random, seed 9): the
// network lost nothing; the capture did.
//   - the capture quality says the capture lost packets (rating poor,
//     acknowledged bytes the capture never had);
//   - no break has a network cause the whole capture did not have in that
//     session: capture loss is not network loss;
//   - a session none of whose deciding packets was deleted must come out
//     exactly as on the whole capture: its planned breaks with the planned
//     causes and nothing else. Deciding packets are the FINs and RSTs of
//     the session's connections and every control segment that carries
//     more than the session's setup. Not deciding: a data segment (the
//     sequence numbers of what follows and the acknowledgements show what
//     was carried), a pure ACK, a SYN or SYN-ACK (the ACKs and data after
//     it show the connection was made), and a control segment carrying only
//     setup: SYST, FEAT, PWD, TYPE, OPTS, CLNT, MODE, STRU, NOOP, PASV,
//     EPSV, PORT, EPRT, or a positive reply to login or setup (220, 331,
//     230, 215, 211 and its lines, 257, 200, 227, 229, 202). Their loss is
//     a gap in the control stream that the tool must read past (issue 9
//     item 3): what ends the session is all still there. A lost 227/229 or
//     PORT/EPRT leaves the data connection to be linked by hosts and time,
//     as ftpcap already does when a snap length cut the port;
//   - where deciding packets were deleted, a planned break may be missed or
//     given another cause at a confidence below the whole capture's, and a
//     break on a clean session is tolerated; each such case is counted and
//     listed with the deleted frames, never silently passed.
//
// One direction lost (a tenth of the connections, chosen by a hash of
// their endpoints): see checkOneWay.
//
// Sessions are found as the volume score finds them (client address and
// the session's window); a deleted frame belongs to the session whose
// client address is one of its ends and whose window holds its time.
//
// Failing by design until dissect and classify change (the mechanisms,
// examples and fixes are in samples/realistic/VARIANTS.md): rotated
// (summaries quote a frame number of one file), snap96 (a cut 530
// greeting loses service-unavailable, a cut 421 timeout becomes one; a cut
// announced size turns a server kill into a client abort), loss1/3/5 (a reply or command lost in a gap
// shifts the pairing or leaves the data connection unlinked), oneway10
// (a connection with one direction missing is judged at full
// confidence; capture quality stays good). snap128 passes.

// variantSeed fixes which frames the loss variants delete.
const variantSeed = 9

// variant is one way of capturing the same traffic worse.
type variant struct {
	name    string
	snap    int     // keep this many bytes of each packet (editcap -s)
	lossPct float64 // delete this percentage of frames at random (capture loss)
	rotate  int     // split into files of this many packets (editcap -c)
	// oneWayPct: this percentage of TCP connections, chosen by a hash of
	// their endpoints, lose every frame of one direction (a SPAN port that
	// lost a direction): the server's for half of them, the client's for
	// the other half.
	oneWayPct int
}

var captureVariants = []variant{
	{name: "rotated", rotate: 5000},
	{name: "snap96", snap: 96},
	{name: "snap128", snap: 128},
	{name: "loss1", lossPct: 1},
	{name: "loss3", lossPct: 3},
	{name: "loss5", lossPct: 5},
	{name: "oneway10", oneWayPct: 10},
}

// TestCaptureVariants checks ftpcap on variants of the committed volume
// capture against the expectation model above.
func TestCaptureVariants(t *testing.T) {
	runVariants(t, smallPcap, smallPlan)
}

// TestCaptureVariantsWide does the same on the committed wide capture
// (more servers and clients).
func TestCaptureVariantsWide(t *testing.T) {
	runVariants(t, widePcap, widePlan)
}

// TestCaptureVariantsLarge does the same on the large capture `make
// realistic` writes (FTPCAP_REALISTIC names its folder); skipped without it.
func TestCaptureVariantsLarge(t *testing.T) {
	pcap, plan := largeVolume(t)
	if testing.Short() {
		t.Skip("-short: the large capture's variants take about 30 s under -race")
	}
	runVariants(t, pcap, plan)
}

func runVariants(t *testing.T, pcapPath, planPath string) {
	plan := loadVolumePlan(t, planPath)
	orig := analyseVariant(t, []string{pcapPath})
	base := newVariantBase(plan, orig)
	t.Logf("whole capture: %d of %d planned sessions fully right; the model judges those", base.judged(), len(plan.Sessions))
	for _, v := range captureVariants {
		t.Run(v.name, func(t *testing.T) {
			d := deriveVariant(t, pcapPath, variantDir(t, v), v, base.clients())
			res := analyseVariant(t, d.paths)
			var m *modelCheck
			switch {
			case v.rotate > 0:
				m = checkRotated(base, d, res)
			case v.snap > 0:
				m = checkSnap(base, d, res)
			case v.oneWayPct > 0:
				m = checkOneWay(base, d, res)
			default:
				m = checkLoss(base, d, res)
			}
			sc := scoreBreaks(plan, res)
			t.Logf("\n%s: %s\nplain volume score: %s of planned breaks with the planned cause (%d of %d); %d wrong cause, %d missed, %d false\n%s",
				v.name, d.describe(), pct(sc.right, sc.expected), sc.right, sc.expected, sc.wrong, sc.missed, sc.falseTotal(), m.report())
			if len(m.violations) > 0 {
				t.Errorf("%s: ftpcap breaks the expectation model %d times (mechanisms above; samples/realistic/VARIANTS.md says why and what to fix); the expectation holds, the rules must change",
					v.name, m.count(m.violations))
			}
		})
	}
}

// variantDir is where a variant is written: a temporary folder, or
// $FTPCAP_VARIANTS/<name> to keep the files for ftpcap analyze and tshark.
func variantDir(t *testing.T, v variant) string {
	keep := os.Getenv("FTPCAP_VARIANTS")
	if keep == "" {
		return t.TempDir()
	}
	dir := filepath.Join(keep, v.name)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func analyseVariant(t *testing.T, paths []string) *analysis.Result {
	t.Helper()
	res, err := analysis.Files(context.Background(), paths, analysis.Options{})
	if err != nil {
		t.Fatalf("%s: %v", paths[0], err)
	}
	if len(res.Errors) > 0 {
		t.Fatalf("%s: %s", res.Errors[0].Path, res.Errors[0].Error)
	}
	return res
}

// ---- deriving the variants ----

// frameFacts is what a frame of the original capture carried.
type frameFacts struct {
	frame         int64 // 1-based, in the original capture
	at            time.Time
	src, dst      netip.AddrPort
	syn, fin, rst bool
	payload       []byte // the TCP payload, whole
	kept          int    // payload bytes a snap-length variant kept
}

func (f *frameFacts) control() bool { return f.src.Port() == 21 || f.dst.Port() == 21 }

// deciding: a frame whose loss can change what the capture shows about how
// a connection or a command ended (see the model above): a FIN or RST, or
// a control segment that carries more than the session's setup.
func (f *frameFacts) deciding() bool {
	if f.fin || f.rst {
		return true
	}
	if !f.control() || len(f.payload) == 0 {
		return false
	}
	for _, line := range strings.Split(strings.TrimRight(string(f.payload), "\r\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		if f.src.Port() == 21 && !setupReply(line) || f.dst.Port() == 21 && !setupCommands[commandVerb(line)] {
			return true
		}
	}
	return false
}

// setupCommands set the session up (login, features, type, data mode);
// PASS and USER are left out: a login refusal rests on them. Their loss
// leaves a gap the tool can read past: the commands and replies that end
// the session are still there.
var setupCommands = map[string]bool{"SYST": true, "FEAT": true, "PWD": true, "TYPE": true, "OPTS": true,
	"CLNT": true, "MODE": true, "STRU": true, "NOOP": true, "PASV": true, "EPSV": true, "PORT": true, "EPRT": true}

func commandVerb(line string) string {
	verb, _, _ := strings.Cut(line, " ")
	return strings.ToUpper(verb)
}

// setupReply: a positive reply to login or setup (greeting 220, 331, 230,
// 215, FEAT's 211 and its feature lines, 257, 200, 227, 229, 202), which
// decides no break.
func setupReply(line string) bool {
	if len(line) < 4 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) {
		return true // a continuation line of a multi-line reply
	}
	switch line[:3] {
	case "220", "331", "230", "215", "211", "257", "200", "227", "229", "202":
		return true
	}
	return false
}

func (f *frameFacts) String() string {
	var flags []string
	for _, fl := range []struct {
		on   bool
		name string
	}{{f.syn, "SYN"}, {f.fin, "FIN"}, {f.rst, "RST"}} {
		if fl.on {
			flags = append(flags, fl.name)
		}
	}
	s := fmt.Sprintf("#%d %s→%s", f.frame, f.src, f.dst)
	if len(flags) > 0 {
		s += " " + strings.Join(flags, "+")
	}
	if len(f.payload) > 0 {
		if f.control() {
			line, _, _ := strings.Cut(string(f.payload), "\r\n")
			s += fmt.Sprintf(" %q", printable(line, 40))
		} else {
			s += fmt.Sprintf(" %d data bytes", len(f.payload))
		}
	}
	return s
}

func printable(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '.'
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max] + "…"
	}
	if strings.HasPrefix(strings.ToUpper(s), "PASS ") {
		s = "PASS ****"
	}
	return s
}

// decodeFrame reads a TCP frame's addresses, flags and payload.
func decodeFrame(data []byte, lt layers.LinkType, frame int64, at time.Time) (*frameFacts, bool) {
	p := gopacket.NewPacket(data, lt, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok {
		return nil, false
	}
	var src, dst netip.Addr
	switch ip := p.NetworkLayer().(type) {
	case *layers.IPv4:
		src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
	case *layers.IPv6:
		src, _ = netip.AddrFromSlice(ip.SrcIP)
		dst, _ = netip.AddrFromSlice(ip.DstIP)
	default:
		return nil, false
	}
	return &frameFacts{frame: frame, at: at,
		src: netip.AddrPortFrom(src, uint16(tcp.SrcPort)), dst: netip.AddrPortFrom(dst, uint16(tcp.DstPort)),
		syn: tcp.SYN, fin: tcp.FIN, rst: tcp.RST, payload: append([]byte(nil), tcp.Payload...),
		kept: len(tcp.Payload)}, true
}

// derivedCapture is a variant written to disk and what the derivation did.
type derivedCapture struct {
	v      variant
	paths  []string
	frames int64 // frames in the original
	// deleted: the TCP frames a loss variant deleted.
	deleted []*frameFacts
	// cutErrors: server control segments where the snap length cut a
	// 4xx/5xx reply line short (its text is not all there). cutSizes:
	// control segments where it cut a line that tells a transfer's size
	// (150 and 213 replies, which announce it; RETR and SIZE, whose
	// arguments tie a 213 to the transfer).
	cutErrors, cutSizes []*frameFacts
	cut                 int64 // packets the snap length shortened
	// kept: the original frame number of each frame a loss variant kept,
	// so evidence is quoted in the original's numbering.
	kept []int64
	// oneWay: the connections a one-way variant took a direction from.
	oneWay map[string]*oneWayConn
}

// oneWayConn is a connection that lost one direction.
type oneWayConn struct {
	first      *frameFacts // its first frame in the original capture
	lostServer bool        // the server's direction was dropped (else the client's)
	dropped    int
}

func (o *oneWayConn) String() string {
	who := "client's"
	if o.lostServer {
		who = "server's"
	}
	return fmt.Sprintf("%s→%s from #%d lost the %s %d frames", o.first.src, o.first.dst, o.first.frame, who, o.dropped)
}

// dropOneWay says whether frame f goes: its connection is among the
// chosen ones and f travels in the direction that connection lost.
func (d *derivedCapture) dropOneWay(f *frameFacts, clients map[string]bool) bool {
	a, b := f.src.String(), f.dst.String()
	if b < a {
		a, b = b, a
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d %s %s", variantSeed, a, b)
	sum := h.Sum64()
	if sum%100 >= uint64(d.v.oneWayPct) {
		return false
	}
	key := a + " " + b
	if d.oneWay == nil {
		d.oneWay = map[string]*oneWayConn{}
	}
	o := d.oneWay[key]
	if o == nil {
		o = &oneWayConn{first: f, lostServer: sum>>32&1 == 0}
		d.oneWay[key] = o
	}
	fromServer := !clients[f.src.Addr().String()]
	if fromServer != o.lostServer {
		return false
	}
	o.dropped++
	return true
}

// origFrame turns a frame number of the variant into the original's.
func (d *derivedCapture) origFrame(frame int64) int64 {
	if d == nil || d.kept == nil || frame < 1 || frame > int64(len(d.kept)) {
		return frame
	}
	return d.kept[frame-1]
}

func (d *derivedCapture) describe() string {
	switch {
	case d.v.rotate > 0:
		return fmt.Sprintf("%d frames in %d files of at most %d packets", d.frames, len(d.paths), d.v.rotate)
	case d.v.oneWayPct > 0:
		dropped, lostServer := 0, 0
		for _, o := range d.oneWay {
			dropped += o.dropped
			if o.lostServer {
				lostServer++
			}
		}
		return fmt.Sprintf("%d%% of TCP connections lost one direction: %d connections (%d the server's direction, %d the client's), %d of %d frames deleted",
			d.v.oneWayPct, len(d.oneWay), lostServer, len(d.oneWay)-lostServer, dropped, d.frames)
	case d.v.snap > 0:
		return fmt.Sprintf("snap length %d: %d of %d frames cut; %d server error replies and %d size-telling lines (150, 213, RETR, SIZE) cut short",
			d.v.snap, d.cut, d.frames, len(d.cutErrors), len(d.cutSizes))
	}
	deciding := 0
	for _, f := range d.deleted {
		if f.deciding() {
			deciding++
		}
	}
	return fmt.Sprintf("%.0f%% capture loss (seed %d): %d of %d TCP frames deleted, %d of them deciding (a FIN, a RST, or a control segment beyond the setup)",
		d.v.lossPct, variantSeed, len(d.deleted), d.frames, deciding)
}

// deriveVariant writes variant v of the capture at src into dir.
func deriveVariant(t *testing.T, src, dir string, v variant, clients map[string]bool) *derivedCapture {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 1<<20)
	var rd io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			t.Fatal(err)
		}
		rd = gz
	}
	r, err := pcapgo.NewReader(rd)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	d := &derivedCapture{v: v}
	out := &variantWriter{t: t, dir: dir, name: v.name, linkType: r.LinkType(), snaplen: r.Snaplen(),
		nanos: r.Resolution() == gopacket.TimestampResolutionNanosecond}
	if v.snap > 0 {
		out.snaplen = uint32(v.snap)
	}
	rng := rand.New(rand.NewPCG(variantSeed, uint64(v.lossPct*100)))
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s frame %d: %v", src, d.frames+1, err)
		}
		d.frames++
		switch {
		case v.lossPct > 0:
			if rng.Float64()*100 < v.lossPct {
				if f, ok := decodeFrame(data, r.LinkType(), d.frames, ci.Timestamp); ok {
					d.deleted = append(d.deleted, f)
				}
				continue
			}
		case v.oneWayPct > 0:
			if f, ok := decodeFrame(data, r.LinkType(), d.frames, ci.Timestamp); ok && d.dropOneWay(f, clients) {
				continue
			}
		case v.snap > 0 && len(data) > v.snap:
			d.cut++
			if f, ok := decodeFrame(data, r.LinkType(), d.frames, ci.Timestamp); ok {
				f.kept = max(0, len(f.payload)-(len(data)-v.snap))
				if f.src.Port() == 21 && cutsLine(f.payload, f.kept, isErrorReply) {
					d.cutErrors = append(d.cutErrors, f)
				}
				if f.control() && cutsLine(f.payload, f.kept, tellsSize) {
					d.cutSizes = append(d.cutSizes, f)
				}
			}
			data = data[:v.snap]
			ci.CaptureLength = v.snap
		}
		if v.lossPct > 0 || v.oneWayPct > 0 {
			d.kept = append(d.kept, d.frames)
		}
		if v.rotate > 0 && out.written == int64(v.rotate) {
			out.close()
		}
		out.write(ci, data)
	}
	out.close()
	d.paths = out.paths
	return d
}

// cutsLine: a line of payload that matches ends beyond the kept bytes, so
// its text is not all in the variant.
func cutsLine(payload []byte, kept int, matches func(line []byte) bool) bool {
	for start := 0; start < len(payload); {
		end := len(payload)
		if i := strings.Index(string(payload[start:]), "\n"); i >= 0 {
			end = start + i + 1
		}
		line := payload[start:end]
		if end > kept && matches(line) {
			return true
		}
		start = end
	}
	return false
}

func isErrorReply(line []byte) bool {
	return len(line) >= 4 && (line[0] == '4' || line[0] == '5') && isDigit(line[1]) && isDigit(line[2]) &&
		(line[3] == ' ' || line[3] == '-')
}

func tellsSize(line []byte) bool {
	for _, prefix := range []string{"150", "213", "RETR ", "SIZE "} {
		if strings.HasPrefix(strings.ToUpper(string(line)), prefix) {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// variantWriter writes pcap files, starting a new one after close.
type variantWriter struct {
	t        *testing.T
	dir      string
	name     string
	linkType layers.LinkType
	snaplen  uint32
	nanos    bool
	paths    []string
	f        *os.File
	bw       *bufio.Writer
	w        *pcapgo.Writer
	written  int64 // packets in the current file
}

func (vw *variantWriter) write(ci gopacket.CaptureInfo, data []byte) {
	if vw.w == nil {
		path := filepath.Join(vw.dir, fmt.Sprintf("%s_%05d.pcap", vw.name, len(vw.paths)))
		f, err := os.Create(path)
		if err != nil {
			vw.t.Fatal(err)
		}
		vw.f, vw.bw, vw.paths, vw.written = f, bufio.NewWriterSize(f, 1<<20), append(vw.paths, path), 0
		if vw.nanos {
			vw.w = pcapgo.NewWriterNanos(vw.bw)
		} else {
			vw.w = pcapgo.NewWriter(vw.bw)
		}
		if err := vw.w.WriteFileHeader(vw.snaplen, vw.linkType); err != nil {
			vw.t.Fatal(err)
		}
	}
	if err := vw.w.WritePacket(ci, data); err != nil {
		vw.t.Fatal(err)
	}
	vw.written++
}

func (vw *variantWriter) close() {
	if vw.w == nil {
		return
	}
	if err := vw.bw.Flush(); err != nil {
		vw.t.Fatal(err)
	}
	if err := vw.f.Close(); err != nil {
		vw.t.Fatal(err)
	}
	vw.w = nil
}

// ---- the expectation model ----

// variantBase is the whole capture's analysis, per planned session.
type variantBase struct {
	plan *volumePlan
	res  *analysis.Result
	idx  windowIndex
	got  [][]analysis.Verdict
	// right: ftpcap's verdicts on the whole capture match the plan exactly.
	right []bool
}

func newVariantBase(plan *volumePlan, res *analysis.Result) *variantBase {
	b := &variantBase{plan: plan, res: res, idx: newWindowIndex(plan.Sessions), right: make([]bool, len(plan.Sessions))}
	b.got, _ = attributeBreaks(plan, res)
	for i := range plan.Sessions {
		p := &plan.Sessions[i]
		if strings.HasPrefix(p.Injected, "FAILED") || len(b.got[i]) != len(p.Expected) {
			continue
		}
		used := make([]bool, len(b.got[i]))
		b.right[i] = true
		for _, e := range p.Expected {
			if m := matchBreak(e, b.got[i], used); m == nil || !e.accepts(m.Cause) {
				b.right[i] = false
			}
		}
	}
	return b
}

// clients: the planned sessions' client addresses.
func (b *variantBase) clients() map[string]bool {
	m := map[string]bool{}
	for addr := range b.idx {
		m[addr] = true
	}
	return m
}

func (b *variantBase) judged() int {
	n := 0
	for _, r := range b.right {
		if r {
			n++
		}
	}
	return n
}

// newNetworkCause: v blames the network with a cause the whole capture
// did not give any break of session i. What a variant lost, the capture
// lost: it is never the network's doing.
func (b *variantBase) newNetworkCause(i int, v *analysis.Verdict) bool {
	if !networkCauses[v.Cause] {
		return false
	}
	for _, o := range b.got[i] {
		// The same network cause, or another network cause on the same
		// kind of connection: the network did lose something there in
		// the whole capture too (SYNs a firewall dropped are
		// data-channel-blocked with the server's 221 in view, and
		// syn-unanswered when the capture lost the 221); the variant
		// made no network loss out of capture loss.
		if o.Cause == v.Cause || (networkCauses[o.Cause] && o.Connection.Kind == v.Connection.Kind) {
			return false
		}
	}
	return true
}

// origBreak is the whole capture's break for planned break e of session i.
func (b *variantBase) origBreak(i int, e expectedBreak) *analysis.Verdict {
	return matchBreak(e, b.got[i], make([]bool, len(b.got[i])))
}

// sessionOf finds the planned session a frame belongs to.
func (b *variantBase) sessionOf(f *frameFacts) (int, bool) {
	for _, end := range []netip.AddrPort{f.src, f.dst} {
		if _, ok := b.idx[end.Addr().String()]; ok {
			return b.idx.find(end.String(), f.at)
		}
	}
	return 0, false
}

// modelCheck gathers what a variant's result did against the model:
// violations (ftpcap is wrong) and tolerated cases (the variant removed
// the evidence), each by mechanism with its first example.
type modelCheck struct {
	held                  int // planned breaks found with the planned cause
	violations, tolerated map[string]int
	examples              map[string]string
	// pairs: the client × server pairs each mechanism was seen on.
	pairs map[string]map[string]bool
	notes []string
}

func newModelCheck() *modelCheck {
	return &modelCheck{violations: map[string]int{}, tolerated: map[string]int{}, examples: map[string]string{},
		pairs: map[string]map[string]bool{}}
}

// violate counts a case where ftpcap breaks the model; p is the planned
// session (nil for the capture as a whole).
func (m *modelCheck) violate(key string, p *plannedSession, example string) {
	m.violations[key]++
	m.note(key, p, example)
}

// tolerate counts a case the variant's lost evidence excuses.
func (m *modelCheck) tolerate(key string, p *plannedSession, example string) {
	m.tolerated[key]++
	m.note(key, p, example)
}

func (m *modelCheck) note(key string, p *plannedSession, example string) {
	if _, ok := m.examples[key]; !ok {
		m.examples[key] = example
	}
	if p != nil {
		if m.pairs[key] == nil {
			m.pairs[key] = map[string]bool{}
		}
		m.pairs[key][p.Client+" × "+p.Server] = true
	}
}

// pairList names the client × server pairs of a mechanism.
func (m *modelCheck) pairList(key string) string {
	var ps []string
	for p := range m.pairs[key] {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	if len(ps) == 0 {
		return ""
	}
	return "\n       on " + strings.Join(ps, ", ")
}

func (m *modelCheck) count(set map[string]int) int {
	n := 0
	for _, c := range set {
		n += c
	}
	return n
}

func (m *modelCheck) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "model: %d planned breaks held; %d violations; %d tolerated (the variant removed the evidence)\n",
		m.held, m.count(m.violations), m.count(m.tolerated))
	for _, n := range m.notes {
		fmt.Fprintf(&b, "  %s\n", n)
	}
	for _, set := range []struct {
		title string
		m     map[string]int
	}{{"VIOLATIONS (ftpcap wrong)", m.violations}, {"tolerated", m.tolerated}} {
		keys := make([]string, 0, len(set.m))
		for k := range set.m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if set.m[keys[i]] != set.m[keys[j]] {
				return set.m[keys[i]] > set.m[keys[j]]
			}
			return keys[i] < keys[j]
		})
		if len(keys) > 0 {
			fmt.Fprintf(&b, "%s by mechanism (count, mechanism; first instance):\n", set.title)
		}
		for _, k := range keys {
			fmt.Fprintf(&b, "%5d  %s%s\n       e.g. %s\n", set.m[k], k, m.pairList(k), m.examples[k])
		}
	}
	return b.String()
}

// describeBreak says what ftpcap said, with its first evidence frames (in
// the original capture's numbering).
func describeBreak(v *analysis.Verdict, d *derivedCapture) string {
	var ev []string
	for _, e := range v.Evidence {
		if len(ev) == 3 {
			break
		}
		ev = append(ev, fmt.Sprintf("#%d %s", d.origFrame(e.Frame), printable(e.Text, 90)))
	}
	return fmt.Sprintf("ftpcap: %s %s (confidence %.2f) %q; evidence: %s",
		v.Connection.Kind, v.Cause, v.Confidence, printable(v.Summary, 140), strings.Join(ev, " | "))
}

func sessionExample(p *plannedSession) string {
	return fmt.Sprintf("session %d (%s × %s × %s, %s, %s, client %s)", p.Index, p.Client, p.Server, p.Outcome, p.Family, p.Mode, p.ClientAddr)
}

var networkCauses = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range []string{"syn-unanswered", "handshake-incomplete", "icmp-unreachable", "middlebox-reset",
		"fragmentation-needed", "mtu-blackhole", "data-channel-blocked", "pasv-address-mismatch",
		"path-loss-timeout", "idle-state-loss", "route-change"} {
		m[c] = true
	}
	return m
}()

func isRefusal(cause string) bool { return cause == "file-unavailable" || cause == "permission-denied" }

// checkRotated: the same breaks, findings and sessions as the whole
// capture, evidence on the same packets.
func checkRotated(base *variantBase, d *derivedCapture, res *analysis.Result) *modelCheck {
	m := newModelCheck()
	global := globalFrames(res)
	orig := globalFrames(base.res)
	for _, list := range []struct {
		name       string
		want, have []analysis.Verdict
	}{{"break", base.res.Breaks, res.Breaks}, {"finding", base.res.Findings, res.Findings}} {
		if len(list.want) != len(list.have) {
			m.violate(fmt.Sprintf("%d %ss, the whole capture has %d", len(list.have), list.name, len(list.want)), nil, "counts differ")
		}
		for i := range min(len(list.want), len(list.have)) {
			w, h := verdictKey(&list.want[i], orig), verdictKey(&list.have[i], global)
			key := fmt.Sprintf("rotated files change a %s", list.name)
			if frameWords.ReplaceAllString(w, "frame N") == frameWords.ReplaceAllString(h, "frame N") {
				key = fmt.Sprintf("rotated files change a %s's summary: it quotes a frame number of one file without naming the file", list.name)
			}
			if w != h {
				m.violate(key, nil, fmt.Sprintf("%s %d: whole capture %s; rotated %s", list.name, i+1, w, h))
			} else if list.name == "break" {
				m.held++
			}
		}
	}
	if len(base.res.Sessions) != len(res.Sessions) {
		m.violate("rotated files change the sessions", nil, fmt.Sprintf("%d sessions, the whole capture has %d", len(res.Sessions), len(base.res.Sessions)))
	}
	for i := range min(len(base.res.Sessions), len(res.Sessions)) {
		w, h := &base.res.Sessions[i], &res.Sessions[i]
		wf, hf := orig(w.Input, w.Frame), global(h.Input, h.Frame)
		if w.ID != h.ID || w.Outcome != h.Outcome || wf != hf || len(w.Transfers) != len(h.Transfers) {
			m.violate("rotated files change a session", nil, fmt.Sprintf("%s %s frame %d; rotated %s %s frame %d", w.ID, w.Outcome, wf, h.ID, h.Outcome, hf))
		}
	}
	if base.res.CaptureQuality.Rating != res.CaptureQuality.Rating {
		m.violate("rotated files change the capture quality", nil, fmt.Sprintf("%s → %s", base.res.CaptureQuality.Rating, res.CaptureQuality.Rating))
	}
	return m
}

// frameWords finds the frame numbers a summary quotes; fileFrameWords
// those it quotes with their file.
var (
	frameWords     = regexp.MustCompile(`frame \d+`)
	fileFrameWords = regexp.MustCompile(`frame (\d+) of (\S+\.pcap)`)
)

// globalFrames numbers frames across the inputs in order, as one capture.
func globalFrames(res *analysis.Result) func(input int, frame int64) int64 {
	offset := make([]int64, len(res.Inputs))
	for i := 1; i < len(res.Inputs); i++ {
		offset[i] = offset[i-1] + res.Inputs[i-1].Packets
	}
	return func(input int, frame int64) int64 {
		if input < 0 || input >= len(offset) {
			return frame
		}
		return offset[input] + frame
	}
}

func verdictKey(v *analysis.Verdict, global func(int, int64) int64) string {
	var ev []string
	for _, e := range v.Evidence {
		ev = append(ev, fmt.Sprintf("#%d %s", global(inputIndexOf(e.Input), e.Frame), e.Text))
	}
	// A summary of a capture in several files names the file of each
	// frame it quotes ("frame 4906 of x_00002.pcap"): count it across
	// the files as the evidence is counted.
	summary := fileFrameWords.ReplaceAllStringFunc(v.Summary, func(m string) string {
		sm := fileFrameWords.FindStringSubmatch(m)
		n, _ := strconv.ParseInt(sm[1], 10, 64)
		return fmt.Sprintf("frame %d", global(inputIndexOf(sm[2]), n))
	})
	return fmt.Sprintf("%s %s %s→%s %s/%s %.2f %s transfer %d %q [%s]", v.Session, v.Connection.Kind, v.Connection.Client,
		v.Connection.Server, v.Class, v.Cause, v.Confidence, v.Time.UTC().Format(time.RFC3339Nano), v.Transfer, summary, strings.Join(ev, "; "))
}

// inputIndexOf reads the file's position from a variant's name
// (name_00003.pcap); a single input names none.
func inputIndexOf(path string) int {
	var name string
	var k int
	base := strings.TrimSuffix(filepath.Base(path), ".pcap")
	if i := strings.LastIndexByte(base, '_'); i >= 0 {
		name = base[i+1:]
	}
	if _, err := fmt.Sscanf(name, "%d", &k); err != nil {
		return 0
	}
	return k
}

// checkSnap applies the snap-length part of the model.
func checkSnap(base *variantBase, d *derivedCapture, res *analysis.Result) *modelCheck {
	m := newModelCheck()
	if q := res.CaptureQuality; q.Rating == "good" || q.TruncatedPackets == 0 {
		m.violate("capture quality does not say the snap length cut packets", nil,
			fmt.Sprintf("rating %s, %d truncated packets; %d were cut", q.Rating, q.TruncatedPackets, d.cut))
	}
	errorCut, sizeCut := map[int][]*frameFacts{}, map[int][]*frameFacts{}
	for _, f := range d.cutErrors {
		if i, ok := base.sessionOf(f); ok {
			errorCut[i] = append(errorCut[i], f)
		}
	}
	for _, f := range d.cutSizes {
		if i, ok := base.sessionOf(f); ok {
			sizeCut[i] = append(sizeCut[i], f)
		}
	}
	got, outside := attributeBreaks(base.plan, res)
	for _, b := range outside {
		m.violate(fmt.Sprintf("break outside every planned session: %s", b.Cause), nil, describeBreak(&b, d))
	}
	for i := range base.plan.Sessions {
		if !base.right[i] {
			continue
		}
		p := &base.plan.Sessions[i]
		used := make([]bool, len(got[i]))
		for _, e := range p.Expected {
			b := matchBreak(e, got[i], used)
			orig := base.origBreak(i, e)
			key := fmt.Sprintf("%s, %s: planned %s → ", p.Outcome, e.Kind, e.Cause)
			switch {
			case b == nil:
				m.violate(key+"(no break): codes and flags survive the cut, the break must be found", p,
					sessionExample(p)+": no break on this connection; whole capture: "+describeBreak(orig, nil))
			case e.accepts(b.Cause):
				m.held++
			case isRefusal(e.Cause) && len(errorCut[i]) > 0 && (isRefusal(b.Cause) || b.Cause == "unexplained") && b.Confidence < orig.Confidence:
				m.tolerate(key+b.Cause+" at lowered confidence: the reply text that tells the refusals apart was cut", p,
					fmt.Sprintf("%s: cut reply %s; %s", sessionExample(p), errorCut[i][0], describeBreak(b, d)))
			case !isRefusal(e.Cause) && len(sizeCut[i]) > 0 && b.Cause == "unexplained":
				m.tolerate(key+"unexplained: the announced size was cut", p,
					fmt.Sprintf("%s: cut %s; %s", sessionExample(p), sizeCut[i][0], describeBreak(b, d)))
			default:
				m.violate(key+b.Cause+": "+snapWhy(e, errorCut[i], sizeCut[i]), p,
					fmt.Sprintf("%s: %s; whole capture %.2f", sessionExample(p), describeBreak(b, d), orig.Confidence))
			}
		}
		for j := range got[i] {
			if used[j] {
				continue
			}
			b := &got[i][j]
			m.violate(fmt.Sprintf("%s, %s: false %s (the cut removed no packet)", p.Outcome, b.Connection.Kind, b.Cause), p,
				sessionExample(p)+": "+describeBreak(b, d))
		}
	}
	return m
}

// snapWhy says which part of the snap-length model a wrong cause breaks.
func snapWhy(e expectedBreak, errorCut, sizeCut []*frameFacts) string {
	switch {
	case isRefusal(e.Cause) && len(errorCut) == 0:
		return "the refusal's reply line is whole in this variant"
	case isRefusal(e.Cause):
		return "a refusal whose text was cut may only become the other refusal or unexplained, at lowered confidence"
	case len(sizeCut) > 0:
		return "without the announced size the verdict may drop to unexplained, not become another cause (the packets still show who ended the transfer first)"
	}
	return "a cause the snap length cannot change (codes and flags survive)"
}

// deletedFrames lists a session's deleted frames, deciding ones first.
func deletedFrames(lost, all []*frameFacts) string {
	var fs []string
	for k, f := range lost {
		if k == 4 {
			fs = append(fs, fmt.Sprintf("and %d more deciding", len(lost)-k))
			break
		}
		fs = append(fs, f.String())
	}
	if len(lost) == 0 {
		fs = append(fs, "no deciding frame")
	}
	var other []string
	for _, f := range all {
		if f.deciding() {
			continue
		}
		if len(other) == 4 {
			other = append(other, "…")
			break
		}
		other = append(other, f.String())
	}
	if len(other) > 0 {
		fs = append(fs, "not deciding: "+strings.Join(other, ", "))
	}
	return strings.Join(fs, ", ")
}

// checkLoss applies the capture-loss part of the model.
func checkLoss(base *variantBase, d *derivedCapture, res *analysis.Result) *modelCheck {
	m := newModelCheck()
	if q := res.CaptureQuality; q.Rating != "poor" || q.AckedUnseenBytes == 0 {
		m.violate("capture quality does not say the capture lost packets", nil,
			fmt.Sprintf("rating %s, %d acknowledged bytes unseen; %d frames were deleted", q.Rating, q.AckedUnseenBytes, len(d.deleted)))
	}
	// lost: the deciding frames each session lost; deleted: all it lost.
	lost, deleted := map[int][]*frameFacts{}, map[int][]*frameFacts{}
	for _, f := range d.deleted {
		i, ok := base.sessionOf(f)
		if !ok {
			continue
		}
		deleted[i] = append(deleted[i], f)
		if f.deciding() {
			lost[i] = append(lost[i], f)
		}
	}
	got, outside := attributeBreaks(base.plan, res)
	for _, b := range outside {
		m.violate(fmt.Sprintf("break outside every planned session: %s", b.Cause), nil, describeBreak(&b, d))
	}
	sessionsHit := 0
	for i := range base.plan.Sessions {
		if !base.right[i] {
			continue
		}
		if len(lost[i]) > 0 {
			sessionsHit++
		}
		p := &base.plan.Sessions[i]
		example := func(b *analysis.Verdict) string {
			s := sessionExample(p) + ", deleted " + deletedFrames(lost[i], deleted[i])
			if b == nil {
				return s + ": no break on this connection"
			}
			return s + ": " + describeBreak(b, d)
		}
		// survived: the key names what the session did lose, which is the
		// mechanism when every deciding packet survived.
		survived := "every deciding packet survived (lost only " + lostKinds(deleted[i]) + ")"
		evidenceLost := len(lost[i]) > 0
		used := make([]bool, len(got[i]))
		for _, e := range p.Expected {
			b := matchBreak(e, got[i], used)
			orig := base.origBreak(i, e)
			key := fmt.Sprintf("%s, %s: planned %s → ", p.Outcome, e.Kind, e.Cause)
			switch {
			case b != nil && e.accepts(b.Cause):
				m.held++
			case b != nil && base.newNetworkCause(i, b):
				m.violate(key+b.Cause+": capture loss is not network loss", p, example(b))
			case !evidenceLost:
				said := "(no break)"
				if b != nil {
					said = b.Cause
				}
				m.violate(key+said+": "+survived, p, example(b))
			case b == nil:
				m.tolerate(key+"(no break), deciding packets deleted", p, example(b))
			case b.Confidence < orig.Confidence:
				m.tolerate(key+b.Cause+" at lowered confidence, deciding packets deleted", p, example(b))
			default:
				m.violate(key+b.Cause+": a different cause at the whole capture's confidence or above", p, example(b))
			}
		}
		for j := range got[i] {
			if used[j] {
				continue
			}
			b := &got[i][j]
			key := fmt.Sprintf("%s, %s: false %s", p.Outcome, b.Connection.Kind, b.Cause)
			switch {
			case base.newNetworkCause(i, b):
				m.violate(key+": capture loss is not network loss", p, example(b))
			case !evidenceLost:
				m.violate(key+": "+survived, p, example(b))
			default:
				m.tolerate(key+", deciding packets deleted", p, example(b))
			}
		}
	}
	m.notes = append(m.notes, fmt.Sprintf("%d of %d judged sessions lost a deciding packet", sessionsHit, base.judged()))
	return m
}

// lostKinds names the kinds of frames a session lost, for grouping.
func lostKinds(all []*frameFacts) string {
	kinds := map[string]bool{}
	for _, f := range all {
		switch {
		case f.syn:
			kinds["a SYN"] = true
		case f.control() && len(f.payload) > 0 && f.src.Port() == 21:
			kinds["a setup reply"] = true
		case f.control() && len(f.payload) > 0:
			kinds["a setup command"] = true
		case len(f.payload) > 0:
			kinds["data"] = true
		default:
			kinds["ACKs"] = true
		}
	}
	if len(kinds) == 0 {
		return "nothing"
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

// checkOneWay applies the one-direction part of the model: a connection
// of which the capture has one direction only shows half of how it ended.
//   - capture quality is not good (the kept direction acknowledges bytes,
//     or answers segments, the capture never had);
//   - no break has a network cause the whole capture did not have in that
//     session: the peer's missing packets were lost by the capture (a SYN
//     whose SYN-ACK is missing, followed by the opener's ACKs and data, was
//     answered);
//   - a session none of whose connections lost a direction comes out
//     exactly as on the whole capture;
//   - on a session that did, a planned break may be missed or unexplained,
//     and a break with another cause (or on a clean session) is tolerated
//     only below the confidence ftpcap gives that cause on that kind of
//     connection with all the packets (its lowest on the whole capture):
//     at or above it, ftpcap claims full certainty on half the evidence.
func checkOneWay(base *variantBase, d *derivedCapture, res *analysis.Result) *modelCheck {
	m := newModelCheck()
	if res.CaptureQuality.Rating == "good" {
		m.violate("capture quality is good though connections lost a direction", nil,
			fmt.Sprintf("%d connections lost one direction", len(d.oneWay)))
	}
	// full: the lowest confidence of each cause on each kind of connection
	// on the whole capture, where every packet is there.
	full := map[string]float64{}
	for _, b := range base.res.Breaks {
		k := string(b.Connection.Kind) + " " + b.Cause
		if c, ok := full[k]; !ok || b.Confidence < c {
			full[k] = b.Confidence
		}
	}
	confident := func(b *analysis.Verdict) (float64, bool) {
		c, ok := full[string(b.Connection.Kind)+" "+b.Cause]
		return c, ok && b.Cause != "unexplained" && b.Confidence >= c
	}
	hit := map[int][]*oneWayConn{}
	for _, o := range d.oneWay {
		if i, ok := base.sessionOf(o.first); ok {
			hit[i] = append(hit[i], o)
		}
	}
	for _, os := range hit {
		sort.Slice(os, func(i, j int) bool { return os[i].first.frame < os[j].first.frame })
	}
	got, outside := attributeBreaks(base.plan, res)
	for _, b := range outside {
		m.violate(fmt.Sprintf("break outside every planned session: %s", b.Cause), nil, describeBreak(&b, d))
	}
	sessionsHit := 0
	for i := range base.plan.Sessions {
		if !base.right[i] {
			continue
		}
		p := &base.plan.Sessions[i]
		if len(hit[i]) > 0 {
			sessionsHit++
		}
		example := func(b *analysis.Verdict) string {
			s := sessionExample(p)
			var os []string
			for _, o := range hit[i] {
				os = append(os, o.String())
			}
			if len(os) > 0 {
				s += "; " + strings.Join(os, "; ")
			}
			if b == nil {
				return s + ": no break on this connection"
			}
			return s + ": " + describeBreak(b, d)
		}
		affected := len(hit[i]) > 0
		used := make([]bool, len(got[i]))
		for _, e := range p.Expected {
			b := matchBreak(e, got[i], used)
			orig := base.origBreak(i, e)
			key := fmt.Sprintf("%s, %s: planned %s → ", p.Outcome, e.Kind, e.Cause)
			switch {
			case b != nil && e.accepts(b.Cause):
				m.held++
			case b != nil && base.newNetworkCause(i, b):
				m.violate(key+b.Cause+": a direction the capture lost is not network loss", p, example(b))
			case !affected:
				said := "(no break)"
				if b != nil {
					said = b.Cause
				}
				m.violate(key+said+": no connection of this session lost a direction", p, example(b))
			case b == nil:
				m.tolerate(key+"(no break), a connection lost a direction", p, example(b))
			default:
				if c, ok := confident(b); ok || b.Confidence >= orig.Confidence {
					m.violate(key+b.Cause+fmt.Sprintf(": a different cause at the confidence it has with every packet (%.2f)", max(c, orig.Confidence)), p, example(b))
				} else {
					m.tolerate(key+b.Cause+" at lowered confidence, a connection lost a direction", p, example(b))
				}
			}
		}
		for j := range got[i] {
			if used[j] {
				continue
			}
			b := &got[i][j]
			key := fmt.Sprintf("%s, %s: false %s", p.Outcome, b.Connection.Kind, b.Cause)
			switch {
			case base.newNetworkCause(i, b):
				m.violate(key+": a direction the capture lost is not network loss", p, example(b))
			case !affected:
				m.violate(key+": no connection of this session lost a direction", p, example(b))
			default:
				if c, ok := confident(b); ok {
					m.violate(key+fmt.Sprintf(" at the confidence it has with every packet (%.2f)", c), p, example(b))
					continue
				}
				m.tolerate(key+", a connection lost a direction", p, example(b))
			}
		}
	}
	m.notes = append(m.notes, fmt.Sprintf("%d of %d judged sessions had a connection that lost a direction", sessionsHit, base.judged()))
	return m
}
