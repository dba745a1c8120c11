#!/usr/bin/python3
"""A small pyftpdlib server for the ftpcap fault lab.

Run with Debian's /usr/bin/python3 (python3-pyftpdlib), inside the lab's
server namespace. It exists so that not every sample comes from vsftpd:
pyftpdlib has its own reply texts, its own data-connection handling and a
single-process model (killing this process kills every session at once).

Besides plain service it can misbehave on purpose, for the fault scenarios:
advertise another address in its 227 replies (--masquerade, as a server
behind NAT does), wait before acting on each command (--reply-delay, an
overloaded server), give up on idle data channels sooner (--passive-timeout,
--data-timeout), speak FTPS with AUTH TLS (--tls-cert, --tls-max), and say
what it likes in its greeting and error replies (--banner, --error-suffix:
hostile text for a report to render inert).
"""

import argparse
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import (FTPHandler, PassiveDTP, ThrottledDTPHandler,
                                TLS_FTPHandler)
from pyftpdlib.servers import FTPServer


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--address", default="0.0.0.0", help="address to listen on ('::' for IPv6)")
    p.add_argument("--port", type=int, default=21)
    p.add_argument("--root", required=True, help="directory served to every user")
    p.add_argument("--user", action="append", default=[],
                   help="USER:PASSWORD:PERM (pyftpdlib perm letters, e.g. elradfmw)")
    p.add_argument("--anonymous", default="", help="enable anonymous with these perms (e.g. elr)")
    p.add_argument("--passive-ports", default="30000-30009", help="LOW-HIGH")
    p.add_argument("--max-rate", type=int, default=0,
                   help="bytes/s cap for data connections, both ways (0 = none)")
    p.add_argument("--max-cons", type=int, default=0, help="0 = no limit")
    p.add_argument("--timeout", type=int, default=300, help="idle control-connection timeout, s")
    p.add_argument("--log", default="", help="log file (default stderr)")
    p.add_argument("--masquerade", default="", help="address to advertise in 227 replies")
    p.add_argument("--reply-delay", type=float, default=0,
                   help="seconds to wait before acting on (and so answering) each command")
    p.add_argument("--reply-delay-step", type=float, default=0,
                   help="seconds added to the reply delay after each command (a server "
                        "getting slower)")
    p.add_argument("--passive-timeout", type=int, default=30,
                   help="s to wait for the client to connect to a passive port (421 after)")
    p.add_argument("--data-timeout", type=int, default=300,
                   help="s a data transfer may make no progress (421 after)")
    p.add_argument("--tls-cert", default="", help="PEM with certificate and key: offer AUTH TLS")
    p.add_argument("--tls-max", choices=("1.2", "1.3"), default="1.3",
                   help="highest TLS version the server accepts")
    p.add_argument("--banner", default="", help="text of the 220 greeting")
    p.add_argument("--error-suffix", default="",
                   help="text appended to every 4xx/5xx reply (one line)")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    logging.basicConfig(filename=args.log or None, level=logging.INFO,
                        format="%(asctime)s %(message)s")

    authorizer = DummyAuthorizer()
    for spec in args.user:
        name, password, perm = spec.split(":", 2)
        authorizer.add_user(name, password, args.root, perm=perm)
    if args.anonymous:
        authorizer.add_anonymous(args.root, perm=args.anonymous)

    # Subclass instead of mutating FTPHandler: the class attributes are the
    # library's configuration surface, and a subclass keeps them local.
    base = TLS_FTPHandler if args.tls_cert else FTPHandler

    class LabHandler(base):
        reply_delay = args.reply_delay

        def respond(self, resp, *rest, **kw):
            # Single-line error replies only: a multi-line reply ends on
            # its code line, which this suffix must not break.
            if args.error_suffix and resp[:1] in "45" and resp[3:4] == " ":
                resp = f"{resp} {args.error_suffix}"
            return super().respond(resp, *rest, **kw)

        def pre_process_command(self, line, cmd, arg):
            if not self.reply_delay:
                return super().pre_process_command(line, cmd, arg)
            # Deferred on the I/O loop rather than slept: the reply comes
            # late, while the server keeps reading and accepting.
            def later():
                if not self._closed:
                    base.pre_process_command(self, line, cmd, arg)
            self.ioloop.call_later(self.reply_delay, later, _errback=self.handle_error)
            self.reply_delay += args.reply_delay_step

    class LabPassiveDTP(PassiveDTP):
        timeout = args.passive_timeout

    LabHandler.passive_dtp = LabPassiveDTP
    if args.tls_cert:
        from OpenSSL import SSL
        LabHandler.certfile = args.tls_cert
        if args.tls_max == "1.2":
            LabHandler.ssl_options = TLS_FTPHandler.ssl_options | SSL.OP_NO_TLSv1_3
    if args.banner:
        LabHandler.banner = args.banner
    if args.masquerade:
        LabHandler.masquerade_address = args.masquerade
    LabHandler.authorizer = authorizer
    low, high = (int(x) for x in args.passive_ports.split("-"))
    LabHandler.passive_ports = range(low, high + 1)
    LabHandler.timeout = args.timeout
    # sendfile() would bypass the throttled DTP handler; keep the data path
    # in Python so --max-rate holds for downloads too.
    LabHandler.use_sendfile = False
    # TLS_FTPHandler brings its own data handler (for PROT P); the timeout
    # goes on whichever class the handler uses.
    dtp_base = ThrottledDTPHandler if args.max_rate else LabHandler.dtp_handler

    class LabDTP(dtp_base):
        timeout = args.data_timeout
        if args.max_rate:
            read_limit = args.max_rate
            write_limit = args.max_rate
    LabHandler.dtp_handler = LabDTP

    server = FTPServer((args.address, args.port), LabHandler)
    server.max_cons = args.max_cons
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
