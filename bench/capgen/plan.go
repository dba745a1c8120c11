package capgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// ending is how a whole session goes.
type ending uint8

const (
	endQuit          ending = iota // logs in, transfers, QUIT, 221, FIN both ways
	endLoginFailures               // 530 to every password until the server closes
	endTooMany                     // 421 instead of the greeting, server closes
	endIdleTimeout                 // goes idle after its transfers until the server's 421
	endSYNUnanswered               // SYNs to port 21 of a host that never answers
	endRefused                     // SYN answered by RST: nothing listens
	numEndings
)

// outcome is how one transfer goes.
type outcome uint8

const (
	xferOK          outcome = iota
	xferMissing             // RETR of a file that does not exist: 550
	xferDenied              // STOR refused: 553/550
	xferServerReset         // the server resets the data and control connections mid-transfer
	xferMiddlebox           // a firewall resets both connections in the server's name
	xferAbort               // the client sends ABOR and resets the data connection
	xferBlocked             // the data connection's SYNs get no answer
	numOutcomes
)

// causeOf names the break each injected failure should be reported as,
// by its id in causes.md.
var (
	endingCause = [numEndings]string{
		endLoginFailures: "login-failures", endTooMany: "service-unavailable",
		endIdleTimeout: "idle-timeout", endSYNUnanswered: "syn-unanswered",
		endRefused: "connection-refused",
	}
	outcomeCause = [numOutcomes]string{
		xferMissing: "file-unavailable", xferDenied: "permission-denied",
		xferServerReset: "server-reset", xferMiddlebox: "middlebox-reset",
		xferAbort: "client-abort", xferBlocked: "data-channel-blocked",
	}
)

// habit is a client program's way of talking FTP.
type habit uint8

const (
	habitCurl   habit = iota // PWD, EPSV, TYPE I, SIZE, one RETR or STOR
	habitLFTP                // FEAT first, PASV (EPSV on IPv6), LIST and RETRs
	habitWinFTP              // Windows ftp.exe: active mode, PORT (EPRT on IPv6)
	habitBackup              // a backup job: TYPE I, STORs, passive or active
	habitProbe               // a monitoring check (Nagios check_ftp): greeting, QUIT
	numHabits
)

// xfer is one planned transfer.
type xfer struct {
	cmd     string // RETR, STOR or LIST
	name    string
	size    int64
	passive bool
	extend  bool // EPSV/EPRT instead of PASV/PORT
	outcome outcome
	cutAt   int64   // bytes sent before a reset or ABOR
	losses  []int64 // data segments lost on the way
	rate    float64 // path rate, bits per second
	listing []byte  // LIST's payload
}

// plan is one session, decided before it runs.
type plan struct {
	start     int64
	srv       *server
	cli       *host
	v6        bool
	habit     habit
	user      string
	pass      string
	ending    ending
	xfers     []xfer
	think     int64 // the client's median pause before its next command
	loginWait int64 // the server's authentication time
}

// conns counts the TCP connections the plan opens.
func (p *plan) conns() int {
	n := 1
	if p.ending == endLoginFailures || p.ending == endTooMany || p.ending == endSYNUnanswered || p.ending == endRefused {
		return n
	}
	for _, x := range p.xfers {
		if !x.passive && (x.outcome == xferMissing || x.outcome == xferDenied) {
			continue // the server refuses before it connects
		}
		n++
	}
	return n
}

// fileBytes estimates what the plan adds to the capture file: payload
// with headers and ACKs, plus a control dialogue.
func (p *plan) fileBytes() int64 {
	b := int64(4000)
	for _, x := range p.xfers {
		var n int64
		switch x.outcome {
		case xferOK:
			n = x.size
		case xferServerReset, xferMiddlebox, xferAbort:
			n = x.cutAt
		}
		b += n*1542/1448 + n/2896*82 + 900
	}
	return b
}

// fit shrinks the plan's transfers so its estimated file bytes stay
// within budget (a capture of a target size must not end with one
// transfer several times that size).
func (p *plan) fit(budget int64) {
	for i := range p.xfers {
		x := &p.xfers[i]
		if x.listing != nil {
			continue
		}
		if over := p.fileBytes() - budget; over > 0 {
			x.size = max(x.size-over*1448/1542, min(x.size, 64<<10))
			x.cutAt = min(x.cutAt, x.size/2)
		}
	}
}

// mix is the traffic of one profile: how often each kind of session,
// client and failure occurs, and the size of things.
type mix struct {
	arrivalMean int64 // mean gap between session starts
	v6Share     float64
	habits      [numHabits]float64
	endings     [numEndings]float64
	outcomes    [numOutcomes]float64
	// transfers per session: 1 + a geometric number with this mean,
	// at most maxXfers (curl does one).
	extraXfers float64
	maxXfers   int
	listShare  float64 // share of transfers that are directory listings
	listLines  int     // at most this many entries in a listing
	// file sizes (bytes), log-normal
	sizeMedian, sizeSigma, sizeMin, sizeMax float64
	// path rates (bits/s), log-normal
	rateMedian, rateSigma, rateMin, rateMax float64
	lossShare                               float64 // share of transfers that lose one to three segments
	// the client's pause between a reply and its next command
	thinkMedian int64
}

var (
	users     = []string{"anonymous", "ftp", "backup", "deploy", "reports", "alice", "bob", "scanner", "www-data", "ci"}
	dirs      = []string{"pub", "pub/linux", "pub/releases", "incoming", "backups", "reports/2024", "firmware", "data/exports", "mirror/debian/pool/main"}
	stems     = []string{"debian-12.5.0-amd64-netinst", "backup", "sales", "firmware", "export", "db-dump", "logs", "release", "invoice", "image", "dataset", "build"}
	exts      = []string{".iso", ".tar.gz", ".tar.zst", ".csv", ".bin", ".zip", ".log.gz", ".sql.gz", ".pdf", ".img", ".json"}
	passwords = []string{"ftp@example.com", "mozilla@example.com", "Summer2024!", "s3cr3t-pass", "hunter2", "Backup#4711", "ci-token-93af"}
)

func fileName(r *rand.Rand) string {
	return fmt.Sprintf("%s/%s-%04d%s", oneOf(r, dirs), oneOf(r, stems), r.IntN(10000), oneOf(r, exts))
}

// planSession draws one session from the mix.
func (m *mix) planSession(r *rand.Rand, st *site, start int64) *plan {
	p := &plan{start: start, ending: ending(pick(r, m.endings[:])), habit: habit(pick(r, m.habits[:]))}
	if p.habit == habitProbe && (p.ending == endLoginFailures || p.ending == endIdleTimeout) {
		p.ending = endQuit // a check never logs in
	}
	p.v6 = r.Float64() < m.v6Share && len(st.clients[1]) > 0
	if p.habit == habitWinFTP {
		p.v6 = false // ftp.exe users here are the Windows PCs, IPv4 only
	}
	for {
		p.srv = oneOf(r, st.servers)
		if !p.v6 || p.srv.v6 != nil {
			break
		}
	}
	// ftp.exe runs on the Windows PCs, the other clients on Linux ones
	for range 64 {
		p.cli = oneOf(r, st.clients[family(p.v6)])
		if (p.habit == habitWinFTP) == (p.cli.stack == windowsStack) {
			break
		}
	}
	p.user = oneOf(r, users)
	p.pass = oneOf(r, passwords)
	p.think = int64(between(r, float64(300*us), 1, float64(30*us), float64(20*ms)))
	if p.habit == habitWinFTP {
		p.think = int64(between(r, float64(2*sec), 0.6, float64(300*ms), float64(15*sec))) // a person typing
	}
	p.loginWait = int64(between(r, float64(4*ms), 0.8, float64(500*us), float64(80*ms)))
	switch p.ending {
	case endSYNUnanswered, endRefused, endTooMany, endLoginFailures:
		return p
	}
	if p.habit == habitProbe {
		return p
	}

	n := 1
	if p.habit != habitCurl {
		for n < m.maxXfers && r.Float64() < m.extraXfers/(1+m.extraXfers) {
			n++
		}
	}
	for i := range n {
		x := xfer{name: fileName(r)}
		switch {
		case p.habit == habitBackup:
			x.cmd = "STOR"
		case p.habit == habitLFTP && (i == 0 || r.Float64() < m.listShare):
			x.cmd = "LIST"
		case p.habit == habitCurl && r.IntN(4) == 0:
			x.cmd = "STOR"
		case r.Float64() < m.listShare:
			x.cmd = "LIST"
		default:
			x.cmd = "RETR"
		}
		switch p.habit {
		case habitCurl:
			x.passive, x.extend = true, true
		case habitLFTP:
			x.passive, x.extend = true, p.v6
		case habitWinFTP:
			x.passive, x.extend = false, p.v6
		case habitBackup:
			x.passive, x.extend = r.IntN(3) > 0, p.v6
		}
		if x.cmd == "LIST" {
			x.name = ""
			x.listing = listing(r, 1+r.IntN(m.listLines))
			x.size = int64(len(x.listing))
		} else {
			x.size = int64(between(r, m.sizeMedian, m.sizeSigma, m.sizeMin, m.sizeMax))
		}
		x.rate = between(r, m.rateMedian, m.rateSigma, m.rateMin, m.rateMax)
		x.outcome = outcome(pick(r, m.outcomes[:]))
		switch {
		case x.outcome == xferMissing && x.cmd != "RETR",
			x.outcome == xferDenied && x.cmd != "STOR",
			x.outcome == xferAbort && x.cmd != "RETR",
			(x.outcome == xferServerReset || x.outcome == xferMiddlebox) && x.cmd == "LIST":
			x.outcome = xferOK // these failures belong to one command
		case x.outcome == xferServerReset || x.outcome == xferMiddlebox || x.outcome == xferAbort:
			if x.size < 4*1448 {
				x.size = 4*1448 + int64(r.IntN(16*1448)) // something to cut
			}
			x.cutAt = x.size / 10 * int64(1+r.IntN(8))
		}
		if x.outcome == xferOK && x.size > 40*1448 && r.Float64() < m.lossShare {
			segs := x.size / 1448
			for range 1 + r.IntN(3) {
				x.losses = append(x.losses, 12+r.Int64N(segs-24))
			}
			slices.Sort(x.losses)
			x.losses = slices.Compact(x.losses)
		}
		p.xfers = append(p.xfers, x)
		if x.endsSession() {
			break
		}
	}
	return p
}

// causes lists the break causes the plan injects.
func (p *plan) causes() []string {
	var out []string
	endsEarly := false
	for _, x := range p.xfers {
		if c := outcomeCause[x.outcome]; c != "" {
			out = append(out, c)
		}
		endsEarly = endsEarly || x.endsSession()
	}
	if c := endingCause[p.ending]; c != "" && !endsEarly {
		out = append(out, c)
	}
	return out
}

// endsSession reports whether the session cannot go on after x.
func (x *xfer) endsSession() bool {
	return x.outcome == xferServerReset || x.outcome == xferMiddlebox || x.outcome == xferBlocked
}
