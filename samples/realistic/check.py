#!/usr/bin/python3
"""Checks, from the packets alone (tshark), that each planned session did
what the plan says, independently of ftpcap.

  check.py CAPTURE PLAN

For every session (its slot's client address inside its time window) it
looks at the FTP replies and at who closed the data connection first:

  clean-*               a 226 and no 5xx to the transfer
  wrong-password        530 answering PASS, never 230
  missing-file          550 (or ftp-srv's 551) and no 226
  missing-dir-upload,
  permission-denied     550 or 553 and no 226
  too-many-connections  a connection greeted with 421 or 530
  client-killed         the client closed a data connection first, no 226
                        on the first control connection
  server-killed         the server closed a data connection first, no 226
                        on the first control connection
  server-killed-upload  the server reset a data connection (the client's
                        FIN before it is the end of the file), no 226 on
                        the first control connection
  idle-timeout          230, then a 421 (the wide set's idle servers)
  data-blocked          a data connection whose SYNs got no SYN-ACK, no 226
  rest-resume           350 (REST accepted) and 226
  abort                 ABOR sent
  port-refused          PORT or EPRT sent, a 550, no 226

and prints the sessions that do not hold, with what they show. Exit
status 1 if any.
"""

import json
import subprocess
import sys

FIELDS = ["frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport",
          "tcp.dstport", "tcp.flags.fin", "tcp.flags.reset", "ftp.request.command",
          "ftp.response.code", "tcp.flags.syn", "tcp.flags.ack"]


def packets(capture):
    argv = ["tshark", "-r", capture, "-T", "fields", "-E", "separator=|"]
    for f in FIELDS:
        argv += ["-e", f]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        r = line.split("|")
        yield {"t": float(r[0]), "src": r[1] or r[2], "dst": r[3] or r[4],
               "sport": r[5], "dport": r[6], "fin": r[7] in ("1", "True"),
               "rst": r[8] in ("1", "True"), "cmd": r[9], "code": r[10].split(",")[0],
               "syn": r[11] in ("1", "True"), "ack": r[12] in ("1", "True")}


def facts(pkts, client):
    """What one session's packets show."""
    f = {"codes": [], "after_pass": [], "greetings": [], "data_closer": None,
         "data_reset_by_server": False, "first_ctrl_226": False, "cmds": set(),
         "data_syn": set(), "data_synack": set()}
    ctrl_seen = []
    last_cmd = {}
    for p in pkts:
        cport = p["sport"] if p["src"] == client else p["dport"]
        sport = p["dport"] if p["src"] == client else p["sport"]
        conn = (cport, sport)
        if sport == "21" and conn not in ctrl_seen:
            ctrl_seen.append(conn)
        if p["cmd"]:
            last_cmd[conn] = p["cmd"]
            f["cmds"].add(p["cmd"])
        if p["code"]:
            f["codes"].append(p["code"])
            if last_cmd.get(conn) == "PASS":
                f["after_pass"].append(p["code"])
            if conn not in last_cmd and p["code"] in ("421", "530"):
                f["greetings"].append(p["code"])
            if p["code"] == "226" and ctrl_seen and conn == ctrl_seen[0]:
                f["first_ctrl_226"] = True
        if sport != "21" and cport != "21":
            if p["syn"]:
                f["data_synack" if p["ack"] else "data_syn"].add(conn)
            if (p["fin"] or p["rst"]) and f["data_closer"] is None:
                f["data_closer"] = "client" if p["src"] == client else "server"
            if p["rst"] and p["src"] != client:
                f["data_reset_by_server"] = True
    return f


def holds(outcome, f):
    codes = set(f["codes"])
    if outcome.startswith("clean-"):
        return "226" in codes
    if outcome == "wrong-password":
        return "530" in f["after_pass"] and "230" not in codes
    if outcome == "missing-file":
        return bool(codes & {"550", "551"}) and "226" not in codes
    if outcome in ("missing-dir-upload", "permission-denied"):
        return bool(codes & {"550", "553"}) and "226" not in codes
    if outcome == "too-many-connections":
        return bool(f["greetings"])
    if outcome == "client-killed":
        return f["data_closer"] == "client" and not f["first_ctrl_226"]
    if outcome == "server-killed":
        return f["data_closer"] == "server" and not f["first_ctrl_226"]
    if outcome == "server-killed-upload":
        return f["data_reset_by_server"] and not f["first_ctrl_226"]
    if outcome == "idle-timeout":
        return "230" in codes and "421" in codes
    if outcome == "data-blocked":
        return bool(f["data_syn"] - f["data_synack"]) and "226" not in codes
    if outcome == "rest-resume":
        return "350" in codes and "226" in codes
    if outcome == "abort":
        return "ABOR" in f["cmds"]
    if outcome == "port-refused":
        return bool(f["cmds"] & {"PORT", "EPRT"}) and "550" in codes and "226" not in codes
    return False


def main(argv):
    capture, plan_path = argv
    with open(plan_path) as fh:
        sessions = json.load(fh)["sessions"]
    by_addr = {}
    for s in sessions:
        by_addr.setdefault(s["client_addr"], []).append(s)
    mine = {s["index"]: [] for s in sessions}
    for p in packets(capture):
        for addr in (p["src"], p["dst"]):
            for s in by_addr.get(addr, ()):
                if s["start"] <= p["t"] <= s["end"]:
                    mine[s["index"]].append(p)
    bad = 0
    for s in sessions:
        if s.get("injected", "").startswith("FAILED"):
            continue
        f = facts(mine[s["index"]], s["client_addr"])
        if not holds(s["outcome"], f):
            bad += 1
            print("session %d %s × %s %s %s %s: replies %s, data closed first by %s" % (
                s["index"], s["client"], s["server"], s["family"], s["mode"], s["outcome"],
                " ".join(f["codes"]), f["data_closer"]))
    print("%d of %d sessions do not show what the plan says" % (bad, len(sessions)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
