#!/usr/bin/python3
"""Write samples/pairs/<name>.expect.json: what a paired capture (the same
run captured on the client's and the server's veth) must show together.

The expectation comes from what the lab injected, counted by the injecting
nftables rules' own counters (read with nft -j right after the run), and
from the clock shift applied to one file. The two files are then matched
here, packet by packet, as a check: a pair whose packets do not add up to
the counters (a drop the rule did not make, a reset it did not send) gets
no expect file and the lab run fails, as with every other sample.

Matching (lab-side, simple on purpose: one router, no re-segmentation):
connections by the FTP client's initial sequence number (a NAT rewrites
addresses and ports, never sequence numbers), packets within a
connection and direction by (flags, raw sequence and acknowledgement
numbers, payload length, IP ID), counted as multisets.
"""

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass

FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport",
          "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "ip.id", "ip.ttl"]
SYN, RST, ACK = 0x02, 0x04, 0x10
# Same host, same clock: the measured offset must equal the applied shift
# within a few milliseconds (the tests allow 50 ms).
OFFSET_SLACK_S = 0.005


class PairFailed(Exception):
    pass


def require(cond, what):
    if not cond:
        raise PairFailed(what)


@dataclass
class Pkt:
    frame: int
    time: float
    src: str
    dst: str
    sport: int
    dport: int
    flags: int
    seq: int
    ack: int
    length: int
    ip_id: int
    ttl: int

    def key(self):
        # The ACK number only counts when the ACK flag is set: a SYN's
        # acknowledgement field is whatever the stack left there.
        return (self.flags, self.seq, self.ack if self.flags & ACK else 0, self.length, self.ip_id)


def read(path):
    cmd = ["tshark", "-r", path, "-n", "-Y", "tcp && ip && !icmp", "-T", "fields", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    pkts = []
    for line in out.splitlines():
        v = line.split("\t")
        pkts.append(Pkt(int(v[0]), float(v[1]), v[2], v[3], int(v[4]), int(v[5]), int(v[6], 16),
                        int(v[7]), int(v[8] or 0), int(v[9] or 0), int(v[10], 0), int(v[11])))
    return pkts


@dataclass
class Conn:
    """One TCP connection at one capture point, oriented FTP client ->
    FTP server (the server's end is the one on the server's address)."""
    client: tuple
    server: tuple
    packets: list

    def isn(self):
        """The FTP client's initial sequence number, or its first seen
        sequence number when its SYN is missing."""
        mine = [p for p in self.packets if (p.src, p.sport) == self.client]
        syn = next((p for p in mine if p.flags & SYN), None)
        return (syn or mine[0]).seq if mine else None

    def of(self, who):
        end = self.client if who == "client" else self.server
        return [p for p in self.packets if (p.src, p.sport) == end]

    def kind(self):
        return "control" if self.server[1] == 21 else "data"

    def endpoints(self):
        return {"client": f"{self.client[0]}:{self.client[1]}", "server": f"{self.server[0]}:{self.server[1]}"}


def connections(pkts, server_ports):
    """The connections of one file, each oriented FTP client -> server: the
    sender of the first SYN is the client, the receiver of the first
    SYN-ACK the client when the SYN is missing, and failing both the end
    on an FTP server port (21 or the passive range). Addresses are no
    guide: a NAT may give the server another one in each file."""
    groups = {}
    for p in pkts:
        groups.setdefault(frozenset([(p.src, p.sport), (p.dst, p.dport)]), []).append(p)
    out = []
    for packets in groups.values():
        syn = next((p for p in packets if p.flags & SYN and not p.flags & ACK), None)
        synack = next((p for p in packets if p.flags & SYN and p.flags & ACK), None)
        first = packets[0]
        if syn:
            client, server = (syn.src, syn.sport), (syn.dst, syn.dport)
        elif synack:
            client, server = (synack.dst, synack.dport), (synack.src, synack.sport)
        elif first.sport in server_ports:
            client, server = (first.dst, first.dport), (first.src, first.sport)
        else:
            client, server = (first.src, first.sport), (first.dst, first.dport)
        out.append(Conn(client, server, packets))
    return sorted(out, key=lambda c: c.packets[0].time)


def direction(sent, received):
    """Counts of one direction between the sending side's point (sent) and
    the receiving side's (received)."""
    a, b = Counter(p.key() for p in sent), Counter(p.key() for p in received)
    delivered = sum((a & b).values())
    return {"sent": len(sent), "delivered": delivered, "dropped": len(sent) - delivered,
            "injected": len(received) - delivered}


def delays(sent, received):
    """Receive minus send time of every matched packet."""
    first = {}
    for p in sent:
        first.setdefault(p.key(), p.time)
    return [p.time - first[p.key()] for p in received if p.key() in first]


def nft_counters(ns, path):
    """Every rule with a counter in a namespace's ruleset (nft -j)."""
    doc = json.load(open(path))
    out = []
    for item in doc.get("nftables", []):
        rule = item.get("rule")
        if not rule:
            continue
        counter = next((e["counter"] for e in rule["expr"] if "counter" in e), None)
        if counter is None:
            continue
        comment = rule.get("comment", "")
        out.append({"namespace": ns, "table": f"{rule['family']} {rule['table']}", "chain": rule["chain"],
                    "comment": comment, "packets": counter["packets"], "bytes": counter["bytes"],
                    "counts": [{"kind": k, "direction": d, "as": e} for k, d, e in COUNTS.get(comment, [])]})
    return out


def conntrack_translations(path):
    """[(original client, original server, reply server, reply client,
    line)] of the router's conntrack table (conntrack -L -o extended), the
    ends as "address:port"."""
    out = []
    for line in open(path):
        v = re.findall(r"(src|dst|sport|dport)=(\S+)", line)
        if len(v) < 8:
            continue
        o, r = dict(v[:4]), dict(v[4:8])
        out.append((f"{o['src']}:{o['sport']}", f"{o['dst']}:{o['dport']}",
                    f"{r['src']}:{r['sport']}", f"{r['dst']}:{r['dport']}", " ".join(line.split())))
    return out


# The rule whose counter counts the connections a NAT fault translated.
NAT_RULES = {"nat": "snat-client", "pasv-nat": "dnat-server"}


# --- what each fault's counters mean, per connection and direction --------------------

def count(counters, comment):
    hits = [c["packets"] for c in counters if c["comment"] == comment]
    require(len(hits) == 1, f"no single rule with comment {comment!r}")
    return hits[0]


# What each injecting rule's counter counts, by the rule's comment: the
# packets of which connection kind and direction it dropped or injected.
# A rule rejecting with tcp reset drops the packet it matched and sends its
# sender a RST in the other endpoint's name: an injected packet in the
# opposite direction (a RST is never answered with one, so RSTs are
# matched by a rule of their own that only drops). The MTU rules only
# count, in prerouting: every data segment over 1280 bytes is one the
# 1280-byte link drops (DF set). ICMP and NAT counters count no packet of
# an FTP connection.
COUNTS = {
    "s2c-rst-dropped": [("data", "server_to_client", "dropped")],
    "s2c-reset": [("data", "server_to_client", "dropped"), ("data", "client_to_server", "injected")],
    "c2s-rst-dropped": [("data", "client_to_server", "dropped")],
    "c2s-reset": [("data", "client_to_server", "dropped"), ("data", "server_to_client", "injected")],
    "s2c-too-big": [("data", "server_to_client", "dropped")],
    "c2s-too-big": [("data", "client_to_server", "dropped")],
    "icmp-frag-needed-dropped": [],
    "c2s-data-syn-dropped": [("data", "client_to_server", "dropped")],
    "s2c-synack-dropped": [("control", "server_to_client", "dropped")],
    "c2s-private-dropped": [("data", "client_to_server", "dropped")],
    "snat-client": [],
    "dnat-server": [],
}


def expected_counts(kind, counters, n_data):
    """{direction: {effect: (n, [counter comments])}} for one connection of
    kind, from the rules' counters. Each run has one data connection at
    most where a rule touches data connections, so a counter is one
    connection's."""
    want = {d: {e: (0, []) for e in ("dropped", "injected")} for d in ("client_to_server", "server_to_client")}
    for c in counters:
        require(c["comment"] in COUNTS, f"counter {c['comment']!r} has no meaning in COUNTS")
        for k, d, e in COUNTS[c["comment"]]:
            if k != kind:
                continue
            require(k != "data" or n_data <= 1,
                    f"{n_data} data connections: counter {c['comment']} cannot be split between them")
            n, names = want[d][e]
            want[d][e] = (n + c["packets"], names + [c["comment"]])
    return want


# Breaks the two files prove together, per fault: (class, cause, also, kind, why).
PROVEN = {
    "middlebox-reset": [("network", "middlebox-reset", [], "data",
                         "each side received RSTs in the other's name that the other never sent "
                         "(injected both ways), and the packets they answered never arrived (dropped)"),
                        ("network", "middlebox-reset", [], "control",
                         "the control connection's break blames the same forged data-connection RSTs "
                         "(its own RST, sent by the client after them, is the endpoint's)")],
    "mtu-blackhole": [("network", "mtu-blackhole", [], "data",
                       "the server's full-size segments left the server and never reached the client "
                       "(dropped server to client) while small packets of the same connections were "
                       "delivered both ways; the client's file alone shows only silence")],
    "data-channel-blocked": [("network", "data-channel-blocked", [], "data",
                              "the client's SYNs to the passive port left the client and never reached "
                              "the server, which never saw the data connection")],
    "handshake-stall": [("network", "handshake-incomplete", ["syn-unanswered"], "control",
                         "the client's SYNs reached the server and every SYN-ACK it sent was dropped "
                         "on the way back: the answer vanished, not the SYN (the client's file alone "
                         "says syn-unanswered, the server's handshake-incomplete)")],
    "pasv-nat": [("network", "pasv-address-mismatch", [], "data",
                  "the 227 advertises the server's own address as the server's file shows it, "
                  "which the client's file shows under another (the NAT's translation, seen "
                  "directly in the two files), and the client's SYNs to the advertised address "
                  "left the client and never reached the server")],
    "clean": [],
    "capture-loss": [],
    "nat": [],
}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--name", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--description", required=True)
    ap.add_argument("--made-by", required=True)
    ap.add_argument("--fault", default="clean", choices=sorted(PROVEN))
    ap.add_argument("--nft", action="append", default=[], help="NAMESPACE=nft -j ruleset file")
    ap.add_argument("--clock-shift", action="append", default=[], help="VANTAGE=SECONDS applied with editcap -t")
    ap.add_argument("--conntrack", help="the router's conntrack -L -o extended output")
    ap.add_argument("--full", action="append", default=[],
                    help="VANTAGE=the file as captured, before frames were deleted from it (capture loss)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    try:
        doc = build(a)
    except PairFailed as e:
        print(f"pairs {a.name}: the pair does not show the scenario: {e}", file=sys.stderr)
        return 1
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return 0


def build(a):
    points = ("client", "server")
    files = {v: f"{a.name}-{v}.pcap" for v in points}
    server_ports = {21} | set(range(30000, 30010))
    full = dict(f.split("=", 1) for f in a.full)
    # The network's counts come from the files as captured; a file cut
    # afterwards (capture loss) is compared with its whole self.
    conns = {v: connections(read(full.get(v, f"{a.dir}/{files[v]}")), server_ports) for v in points}
    cut = {v: {c.isn(): c for c in connections(read(f"{a.dir}/{files[v]}"), server_ports)}
           for v in full}
    shift = {k: float(x) for k, x in (s.split("=", 1) for s in a.clock_shift)}
    counters = [c for spec in a.nft for c in nft_counters(*spec.split("=", 1))]
    singles = {v: json.load(open(f"{a.dir}/{a.name}-{v}.expect.json")) for v in points}

    by_isn = {v: {c.isn(): c for c in conns[v]} for v in points}
    isns = list(dict.fromkeys([c.isn() for c in conns["client"]] + [c.isn() for c in conns["server"]]))
    n_data = sum(1 for i in isns if (by_isn["client"].get(i) or by_isn["server"].get(i)).kind() == "data")
    out_conns, to_server, to_client, notes = [], [], [], []
    for isn in isns:
        cc, sc = by_isn["client"].get(isn), by_isn["server"].get(isn)
        any_view = cc or sc
        path = {
            "client_to_server": direction(cc.of("client") if cc else [], sc.of("client") if sc else []),
            "server_to_client": direction(sc.of("server") if sc else [], cc.of("server") if cc else []),
        }
        if cc and sc:
            to_server += delays(cc.of("client"), sc.of("client"))
            to_client += delays(sc.of("server"), cc.of("server"))
        want = expected_counts(any_view.kind(), counters, n_data)
        because = {}
        for d in path:
            for what in ("dropped", "injected"):
                n, counted = want[d][what]
                require(path[d][what] == n,
                        f"{any_view.kind()} connection {any_view.endpoints()} {d}: the files show "
                        f"{path[d][what]} {what}, the counters say {n} ({' + '.join(counted) or 'no rule'})")
                because.setdefault(d, {})[what] = counted
        lost = {}
        for v in cut:
            mine = by_isn[v].get(isn)
            if mine is None:
                continue
            kept = cut[v].get(isn)
            lost[v] = {d: len(mine.of(who)) - sum((Counter(p.key() for p in mine.of(who))
                                                    & Counter(p.key() for p in (kept.of(who) if kept else []))).values())
                       for d, who in (("client_to_server", "client"), ("server_to_client", "server"))}
        out_conns.append({
            "kind": any_view.kind(),
            "client_isn": isn,
            "seen_at": [v for v, c in (("client", cc), ("server", sc)) if c],
            "endpoints": {"client": cc.endpoints() if cc else None, "server": sc.endpoints() if sc else None},
            "path": path,
            "counted_by": because,
        })
        if cut:
            out_conns[-1]["capture_lost"] = lost

    for v in cut:
        # Each cut file lost only packets its own host received.
        received = "server_to_client" if v == "client" else "client_to_server"
        lost = {d: sum(c.get("capture_lost", {}).get(v, {}).get(d, 0) for c in out_conns)
                for d in ("client_to_server", "server_to_client")}
        require(lost[received] > 0 and sum(lost.values()) == lost[received],
                f"the {v}'s file lost {lost}, want packets it received only")

    clock = {"shift_s": shift, "tolerance_s": 0.05}
    if to_server and to_client:
        offset = (min(to_server) - min(to_client)) / 2
        clock["measured_offset_s"] = round(offset, 6) + 0.0
        clock["min_one_way_delay_s"] = {"client_to_server": round(min(to_server) - offset, 6),
                                        "server_to_client": round(min(to_client) + offset, 6)}
        want_offset = shift.get("server", 0.0) - shift.get("client", 0.0)
        require(abs(offset - want_offset) < OFFSET_SLACK_S,
                f"clock offset measured {offset:.6f} s, applied {want_offset} s")
    else:
        # Nothing crossed both points (the packets only ever went one way):
        # the files alone cannot give the offset; the shift applied is 0.
        clock["measured_offset_s"] = None
        notes.append("No connection has packets matched both ways, so the files alone give no "
                     "clock offset; both files carry the host's clock (no shift applied).")

    nat = None
    both = [c for c in out_conns if c["endpoints"]["client"] and c["endpoints"]["server"]]
    translated = [c for c in both if c["endpoints"]["client"] != c["endpoints"]["server"]]
    if a.fault in NAT_RULES:
        require(translated and len(translated) == len(both),
                "not every connection seen at both points is translated")
        table = conntrack_translations(a.conntrack) if a.conntrack else []
        entries = []
        for c in translated:
            cv, sv = c["endpoints"]["client"], c["endpoints"]["server"]
            hit = [line for orig_c, orig_s, rep_s, rep_c, line in table
                   if (orig_c, orig_s, rep_s, rep_c) == (cv["client"], cv["server"], sv["server"], sv["client"])]
            require(hit, f"conntrack has no entry translating {cv} to {sv}")
            entries.append(hit[0])
        rule = NAT_RULES[a.fault]
        n = [c["packets"] for c in counters if c["comment"] == rule]
        require(n and n[0] == len(translated),
                f"the {rule} rule translated {n[0] if n else 0} connections, the files show {len(translated)}")
        nat = {"rule": rule, "translations": [
            {"kind": c["kind"], "client_view": c["endpoints"]["client"], "server_view": c["endpoints"]["server"],
             "conntrack": line} for c, line in zip(translated, entries)]}
    else:
        require(not translated, f"addresses differ between the files without NAT: {translated}")

    proven = []
    for cls, cause, also, kind, why in PROVEN[a.fault]:
        conn = next(c for c in out_conns if c["kind"] == kind)
        proven.append({"class": cls, "cause": cause, "also": also, "kind": kind,
                       "connection": conn["endpoints"]["client"] or conn["endpoints"]["server"],
                       "why": why})
    return {
        "pair": a.name,
        "scenario": a.description,
        "made_by": a.made_by,
        "fault": a.fault,
        "vantages": [{"name": v, "files": [files[v]], "expect": f"{a.name}-{v}.expect.json",
                      "capture_point": singles[v]["capture_point"],
                      "clock_offset_s": shift.get(v, 0.0) - shift.get("client", 0.0)} for v in points],
        "clock": clock,
        "counters": counters,
        "nat": nat,
        "connections": out_conns,
        "proven": proven,
        "single": {v: [f"{b['class']}/{b['cause']} ({b['kind']})" for b in singles[v]["breaks"]] or ["clean"]
                   for v in points},
        "notes": " ".join(notes),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
