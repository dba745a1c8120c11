#!/usr/bin/python3
"""pyftpdlib for the ftpcap volume lab (Debian's python3-pyftpdlib).

One process per listening address. MultiprocessFTPServer forks a process
per session, as the other servers do, so one session can be killed
mid-transfer without killing the others. Its per-address connection limit
does not hold across processes, so --max-cons-per-ip runs the
single-process server instead. The server runs as root, so the
read-only folder ro/ is made read-only with pyftpdlib's own per-folder
permissions (its reply is "550 Not enough privileges.").
"""

import argparse
import logging
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import DTPHandler, FTPHandler, ThrottledDTPHandler
from pyftpdlib.servers import FTPServer, MultiprocessFTPServer


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--address", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--passive-ports", default="40000-40999")
    p.add_argument("--max-cons-per-ip", type=int, default=0)
    p.add_argument("--max-rate", type=int, default=0, help="bytes/s per data connection")
    p.add_argument("--log", default="")
    args = p.parse_args(argv)
    logging.basicConfig(filename=args.log or None, level=logging.INFO,
                        format="%(asctime)s %(message)s")

    authorizer = DummyAuthorizer()
    authorizer.add_user(args.user, args.password, args.root, perm="elradfmw")
    authorizer.override_perm(args.user, os.path.join(args.root, "ro"), perm="elr", recursive=True)

    class Handler(FTPHandler):
        pass

    Handler.authorizer = authorizer
    low, high = (int(x) for x in args.passive_ports.split("-"))
    Handler.passive_ports = range(low, high + 1)
    Handler.max_login_attempts = 3
    Handler.auth_failed_timeout = 1
    # sendfile() would bypass the throttled data handler.
    Handler.use_sendfile = False
    if args.max_rate:
        class Throttled(ThrottledDTPHandler):
            read_limit = args.max_rate
            write_limit = args.max_rate
        Handler.dtp_handler = Throttled
    else:
        Handler.dtp_handler = DTPHandler

    if args.max_cons_per_ip:
        server = FTPServer((args.address, 21), Handler)
        server.max_cons_per_ip = args.max_cons_per_ip
    else:
        server = MultiprocessFTPServer((args.address, 21), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
