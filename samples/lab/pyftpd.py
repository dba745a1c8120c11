#!/usr/bin/python3
"""A small pyftpdlib server for the ftpcap fault lab.

Run with Debian's /usr/bin/python3 (python3-pyftpdlib), inside the lab's
server namespace. It exists so that not every sample comes from vsftpd:
pyftpdlib has its own reply texts, its own data-connection handling and a
single-process model (killing this process kills every session at once).
"""

import argparse
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
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
    class LabHandler(FTPHandler):
        pass

    LabHandler.authorizer = authorizer
    low, high = (int(x) for x in args.passive_ports.split("-"))
    LabHandler.passive_ports = range(low, high + 1)
    LabHandler.timeout = args.timeout
    # sendfile() would bypass the throttled DTP handler; keep the data path
    # in Python so --max-rate holds for downloads too.
    LabHandler.use_sendfile = False
    if args.max_rate:
        class LabDTP(ThrottledDTPHandler):
            read_limit = args.max_rate
            write_limit = args.max_rate
        LabHandler.dtp_handler = LabDTP

    server = FTPServer((args.address, args.port), LabHandler)
    server.max_cons = args.max_cons
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
