package capgen

import (
	"fmt"
	"net/netip"
	"strings"
)

// ftpd is one FTP server program: the reply texts it really sends. The
// differences matter to a parser: Pure-FTPd's multi-line greeting and
// 226, ProFTPD's 150 without a trailing period, servers that announce the
// size in the 150 and one that announces kbytes.
type ftpd struct {
	name string
	// greeting is the 220 reply; it gets the server's address.
	greeting    func(srv netip.Addr) string
	userOK      string // 331; %s = user
	loginOK     string // 230; %s = user
	loginFailed string // 530
	// maxLoginFails is how many 530s the server answers before it closes
	// the control connection.
	maxLoginFails int
	syst          string
	feat          string
	pwd           string // 257; %s = home directory
	typeI         string
	pasv          string // 227; %s = h1,h2,h3,h4,p1,p2
	epsv          string // 229; %d = port
	portOK        string
	eprtOK        string
	size          string // 213; %d = bytes
	retrOpen      func(name string, size int64) string
	listOpen      string
	storOpen      string // 150; %s = name
	retrDone      func(size int64, secs float64) string
	listDone      func(entries int) string
	storDone      string
	noFile        string // 550 for a missing file; %s = name
	denied        string // 550/553 refusing an upload; %s = name
	tooMany       string // 421 instead of the greeting
	idleTimeout   string // 421 when the session idled too long
	idleLimit     int64  // ns of idle time before idleTimeout
	noData        func(port int) string
	abortData     string // 426 on the cut transfer after ABOR
	abortOK       string // 226 acknowledging the ABOR
	goodbye       string
	// pasvPorts is the configured passive port range.
	pasvLo, pasvHi int
}

// reply joins lines with CRLF and terminates the last, as a server writes
// a reply in one send.
func reply(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

var vsftpd = &ftpd{
	name:     "vsftpd",
	greeting: func(netip.Addr) string { return "220 (vsFTPd 3.0.3)" },
	userOK:   "331 Please specify the password.", loginOK: "230 Login successful.",
	loginFailed: "530 Login incorrect.", maxLoginFails: 3,
	syst: "215 UNIX Type: L8",
	feat: "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End",
	pwd:  `257 "%s" is the current directory`, typeI: "200 Switching to Binary mode.",
	pasv: "227 Entering Passive Mode (%s).", epsv: "229 Entering Extended Passive Mode (|||%d|)",
	portOK: "200 PORT command successful. Consider using PASV.",
	eprtOK: "200 EPRT command successful. Consider using EPSV.",
	size:   "213 %d",
	retrOpen: func(name string, size int64) string {
		return fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes).", name, size)
	},
	listOpen: "150 Here comes the directory listing.", storOpen: "150 Ok to send data.",
	retrDone: func(int64, float64) string { return "226 Transfer complete." },
	listDone: func(int) string { return "226 Directory send OK." },
	storDone: "226 Transfer complete.",
	noFile:   "550 Failed to open file.", denied: "553 Could not create file.",
	tooMany:     "421 There are too many connected users, please try later.",
	idleTimeout: "421 Timeout.", idleLimit: 300e9,
	noData:    func(int) string { return "425 Failed to establish connection." },
	abortData: "426 Failure writing network stream.", abortOK: "226 ABOR successful.",
	goodbye: "221 Goodbye.",
	pasvLo:  30000, pasvHi: 30999,
}

var proftpd = &ftpd{
	name: "ProFTPD",
	greeting: func(a netip.Addr) string {
		return fmt.Sprintf("220 ProFTPD Server (Debian) [%s]", a)
	},
	userOK: "331 Password required for %s", loginOK: "230 User %s logged in",
	loginFailed: "530 Login incorrect.", maxLoginFails: 3,
	syst: "215 UNIX Type: L8",
	feat: "211-Features:\r\n AUTH TLS\r\n CCC\r\n EPRT\r\n EPSV\r\n HOST\r\n LANG en-US*\r\n MDTM\r\n MFF modify;UNIX.group;UNIX.mode;\r\n MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n211 End",
	pwd:  `257 "%s" is the current directory`, typeI: "200 Type set to I",
	pasv: "227 Entering Passive Mode (%s).", epsv: "229 Entering Extended Passive Mode (|||%d|)",
	portOK: "200 PORT command successful", eprtOK: "200 EPRT command successful",
	size: "213 %d",
	retrOpen: func(name string, size int64) string {
		return fmt.Sprintf("150 Opening BINARY mode data connection for %s (%d bytes)", name, size)
	},
	listOpen: "150 Opening ASCII mode data connection for file list",
	storOpen: "150 Opening BINARY mode data connection for %s",
	retrDone: func(int64, float64) string { return "226 Transfer complete" },
	listDone: func(int) string { return "226 Transfer complete" },
	storDone: "226 Transfer complete",
	noFile:   "550 %s: No such file or directory", denied: "550 %s: Permission denied",
	tooMany:     "421 Too many connections, try again later",
	idleTimeout: "421 Idle timeout (600 seconds): closing control connection", idleLimit: 600e9,
	noData: func(int) string {
		return "425 Unable to build data connection: Connection timed out"
	},
	abortData: "426 Transfer aborted. Data connection closed", abortOK: "226 Abort successful",
	goodbye: "221 Goodbye.",
	pasvLo:  49152, pasvHi: 65534,
}

var pureftpd = &ftpd{
	name: "Pure-FTPd",
	greeting: func(netip.Addr) string {
		return "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n" +
			"220-You are user number 7 of 50 allowed.\r\n" +
			"220-Local time is now 09:14. Server port: 21.\r\n" +
			"220-IPv6 connections are also welcome on this server.\r\n" +
			"220 You will be disconnected after 15 minutes of inactivity."
	},
	userOK: "331 User %s OK. Password required", loginOK: "230 OK. Current directory is /",
	loginFailed: "530 Login authentication failed", maxLoginFails: 3,
	syst: "215 UNIX Type: L8",
	feat: "211-Extensions supported:\r\n EPRT\r\n IDLE\r\n MDTM\r\n SIZE\r\n MFMT\r\n REST STREAM\r\n MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\r\n MLSD\r\n PRET\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n UTF8\r\n TVFS\r\n ESTA\r\n PASV\r\n EPSV\r\n ESTP\r\n211 End.",
	pwd:  `257 "%s" is your current location`, typeI: "200 TYPE is now 8-bit binary",
	pasv: "227 Entering Passive Mode (%s)", epsv: "229 Extended Passive mode OK (|||%d|)",
	portOK: "200 PORT command successful", eprtOK: "200 PORT command successful",
	size: "213 %d",
	retrOpen: func(_ string, size int64) string {
		return fmt.Sprintf("150-Accepted data connection\r\n150 %.1f kbytes to download", float64(size)/1024)
	},
	listOpen: "150 Accepted data connection", storOpen: "150 Accepted data connection",
	retrDone: func(size int64, secs float64) string {
		return fmt.Sprintf("226-File successfully transferred\r\n226 %.3f seconds (measured here), %.2f Mbytes per second",
			secs, float64(size)/max(secs, 0.001)/1e6)
	},
	listDone: func(n int) string { return fmt.Sprintf("226-Options: -l \r\n226 %d matches total", n) },
	storDone: "226-File successfully transferred\r\n226 0.051 seconds (measured here), 12.04 Mbytes per second",
	noFile:   "550 Can't open %s: No such file or directory", denied: "553 Can't open that file: Permission denied",
	tooMany:     "421 50 users (the maximum) are already logged in, sorry",
	idleTimeout: "421 Timeout - try typing a little faster next time", idleLimit: 900e9,
	noData: func(port int) string {
		return fmt.Sprintf("425 Could not open data connection to port %d: Connection timed out", port)
	},
	abortData: "426 Transfer aborted", abortOK: "226 Since you see this ABOR must've succeeded",
	goodbye: "221-Goodbye. You uploaded 0 and downloaded 0 kbytes.\r\n221 Logout.",
	pasvLo:  40000, pasvHi: 40999,
}
