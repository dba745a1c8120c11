#!/usr/bin/python3
"""The volume lab's plan: which session does what, and which break it must show.

  plan.py -n SESSIONS -s SEED [--set small|wide] > plan.json

The same seed gives the same plan, byte for byte. Each session picks a
client, a server, an address family, a data mode the client can use on
that family, and an outcome; the expected breaks follow from the outcome,
the client and the server, as real runs showed them (README.md lists the
reasoning). No expectation here comes from ftpcap's output.

The small set (the default, and samples/realistic/small.*) is the
software ftpcap's rules were fixed on. The wide set adds software and
outcomes nobody tuned them to; its draw is its own, so the small set's
plan for a seed stays what it was.
"""

import argparse
import json
import random
import sys

CLIENTS = ("curl", "lftp", "tnftp", "ftplib", "wget")
SERVERS = ("vsftpd", "pyftpdlib", "proftpd", "pureftpd")

# Last octet (IPv4) / last group (IPv6) of each server's instances
# (servers.sh): normal, no limits; slow, a transfer-rate cap; full, one
# connection per client address.
HOSTS = {
    "vsftpd": {"normal": 20, "slow": 30, "full": 40},
    "pyftpdlib": {"normal": 21, "slow": 31, "full": 41},
    "proftpd": {"normal": 22, "slow": 32, "full": 42},
    "pureftpd": {"normal": 23, "slow": 33, "full": 43},
}

# Data modes each client can be made to use, per family (checked on real
# runs: the command the client sends is the one named).
MODES = {
    "curl": {4: ("pasv", "epsv", "port", "eprt"), 6: ("epsv", "eprt")},
    "lftp": {4: ("pasv", "epsv", "port"), 6: ("epsv", "eprt")},
    "tnftp": {4: ("pasv", "epsv", "port", "eprt"), 6: ("epsv", "eprt")},
    "ftplib": {4: ("pasv", "epsv", "port", "eprt"), 6: ("epsv", "eprt")},
    "wget": {4: ("pasv", "port"), 6: ("epsv", "eprt")},
}

# The wide set's software (servers.sh, runner.py). The inetd servers
# (inetutils, netkit) have no transfer-rate cap, so sessions killed
# mid-transfer run against the first four servers' slow instances.
WIDE_CLIENTS = CLIENTS + ("ncftp", "inetftp", "busybox", "basicftp", "goftp")
WIDE_SERVERS = SERVERS + ("inetutils", "netkit", "ftpsrv")
NEW_SOFTWARE = frozenset(("ncftp", "inetftp", "busybox", "basicftp", "goftp", "inetutils", "netkit", "ftpsrv"))
WIDE_HOSTS = {
    "inetutils": {"normal": 24, "full": 44, "idle": 54},
    "netkit": {"normal": 25, "full": 45, "idle": 55},
    "ftpsrv": {"normal": 26},
    "vsftpd": dict(HOSTS["vsftpd"], noport=60),  # port_enable=NO
}
WIDE_MODES = {
    "ncftp": {4: ("pasv", "port"), 6: ()},  # ncftp 3.2.6 has no IPv6 ("unknown host")
    "inetftp": {4: ("pasv", "port"), 6: ("epsv", "eprt")},
    "busybox": {4: ("pasv",), 6: ("epsv",)},
    "basicftp": {4: ("epsv",), 6: ("epsv",)},
    "goftp": {4: ("pasv", "epsv"), 6: ("epsv",)},
}

# Outcome -> weight. Clean sessions are about half.
OUTCOMES = {
    "clean-download": 24,
    "clean-upload": 12,
    "clean-list": 12,
    "wrong-password": 7,
    "missing-file": 8,
    "missing-dir-upload": 6,
    "permission-denied": 6,
    "too-many-connections": 7,
    "client-killed": 9,
    "server-killed": 9,
    "server-killed-upload": 4,
}

# The wide set's outcomes: the small set's, and
#   idle-timeout  log in, then idle past the server's 3 s idle timeout
#   data-blocked  a passive data connection whose SYNs the router drops
#   rest-resume   a download resumed with REST from byte 8,192 (clean)
#   abort         ABOR 16 KiB into a throttled download, then QUIT
#   port-refused  a download in active mode from a vsftpd that refuses
#                 PORT and EPRT (port_enable=NO)
# idle-timeout, abort and port-refused weigh more: only a few pairs can do them, and an
# outcome a pair cannot do is drawn again.
WIDE_OUTCOMES = dict(OUTCOMES, **{
    "idle-timeout": 30,
    "data-blocked": 5,
    "rest-resume": 8,
    "abort": 60,
    "port-refused": 40,
})

UPLOADS = ("clean-upload", "missing-dir-upload", "permission-denied", "server-killed-upload")
KILLS = ("client-killed", "server-killed", "server-killed-upload", "abort")

# Who can do what, from real runs.
IDLERS = ("ftplib", "tnftp", "inetftp")  # can be made to wait, logged in, with nothing to do
RESUMERS = ("curl", "lftp", "ftplib", "goftp")
# CWD into the folder before STOR. ncftpput -c sends STOR dir/file (vsftpd
# answers "553 Could not create file.", seen on real runs).
CWD_FIRST = ("curl",)


def can(client, outcome):
    """wget does not upload. lftp resumes an upload cut by the server (REST,
    which ProFTPD refuses with 451, then the whole file again): more than
    the one failure planned, so it is not planned."""
    if client == "wget" and outcome in UPLOADS:
        return False
    return not (client == "lftp" and outcome == "server-killed-upload")


def can_wide(client, server, mode, outcome):
    """The wide set's limits, on top of can(): what each piece of software
    can be made to do (README.md says how each was checked)."""
    if not can(client, outcome):
        return False
    if client == "busybox" and outcome == "clean-list":
        return False  # ftpget/ftpput list nothing
    if outcome in KILLS and server not in SERVERS:
        return False  # no rate cap on the new servers: nothing lasts to be killed
    if outcome == "too-many-connections" and server == "ftpsrv":
        return False  # ftp-srv has no per-address limit
    if outcome == "idle-timeout":
        return client in IDLERS and server in ("inetutils", "netkit")
    if outcome == "data-blocked":
        return mode in ("pasv", "epsv")
    if outcome == "rest-resume":
        return client in RESUMERS
    if outcome == "abort":
        return client == "ftplib"
    if outcome == "port-refused":
        return server == "vsftpd" and mode in ("port", "eprt")
    return True


def brk(cls, cause, kind="control", also=()):
    b = {"class": cls, "cause": cause, "kind": kind}
    if also:
        b["also"] = list(also)
    return b


# A killed server's kernel closes the control connection itself: with a
# FIN, or with a RST when the socket still holds bytes the process never
# read (a QUIT the client sent as it saw the data connection end; RFC 2525
# §2.17). The plan cannot know which in advance; both are the server host
# ending the session.
KILLED_CONTROL = brk("server-policy", "server-close", also=("server-reset",))


def expected_breaks(client, server, outcome):
    """The breaks a session must show, from what the software does.

    - wrong-password: every client sends one PASS and gets 530 (ftplib
      retries until the server closes): the server refused the login.
    - missing-file: 550 to SIZE, MDTM, PRET or RETR of a file that does
      not exist, and the client gives up: file-unavailable.
    - missing-dir-upload: curl first CWDs into the missing folder (550, it
      gives up); lftp, tnftp and ftplib send STOR dir/file, which
      vsftpd refuses with "553 Could not create file." - a 553 (RFC 959:
      file name not allowed) whose text cannot say the folder is missing,
      so permission-denied; the other servers say "No such file or
      directory" (550 or 553): file-unavailable.
    - permission-denied: STOR into a folder the user may not write (553 or
      550 worded as a denial).
    - too-many-connections: vsftpd and Pure-FTPd greet with 421, ProFTPD
      greets with "530 Sorry, the maximum number of connections ... are
      already connected" and, like the others, closes: the server refused
      service (no PASS was sent, so it is no login failure).
    - client-killed: SIGKILL mid-download: the client's kernel closes the
      data and control connections, no ABOR, no QUIT (a break on each).
    - server-killed: SIGKILL of the server's session processes
      mid-download (throttled, nothing unread in their receive buffers):
      the data connection ends with FIN short of the announced size and
      the control connection with FIN and no final reply (one each).
    - server-killed-upload: the same mid-upload: the server's receive
      buffer holds data it never read, so its kernel resets the data
      connection; the control connection ends with FIN and no final reply.
    """
    if outcome.startswith("clean-"):
        return []
    if outcome == "wrong-password":
        return [brk("server-policy", "login-failures")]
    if outcome == "missing-file":
        return [brk("server-policy", "file-unavailable")]
    if outcome == "missing-dir-upload":
        if client not in CWD_FIRST and server == "vsftpd":
            return [brk("server-policy", "permission-denied")]
        return [brk("server-policy", "file-unavailable")]
    if outcome == "permission-denied":
        return [brk("server-policy", "permission-denied")]
    if outcome == "too-many-connections":
        return [brk("server-policy", "service-unavailable")]
    if outcome == "client-killed":
        return [brk("client", "client-abort", "data"), brk("client", "client-abort")]
    if outcome == "server-killed":
        return [brk("server-policy", "server-close", "data"), KILLED_CONTROL]
    if outcome == "server-killed-upload":
        return [brk("server-policy", "server-reset", "data"), KILLED_CONTROL]
    if outcome == "idle-timeout":
        return [brk("server-policy", "idle-timeout")]
    if outcome == "data-blocked":
        return [brk("network", "data-channel-blocked", "data")]
    if outcome == "rest-resume":
        return []
    if outcome == "abort":
        return [brk("client", "client-abort", "data")]
    if outcome == "port-refused":
        # vsftpd answers "550 Permission denied." to PORT and EPRT (real
        # runs): the server's policy refused the active data connection.
        return [brk("server-policy", "permission-denied")]
    raise ValueError(outcome)


def path_for(index, outcome, rnd):
    if outcome == "clean-download":
        return "pub/f%dk.txt" % rnd.choice((2, 16, 64, 256))
    if outcome == "clean-upload":
        return "up/s%05d.txt" % index
    if outcome == "clean-list":
        return "pub"
    if outcome == "missing-file":
        return "pub/missing-%05d.txt" % index
    if outcome == "missing-dir-upload":
        return "nodir-%05d/s%05d.txt" % (index, index)
    if outcome == "permission-denied":
        return "ro/s%05d.txt" % index
    if outcome in ("client-killed", "server-killed", "abort"):
        return "pub/slow.txt"
    if outcome == "rest-resume":
        return "pub/f64k.txt"
    if outcome == "port-refused":
        return "pub/f16k.txt"
    if outcome == "server-killed-upload":
        return "up/k%05d.txt" % index
    return "pub/f2k.txt"


def instance(outcome):
    if outcome in KILLS:
        return "slow"
    if outcome == "too-many-connections":
        return "full"
    if outcome == "idle-timeout":
        return "idle"
    if outcome == "port-refused":
        return "noport"
    return "normal"


def pair_modes(client, server, modes):
    """Data modes a pair can complete. ncftp closes an active data
    connection that does not come from port 20, and ftp-srv connects from
    an ephemeral port (real runs: ncftp's FIN before any data, exit 3),
    so ncftp and ftp-srv only meet in passive mode."""
    if client == "ncftp" and server == "ftpsrv":
        return tuple(m for m in modes if m in ("pasv", "epsv"))
    return modes


def make_wide_plan(n, seed):
    """The wide set: about three sessions in four have at least one side
    that is new software; outcomes a pair cannot do are drawn again."""
    rnd = random.Random(seed)
    names = sorted(WIDE_OUTCOMES)
    weights = [WIDE_OUTCOMES[k] for k in names]
    hosts = dict(HOSTS, **WIDE_HOSTS)
    modes = dict(MODES, **WIDE_MODES)
    sessions = []
    for i in range(n):
        while True:
            client = rnd.choice(WIDE_CLIENTS)
            server = rnd.choice(WIDE_SERVERS)
            if {client, server} & NEW_SOFTWARE or rnd.random() < 0.25:
                break
        family = rnd.choice([f for f in (4, 6) if modes[client][f]])
        mode = rnd.choice(pair_modes(client, server, modes[client][family]))
        outcome = rnd.choices(names, weights)[0]
        while not can_wide(client, server, mode, outcome):
            outcome = rnd.choices(names, weights)[0]
        host = hosts[server][instance(outcome)]
        addr = "203.0.113.%d" % host if family == 4 else "2001:db8:2::%d" % host
        sessions.append({
            "index": i,
            "client": client,
            "server": server,
            "server_addr": addr,
            "family": "ipv%d" % family,
            "mode": mode,
            "outcome": outcome,
            "path": path_for(i, outcome, rnd),
            "expected_breaks": expected_breaks(client, server, outcome),
        })
    return sessions


def make_plan(n, seed):
    rnd = random.Random(seed)
    names = sorted(OUTCOMES)
    weights = [OUTCOMES[k] for k in names]
    sessions = []
    for i in range(n):
        client = rnd.choice(CLIENTS)
        server = rnd.choice(SERVERS)
        family = rnd.choice((4, 6))
        mode = rnd.choice(MODES[client][family])
        outcome = rnd.choices(names, weights)[0]
        while not can(client, outcome):
            outcome = rnd.choices(names, weights)[0]
        host = HOSTS[server][instance(outcome)]
        addr = "203.0.113.%d" % host if family == 4 else "2001:db8:2::%d" % host
        sessions.append({
            "index": i,
            "client": client,
            "server": server,
            "server_addr": addr,
            "family": "ipv%d" % family,
            "mode": mode,
            "outcome": outcome,
            "path": path_for(i, outcome, rnd),
            "expected_breaks": expected_breaks(client, server, outcome),
        })
    return sessions


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", type=int, required=True)
    p.add_argument("-s", "--seed", type=int, required=True)
    p.add_argument("-j", "--slots", type=int, default=10)
    p.add_argument("--set", choices=("small", "wide"), default="small")
    args = p.parse_args(argv)
    make = make_wide_plan if args.set == "wide" else make_plan
    plan = {
        "generator": "samples/realistic/plan.py",
        "seed": args.seed,
        "slots": args.slots,
        "identify": "a session's connections come from its slot's client address "
                    "(198.51.100.100+slot, 2001:db8:1::100+slot) between its start and end "
                    "(Unix seconds); a slot runs one session at a time",
        "sessions": make(args.n, args.seed),
    }
    json.dump(plan, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
