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


IDLE_WAIT = 6  # s an idle-timeout session waits, twice the idle servers' 3 s
REST_AT = 8192  # bytes a rest-resume session already has


def action_of(outcome):
    if outcome == "idle-timeout":
        return "idle"
    if outcome in ("clean-upload", "missing-dir-upload", "permission-denied", "server-killed-upload"):
        return "put"
    if outcome == "clean-list":
        return "list"
    return "get"


class Session:
    """One planned session and the command line that carries it out."""

    def __init__(self, plan, slot, work, tools):
        self.p = plan
        self.slot = slot
        self.work = work
        self.tools = tools
        self.action = action_of(plan["outcome"])
        self.password = WRONG if plan["outcome"] == "wrong-password" else PASSWORD
        # A transfer to be killed must last: 400,000 bytes at the slow
        # instances' 40 kB/s.
        big = plan["outcome"] == "server-killed-upload"
        self.local = os.path.join(work, "upload-big.txt" if big else "upload.txt")
        self.download = os.path.join(work, "download")
        self.resume = plan["outcome"] == "rest-resume"

    def argv(self):
        """(argv, stdin) for the planned client; stdin is None or a list of
        (text, seconds to wait after writing it)."""
        if self.resume:
            # The part already downloaded: the client resumes after it.
            with open(self.download, "w") as f:
                f.write("x" * REST_AT)
        elif os.path.exists(self.download):
            os.unlink(self.download)
        argv, stdin = getattr(self, "cmd_" + self.p["client"])()
        if isinstance(stdin, str):
            stdin = [(stdin, 0)]
        return argv, stdin

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
        elif self.resume:
            argv += ["-C", "-", "-o", self.download, url]
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
        elif self.resume:
            script.append("get -c %s -o %s" % (p["path"], self.download))
        else:
            script.append("get %s -o %s" % (p["path"], self.download))
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
        if self.action == "idle":
            return ["tnftp", "-n", p["server_addr"]], idle_then_quit(lines)
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
        action = "abort" if p["outcome"] == "abort" else self.action
        argv += [action, p["path"], "--mode", p["mode"]]
        if self.action == "put":
            argv += ["--local", self.local]
        if action == "idle":
            argv += ["--wait", str(IDLE_WAIT)]
        if self.resume:
            argv += ["--rest", str(REST_AT)]
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

    def cmd_ncftp(self):
        """ncftpget, ncftpput -c (the file on stdin, STOR of the path) and
        ncftpls; -F passive (EPSV on IPv6, PASV on IPv4), -E active."""
        p = self.p
        common = ["-u", USER, "-p", self.password, "-t", "10", "-r", "0",
                  "-F" if p["mode"] in ("pasv", "epsv") else "-E"]
        host = p["server_addr"]
        if self.action == "put":
            return ["sh", "-c", 'exec ncftpput "$@" <"$0"', self.local] + common + ["-c", host, p["path"]], None
        if self.action == "list":
            return ["ncftpls"] + common + ["-l", "ftp://%s/%s/" % (url_host(host), p["path"])], None
        return ["ncftpget"] + common + ["-c", host, p["path"]], None

    def cmd_inetftp(self):
        """GNU inetutils ftp, commands on stdin like tnftp; -p passive."""
        p, mode = self.p, self.p["mode"]
        argv = ["inetutils-ftp", "-n"] + (["-p"] if mode in ("pasv", "epsv") else []) + [p["server_addr"]]
        lines = ["user %s %s" % (USER, self.password)]
        if self.password == WRONG:
            return argv, "\n".join(lines + ["quit"]) + "\n"
        lines.append("binary")
        if self.action == "idle":
            return argv, idle_then_quit(lines)
        if self.action == "put":
            lines.append("put %s %s" % (self.local, p["path"]))
        elif self.action == "list":
            lines.append("ls " + p["path"])
        else:
            lines.append("get %s /dev/null" % p["path"])
        return argv, "\n".join(lines + ["quit"]) + "\n"

    def cmd_busybox(self):
        """busybox ftpget/ftpput: passive only (PASV, EPSV on IPv6)."""
        p = self.p
        common = ["-u", USER, "-p", self.password, p["server_addr"]]
        if self.action == "put":
            return ["busybox", "ftpput"] + common + [p["path"], self.local], None
        return ["busybox", "ftpget"] + common + ["/dev/null", p["path"]], None

    def cmd_basicftp(self):
        p = self.p
        argv = ["env", "NODE_PATH=" + self.tools["node_path"], "node", os.path.join(HERE, "basicftp.js"),
                p["server_addr"], USER, self.password, self.action, p["path"]]
        return argv + ([self.local] if self.action == "put" else []), None

    def cmd_goftp(self):
        p = self.p
        argv = [os.path.join(self.tools["dir"], "goftp"), "-mode", p["mode"]]
        if self.resume:
            argv += ["-rest", str(REST_AT)]
        argv += [p["server_addr"], USER, self.password, self.action, p["path"]]
        return argv + ([self.local] if self.action == "put" else []), None


def idle_then_quit(lines):
    """A command-line client's stdin that logs in, then says nothing for
    longer than the server's idle timeout, then quits."""
    return [("\n".join(lines) + "\n", IDLE_WAIT), ("quit\n", 0)]


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


def run_session(plan, slot, work, tools, server_pids, log):
    s = Session(plan, slot, work, tools)
    ns = slot_ns(slot)
    addr = slot_addr(slot, plan["family"])
    argv, stdin = s.argv()
    rec = {"slot": slot, "client_addr": addr, "injected": ""}
    holder = None
    block = None
    if plan["outcome"] == "data-blocked":
        block = block_data(addr, plan["server_addr"])
        rec["injected"] = "the server host's firewall drops the client's data SYNs (nft rule %s)" % block
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
        feed(proc, stdin)
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
    if block is not None:
        unblock(block)
    return rec


def feed(proc, chunks):
    """Write a client's stdin, waiting after each chunk as asked."""
    try:
        for text, wait in chunks:
            proc.stdin.write(text)
            proc.stdin.flush()
            time.sleep(wait)
        proc.stdin.close()
    except BrokenPipeError:
        pass


def block_data(client, server):
    """An nft rule in the server's namespace (its host firewall, behind the
    capture point) that drops every packet from client to server except to
    port 21: passive data connections get no answer to their SYNs. Returns
    the rule's handle."""
    fam = "ip6" if ":" in client else "ip"
    out = subprocess.run(["ip", "netns", "exec", "ftpvol-srv", "nft", "-e", "-a", "add", "rule", "inet",
                          "ftpvol", "blockdata", fam, "saddr", client, fam, "daddr", server,
                          "tcp", "dport", "!=", "21", "drop"],
                         capture_output=True, text=True, check=True).stdout
    return int(re.search(r"# handle (\d+)", out).group(1))


def unblock(handle):
    subprocess.run(["ip", "netns", "exec", "ftpvol-srv", "nft", "delete", "rule", "inet", "ftpvol", "blockdata",
                    "handle", str(handle)], check=True)


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
    p.add_argument("--tools", default="", help="folder with the wide set's built clients (goftp)")
    p.add_argument("--node-path", default="", help="node_modules with basic-ftp")
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
    tools = {"dir": args.tools, "node_path": args.node_path}

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
                rec = run_session(s, slot, work, tools, server_pids, log)
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
