package dissect

// Which replies each command can receive, for pairing replies with the
// commands they answer (control.reply).
//
// RFC 959 §5.4 lists, per command, the reply codes it may receive; the
// extension RFCs do the same for their commands. Replies come in command
// order (§4.2), so a final reply answers the oldest waiting command that
// can receive it: with RETR (150 seen) and QUIT waiting, a 221 answers
// QUIT, never RETR, and RETR stays unanswered.
//
// Only the positive codes (1yz, 2yz, 3yz) are checked per command. §5.4
// lists the error replies of each command too, but servers send 4yz and
// 5yz codes far beyond those lists (vsftpd's "500 OOPS" to anything, 550
// to SITE or PASV under some configurations, 451 on any local error, 452
// and 553 to MKD and RNTO, 425 to PASV when out of ports); an error answers
// the oldest waiting command, whatever it is. The positive lists are where
// §5.4 is precise and servers keep to it, and where a mismatch shows the
// reply belongs to another command. RFC 2228's protected replies (631,
// 632, 633) wrap whatever reply the command got, so every command can
// receive them; an invalid code cannot be checked and answers the oldest
// command too.
//
// Commands not in the table (unknown verbs, rare extensions) accept every
// reply.

// codeSet is a set of reply codes 100–699, one bit each.
type codeSet [10]uint64

func (s *codeSet) add(code int) { s[(code-100)/64] |= 1 << ((code - 100) % 64) }

// has reports whether the set holds code. Every 4yz and 5yz code and the
// protected 63z replies are in every set (see above).
func (s *codeSet) has(code int) bool {
	switch {
	case code >= 400 && code < 600, code >= 631 && code <= 633:
		return true
	case code < 100 || code >= 700:
		return false
	}
	return s[(code-100)/64]&(1<<((code-100)%64)) != 0
}

// Positive replies shared by several commands.
var (
	// transferReplies: RFC 959 §5.4 for RETR, STOR, STOU, APPE, LIST and
	// NLST: 125 or 150 (110 restart markers in block and compressed
	// modes), then 226 or 250. RFC 3659 §7.2 gives MLSD the same.
	transferReplies = []int{110, 125, 150, 226, 250}
	// okReplies: parameter commands answered 200 (§5.4 TYPE, STRU, MODE,
	// PORT; RFC 2228 PROT, PBSZ, CCC; RFC 2428 EPRT).
	okReplies = []int{200}
	// fileActionReplies: §5.4 answers DELE, RMD, CWD and RNTO with 250;
	// servers also say 200 (an older habit several still keep).
	fileActionReplies = []int{250, 200}
	// statusReplies: RFC 3659 §3, §4, §4 and the MFMT/MFCT/HASH drafts
	// answer with 213 and the file's time, size or digest.
	statusReplies = []int{213}
)

// replyCodes lists the positive reply codes each command can receive.
var replyCodes = map[string][]int{
	// RFC 959 §5.4, access control.
	"USER": {230, 331, 332, 232, 336}, // 232 and 336: RFC 2228 §3
	"PASS": {230, 202, 332},
	"ACCT": {230, 202},
	"CWD":  fileActionReplies,
	"XCWD": fileActionReplies, // RFC 775's form of CWD
	"CDUP": {200, 250},        // §5.4 says 200; vsftpd, ProFTPD and pyftpdlib say 250
	"XCUP": {200, 250},
	"SMNT": {202, 250},
	"REIN": {120, 220},
	"QUIT": {221},

	// RFC 959 §5.4, transfer parameters.
	"TYPE": okReplies,
	"STRU": okReplies,
	"MODE": okReplies,
	"PORT": okReplies,
	"PASV": {227},

	// RFC 959 §5.4, file service.
	"ALLO": {200, 202},
	"REST": {350},
	"STOR": transferReplies,
	"STOU": transferReplies,
	"APPE": transferReplies,
	"RETR": transferReplies,
	"LIST": transferReplies,
	"NLST": transferReplies,
	"RNFR": {350},
	"RNTO": fileActionReplies,
	"DELE": fileActionReplies,
	"RMD":  fileActionReplies,
	"XRMD": fileActionReplies,
	"MKD":  {257, 250}, // a few servers answer 250 without the path
	"XMKD": {257, 250},
	"PWD":  {257},
	"XPWD": {257},
	"ABOR": {225, 226},

	// RFC 959 §5.4, informational and miscellaneous.
	"SYST": {215},
	"STAT": {211, 212, 213},
	"HELP": {211, 214},
	"SITE": {200, 202, 214, 250}, // SITE HELP is 214; SITE CHMOD 200 or 250
	"NOOP": {200},

	// RFC 2228 §3 and RFC 4217 §4: security extensions. MIC, CONF and
	// ENC carry a protected command; their clear replies are those of
	// the command inside, so they accept any positive reply.
	"AUTH": {234, 334},
	"ADAT": {235, 335},
	"PROT": okReplies,
	"PBSZ": okReplies,
	"CCC":  okReplies,

	// RFC 2389 §3 and §4: FEAT and OPTS.
	"FEAT": {211},
	"OPTS": {200, 202},

	// RFC 2428 §2 and §3: EPRT and EPSV (EPSV ALL is answered 200).
	"EPRT": okReplies,
	"EPSV": {229, 200},
	// RFC 1639: LPRT and LPSV.
	"LPRT": okReplies,
	"LPSV": {228},

	// RFC 2640 §4.1: LANG.
	"LANG": {200},

	// RFC 3659: SIZE (§4), MDTM (§3), MLST and MLSD (§7). ProFTPD answers
	// MDTM with a time argument (setting the time) with 253.
	"SIZE": statusReplies,
	"MDTM": {213, 253},
	"MLST": {250},
	"MLSD": transferReplies,

	// RFC 7151 §3: HOST, answered like the greeting.
	"HOST": {120, 220},

	// Common extensions. MFMT, MFCT, MFF (draft-somers-ftp-mfxx) answer
	// 213; HASH (draft-bryan-ftpext-hash) 213; XCRC, XMD5 and XSHA*
	// (Serv-U, FileZilla Server) 250 or 213 and XMD5 sometimes 251; CLNT,
	// CSID and PRET (Pure-FTPd, lftp: "PRET RETR file" announces the
	// next transfer) 200; AVBL 213.
	"MFMT":    statusReplies,
	"MFCT":    statusReplies,
	"MFF":     statusReplies,
	"HASH":    statusReplies,
	"XCRC":    {250, 213},
	"XMD5":    {250, 251, 213},
	"XSHA1":   {250, 213},
	"XSHA256": {250, 213},
	"CLNT":    okReplies,
	"CSID":    okReplies,
	"PRET":    okReplies,
	"AVBL":    statusReplies,
}

// replySets holds replyCodes as sets, built once.
var replySets = func() map[string]*codeSet {
	m := make(map[string]*codeSet, len(replyCodes))
	for verb, codes := range replyCodes {
		s := new(codeSet)
		for _, c := range codes {
			s.add(c)
		}
		m[verb] = s
	}
	return m
}()

// repliesFor returns the replies a command can receive, nil when any.
func repliesFor(verb string) *codeSet { return replySets[verb] }

// accepts reports whether a waiting command can take reply r. A transfer
// gets one 125 or 150 (110 restart markers may repeat): a second one
// starts a later transfer.
func (p *pendingCmd) accepts(r *Reply) bool {
	if p.started && startsTransfer(r) {
		return false
	}
	return p.replies == nil || !r.Valid || p.replies.has(r.Code)
}
