"""Expect checks for the network, TCP, TLS and server-behaviour faults
(scenarios-net.sh). Each reads the capture and states the verdicts with the
packet facts a detector needs: TTLs, IP IDs, ICMP types and codes,
retransmission times, windows."""

from capmodel import lines_of, parse_data_endpoint, read_icmp, read_tls, status
from expectlib import (brk, data_healthy, finding, hops, modal_hops, ms, require,
                       session_healthy)

CHECKS = {}


def check(name):
    def register(fn):
        CHECKS[name] = fn
        return fn
    return register


# --- describing packets ---------------------------------------------------------

def times(packets, since=None):
    """'at 0.000, 1.016 s' relative to since (default: the first packet)."""
    t0 = packets[0].time if since is None else since
    return ", ".join(f"{p.time - t0:.3f}" for p in packets) + " s"


def gaps(packets):
    return ", ".join(f"{b.time - a.time:.3f}" for a, b in zip(packets, packets[1:])) + " s"


def frames(packets):
    return ", ".join(str(p.frame) for p in packets)


def ipids(packets):
    """The IP IDs of packets: a constant, or the range of the non-zero ones
    (Linux sends SYN-ACKs and resets with ID 0, other segments counting up)."""
    ids = [p.ip_id for p in packets if p.ip_id is not None]
    if not ids:
        return "no IP ID (IPv6)"
    if len(set(ids)) == 1:
        return f"IP ID {ids[0]:#06x}"
    nonzero = [i for i in ids if i]
    zeros = len(ids) - len(nonzero)
    text = f"IP IDs {nonzero[0]:#06x}..{nonzero[-1]:#06x}"
    if zeros:
        text += f" (and 0 on {zeros} packet{'s' if zeros > 1 else ''} with SYN or RST)"
    return text


def ttl_text(packets):
    ttls = sorted({p.ttl for p in packets})
    return f"TTL {'/'.join(map(str, ttls))}"


def by_seq(packets):
    """Data segments grouped by sequence number: {seq: [packets]}."""
    out = {}
    for p in packets:
        if p.payload:
            out.setdefault(p.seq, []).append(p)
    return out


def tail_retransmissions(conn, who):
    """The last segment `who` sent again and again at the end of the
    capture: the packets carrying it (first transmission included)."""
    segs = by_seq(conn.of(who))
    if not segs:
        return []
    seq, ps = max(segs.items(), key=lambda kv: (len(kv[1]), kv[1][-1].frame))
    return ps


def acked(conn, who, seq_end):
    """Whether the peer of `who` acknowledged bytes up to seq_end."""
    peer = "server" if who == "client" else "client"
    return any(p.ack and ((p.ack_no - seq_end) & 0xFFFFFFFF) < 0x80000000 for p in conn.of(peer))


def only_session(cap):
    require(len(cap.sessions) == 1, f"want one session, got {len(cap.sessions)}")
    return cap.sessions[0]


# --- connection set-up ---------------------------------------------------------

@check("syn-unanswered")
def c_syn_unanswered(cap):
    s = only_session(cap)
    c = s.conn
    syns = [p for p in c.packets if p.syn and not p.ack]
    require(len(syns) >= 3 and len({p.seq for p in syns}) == 1, "want one SYN sent 3+ times")
    require(not c.of("server"), "the server side answered")
    require(not read_icmp(cap.path), "an ICMP error came back")
    require(len(c.packets) == len(syns), "the client sent more than SYNs")
    notes = [f"The client's SYN to {c.endpoint('server')} (frames {frames(syns)}) is sent "
             f"{len(syns)} times, at {times(syns)} (gaps {gaps(syns)}): the first "
             f"retransmissions come 1 s apart, the later ones back off by doubling (Linux 6.x "
             f"retransmits SYNs on a linear 1 s timer first, tcp_syn_linear_timeouts). Same "
             f"sequence number each time, {ttl_text(syns)} (hop distance 0: this is the "
             f"client's own LAN), {ipids(syns)} counting up by one. Nothing comes back: no "
             f"SYN-ACK, no RST, no ICMP. The client gives up 12 s after the first SYN (curl "
             f"--connect-timeout) without sending anything more."]
    return [brk("network", "syn-unanswered", "control", 1, c, [p.frame for p in syns])], [], notes


@check("handshake-incomplete")
def c_handshake_incomplete(cap):
    s = only_session(cap)
    c = s.conn
    syn = [p for p in c.of("client") if p.syn]
    synacks = [p for p in c.of("server") if p.syn and p.ack]
    require(len(syn) == 1 and len(synacks) >= 3, "want one SYN and 3+ SYN-ACKs")
    require(len({p.seq for p in synacks}) == 1, "the SYN-ACKs differ")
    require(not [p for p in c.of("client") if not p.syn], "the client's third ACK reached the server")
    require(not [p for p in c.of("server") if not p.syn], "the server sent more than SYN-ACKs")
    notes = [f"The client's SYN (frame {syn[0].frame}, {ttl_text(syn)}: one hop away) is "
             f"answered by a SYN-ACK (frame {synacks[0].frame}, {ttl_text(synacks[:1])}: this is "
             f"the server's LAN), which the server sends {len(synacks)} times, at "
             f"{times(synacks, syn[0].time)} after the SYN (gaps {gaps(synacks)}): the third ACK "
             f"of the handshake never arrives, and nor does anything else from the client (no "
             f"retransmitted SYN either: the client did get a SYN-ACK). The router dropped the "
             f"client's ACKs and its later FIN; the client (lftp, net:timeout 8) gave up on "
             f"its side, unseen here."]
    return [brk("network", "handshake-incomplete", "control", 1, c,
                [syn[0].frame] + [p.frame for p in synacks])], [], notes


@check("icmp-unreachable")
def c_icmp_unreachable(cap):
    require(len(cap.sessions) == 2, f"want two connection attempts, got {len(cap.sessions)}")
    icmps = read_icmp(cap.path)
    breaks, notes = [], []
    want = {1: (3, 13), 2: (3, 1)}
    for s in cap.sessions:
        c = s.conn
        require(not c.of("server"), f"session {s.index}: the server side answered")
        syns = [p for p in c.of("client") if p.syn]
        mine = [i for i in icmps if i.quotes(c)]
        require(mine, f"session {s.index}: no ICMP error quoting the connection")
        require({(i.type, i.code) for i in mine} == {want[s.index]},
                f"session {s.index}: ICMP {[(i.type, i.code) for i in mine]}, want {want[s.index]}")
        i = mine[0]
        require(i.src != c.server[0], "the ICMP comes from the server itself")
        breaks.append(brk("network", "icmp-unreachable", "control", s.index, c,
                          [syns[0].frame] + [x.frame for x in mine]))
        notes.append(
            f"Session {s.index}: SYN{'s' if len(syns) > 1 else ''} from {c.endpoint('client')} "
            f"to {c.endpoint('server')} (frame{'s' if len(syns) > 1 else ''} {frames(syns)}"
            + (f", at {times(syns)}" if len(syns) > 1 else "") + f") answered by "
            f"{len(mine)} {i.describe()} from the router {i.src} (frame"
            f"{'s' if len(mine) > 1 else ''} {frames(mine)}, TTL {i.ttl}: sent from the "
            f"client's LAN, {ipids(mine)}), "
            f"{mine[0].time - syns[0].time:.3f} s after the first SYN; each quotes the "
            f"connection's SYN as the router forwarded it (quoted TTL 63). No SYN-ACK, no RST; "
            f"the client gives up at once.")
    notes.append("Session 1's ICMP is the router's firewall refusing port 21 (nftables reject "
                 "with admin-prohibited). Session 2's address is on the server's LAN but no host "
                 "has it: the router sends host unreachable once ARP has failed (about 3 s), one "
                 "per SYN it had queued.")
    return breaks, [], notes


# --- resets by a middlebox ---------------------------------------------------------

def rst_vs_sender(conn, rst, who):
    """Sentence comparing a RST with the purported sender's other packets."""
    earlier = [p for p in conn.of(who) if p.frame < rst.frame]
    return (f"RST frame {rst.frame} claims {conn.endpoint(who)} but arrives with TTL "
            f"{rst.ttl} (hop distance {hops(rst.ttl)}) and IP ID {rst.ip_id:#06x}; that "
            f"endpoint's {len(earlier)} earlier packets arrive with {ttl_text(earlier)} (hop "
            f"distance {modal_hops(earlier)}) and {ipids(earlier)}")


@check("middlebox-reset-control")
def c_middlebox_reset_control(cap):
    s = only_session(cap)
    c = s.conn
    rsts = c.frames("server", "rst")
    require(len(rsts) == 1, f"want one RST in the server's name: {s.timeline()}")
    rst = c.packet(rsts[0])
    earlier = [p for p in c.of("server") if p.frame < rst.frame]
    require(earlier and hops(rst.ttl) < modal_hops(earlier),
            "the RST's hop distance matches the server's")
    last_cmd = [m for m in s.commands() if m.frame < rst.frame][-1]
    before = [m for m in s.messages if m.frame < last_cmd.frame][-1]
    gap = c.packet(last_cmd.frame).time - c.packet(before.frame).time
    require(not s.commands("QUIT"), "the client sent QUIT")
    notes = [rst_vs_sender(c, rst, "server") + f". The RST answers the client's "
             f"'{last_cmd.show()}' (frame {last_cmd.frame}) sent after {gap:.1f} s of "
             f"idleness, {rst.time - c.packet(last_cmd.frame).time:.6f} s later, with no ACK "
             f"flag and a sequence number equal to the client's last acknowledgement. The "
             f"server's own packets (TTL 63, one router away) cannot arrive with TTL 64: the "
             f"router made the reset (nftables reject with tcp reset). Nothing follows: the "
             f"client's socket is reset, no FIN, no QUIT."]
    return [brk("network", "middlebox-reset", "control", 1, c, [rst.frame])], [], notes


# --- data channels ---------------------------------------------------------------

def announced(s, verbs):
    """The session's data endpoint announcements (227/229 replies, PORT/EPRT)."""
    out = []
    for m in s.messages:
        if m.verb in verbs:
            ep = parse_data_endpoint(m, s.conn)
            if ep:
                out.append((m, ep))
    return out


def conns_to(cap, ip, port):
    return [c for c in cap.conns if c.server[1] == port and c.server[0] == ip]


@check("data-channel-blocked")
def c_data_channel_blocked(cap):
    s = only_session(cap)
    eps = announced(s, ("227", "229"))
    require(len(eps) == 1, f"want one passive announcement: {s.timeline()}")
    m, (_, ip, port) = eps[0]
    data = conns_to(cap, ip, port)
    require(len(data) == 1, f"want one connection attempt to {ip}:{port}")
    d = data[0]
    syns = d.of("client")
    require(len(syns) >= 3 and all(p.syn and not p.ack for p in syns), "want SYNs only")
    require(not d.of("server"), "the data port answered")
    r421 = s.replies("421")
    require(r421 and r421[0].frame > syns[0].frame, "no 421 after the SYNs")
    require(not read_icmp(cap.path), "an ICMP error came back")
    quit_ = s.commands("QUIT")
    notes = [f"'{m.verb} {m.arg}' (frame {m.frame}) announces {ip}:{port}. The client's SYN "
             f"to it (frames {frames(syns)}, {ttl_text(syns)}: the client's LAN) is sent "
             f"{len(syns)} times, at {times(syns)} (gaps {gaps(syns)}); nothing answers: no "
             f"SYN-ACK, RST or ICMP. The control connection works throughout. The server gives "
             f"up first: '421 {r421[0].arg}' (frame {r421[0].frame}, "
             f"{c_time(s, r421[0].frame) - syns[0].time:.1f} s after the first SYN: pyftpdlib's "
             f"passive timeout), which ends the attempt; no RETR was ever sent (tnftp connects "
             f"before it sends RETR), so there is no transfer. The client keeps retrying the "
             f"SYN until its own connect fails (tnftp: 'Connection timed out')"
             + (f", then sends QUIT (frame {quit_[0].frame}) and closes at once: tnftp takes "
                f"the stale 421 as the answer to QUIT, so the 221 that follows reaches a "
                f"closed socket and the client host answers it with RST"
                if quit_ else "") + ". That RST ends a session that had already QUIT: it is "
             "not a separate break."]
    return [brk("network", "data-channel-blocked", "data", 1, d,
                [p.frame for p in syns] + [r421[0].frame])], [], notes


def c_time(s, frame):
    return s.conn.packet(frame).time


@check("data-channel-blocked-active")
def c_data_channel_blocked_active(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.mode == "active"), None)
    require(t and t.data, f"no active transfer with a data connection: {s.timeline()}")
    d = t.data
    syns = d.of("client")
    require(len(syns) >= 3 and all(p.syn and not p.ack for p in syns), "want SYNs only")
    require(not d.of("server"), "the client's data port answered")
    require(t.final and t.final.verb == "425", f"the transfer did not end 425: {t.final}")
    require(session_healthy(s), "the session did not end QUIT/221/FIN")
    port = s.commands("PORT")[-1]
    notes = [f"'PORT {port.arg}' (frame {port.frame}) and RETR {t.path} (frame {t.frame}); "
             f"the server connects from {d.endpoint('client')} to {d.endpoint('server')}: its "
             f"SYN (frames {frames(syns)}, {ttl_text(syns)}: the server's LAN) is sent "
             f"{len(syns)} times, at {times(syns)} (gaps {gaps(syns)}); nothing answers (the "
             f"router drops it). The server gives up and replies '425 {t.final.arg}' (frame "
             f"{t.final.frame}, {c_time(s, t.final.frame) - syns[0].time:.1f} s after its first "
             f"SYN: vsftpd's connect_timeout=8); the session then ends QUIT/221/FIN. Unlike "
             f"data-connection-failed, the SYNs are never refused: they vanish."]
    return [brk("network", "data-channel-blocked", "data", 1, d,
                [p.frame for p in syns] + [t.final.frame])], [], notes


@check("pasv-address-mismatch")
def c_pasv_address_mismatch(cap):
    s = only_session(cap)
    eps = announced(s, ("227",))
    require(len(eps) == 1, f"want one 227: {s.timeline()}")
    m, (_, ip, port) = eps[0]
    require(ip != s.conn.server[0], "the 227 advertises the server's own address")
    data = conns_to(cap, ip, port)
    require(len(data) == 1, f"no connection attempt to the advertised {ip}:{port}")
    d = data[0]
    syns = d.of("client")
    require(len(syns) >= 3 and all(p.syn and not p.ack for p in syns) and not d.of("server"),
            "want unanswered SYNs to the advertised address")
    require(not [c for c in cap.conns if c.server[0] == s.conn.server[0] and c.server[1] == port],
            "the client also connected to the server's real address")
    first = s.conn.first_close()
    require(first and first[1] == "client" and not s.commands("QUIT"),
            "want the client to close the control connection without QUIT")
    require(not read_icmp(cap.path), "an ICMP error came back")
    notes = [f"'227 {m.arg}' (frame {m.frame}) advertises {ip}:{port}, but the control "
             f"connection's server is {s.conn.server[0]}: the server announces an address "
             f"that is not its own (pyftpdlib masquerade_address, as behind a NAT without an "
             f"FTP helper). The client connects to the advertised address: SYN frames "
             f"{frames(syns)}, at {times(syns)}, never answered (no SYN-ACK, RST or ICMP: the "
             f"router drops it). No RETR is sent (lftp connects first). After "
             f"{c_time(s, first[0]) - syns[0].time:.1f} s the client gives up and closes the "
             f"control connection ({first[2]} frame {first[0]}) without QUIT; the server "
             f"closes its side in turn. The control connection's early end is the same fault, "
             f"so it carries the same cause."]
    return [brk("network", "pasv-address-mismatch", "data", 1, d,
                [m.frame] + [p.frame for p in syns]),
            brk("network", "pasv-address-mismatch", "control", 1, s.conn, [m.frame, first[0]])
            ], [], notes


# --- loss and lost state -------------------------------------------------------------

@check("idle-state-loss")
def c_idle_state_loss(cap):
    s = only_session(cap)
    c = s.conn
    cmd = s.commands()[-1]
    before = [p for p in c.packets if p.frame < cmd.frame]
    gap = c.packet(cmd.frame).time - before[-1].time
    require(gap >= 10, f"no long idle gap before the last command ({gap:.1f} s)")
    segs = [p for p in c.of("client") if p.frame >= cmd.frame and p.payload]
    require(len(segs) >= 4 and len({p.seq for p in segs}) == 1, "want the command retransmitted")
    after = [p for p in c.of("server") if p.frame > cmd.frame]
    require(not after, "the server answered after the gap")
    require(not read_icmp(cap.path), "an ICMP error came back")
    kas = [p for p in c.packets if p.keepalive]
    require(not kas, "keepalives were sent")
    prev = [m for m in s.messages if m.frame < cmd.frame][-1]
    notes = [f"After '{prev.verb} {prev.arg}' (frame {prev.frame}) and the client's ACK "
             f"(frame {before[-1].frame}) the "
             f"connection is idle for {gap:.1f} s, with no TCP keepalive from either side. The "
             f"client's next command, '{cmd.show()}' (frame {cmd.frame}), is sent "
             f"{len(segs)} times, at {times(segs)} (gaps {gaps(segs)}), never acknowledged: "
             f"no reply, no RST, no ICMP. Before the gap every segment was answered within a "
             f"millisecond. The router's stateful firewall forgot the connection during the "
             f"gap (conntrack timeout 8 s) and drops its packets as invalid. The client gives "
             f"up after its 10 s socket timeout; its FIN waits behind the unacknowledged "
             f"command and is not seen."]
    return [brk("network", "idle-state-loss", "control", 1, c, [before[-1].frame] + [p.frame for p in segs])
            ], [], notes


@check("zero-window-stall")
def c_zero_window_stall(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data, "no RETR with a data connection")
    d = t.data
    who = "client" if d.client[0] == s.conn.client[0] else "server"
    sender = "server" if who == "client" else "client"
    zeros = [p for p in d.of(who) if p.win == 0 and not p.rst]
    require(len(zeros) >= 3, "want the receiver to advertise a zero window")
    probes = [p for p in d.of(sender) if p.frame > zeros[0].frame and not p.payload
              and not p.fin and not p.rst]
    require(len(probes) >= 3, "want the sender to probe the closed window")
    r421 = s.replies("421")
    require(r421, "no 421")
    require(t.bytes < t.expected, "the whole file arrived")
    first = s.conn.first_close()
    require(first and first[1] == "server", "the server does not end the session")
    closes = ", ".join(f"{k} from {w} frame {f}" for f, w, k in d.closes())
    silent = [p for p, q in zip(probes, probes[1:] + [None]) if not any(
        x.frame > p.frame and (q is None or x.frame < q.frame) for x in d.of(who))]
    notes = [f"RETR {t.path} (frame {t.frame}); {t.bytes} of {t.expected} bytes arrive, the "
             f"client reads 30000 of them and then stops reading (a 4 KB receive buffer). Its "
             f"window shrinks (2,920, then 1,448 bytes) and "
             f"reaches zero in frame {zeros[0].frame}; it stays zero in frames "
             f"{frames(zeros)}. The server probes the closed window in frames {frames(probes)}, "
             f"at {times(probes, zeros[0].time)} after the first zero window (gaps "
             f"{gaps(probes)}); each probe is a bare ACK one byte behind the next sequence "
             f"number, which tshark labels 'TCP Keep-Alive', and is answered with a zero "
             f"window again"
             + (f" (except frame{'s' if len(silent) > 1 else ''} {frames(silent)}: Linux "
                f"answers out-of-window segments at most every 500 ms, tcp_invalid_ratelimit)"
                if silent else "") + f". Nothing is lost: the connection is alive, the receiver is "
             f"not reading. After "
             f"{c_time(s, r421[0].frame) - zeros[0].time:.1f} s of zero window the server "
             f"replies '421 {r421[0].arg}' (frame {r421[0].frame}, pyftpdlib's 5 s data "
             f"timeout, checked twice) and closes the control connection ({first[2]} frame "
             f"{first[0]}). Data connection closes: {closes} (the client resets it, with bytes "
             f"unread; the server's FIN never leaves, queued behind unsent data). The control "
             f"connection ends because of the stall, so it carries the same cause."]
    return [brk("protocol", "zero-window-stall", "data", 1, d,
                [zeros[0].frame] + [p.frame for p in probes] + [r421[0].frame]),
            brk("protocol", "zero-window-stall", "control", 1, s.conn, [r421[0].frame, first[0]])
            ], [], notes


# --- TLS and non-FTP speakers ---------------------------------------------------------

ALERTS = {40: "handshake_failure", 42: "bad_certificate", 46: "certificate_unknown",
          48: "unknown_ca", 70: "protocol_version", 80: "internal_error"}
TLS_VERSIONS = {0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


def tls_failure(cap, alert_from, alert_desc):
    s = only_session(cap)
    c = s.conn
    auth = [m for m in s.commands() if m.verb == "AUTH"]
    r234 = s.replies("234")
    require(auth and r234, f"no AUTH/234: {s.timeline()}")
    recs = [r for r in read_tls(cap.path, [c.server[1]]) if r.frame > r234[0].frame]
    hello = next((r for r in recs if 1 in r.handshake_types), None)
    require(hello and hello.src == c.client, "no ClientHello from the client")
    alerts = [r for r in recs if r.alert]
    require(len(alerts) == 1, f"want one TLS alert, got {len(alerts)}")
    a = alerts[0]
    who = "client" if a.src == c.client else "server"
    require(who == alert_from and a.alert == (2, alert_desc),
            f"alert {a.alert} from {who}, want fatal {alert_desc} from {alert_from}")
    require(not [r for r in recs if 23 in r.content_types], "application data was exchanged")
    require(not [m for m in s.commands() if m.frame > r234[0].frame],
            "FTP commands were sent after the handshake")
    return s, c, auth[0], r234[0], hello, recs, a


@check("tls-handshake-failure")
def c_tls_handshake_failure(cap):
    s, c, auth, r234, hello, recs, a = tls_failure(cap, "client", 48)
    flight = next(r for r in recs if r.src == c.server and 2 in r.handshake_types)
    oops = [m for m in s.replies() if m.frame > a.frame]
    closes = ", ".join(f"{k} from {w} frame {f}" for f, w, k in c.closes())
    notes = [f"'{auth.show()}' (frame {auth.frame}) is accepted with '234 {r234.arg}' (frame "
             f"{r234.frame}). ClientHello in frame {hello.frame} (record version "
             f"{hello.versions[0]:#06x}; the client allows TLS 1.2 at most); the server's "
             f"flight in frame {flight.frame} is ServerHello, Certificate, ServerKeyExchange, "
             f"CertificateRequest, ServerHelloDone ({TLS_VERSIONS[flight.versions[0]]}, so the "
             f"alert is in clear). The client does not trust the self-signed certificate and "
             f"sends a fatal alert, {ALERTS[a.alert[1]]} ({a.alert[1]}), in frame {a.frame}. "
             + (f"vsftpd then writes a plaintext reply on the same connection, "
                f"'{oops[0].verb} {oops[0].arg}' (frame {oops[0].frame}), which the client "
                f"no longer reads: " if oops else "")
             + f"closes: {closes}. No login, no transfer."]
    return [brk("protocol", "tls-handshake-failure", "control", 1, c,
                [auth.frame, r234.frame, hello.frame, a.frame])], [], notes


@check("tls-handshake-failure-version")
def c_tls_handshake_failure_version(cap):
    s, c, auth, r234, hello, recs, a = tls_failure(cap, "server", 70)
    offered = ", ".join(TLS_VERSIONS.get(v, hex(v)) for v in hello.offered)
    closes = ", ".join(f"{k} from {w} frame {f}" for f, w, k in c.closes())
    notes = [f"'{auth.show()}' (frame {auth.frame}) is accepted with '234 {r234.arg}' (frame "
             f"{r234.frame}). The ClientHello (frame {hello.frame}) offers only {offered} "
             f"(supported_versions); the server, limited to TLS 1.2, answers at once with a "
             f"fatal alert, {ALERTS[a.alert[1]]} ({a.alert[1]}), in frame {a.frame} (record "
             f"version {a.versions[0]:#06x}), with no ServerHello. Then: {closes}. No login, "
             f"no transfer."]
    return [brk("protocol", "tls-handshake-failure", "control", 1, c,
                [auth.frame, r234.frame, hello.frame, a.frame])], [], notes


@check("not-ftp")
def c_not_ftp(cap):
    s = only_session(cap)
    c = s.conn
    lines = lines_of(c, "server")
    require(lines and lines[0][1].startswith("SSH-2.0-"), f"no SSH banner: {lines[:1]}")
    require(not s.replies(), "the server sent FTP replies")
    require(not s.commands(), "the client sent FTP commands")
    first = c.first_close()
    require(first and first[1] == "client", "the client does not close first")
    banner = c.packet(lines[0][0])
    notes = [f"After the handshake the server's first bytes (frame {banner.frame}, "
             f"{len(banner.payload)} bytes) are '{lines[0][1]}': an SSH identification "
             f"string, not a 220 reply. The FTP client sends nothing and waits for a reply "
             f"that never comes; {c.packet(first[0]).time - banner.time:.1f} s "
             f"later (curl --connect-timeout 5 covers the greeting) it closes ({first[2]} frame "
             f"{first[0]}), and sshd closes its side."]
    return [brk("protocol", "not-ftp", "control", 1, c, [banner.frame, first[0]])], [], notes


# --- slow, stalled and throttled servers -------------------------------------------------

def reply_delays(s):
    """[(command, reply, seconds)] for each command answered by the next reply."""
    out = []
    msgs = s.messages
    for i, m in enumerate(msgs):
        if m.who != "client":
            continue
        r = next((x for x in msgs[i + 1:] if x.who == "server"), None)
        nxt = next((x for x in msgs[i + 1:] if x.who == "client"), None)
        if r and (nxt is None or r.frame < nxt.frame):
            out.append((m, r, c_time(s, r.frame) - c_time(s, m.frame)))
    return out


def handshake_rtt(conn):
    syn = conn.packet(conn.syn)
    synack = conn.packet(conn.synack)
    ack = next(p for p in conn.of("client") if p.frame > synack.frame)
    return ack.time - syn.time


@check("slow-server-reply-timeout")
def c_slow_server_reply_timeout(cap):
    s = only_session(cap)
    c = s.conn
    delays = reply_delays(s)
    rtt = handshake_rtt(c)
    slow = [d for d in delays if d[2] > rtt + 0.2]
    require(len(slow) >= 2, f"want 2+ slow replies: {delays}")
    last = s.commands()[-1]
    require(not any(r.frame > last.frame for r in s.replies()), "the last command was answered")
    first = c.first_close()
    require(first and first[1] == "client" and first[0] > last.frame,
            "the client does not give up first")
    acks = [p for p in c.of("server") if p.frame > last.frame and not p.payload and p.ack
            and p.frame < first[0]]
    wait = c.packet(first[0]).time - c.packet(last.frame).time
    notes = [f"Handshake RTT {ms(rtt)}. Replies come late and later: "
             + "; ".join(f"'{m.show()}' (frame {m.frame}) answered {r.verb} after {t:.3f} s "
                         f"(frame {r.frame})" for m, r, t in delays) +
             f". Then '{last.show()}' (frame {last.frame}) is acknowledged by the server's "
             f"TCP" + (f" (frame {acks[0].frame})" if acks else "") + f" but gets no reply; "
             f"after {wait:.1f} s the client gives up and closes ({first[2]} frame {first[0]}; "
             f"lftp net:timeout 4). The server host is up and its TCP answers at once: only "
             f"the application is slow."]
    return [brk("server-policy", "slow-server-reply", "control", 1, c,
                [m.frame for m, _, _ in slow] + [r.frame for _, r, _ in slow]
                + [last.frame, first[0]])], [], notes


@check("server-stall")
def c_server_stall(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut download")
    d = t.data
    data = [p for p in d.of("server") if p.payload]
    last = data[-1]
    require(not [p for p in data if p.retrans], "the server retransmitted")
    end = last.seq + len(last.payload)
    require(acked(d, "server", end), "the last data segment was not acknowledged")
    acks = [p for p in d.of("client") if p.frame > last.frame]
    window = min(p.win_bytes for p in d.of("client") if p.frame >= last.frame and not p.syn)
    dfirst = d.first_close()
    cfirst = s.conn.first_close()
    require(dfirst and dfirst[1] == "client" and cfirst and cfirst[1] == "client",
            "the client does not give up first")
    gap = d.packet(dfirst[0]).time - last.time
    require(gap > 5, f"no long stall ({gap:.1f} s)")
    require(t.final is None, f"the transfer got a final reply {t.final}")
    closes = lambda c: ", ".join(f"{k} from {w} frame {f}" for f, w, k in c.closes())  # noqa: E731
    notes = [f"RETR {t.path} (frame {t.frame}): the server sends {t.bytes} of {t.expected} "
             f"bytes (a throttled server: 128 KB in one burst), the last data segment in frame "
             f"{last.frame}; the client acknowledges everything (ACK {end & 0xFFFFFFFF:#x} in "
             f"frame {acks[0].frame if acks else '?'}) and its window stays open (at least "
             f"{window} bytes). Then nothing from the server for {gap:.1f} s: no data, no "
             f"retransmission, no window problem, no FIN: the server process was stopped. "
             f"The client gives up (curl: less than 1000 B/s for 6 s) and closes the data "
             f"connection (frame {dfirst[0]}) and the control connection (frame {cfirst[0]}) "
             f"without QUIT; the server's kernel acknowledges both at once although the "
             f"process is stopped, and the server closes its sides only once it runs again. "
             f"Data: {closes(d)}; control: {closes(s.conn)}. No 226/426."]
    return [brk("server-policy", "server-stall", "data", 1, d, [last.frame, dfirst[0]]),
            brk("server-policy", "server-stall", "control", 1, s.conn, [last.frame, cfirst[0]])
            ], [], notes
