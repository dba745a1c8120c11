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
             f"closes its side in turn. Every command was answered when the client left, so "
             f"its leaving is no break of its own (spec/causes.md: a client that leaves "
             f"without QUIT breaks nothing; the session's data channel never worked, and that "
             f"is the one break)."]
    return [brk("network", "pasv-address-mismatch", "data", 1, d,
                [m.frame] + [p.frame for p in syns]),
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
    srv_fin = next((p for p in s.conn.of("server") if p.fin), None)
    require(first and first[0] > r421[0].frame and srv_fin,
            "the server does not end the session after its 421")
    # The client may close at the same moment (it reads the 421 and goes):
    # the server's FIN is its own when it does not acknowledge the client's.
    cli_fin = next((p for p in s.conn.of("client") if p.fin), None)
    require(cli_fin is None or srv_fin.frame < cli_fin.frame
            or ((srv_fin.ack_no - cli_fin.seq) & 0xFFFFFFFF) == 0,
            "the server only closes in answer to the client")
    first = (srv_fin.frame, "server", "FIN")
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
             f"{first[0]}"
             + (f"; the client, reading the 421, closes at the same moment, frame "
                f"{cli_fin.frame}, a simultaneous close" if cli_fin and cli_fin.frame < srv_fin.frame
                else "") + f"). Data connection closes: {closes} (the client resets it, with bytes "
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
                [auth.frame, r234.frame, hello.frame, a.frame] + [m.frame for m in oops])
            ], [], notes


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
    acks = [p for p in d.of("client") if p.ack and p.frame > last.frame
            and ((p.ack_no - end) & 0xFFFFFFFF) < 0x80000000]
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
             f"{last.frame}; the client acknowledges every byte (frame "
             f"{acks[0].frame if acks else '?'}) and its window stays open (at least "
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


@check("slow-server-reply")
def c_slow_server_reply(cap):
    s = only_session(cap)
    require(session_healthy(s), f"the session did not end QUIT/221/FIN: {s.timeline()}")
    for t in s.transfers:
        require(data_healthy(t), f"{t.command} {t.path} not complete")
    delays = reply_delays(s)
    rtt = handshake_rtt(s.conn)
    slow = [d for d in delays if d[2] > rtt + 0.2]
    require(len(slow) >= 5 and len(slow) == len(delays), f"want every reply slow: {delays}")
    banner = s.replies()[0]
    synack = s.conn.packet(s.conn.synack)
    notes = [f"Handshake RTT {ms(rtt)} (SYN to ACK, seen between the routers), and the banner "
             f"'220 {banner.arg}' comes {ms(c_time(s, banner.frame) - synack.time)} after the "
             f"SYN-ACK; but every command waits about 1 s for its reply: "
             + "; ".join(f"'{m.show()}' (frame {m.frame}) -> {r.verb} (frame {r.frame}) "
                         f"after {t:.3f} s" for m, r, t in delays) +
             ". The server's TCP acknowledges each command at once (a bare ACK follows each "
             "one): the host and the path are fast, the FTP server is slow. Nothing breaks: "
             "the download completes and the session ends QUIT/221/FIN, so this is a finding."]
    return [], [finding("server-policy", "slow-server-reply", "control", 1, s.conn,
                        [m.frame for m, _, _ in slow] + [r.frame for _, r, _ in slow])], notes


@check("middlebox-reset-data")
def c_middlebox_reset_data(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut download")
    d = t.data
    rsts = d.frames("server", "rst")
    require(len(rsts) == 1, f"want one RST in the server's name on the data connection: {d.closes()}")
    rst = d.packet(rsts[0])
    earlier = [p for p in d.of("server") if p.frame < rst.frame]
    require(hops(rst.ttl) < modal_hops(earlier), "the RST's hop distance matches the server's")
    data = [p for p in earlier if p.payload]
    r426 = next((r for r in t.replies if r.verb == "426"), None)
    require(r426, "no 426")
    trigger = [p for p in d.of("client") if p.frame < rst.frame][-1]
    cfirst = s.conn.first_close()
    require(cfirst and cfirst[1] == "client", "the client does not end the control connection")
    notes = [f"RETR {t.path} (frame {t.frame}): {t.bytes} of {t.expected} bytes arrive, the "
             f"last data segment in frame {data[-1].frame}. The server then replies "
             f"'426 {r426.arg}' (frame {r426.frame}): its side of the data connection was reset "
             f"by the router next to it (the RST towards the server does not cross this link). "
             f"The client, still waiting for data, gives up later (curl --max-time) and sends "
             f"{'FIN' if trigger.fin else 'a segment'} on the data connection (frame "
             f"{trigger.frame}); it is answered by a reset: " + rst_vs_sender(d, rst, "server") +
             f". Captured between the two routers, both endpoints are one hop away (TTL 63): "
             f"a RST with TTL 64 was made by the router on the server's side of this link, "
             f"not by the server. The client then resets the control connection ({cfirst[2]} "
             f"frame {cfirst[0]}, with the 426 unread). The control connection ends because of "
             f"the same reset, so it carries the same cause."]
    return [brk("network", "middlebox-reset", "data", 1, d, [data[-1].frame, r426.frame, rst.frame]),
            brk("network", "middlebox-reset", "control", 1, s.conn, [r426.frame, cfirst[0]])
            ], [], notes


# --- MTU ---------------------------------------------------------------------------

@check("fragmentation-needed")
def c_fragmentation_needed(cap):
    s = only_session(cap)
    require(session_healthy(s), f"the session did not end QUIT/221/FIN: {s.timeline()}")
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and data_healthy(t), "the download is not complete")
    d = t.data
    icmps = [i for i in read_icmp(cap.path) if i.quotes(d)]
    require(icmps and all((i.type, i.code) == (3, 4) for i in icmps), "no frag-needed for the data")
    mtu = icmps[0].mtu
    require(mtu == 1280, f"MTU {mtu}")
    sender = "server" if d.client[0] == s.conn.client[0] else "client"
    segs = [p for p in d.of(sender) if p.payload]
    big = [p for p in segs if p.frame < icmps[0].frame]
    small = [p for p in segs if p.frame > icmps[-1].frame]
    require(big and max(p.frame_len for p in big) == 1514, "no full-size segment before the ICMP")
    require(small and max(len(p.payload) for p in small) <= mtu - 52,
            "segments after the ICMP still too big")
    notes = [f"RETR {t.path}: the server's first data segments are full-size (1448 bytes of "
             f"payload, 1500-byte IP packets with DF; frames {frames(big[:3])}...). The "
             f"router at {icmps[0].src} cannot forward them onto its 1280-byte link and "
             f"answers each with ICMP type 3 code 4 (fragmentation needed), next-hop MTU "
             f"{mtu}: {len(icmps)} messages, frames {frames(icmps)}, TTL {icmps[0].ttl} (the "
             f"router is on the server's LAN), {ipids(icmps)}, each quoting one of the "
             f"server's segments. The server lowers its segment size at once: it resends the "
             f"data as {max(len(p.payload) for p in small)}-byte segments ({mtu} - 20 IP - 32 "
             f"TCP with timestamps; tshark marks them retransmissions), from frame "
             f"{small[0].frame} on, and every later segment fits. The download completes "
             f"({t.bytes} bytes, 226) and the session ends QUIT/221/FIN: PMTU discovery "
             f"worked, so this is a finding, not a break. The client's packets arrive with "
             f"TTL 62 (two routers away)."]
    return [], [finding("network", "fragmentation-needed", "data", 1, d,
                        [big[0].frame] + [i.frame for i in icmps] + [small[0].frame])], notes


@check("mtu-blackhole")
def c_mtu_blackhole(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "STOR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut upload")
    d = t.data
    require(not read_icmp(cap.path), "an ICMP error came back")
    segs = [p for p in d.of("client") if p.payload]
    require(all(p.frame_len == 1514 and p.df for p in segs), "not every data segment is full-size DF")
    first_end = segs[0].seq + len(segs[0].payload)
    require(not acked(d, "client", first_end), "a data segment was acknowledged")
    rtx = [p for p in segs if p.seq == segs[0].seq]
    require(len(rtx) >= 4, "the first segment is not retransmitted again and again")
    cfirst = s.conn.first_close()
    require(cfirst and cfirst[1] == "client" and not s.commands("QUIT"),
            "want the client to give up without QUIT")
    closes = lambda c: ", ".join(f"{k} from {w} frame {f}" for f, w, k in c.closes())  # noqa: E731
    notes = [f"STOR {t.path} (frame {t.frame}): the client sends {len(set(p.seq for p in segs))} "
             f"full-size segments (1448 bytes of payload, 1514-byte frames, DF set; frames "
             f"{frames(segs[:len(set(p.seq for p in segs))])}) and none is ever acknowledged. "
             f"The first is retransmitted {len(rtx) - 1} times, at "
             f"{times(rtx)} (gaps {gaps(rtx)}): the RTO doubles, the segment stays "
             f"1448 bytes (tcp_mtu_probing=0) and no ICMP comes back (the router's "
             f"fragmentation-needed messages are dropped). Small packets on the same paths "
             f"pass both ways: the data connection's handshake, the control connection's "
             f"commands and replies, and at the end the server's FIN on the data connection "
             f"(frame {[f for f, w, k in d.closes() if w == 'server'][0]}), which the client "
             f"acknowledges. The client gives up (curl: less than 1000 B/s for 8 s) and closes "
             f"the control connection without QUIT ({cfirst[2]} frame {cfirst[0]}); its "
             f"data-connection FIN waits behind the unacknowledged data and never shows. Data: "
             f"{closes(d)}; control: {closes(s.conn)}. The control connection ends because of "
             f"the black hole, so it carries the same cause."]
    return [brk("network", "mtu-blackhole", "data", 1, d, [p.frame for p in segs]),
            brk("network", "mtu-blackhole", "control", 1, s.conn, [rtx[-1].frame, cfirst[0]])
            ], [], notes


@check("rate-limited")
def c_rate_limited(cap):
    s = only_session(cap)
    require(session_healthy(s), f"the session did not end QUIT/221/FIN: {s.timeline()}")
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and data_healthy(t), "the download is not complete")
    d = t.data
    sender = "server" if d.client[0] == s.conn.client[0] else "client"
    receiver = "client" if sender == "server" else "server"
    data = [p for p in d.of(sender) if p.payload]
    require(not [p for p in d.packets if p.retrans], "retransmissions: loss-limited")
    span = data[-1].time - data[0].time
    rate = t.bytes / span
    bursts, start = [], data[0]
    for a, b in zip(data, data[1:]):
        if b.time - a.time > 0.3:
            bursts.append((start, a))
            start = b
    bursts.append((start, data[-1]))
    require(len(bursts) >= 3, f"want the transfer paced in bursts, got {len(bursts)}")
    win = min(p.win_bytes for p in d.of(receiver) if not p.syn and not p.fin)
    full = [p for p in data if p.window_full]
    # One or two window-full segments inside the first burst (the client
    # reads a little late) do not make the transfer window-limited; the
    # pauses between bursts, with the window open, are the server's.
    require(win > 0 and len(full) <= 2, f"window-limited: smallest window {win}, {len(full)} "
            f"segments fill it")
    sizes = []
    for a, b in bursts:
        sizes.append(sum(len(p.payload) for p in data if a.frame <= p.frame <= b.frame))
    notes = [f"RETR {t.path} (frame {t.frame}) completes: {t.bytes} bytes in {span:.2f} s "
             f"(first data frame {data[0].frame} to last {data[-1].frame}), "
             f"{rate / 1000:.1f} KB/s on average; after the first burst one 64 KB write every "
             f"{bursts[1][0].time - bursts[0][0].time:.2f} s, "
             f"{65536 / (bursts[1][0].time - bursts[0][0].time) / 1000:.1f} KB/s: the cap. The "
             f"server sends in {len(bursts)} bursts "
             "at " + ", ".join(f"{a.time - data[0].time:.2f}" for a, _ in bursts) +
             " s, of " + ", ".join(str(n) for n in sizes) + " bytes, silent in between "
             "(vsftpd writes 64 KB, then sleeps until its average is back at "
             f"anon_max_rate=25000; it lets the first 128 KB go at once). Nothing else limits "
             f"it: no retransmission, no loss, the client's window never below {win} bytes "
             f"and open in every pause"
             + (f" (tshark marks {len(full)} segment{'s' if len(full) > 1 else ''} of the "
                f"first burst as filling it, frame{'s' if len(full) > 1 else ''} "
                f"{frames(full)}: the client read a little late)" if full else "")
             + ", every segment acknowledged at once. The transfer and the session end well "
             "(226, QUIT/221/FIN): a finding, not a break."]
    return [], [finding("server-policy", "rate-limited", "data", 1, d,
                        [a.frame for a, _ in bursts] + [data[-1].frame])], notes


def fin_sent(conn, who):
    """Whether who's FIN is in the capture, or (lost before the capture point)
    shown by a later segment of who's that counts it in the sequence space."""
    mine = conn.of(who)
    if any(p.fin for p in mine):
        return True
    data = [p for p in mine if p.payload]
    syn = next((p for p in mine if p.syn), None)
    end = (data[-1].seq + len(data[-1].payload)) if data else (syn.seq + 1 if syn else None)
    return end is not None and any(((p.seq - end) & 0xFFFFFFFF) == 1 for p in mine)


@check("clean-loss")
def c_clean_loss(cap):
    s = only_session(cap)
    from expectlib import quit_ok
    closes = s.conn.closes()
    require(quit_ok(s) and not any(k == "RST" for _, _, k in closes)
            and fin_sent(s.conn, "client") and fin_sent(s.conn, "server"),
            f"the session did not end QUIT/221/FIN: {s.timeline()}")
    require(len(s.transfers) == 2, "want a download and an upload")
    for t in s.transfers:
        require(data_healthy(t), f"{t.command} {t.path} not complete: {status(t)} {t.bytes}")
    errors = [r for r in s.replies() if r.verb >= "400"]
    require(not errors, f"error replies: {errors}")
    rtx = [p for c in cap.conns for p in c.packets if p.retrans]
    require(len(rtx) >= 3, "want some retransmissions")
    per = {}
    for c in cap.conns:
        n = len([p for p in c.packets if p.retrans])
        if n:
            kind = "control" if c is s.conn else "data"
            per[f"{kind} {c.endpoint('client')}->{c.endpoint('server')}"] = n
    notes = [f"The first router drops 4 % of TCP segments at random, both ways; the capture "
             f"point is after it for the client's packets (their losses show as gaps, 'previous "
             f"segment not captured', and acknowledgements of unseen data) and before it for "
             f"the server's (the lost segment and its retransmission are both here). "
             f"{len(rtx)} retransmissions in all (tshark), frames {frames(rtx)}: "
             + "; ".join(f"{k}: {v}" for k, v in per.items()) + ". Everything recovers: "
             + "; ".join(f"{t.command} {t.path} {t.bytes} bytes, 226" for t in s.transfers) +
             ", and the session ends QUIT/221/FIN"
             + "".join(f" (the {w}'s FIN on the control connection was lost before the capture "
                       f"point and is not here; its next segment counts it in the sequence space)"
                       for w in ("client", "server") if not any(p.fin for p in s.conn.of(w)))
             + ". Retransmissions alone are not a break: no verdict, no finding."]
    return [], [], notes


@check("route-change")
def c_route_change(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut download")
    d = t.data
    srv = d.of("server")
    before = [p for p in srv if hops(p.ttl) == 1]
    after = [p for p in srv if hops(p.ttl) > 1]
    require(before and after and after[0].frame > before[-1].frame,
            "want the server's hop distance to grow once, mid-connection")
    require(after[-1].frame == srv[-1].frame, "the server's packets went back to the old path")
    ctrl_late = [p for p in s.conn.of("client") if p.payload and p.time > after[-1].time]
    require(len(ctrl_late) >= 3 and len({p.seq for p in ctrl_late}) == 1,
            "want the client's next command retransmitted unanswered")
    require(not [p for p in s.conn.of("server") if p.time > after[-1].time],
            "the server answered on the control connection after the stall")
    fins = [p for p in d.of("client") if p.fin]
    cmd = next(m for m in s.commands() if m.frame == ctrl_late[0].frame)
    gap = ctrl_late[0].time - after[-1].time
    notes = [f"RETR {t.path} (frame {t.frame}): the server's packets arrive with TTL "
             f"{before[0].ttl} (one router away) up to frame {before[-1].frame}; from frame "
             f"{after[0].frame} ({after[0].time - before[-1].time:.2f} s later, the next burst "
             f"of a throttled server) they arrive with TTL {after[0].ttl}: the path from the "
             f"server grew by {after[0].ttl and before[0].ttl - after[0].ttl} hops (the router "
             f"now sends them through a second router and back). {len(after)} segments come "
             f"the new way (frames {after[0].frame}..{after[-1].frame}, "
             f"{sum(len(p.payload) for p in after)} bytes) and then nothing more from the "
             f"server on any connection: the new path drops everything. The client's own "
             f"packets (TTL 64) keep their path. {t.bytes} of {t.expected} bytes arrive. After "
             f"{gap:.1f} s without data the client gives up (tnftp -q 8) and sends "
             f"'{cmd.show()}' (frame {cmd.frame}); it is retransmitted at "
             f"{times(ctrl_late)} (gaps {gaps(ctrl_late)}) and never acknowledged"
             + (f"; so is its FIN on the data connection (frames {frames(fins)})" if fins else "")
             + ". The control connection shows no TTL change of its own (its last packet "
             "from the server predates the change) but dies with the same path, so it "
             "carries the same cause."]
    return [brk("network", "route-change", "data", 1, d,
                [before[-1].frame, after[0].frame, after[-1].frame] + [p.frame for p in fins]),
            brk("network", "route-change", "control", 1, s.conn, [p.frame for p in ctrl_late])
            ], [], notes


@check("path-loss-timeout")
def c_path_loss_timeout(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "STOR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut upload")
    d = t.data
    rtx = tail_retransmissions(d, "client")
    require(len(rtx) >= 5, f"want the client to retransmit one segment 5+ times, got {len(rtx)}")
    end = rtx[0].seq + len(rtx[0].payload)
    require(not acked(d, "client", end), "the retransmitted segment was acknowledged")
    last_srv = [p for p in d.of("server")]
    quiet = [p for p in last_srv if p.time > rtx[0].time]
    require(not quiet, "the server sent something on the data connection after the loss began")
    require(not read_icmp(cap.path), "an ICMP error came back")
    acked_bytes = max(((p.ack_no - (d.packet(d.syn).seq + 1)) & 0xFFFFFFFF)
                      for p in last_srv if p.ack and not p.syn)
    cfirst = s.conn.first_close()
    closes = lambda c: ", ".join(f"{k} from {w} frame {f}" for f, w, k in c.closes())  # noqa: E731
    tlp = [p for p in d.of("client") if p.retrans and p.seq != rtx[0].seq and p.frame < rtx[1].frame]
    give_up = s.conn.packet(cfirst[0]).time if cfirst else None
    notes = [f"STOR {t.path} (frame {t.frame}) runs in bursts (curl --limit-rate 60k); the "
             f"server acknowledges the first {acked_bytes} bytes, its last packet on the data "
             f"connection being frame {last_srv[-1].frame}. From then on nothing comes back on "
             f"that connection: no ACK, no RST, no ICMP. The client's next burst (from frame "
             f"{rtx[0].frame}) is never acknowledged"
             + (f"; a tail-loss probe resends its last segment (frame {tlp[0].frame})" if tlp
                else "")
             + f"; the first unacknowledged segment is retransmitted {len(rtx) - 1} times, "
             f"frames {frames(rtx)}, at {times(rtx)} (gaps {gaps(rtx)}): the RTO doubles each "
             f"time. The client's TCP then gives up (tcp_retries2=5) without a packet on the "
             f"wire: no FIN, no RST on the data connection"
             + (f"; {give_up - rtx[0].time:.1f} s after the segment was first sent (one more "
                f"RTO after the last retransmission) curl learns of it and closes the control "
                f"connection without QUIT ({cfirst[2]} frame {cfirst[0]})" if cfirst else "")
             + f". The control connection, on another port, works throughout. Data: "
             f"{closes(d) or 'no FIN or RST'}; control: {closes(s.conn)}."]
    breaks = [brk("network", "path-loss-timeout", "data", 1, d, [p.frame for p in rtx])]
    if not (s.commands("QUIT") and s.replies("221")):
        breaks.append(brk("network", "path-loss-timeout", "control", 1, s.conn,
                          [rtx[-1].frame] + ([cfirst[0]] if cfirst else [])))
        notes.append("The control connection ends without QUIT/221 because the transfer died, "
                     "so it carries the same cause.")
    return breaks, [], notes


def command_rtt(s):
    """Median time from a client command to the server's next packet on the
    control connection (its ACK or reply): the round trip once neighbours are
    resolved (a handshake can include ARP across the delay line)."""
    gaps_ = []
    for m in s.commands():
        t0 = s.conn.packet(m.frame).time
        nxt = next((p for p in s.conn.of("server") if p.frame > m.frame), None)
        if nxt:
            gaps_.append(nxt.time - t0)
    gaps_.sort()
    return gaps_[len(gaps_) // 2]


def window_facts(d, sender):
    receiver = "client" if sender == "server" else "server"
    syns = [p for p in d.packets if p.syn]
    data = [p for p in d.of(sender) if p.payload]
    wins = [p.win for p in d.of(receiver) if not p.syn]
    flights = [p.in_flight for p in data if p.in_flight]
    return syns, data, max(wins) if wins else 0, max(flights) if flights else 0


@check("no-window-scaling")
def c_no_window_scaling(cap):
    s = only_session(cap)
    require(session_healthy(s), f"the session did not end QUIT/221/FIN: {s.timeline()}")
    t = next((t for t in s.transfers if t.command == "STOR"), None)
    require(t and data_healthy(t), "the upload is not complete")
    d = t.data
    syns, data, maxwin, flight = window_facts(d, "client")
    require(all(p.wscale is None for p in syns), "a SYN carries the window-scale option")
    require(maxwin <= 65535, f"window {maxwin} above 65535")
    require(flight > 50000, f"bytes in flight never near the window ({flight})")
    rtt = command_rtt(s)
    span = data[-1].time - data[0].time
    full = [p for p in data if p.window_full]
    notes = [f"Neither SYN of any connection carries the window-scale option (the client's "
             f"namespace has tcp_window_scaling=0; SYN frames {frames(syns)} on the data "
             f"connection), so windows are capped at 65,535 bytes. With {ms(rtt)} of round "
             f"trip (median from a command to the server's next packet; the delay line holds "
             f"each frame 50 ms each way; the handshakes, SYN to SYN-ACK, took about twice "
             f"that, {ms(handshake_rtt(d))} on the data connection, which the lab leaves "
             f"unexplained) the upload of {t.bytes} bytes takes {span:.2f} s: about "
             f"{t.bytes / span / 1000:.0f} KB/s, one window per round trip. The server's "
             f"advertised window tops out at {maxwin} bytes; tshark counts at most {flight} "
             f"bytes in flight, and {len(full)} segments fill the window (TCP Window Full). No "
             f"loss, no retransmission: the connection is window-limited. It completes (226) "
             f"and the session ends QUIT/221/FIN, so this is a finding on every connection "
             f"(none can scale its window), the data connection being the one it slows."]
    findings = [finding("protocol", "no-window-scaling", "data", 1, d,
                        [p.frame for p in syns] + ([full[0].frame] if full else []))]
    findings.append(finding("protocol", "no-window-scaling", "control", 1, s.conn,
                            [s.conn.syn, s.conn.synack]))
    return [], findings, notes


@check("no-window-scaling-timeout")
def c_no_window_scaling_timeout(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "STOR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut upload")
    d = t.data
    syns, data, maxwin, flight = window_facts(d, "client")
    require(all(p.wscale is None for p in syns), "a SYN carries the window-scale option")
    require(maxwin <= 65535, f"window {maxwin} above 65535")
    rtt = handshake_rtt(d)  # server-side: from the SYN-ACK to the client's ACK
    cfirst = s.conn.first_close()
    require(cfirst and cfirst[1] == "client" and not s.commands("QUIT"),
            "want the client to give up without QUIT")
    require(not [p for p in data if p.retrans and p.time < s.conn.packet(cfirst[0]).time],
            "retransmissions before the client gave up: not only window-limited")
    dfin = next(p for p in d.packets if p.fin or p.rst)
    resets = [p for p in d.of("server") if p.rst]
    steady = [p for p in data if data[0].time + 4 * rtt < p.time < s.conn.packet(cfirst[0]).time]
    rate = sum(len(p.payload) for p in steady) / (steady[-1].time - steady[0].time)
    notes = [f"No SYN carries the window-scale option (tcp_window_scaling=0 in the client's "
             f"namespace; data connection SYNs in frames {frames(syns)}), so the server's "
             f"window stays at most {maxwin} bytes. Round trip {ms(rtt)} (the delay line holds "
             f"each frame 150 ms each way). After slow start the upload runs at "
             f"{rate / 1000:.0f} KB/s, one window per round trip, no loss. Only {t.bytes} of "
             f"{t.expected} bytes reach the server before the client's deadline: "
             f"{s.conn.packet(cfirst[0]).time - s.conn.packet(t.frame).time:.1f} s after STOR "
             f"(frame {t.frame}) curl gives up (--max-time 5) and closes the control connection "
             f"without QUIT ({cfirst[2]} frame {cfirst[0]}). The server then closes the data "
             f"connection ({'FIN' if dfin.fin else 'RST'} frame {dfin.frame}) and answers each "
             f"of the client's segments still on their way with a RST ({len(resets)} RSTs, "
             f"frames {resets[0].frame}..{resets[-1].frame}, TTL {resets[0].ttl}, the server "
             f"itself). Those resets follow the client's abandonment; the transfer died of "
             f"being window-limited on a long path, so both connections carry that cause."]
    return [brk("protocol", "no-window-scaling", "data", 1, d,
                [p.frame for p in syns] + [cfirst[0], dfin.frame]),
            brk("protocol", "no-window-scaling", "control", 1, s.conn, [cfirst[0]])
            ], [], notes
