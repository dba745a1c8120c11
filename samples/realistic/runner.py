#!/usr/bin/python3
"""Runs the volume lab's plan: every session with real client software.

  runner.py --plan plan.json --out plan.run.json --work DIR --server-pids FILE

A fixed number of slots (one client namespace each, ftpvol-c<slot>) take
the plan's sessions in order; a slot runs one session at a time, so the
slot's address and the recorded start and end times identify every
connection of a session in the capture. Failures are injected as planned:
a wrong password, a missing file or folder, a read-only folder, a second
connection where the server allows one per address, SIGKILL of the client
or of the server's session processes mid-download, SIGKILL of the server's
session processes mid-upload. The output is the plan
with, per session, the slot, the client address, start and end (Unix
seconds), the client's exit status and what was injected ("FAILED: ..."
when the injection could not be made, e.g. the transfer was over before
the kill: such a session is left out of the score, and counted).
"""

import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

USER = "ftpvol"
PASSWORD = "ftpvol-pass"
WRONG = "not-the-password"
CLIENT_TIMEOUT = 40  # s; every client also has its own timeouts
HERE = os.path.dirname(os.path.abspath(__file__))


def slot_ns(slot):
    return "ftpvol-c%d" % slot


def slot_addr(slot, family):
    return "198.51.100.%d" % (100 + slot) if family == "ipv4" else "2001:db8:1::%d" % (100 + slot)


def url_host(addr):
    return "[%s]" % addr if ":" in addr else addr


KILLS = ("client-killed", "server-killed", "server-killed-upload")


def action_of(outcome):
    if outcome in ("clean-upload", "missing-dir-upload", "permission-denied", "server-killed-upload"):
        return "put"
    if outcome == "clean-list":
        return "list"
    return "get"


class Session:
    """One planned session and the command line that carries it out."""

    def __init__(self, plan, slot, work):
        self.p = plan
        self.slot = slot
        self.work = work
        self.action = action_of(plan["outcome"])
        self.password = WRONG if plan["outcome"] == "wrong-password" else PASSWORD
        # A transfer to be killed must last: 400,000 bytes at the slow
        # instances' 40 kB/s.
        big = plan["outcome"] == "server-killed-upload"
        self.local = os.path.join(work, "upload-big.txt" if big else "upload.txt")

    def argv(self):
        """(argv, stdin text) for the planned client."""
        return getattr(self, "cmd_" + self.p["client"])()

    def cmd_curl(self):
        p, mode = self.p, self.p["mode"]
        url = "ftp://%s/%s" % (url_host(p["server_addr"]), p["path"])
        argv = ["curl", "-sS", "--max-time", "30", "--connect-timeout", "10",
                "-u", "%s:%s" % (USER, self.password)]
        if mode == "pasv":
            argv.append("--disable-epsv")
        elif mode in ("port", "eprt"):
            argv += ["-P", "-"]
            if mode == "port":
                argv.append("--disable-eprt")
        if self.action == "put":
            argv += ["-T", self.local, url]
        elif self.action == "list":
            argv += ["-o", "/dev/null", url + "/"]
        else:
            argv += ["-o", "/dev/null", url]
        return argv, None

    def cmd_lftp(self):
        p, mode = self.p, self.p["mode"]
        passive = "on" if mode in ("pasv", "epsv") else "off"
        epsv = "yes" if mode == "epsv" else "no"
        script = [
            "set ftp:ssl-allow no", "set net:max-retries 1", "set net:timeout 10",
            "set net:reconnect-interval-base 1", "set xfer:clobber on",
            "set ftp:passive-mode " + passive, "set ftp:prefer-epsv " + epsv,
            "open -u %s,%s ftp://%s" % (USER, self.password, url_host(p["server_addr"])),
        ]
        if self.action == "put":
            script.append("put %s -o %s" % (self.local, p["path"]))
        elif self.action == "list":
            script.append("ls " + p["path"])
        else:
            script.append("get %s -o %s" % (p["path"], os.path.join(self.work, "download")))
        return ["lftp", "-c", "; ".join(script)], None

    def cmd_tnftp(self):
        p, mode = self.p, self.p["mode"]
        lines = ["user %s %s" % (USER, self.password)]
        if self.password == WRONG:
            lines.append("quit")
            return ["tnftp", "-n", p["server_addr"]], "\n".join(lines) + "\n"
        lines += ["passive " + ("on" if mode in ("pasv", "epsv") else "off"),
                  "epsv4 " + ("off" if mode in ("pasv", "port") else "on"),
                  "binary"]
        if self.action == "put":
            lines.append("put %s %s" % (self.local, p["path"]))
        elif self.action == "list":
            lines.append("ls " + p["path"])  # the listing goes to stdout, discarded
        else:
            lines.append("get %s /dev/null" % p["path"])
        lines.append("quit")
        return ["tnftp", "-n", p["server_addr"]], "\n".join(lines) + "\n"

    def cmd_ftplib(self):
        p = self.p
        argv = ["/usr/bin/python3", os.path.join(HERE, "ftpclient.py"), p["server_addr"]]
        if self.password == WRONG:
            return argv + ["login", "-", "--password", WRONG, "--tries", "3"], None
        argv += [self.action, p["path"], "--mode", p["mode"]]
        if self.action == "put":
            argv += ["--local", self.local]
        return argv, None

    def cmd_wget(self):
        p = self.p
        url = "ftp://%s/%s" % (url_host(p["server_addr"]), p["path"])
        if self.action == "list":
            url += "/"
        argv = ["wget", "-q", "-O", "/dev/null", "--tries=1", "--timeout=10",
                "--user=" + USER, "--password=" + self.password]
        if p["mode"] in ("port", "eprt"):
            argv.append("--no-passive-ftp")
        return argv + [url], None


def ns_exec(ns, argv, **kw):
    return subprocess.run(["ip", "netns", "exec", ns] + argv, capture_output=True, text=True, **kw)


def client_sockets(ns):
    """The slot's TCP sockets that are not closed yet (TIME-WAIT is done)."""
    out = ns_exec(ns, ["ss", "-Htan", "exclude", "time-wait", "exclude", "listening"]).stdout
    return [line for line in out.splitlines() if line.strip()]


def data_connection_up(addr):
    """A data connection with client addr still carries a transfer, seen
    from the server: established, or (an upload the client has finished
    writing) half-closed by the client while the server still reads what
    its receive buffer holds."""
    for line in server_sockets(addr).splitlines():
        f = line.split()
        if len(f) >= 5 and f[0] in ("ESTAB", "CLOSE-WAIT") and \
                not f[-2].endswith(":21") and not f[-1].endswith(":21"):
            return True
    return False


def wait_for(cond, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return False


def server_sockets(addr, *opts):
    """ss lines of the server namespace's connections with client addr."""
    # ss wants an IPv6 address in brackets.
    where = "[%s]" % addr if ":" in addr else addr
    return subprocess.run(["ip", "netns", "exec", "ftpvol-srv", "ss", "-Htan"] + list(opts) +
                          ["exclude", "time-wait", "dst", where],
                          capture_output=True, text=True).stdout.strip()


def server_session_pids(addr, server_pids):
    """PIDs of the server processes holding connections from addr, except
    the listeners themselves (killing those would end every session)."""
    out = server_sockets(addr, "-p")
    pids = {int(m) for m in re.findall(r"pid=(\d+)", out)}
    return sorted(p for p in pids if p not in server_pids and descends_from(p, server_pids))


def descends_from(pid, ancestors):
    for _ in range(10):
        try:
            with open("/proc/%d/stat" % pid) as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        if pid in ancestors:
            return True
    return False


def run_session(plan, slot, work, server_pids, log):
    s = Session(plan, slot, work)
    ns = slot_ns(slot)
    addr = slot_addr(slot, plan["family"])
    argv, stdin = s.argv()
    rec = {"slot": slot, "client_addr": addr, "injected": ""}
    holder = None
    rec["start"] = round(time.time(), 6)
    if plan["outcome"] == "too-many-connections":
        # The server must have let go of this address's last session (its
        # sockets, then its process) before the holder takes the one
        # connection it allows the address.
        wait_for(lambda: not server_sockets(addr), 5)
        time.sleep(0.3)
        holder = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3",
                                   os.path.join(HERE, "ftpclient.py"), plan["server_addr"], "hold", "-"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        if holder.stdout.readline().strip() != "held":
            rec["injected"] = "FAILED: the first session could not log in"
        else:
            rec["injected"] = "a second session from the same address"
    proc = subprocess.Popen(["ip", "netns", "exec", ns] + argv, cwd=work,
                            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=log, text=True)
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    if plan["outcome"] in KILLS:
        rec["injected"] = inject_kill(plan, proc, ns, addr, server_pids)
    try:
        rec["rc"] = proc.wait(timeout=CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        rec["rc"] = proc.wait()
        rec["injected"] += " (client timed out and was killed)"
    if holder is not None:
        holder.stdin.close()
        holder.wait(timeout=CLIENT_TIMEOUT)
    # The session is over when the slot's sockets are closed both ways.
    if not wait_for(lambda: not client_sockets(ns), 5):
        rec["injected"] += " (sockets still open at the end)"
    rec["end"] = round(time.time(), 6)
    return rec


def inject_kill(plan, proc, ns, addr, server_pids):
    """Kill the client or the server's session mid-transfer; the text says
    what was done, and starts with "FAILED" when nothing was killed (the
    transfer was not seen running), so the session is not scored."""
    if not wait_for(lambda: data_connection_up(addr), 10):
        return "FAILED: no data connection within 10 s, nothing killed"
    time.sleep(0.6)  # some data flows first
    if not data_connection_up(addr):
        return "FAILED: the transfer ended before the kill, nothing killed"
    if plan["outcome"] == "client-killed":
        proc.send_signal(signal.SIGKILL)
        return "SIGKILL to the client mid-download"
    what = "upload" if plan["outcome"] == "server-killed-upload" else "download"
    pids = server_session_pids(addr, server_pids)
    if not pids:
        return "FAILED: no server session process found, nothing killed"
    # Stop them all first so no half of a session writes a last reply when
    # it sees the other die; SIGKILL then closes the sockets from the
    # kernel, as a crash would.
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return "SIGKILL to the server session processes %s mid-%s" % (pids, what)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--plan", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--server-pids", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args(argv)
    with open(args.plan) as f:
        plan = json.load(f)
    with open(args.server_pids) as f:
        server_pids = {int(x) for x in f.read().split()}
    sessions = plan["sessions"]
    todo = queue.Queue()
    for s in sessions:
        todo.put(s)
    lock = threading.Lock()
    done = [0]
    log = open(args.log, "a")

    def worker(slot):
        work = os.path.join(args.work, "slot%d" % slot)
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "upload.txt"), "w") as f:
            f.write("".join("upload line %d from slot %d\n" % (i, slot) for i in range(1500)))
        with open(os.path.join(work, "upload-big.txt"), "w") as f:
            text = "".join("long upload line %d from slot %d\n" % (i, slot) for i in range(12000))
            f.write(text[:400000])
        while True:
            try:
                s = todo.get_nowait()
            except queue.Empty:
                return
            try:
                rec = run_session(s, slot, work, server_pids, log)
            except Exception as e:  # recorded, never silently dropped
                rec = {"slot": slot, "error": repr(e)}
            with lock:
                s.update(rec)
                done[0] += 1
                if done[0] % 100 == 0:
                    print("%d/%d sessions" % (done[0], len(sessions)), file=sys.stderr, flush=True)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(plan["slots"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(args.out, "w") as f:
        json.dump(plan, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
