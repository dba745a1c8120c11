package dissect

// telnetIAC starts a Telnet command (RFC 854). RFC 959 §4.1.3 has clients
// send Telnet IP and Synch (IAC IP IAC DM) before ABOR, and some send them
// in front of other commands too.
const telnetIAC = 0xff

// Telnet option negotiation verbs, each followed by one option byte.
const (
	telnetWILL = 251
	telnetDONT = 254
)

// ParseCommand splits a command line (without its CRLF) into its verb,
// upper-cased, and its argument. RFC 959 §5.3 says VERB SP arg; it
// tolerates leading Telnet commands, leading blanks, tabs and runs of
// blanks between verb and argument, and lowercase verbs. The argument is
// kept verbatim from its first non-blank byte, trailing blanks included
// (pathnames may end in spaces). ok is false for a line with no verb.
func ParseCommand(b []byte) (verb, arg string, ok bool) {
	b = stripTelnet(b)
	i := 0
	for i < len(b) && isBlank(b[i]) {
		i++
	}
	j := i
	for j < len(b) && !isBlank(b[j]) {
		j++
	}
	if j == i {
		return "", "", false
	}
	v := make([]byte, j-i)
	for k, c := range b[i:j] {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		v[k] = c
	}
	for j < len(b) && isBlank(b[j]) {
		j++
	}
	return string(v), string(b[j:]), true
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// stripTelnet drops Telnet commands at the start of a line: IAC followed by
// a command byte, or by WILL/WONT/DO/DONT and an option byte. A lone DM
// byte left over from the Synch (its IAC sent as urgent data some stacks
// deliver separately) is dropped too.
func stripTelnet(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case b[0] == telnetIAC && len(b) >= 3 && b[1] >= telnetWILL && b[1] <= telnetDONT:
			b = b[3:]
		case b[0] == telnetIAC && len(b) >= 2:
			b = b[2:]
		case b[0] == 0xf2: // DM without its IAC
			b = b[1:]
		default:
			return b
		}
	}
	return b
}

// KnownCommand reports whether verb (upper-cased) is an FTP command of RFC
// 959, 2228, 2389, 2428, 2640, 3659 or 7151, or one of the common
// extensions and obsolete forms servers still answer.
func KnownCommand(verb string) bool { return knownCommands[verb] }

var knownCommands = map[string]bool{
	// RFC 959
	"USER": true, "PASS": true, "ACCT": true, "CWD": true, "CDUP": true, "SMNT": true,
	"REIN": true, "QUIT": true, "PORT": true, "PASV": true, "TYPE": true, "STRU": true,
	"MODE": true, "RETR": true, "STOR": true, "STOU": true, "APPE": true, "ALLO": true,
	"REST": true, "RNFR": true, "RNTO": true, "ABOR": true, "DELE": true, "RMD": true,
	"MKD": true, "PWD": true, "LIST": true, "NLST": true, "SITE": true, "SYST": true,
	"STAT": true, "HELP": true, "NOOP": true,
	// RFC 2228
	"AUTH": true, "ADAT": true, "PROT": true, "PBSZ": true, "CCC": true, "MIC": true,
	"CONF": true, "ENC": true,
	// RFC 2389, 2428, 2640, 3659, 7151
	"FEAT": true, "OPTS": true, "EPRT": true, "EPSV": true, "LANG": true, "MDTM": true,
	"SIZE": true, "MLST": true, "MLSD": true, "HOST": true,
	// RFC 775 forms and widespread extensions. PRET (Pure-FTPd, lftp,
	// DrFTPD) announces the next transfer command: "PRET RETR file".
	"PRET": true, "XCUP": true, "XCWD": true, "XMKD": true, "XPWD": true, "XRMD": true, "LPRT": true,
	"LPSV": true, "CLNT": true, "AVBL": true, "CSID": true, "MFMT": true, "MFCT": true,
	"MFF": true, "XCRC": true, "XMD5": true, "XSHA1": true, "XSHA256": true, "HASH": true,
	"DSIZ": true, "RMDA": true, "THMB": true, "SPSV": true, "SSAP": true, "ESTA": true,
	"ESTP": true, "MACB": true,
}

// Prepared returns the command a PRET announces: its argument is a command
// line ("PRET RETR file", "PRET LIST"), parsed as ParseCommand does. ok is
// false for any other command or an empty PRET. A reply refusing the PRET
// (550 for a missing file) refuses that command before it is sent.
func (c *Command) Prepared() (verb, arg string, ok bool) {
	if c.Verb != "PRET" {
		return "", "", false
	}
	return ParseCommand([]byte(c.Arg))
}

// redactPrepared redacts the password of a "PRET PASS …" line.
func redactPrepared(arg string) string {
	if verb, _, ok := ParseCommand([]byte(arg)); ok && isPassVerb(verb) {
		return verb + " " + redacted
	}
	return arg
}

// redacted is what a PASS argument becomes unless Options.ShowPasswords.
const redacted = "****"

// isPassVerb reports whether a verb is PASS once bytes other than letters
// are ignored, so that "PASS", "pass" and a PASS behind stray control bytes
// are all redacted.
func isPassVerb(verb string) bool {
	letters := 0
	want := "PASS"
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if c < 'A' || c > 'Z' {
			continue
		}
		if letters == len(want) || c != want[letters] {
			return false
		}
		letters++
	}
	return letters == len(want)
}
