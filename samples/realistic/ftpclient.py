#!/usr/bin/python3
"""A Python ftplib client for the volume lab: one session, one action.

  ftpclient.py HOST ACTION PATH [--mode pasv|epsv|port|eprt] [--user U]
               [--password P] [--local FILE] [--tries N] [--rest N] [--wait S]

ACTION: get (RETR PATH), put (STOR PATH from --local), list (LIST PATH),
login (log in --tries times with --password until the server accepts or
closes, as a user retrying a password does), hold (log in, say "held" on
stdout, wait for stdin to close: a session that occupies a connection
slot while another is refused), idle (log in, wait --wait seconds, then
NOOP: a session the server may end for idling), abort (RETR PATH, ABOR
after 16 KiB, as ftplib's abort() sends it: Telnet IP and Synch as
urgent data, then ABOR; read the replies, QUIT). --rest resumes a get at
that offset (REST before RETR). The data mode is exactly the
one asked for: ftplib's own choice (PASV on IPv4, EPSV on IPv6) is
replaced so that every mode runs on both families. The session ends with
QUIT, as ftplib's users do, unless the server already closed it.
"""

import argparse
import ftplib
import socket
import sys
import time


class ModeFTP(ftplib.FTP):
    """ftplib.FTP with the data mode chosen by the caller."""

    mode = "pasv"

    def makepasv(self):
        if self.mode == "epsv":
            return ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
        if self.mode == "pasv":
            return ftplib.parse227(self.sendcmd("PASV"))
        return super().makepasv()

    def makeport(self):
        # Listen on the control connection's own address, as ftplib does,
        # then announce it with the command asked for.
        sock = socket.create_server((self.sock.getsockname()[0], 0), family=self.af, backlog=1)
        host, port = sock.getsockname()[:2]
        if self.mode == "eprt":
            self.sendeprt(host, port)
        else:
            self.sendport(host, port)
        if self.timeout is not None:
            sock.settimeout(self.timeout)
        return sock


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("host")
    p.add_argument("action", choices=("get", "put", "list", "login", "hold", "idle", "abort"))
    p.add_argument("path")
    p.add_argument("--mode", choices=("pasv", "epsv", "port", "eprt"), default="pasv")
    p.add_argument("--user", default="ftpvol")
    p.add_argument("--password", default="ftpvol-pass")
    p.add_argument("--local", default="")
    p.add_argument("--tries", type=int, default=1)
    p.add_argument("--rest", type=int, default=None)
    p.add_argument("--wait", type=float, default=0)
    args = p.parse_args(argv)

    ftp = ModeFTP(timeout=30)
    ftp.mode = args.mode
    ftp.set_pasv(args.mode in ("pasv", "epsv"))
    ftp.connect(args.host, 21)
    if args.action == "login":
        return login_until_closed(ftp, args)
    ftp.login(args.user, args.password)
    if args.action == "hold":
        print("held", flush=True)
        sys.stdin.read()
        ftp.quit()
        return 0
    if args.action == "idle":
        return idle(ftp, args.wait)
    if args.action == "abort":
        return abort(ftp, args.path)
    try:
        if args.action == "get":
            ftp.retrbinary("RETR " + args.path, lambda b: None, rest=args.rest)
        elif args.action == "put":
            with open(args.local, "rb") as f:
                ftp.storbinary("STOR " + args.path, f)
        else:
            ftp.retrlines("LIST " + args.path, lambda line: None)
    except ftplib.error_perm as e:
        print("refused:", e, file=sys.stderr)
        ftp.quit()
        return 1
    ftp.quit()
    return 0


def idle(ftp, wait):
    """Say nothing for wait seconds, then NOOP; the server may have ended
    the session meanwhile (421, or a close)."""
    time.sleep(wait)
    try:
        ftp.voidcmd("NOOP")
    except (EOFError, OSError, ftplib.Error) as e:
        print("ended while idle:", e, file=sys.stderr)
        ftp.close()
        return 1
    ftp.quit()
    return 0


def abort(ftp, path):
    """RETR, read 16 KiB, ABOR. The server answers ABOR with 426 (transfer
    aborted) then 226, or with 226 alone when the transfer had ended:
    read whatever is left before QUIT."""
    ftp.voidcmd("TYPE I")
    conn = ftp.transfercmd("RETR " + path)
    got = 0
    while got < 16384:
        data = conn.recv(8192)
        if not data:
            break
        got += len(data)
    resp = ftp.abort()
    conn.close()
    if resp[:3] == "426":
        ftp.getline()
    ftp.quit()
    return 0


def login_until_closed(ftp, args):
    """Log in up to --tries times; stop when the server closes."""
    for _ in range(args.tries):
        try:
            ftp.login(args.user, args.password)
        except ftplib.error_perm as e:
            print("refused:", e, file=sys.stderr)
            continue
        except (EOFError, OSError, ftplib.error_temp) as e:
            print("closed:", e, file=sys.stderr)
            ftp.close()
            return 1
        ftp.quit()
        return 0
    try:
        ftp.quit()
    except (EOFError, OSError, ftplib.Error):
        ftp.close()
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
