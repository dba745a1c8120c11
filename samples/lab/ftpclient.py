#!/usr/bin/python3
"""Scripted FTP clients for the ftpcap fault lab.

curl, lftp and tnftp make the ordinary sessions; this script makes the ones
that need an exact command sequence (a bad command, PASS without USER, PORT to
a closed port, ABOR at a chosen byte). Each subcommand is one client
behaviour; it prints every command and reply so the lab log shows what was
sent. Run with Debian's /usr/bin/python3 inside the lab's client namespace.
"""

import argparse
import ftplib
import select
import socket
import struct
import sys
import time


def log(*parts):
    print(f"{time.monotonic():10.3f}", *parts, flush=True)


class Control:
    """A raw control connection: send lines, read whole (multi-line) replies.

    Lines are read through our own buffer rather than socket.makefile(), so
    that has_line() can tell whether a reply is already waiting in user space
    (select() on the socket would not see it)."""

    def __init__(self, host, port, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def has_line(self):
        return b"\n" in self.buf

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                line, self.buf = self.buf, b""
                return line
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def reply(self):
        """Read one reply; return (code, text), or (None, '') at EOF."""
        first = self.readline()
        if not first:
            log("<- EOF (server closed the control connection)")
            return None, ""
        lines = [first]
        code = first[:3]
        if first[3:4] == b"-":
            while True:
                line = self.readline()
                if not line:
                    break
                lines.append(line)
                if line[:3] == code and line[3:4] == b" ":
                    break
        text = b"".join(lines).decode("latin-1")
        for line in text.splitlines():
            log("<-", line)
        return int(code), text

    def send(self, line):
        shown = "PASS ****" if line.upper().startswith("PASS ") else line
        log("->", shown)
        self.sock.sendall(line.encode("latin-1") + b"\r\n")

    def cmd(self, line):
        self.send(line)
        return self.reply()

    def close(self):
        """Close without QUIT: the client just goes away (FIN)."""
        log("-- close without QUIT")
        self.sock.close()

    def quit(self):
        self.cmd("QUIT")
        self.sock.close()


def login_failures(a):
    """Wrong password until the server gives up and closes."""
    c = Control(a.host, a.port)
    c.reply()
    try:
        for attempt in range(1, 11):
            code, _ = c.cmd(f"USER {a.user}")
            if code is None:
                break
            code, _ = c.cmd(f"PASS wrong-password-{attempt}")
            if code is None:
                break
        else:
            sys.exit("server never closed after 10 failed logins")
    except ConnectionResetError:
        # The server closed after its last 530 and its host reset the USER
        # we sent meanwhile, before we read the FIN: the same end.
        log("<- RST (server closed the control connection)")
    c.sock.close()


def file_unavailable(a):
    """RETR a missing file (550), then fetch one that exists and QUIT."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(a.host, a.port, timeout=30)
    f.login(a.user, a.password)
    f.voidcmd("TYPE I")
    try:
        f.retrbinary(f"RETR {a.missing}", lambda b: None)
        sys.exit("RETR of a missing file unexpectedly succeeded")
    except ftplib.error_perm as e:
        log("refused as intended:", e)
    got = bytearray()
    f.retrbinary(f"RETR {a.path}", got.extend)
    log("downloaded", len(got), "bytes")
    f.quit()


def hostile_names(a):
    """A session whose names try to inject HTML, script and CSS into a
    report: RETR one, STOR another, MKD a third (the server echoes it in
    its 257), RETR a missing one (550), then QUIT. The user name is the
    --user given."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(a.host, a.port, timeout=30)
    f.login(a.user, a.password)
    f.voidcmd("TYPE I")
    got = bytearray()
    f.retrbinary(f"RETR {a.get}", got.extend)
    log("downloaded", len(got), "bytes")
    with open(a.upload, "rb") as fp:
        f.storbinary(f"STOR {a.put}", fp)
    f.mkd(a.mkdir)
    try:
        f.retrbinary(f"RETR {a.missing}", lambda b: None)
        sys.exit("RETR of a missing file unexpectedly succeeded")
    except ftplib.error_perm as e:
        log("refused as intended:", e)
    f.quit()


def hold(a):
    """Log in, stay connected for --seconds, then QUIT (fills a max_clients slot)."""
    c = Control(a.host, a.port)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    time.sleep(a.seconds)
    c.quit()


def idle(a):
    """Log in, then say nothing until the server ends the session."""
    c = Control(a.host, a.port, timeout=a.seconds)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    log(f"-- idle, waiting up to {a.seconds}s for the server")
    while True:
        code, _ = c.reply()
        if code is None:
            break
    c.sock.close()


def port_to_closed(a):
    """PORT to a client port where nothing listens, RETR (425), then QUIT."""
    c = Control(a.host, a.port)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    c.cmd("TYPE I")
    h = a.client_addr.replace(".", ",")
    c.cmd(f"PORT {h},{a.data_port >> 8},{a.data_port & 0xFF}")
    code, _ = c.cmd(f"RETR {a.path}")
    while code is not None and code < 200:
        code, _ = c.reply()
    c.quit()


def bad_commands(a):
    """Log in, send commands the server does not know, then give up (no QUIT)."""
    c = Control(a.host, a.port)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    for line in a.command:
        c.cmd(line)
    time.sleep(0.2)
    c.close()


def pass_without_user(a):
    """PASS before USER (503), then give up (no QUIT)."""
    c = Control(a.host, a.port)
    c.reply()
    c.cmd(f"PASS {a.password}")
    time.sleep(0.2)
    c.close()


def abort_download(a):
    """Start a passive download, read --after bytes, send ABOR, then QUIT."""
    c = Control(a.host, a.port)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    c.cmd("TYPE I")
    _, text = c.cmd("PASV")
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    data = socket.create_connection((".".join(nums[:4]), int(nums[4]) * 256 + int(nums[5])),
                                    timeout=30)
    c.cmd(f"RETR {a.path}")
    got = 0
    while got < a.after:
        chunk = data.recv(min(4096, a.after - got))
        if not chunk:
            break
        got += len(chunk)
    log(f"-- read {got} bytes, sending ABOR")
    # RFC 959 asks for Telnet IP and Synch before ABOR; vsftpd and most
    # servers also read a plain ABOR line, which is what many clients send.
    c.send("ABOR")
    # Stop reading the data connection: the server's write fails (426), and
    # closing with unread bytes queued makes our kernel answer with RST.
    data.close()
    code, _ = c.reply()
    while code is not None and code in (426, 450, 451):
        code, _ = c.reply()
    c.quit()


def watch_download(a):
    """Passive download that watches the control connection while data flows,
    as lftp does: if a final reply arrives before the data ends, the transfer
    is over; the data socket is then reset (SO_LINGER 0), and the session
    goes on to QUIT."""
    c = Control(a.host, a.port)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    c.cmd("TYPE I")
    _, text = c.cmd("PASV")
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    data = socket.create_connection((".".join(nums[:4]), int(nums[4]) * 256 + int(nums[5])),
                                    timeout=30)
    code, _ = c.cmd(f"RETR {a.path}")
    got, final = 0, None
    data.setblocking(False)
    c.sock.setblocking(False)
    while final is None:
        if c.has_line():
            final, _ = c.reply()
            break
        ready, _, _ = select.select([data, c.sock], [], [], 30)
        if not ready:
            sys.exit("watch-download: nothing from the server for 30 s")
        if data in ready:
            chunk = data.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        if c.sock in ready:
            c.sock.setblocking(True)
            final, _ = c.reply()
            c.sock.setblocking(False)
    log(f"-- data connection gave {got} bytes")
    if final is not None and final >= 400:
        log("-- final reply before the data ended: resetting the data connection")
        data.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    data.close()
    c.sock.setblocking(True)
    if final is None:
        c.reply()
    c.quit()


def pause_then(a):
    """Log in, PWD, say nothing for --sleep seconds, then send the given
    commands, reporting (not raising) a reset or a timeout: used where the
    path breaks while the session is idle."""
    c = Control(a.host, a.port, timeout=a.timeout)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    c.cmd("PWD")
    log(f"-- idle for {a.sleep}s")
    time.sleep(a.sleep)
    try:
        for line in a.command:
            code, _ = c.cmd(line)
            if code is None:
                break
    except OSError as e:
        log("-- control connection failed:", type(e).__name__, e)
    c.sock.close()


def stall_download(a):
    """Passive download that stops reading after --after bytes, with a small
    receive buffer so the window closes soon; then waits up to --wait seconds
    for the server to say something on the control connection, and goes
    away (closing the data socket with unread bytes)."""
    c = Control(a.host, a.port, timeout=a.wait)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    c.cmd("TYPE I")
    _, text = c.cmd("PASV")
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    data = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Set before connect: the window scale offered in the SYN follows it.
    data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    data.settimeout(30)
    data.connect((".".join(nums[:4]), int(nums[4]) * 256 + int(nums[5])))
    c.cmd(f"RETR {a.path}")
    got = 0
    while got < a.after:
        chunk = data.recv(min(4096, a.after - got))
        if not chunk:
            break
        got += len(chunk)
    log(f"-- read {got} bytes; not reading any more")
    try:
        c.reply()
    except OSError as e:
        log("-- no reply:", type(e).__name__, e)
    data.close()
    c.sock.close()


def get_or_quit(a):
    """Passive download with ftplib and a short socket timeout; when the
    data connection cannot be made, say so and QUIT politely."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(a.host, a.port, timeout=a.timeout)
    f.login(a.user, a.password)
    f.voidcmd("TYPE I")
    try:
        f.retrbinary(f"RETR {a.path}", lambda b: None)
        log("-- downloaded", a.path)
    except (OSError, ftplib.Error) as e:
        log("-- download failed:", type(e).__name__, e)
    f.quit()


def tls_get_reset(a):
    """FTPS (AUTH TLS, PROT P, TLS 1.2) download of --path that reads all
    --size bytes, sends its close_notify, waits for the server's, and then
    closes the data socket with SO_LINGER 0: a RST, no FIN (as some clients
    end TLS data connections). Then reads the 226, downloads --then the
    ordinary way and QUITs."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    f = ftplib.FTP_TLS(context=ctx)
    f.set_debuglevel(1)
    f.connect(a.host, a.port, timeout=30)
    f.auth()
    f.login(a.user, a.password)
    f.prot_p()
    f.voidcmd("TYPE I")
    conn = f.transfercmd(f"RETR {a.path}")
    got = 0
    while got < a.size:
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    log(f"-- read {got} bytes; close_notify, then RST")
    raw = conn.unwrap()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raw.close()
    f.voidresp()
    f.retrbinary(f"RETR {a.then}", lambda b: None)
    f.quit()


def retr_then_quit(a):
    """Passive RETR that reads the preliminary reply and --after bytes of
    data, then sends QUIT without reading more, reads replies until the
    221 (or the server closes, or --wait seconds), and goes away, closing
    the data socket with bytes unread."""
    c = Control(a.host, a.port, timeout=a.wait)
    c.reply()
    c.cmd(f"USER {a.user}")
    c.cmd(f"PASS {a.password}")
    c.cmd("TYPE I")
    _, text = c.cmd("PASV")
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    data = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    data.settimeout(a.wait)
    data.connect((".".join(nums[:4]), int(nums[4]) * 256 + int(nums[5])))
    code, _ = c.cmd(f"RETR {a.path}")
    got = 0
    while got < a.after:
        chunk = data.recv(min(4096, a.after - got))
        if not chunk:
            break
        got += len(chunk)
    log(f"-- read {code} and {got} data bytes; QUIT without reading more")
    c.send("QUIT")
    try:
        while True:
            code, _ = c.reply()
            if code is None or code == 221:
                break
    except OSError as e:
        log("-- control connection:", type(e).__name__, e)
    data.close()
    c.sock.close()


def upload(a):
    """Passive upload of --path as --name, at most --rate bytes/s (0 = as fast
    as TCP allows); the server may cut it short."""
    f = ftplib.FTP()
    f.set_debuglevel(1)
    f.connect(a.host, a.port, timeout=60)
    f.login(a.user, a.password)
    f.voidcmd("TYPE I")
    start = time.monotonic()
    sent = 0
    try:
        with open(a.path, "rb") as fp, f.transfercmd(f"STOR {a.name}") as conn:
            while block := fp.read(4096):
                conn.sendall(block)
                sent += len(block)
                if a.rate:
                    ahead = sent / a.rate - (time.monotonic() - start)
                    if ahead > 0:
                        time.sleep(ahead)
        f.voidresp()
    except (OSError, EOFError, ftplib.Error) as e:
        log(f"upload ended after {sent} bytes with", type(e).__name__, e)
        return
    f.quit()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=21)
    p.add_argument("--user", default="ftplab")
    p.add_argument("--password", default="")
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("login-failures")
    s = sub.add_parser("file-unavailable")
    s.add_argument("--missing", required=True)
    s.add_argument("--path", required=True)
    s = sub.add_parser("hostile-names")
    s.add_argument("--get", required=True)
    s.add_argument("--put", required=True)
    s.add_argument("--upload", required=True, help="local file to STOR as --put")
    s.add_argument("--mkdir", required=True)
    s.add_argument("--missing", required=True)
    s = sub.add_parser("hold")
    s.add_argument("--seconds", type=float, required=True)
    s = sub.add_parser("idle")
    s.add_argument("--seconds", type=float, required=True)
    s = sub.add_parser("port-to-closed")
    s.add_argument("--client-addr", required=True)
    s.add_argument("--data-port", type=int, required=True)
    s.add_argument("--path", required=True)
    s = sub.add_parser("bad-commands")
    s.add_argument("command", nargs="+")
    sub.add_parser("pass-without-user")
    s = sub.add_parser("abort-download")
    s.add_argument("--path", required=True)
    s.add_argument("--after", type=int, required=True)
    s = sub.add_parser("watch-download")
    s.add_argument("--path", required=True)
    s = sub.add_parser("pause-then")
    s.add_argument("--sleep", type=float, required=True)
    s.add_argument("--timeout", type=float, default=30, help="socket timeout, s")
    s.add_argument("command", nargs="+")
    s = sub.add_parser("stall-download")
    s.add_argument("--path", required=True)
    s.add_argument("--after", type=int, required=True)
    s.add_argument("--rcvbuf", type=int, default=4096)
    s.add_argument("--wait", type=float, default=30)
    s = sub.add_parser("tls-get-reset")
    s.add_argument("--path", required=True)
    s.add_argument("--size", type=int, required=True)
    s.add_argument("--then", required=True)
    s = sub.add_parser("get-or-quit")
    s.add_argument("--path", required=True)
    s.add_argument("--timeout", type=float, default=4)
    s = sub.add_parser("retr-then-quit")
    s.add_argument("--path", required=True)
    s.add_argument("--after", type=int, default=0)
    s.add_argument("--wait", type=float, default=15)
    s = sub.add_parser("upload")
    s.add_argument("--path", required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--rate", type=int, default=0, help="bytes/s, 0 = no limit")
    a = p.parse_args(argv)
    {
        "login-failures": login_failures,
        "file-unavailable": file_unavailable,
        "hostile-names": hostile_names,
        "hold": hold,
        "idle": idle,
        "port-to-closed": port_to_closed,
        "bad-commands": bad_commands,
        "pass-without-user": pass_without_user,
        "abort-download": abort_download,
        "watch-download": watch_download,
        "upload": upload,
        "pause-then": pause_then,
        "stall-download": stall_download,
        "retr-then-quit": retr_then_quit,
        "get-or-quit": get_or_quit,
        "tls-get-reset": tls_get_reset,
    }[a.what](a)


if __name__ == "__main__":
    main(sys.argv[1:])
