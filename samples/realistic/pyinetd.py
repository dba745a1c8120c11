#!/usr/bin/python3
"""A small inetd for the volume lab's inetd-style servers.

  pyinetd.py --address ADDR [--max-per-ip N] -- SERVER [ARGS...]

GNU inetutils ftpd and netkit ftpd (ftpd-ssl) are run by a superserver:
each accepted connection is the server's stdin, stdout and stderr. This
one listens on ADDR port 21 only (neither daemon binds to one address of
its own) and starts SERVER per connection, as openbsd-inetd would. With
--max-per-ip, a connection from an address that already holds N gets
"421 Too many connections from your address." and is closed, as
xinetd's per_source or tcpsvd's -C do: the superserver is part of the
server as a user deploys it.
"""

import argparse
import os
import signal
import socket
import sys

BUSY = b"421 Too many connections from your address.\r\n"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--address", required=True)
    p.add_argument("--max-per-ip", type=int, default=0)
    p.add_argument("server", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    server = args.server[1:] if args.server[:1] == ["--"] else args.server
    family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.address, 21))
    lsock.listen(64)
    children = {}  # pid -> client address

    def reap(*_):
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.pop(pid, None)

    def stop(*_):
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            conn, peer = lsock.accept()
        except InterruptedError:
            continue
        reap()
        if args.max_per_ip and sum(1 for a in children.values() if a == peer[0]) >= args.max_per_ip:
            conn.sendall(BUSY)
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:
            lsock.close()
            for fd in (0, 1, 2):
                os.dup2(conn.fileno(), fd)
            conn.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.execv(server[0], server)
        children[pid] = peer[0]
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
