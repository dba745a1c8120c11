"""Single-vantage checks for the paired captures (scenarios-pairs.sh): each
file of a pair read alone, as a user holding only that file would. Where
one point sees the fault plainly (the forged reset's TTL, the full-size
segments never acknowledged) the verdict is the fault's; where it is
blind (the receiver of a black-holed transfer sees only silence), the
verdict is what that silence shows, and the pair's expect file says what
the two files prove together (pairs.py)."""

from capmodel import read_icmp
from checks_net import CHECKS as CHECKS_NET
from checks_wide import announced_endpoints
from checks_net import acked, frames, gaps, only_session, rst_vs_sender, times, ttl_text
from expectlib import brk, hops, modal_hops, require, session_healthy

CHECKS = {}


def check(name):
    def register(fn):
        CHECKS[name] = fn
        return fn
    return register


def other(who):
    return "server" if who == "client" else "client"


def forged_resets(conn, claimed):
    """RSTs in claimed's name that arrive with a smaller hop distance than
    claimed's other packets: made by a box nearer the capture point."""
    usual = modal_hops([p for p in conn.of(claimed) if not p.rst])
    return [p for p in conn.of(claimed) if p.rst and usual is not None and hops(p.ttl) < usual]


def reset_view(cap, victim):
    """The data connection of a RETR reset by the router in the other
    endpoint's name, seen by victim's capture."""
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut download")
    d = t.data
    claimed = other(victim)
    forged = forged_resets(d, claimed)
    require(forged, f"no RST in the {claimed}'s name with a smaller hop distance: {d.closes()}")
    real = [p for p in d.of(claimed) if p.rst and p not in forged]
    require(not real, f"a RST in the {claimed}'s name with its usual hop distance: frames {frames(real)}")
    r426 = next((r for r in t.replies if r.verb == "426"), None)
    require(r426, f"no 426: {s.timeline()}")
    notes = [f"RETR {t.path} (frame {t.frame}): {t.bytes} of {t.expected} bytes reach the client's "
             f"side of the data connection. " + rst_vs_sender(d, forged[0], claimed) +
             (f" ({len(forged)} such RSTs: frames {frames(forged)})" if len(forged) > 1 else "") +
             f". A RST one hop nearer than its purported sender's packets was made by the router "
             f"between them (nftables reject with tcp reset), not by the {claimed}. The server "
             f"replies '426 {r426.arg}' (frame {r426.frame}) on the control connection."]
    breaks = [brk("network", "middlebox-reset", "data", 1, d, [p.frame for p in forged] + [r426.frame])]
    if session_healthy(s):
        notes.append("The control connection ends QUIT/221/FIN: only the data connection broke.")
    else:
        close = s.conn.first_close()
        require(close, f"the control connection neither ends nor closes: {s.timeline()}")
        notes.append(f"The control connection then ends without QUIT/221 ({close[2]} from the "
                     f"{close[1]}, frame {close[0]}): it ends because of the same reset, so it "
                     f"carries the same cause.")
        breaks.append(brk("network", "middlebox-reset", "control", 1, s.conn, [r426.frame, close[0]]))
    return breaks, [], notes


@check("pair-reset-client")
def c_pair_reset_client(cap):
    return reset_view(cap, "client")


@check("pair-reset-server")
def c_pair_reset_server(cap):
    return reset_view(cap, "server")


def download(cap):
    s = only_session(cap)
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut download")
    require(not read_icmp(cap.path), "an ICMP error came back")
    return s, t, t.data


@check("pair-blackhole-sender")
def c_pair_blackhole_sender(cap):
    """The server's view of a download through an MTU black hole: its
    full-size DF segments are retransmitted and never acknowledged while
    the small packets of the same connections pass."""
    s, t, d = download(cap)
    segs = [p for p in d.of("server") if p.payload]
    require(segs and all(p.frame_len == 1514 and p.df for p in segs),
            "not every data segment is full-size DF")
    first_end = segs[0].seq + len(segs[0].payload)
    require(not acked(d, "server", first_end), "a data segment was acknowledged")
    rtx = [p for p in segs if p.seq == segs[0].seq]
    require(len(rtx) >= 3, "the first segment is not retransmitted again and again")
    require(not s.commands("QUIT"), "the client sent QUIT")
    close = s.conn.first_close()
    require(close and close[1] == "client", "want the client to close the control connection")
    distinct = len({p.seq for p in segs})
    notes = [f"RETR {t.path} (frame {t.frame}): the server sends {distinct} full-size segments "
             f"(1448 bytes of payload, 1514-byte frames, DF set) and none is ever acknowledged; the "
             f"first is sent {len(rtx)} times, at {times(rtx)} (gaps {gaps(rtx)}): the RTO doubles, "
             f"the segment stays full-size (tcp_mtu_probing=0) and no ICMP comes back. Small packets "
             f"pass both ways: the data connection's handshake, the control connection's commands "
             f"and replies. The client gives up (curl: under 1000 B/s for 8 s) and closes the "
             f"control connection without QUIT ({close[2]} frame {close[0]}). The control "
             f"connection ends because of the black hole, so it carries the same cause."]
    return [brk("network", "mtu-blackhole", "data", 1, d, [p.frame for p in segs]),
            brk("network", "mtu-blackhole", "control", 1, s.conn, [rtx[-1].frame, close[0]])
            ], [], notes


@check("pair-blackhole-receiver")
def c_pair_blackhole_receiver(cap):
    """The client's view of the same download: the data connection opens,
    the 150 arrives, then nothing: no data, no loss it could see, its
    window open, until it gives up. Alone, that is a server that stopped
    sending (server-stall); only the server's file shows the segments."""
    s, t, d = download(cap)
    require(d.synack is not None, "the data connection did not open")
    require(t.bytes == 0 and not [p for p in d.of("server") if p.payload],
            f"{t.bytes} bytes of data arrived")
    prelim = [r for r in t.replies if r.verb.startswith("1")]
    require(prelim, "no 1xx reply to RETR")
    require(not s.commands("QUIT"), "the client sent QUIT")
    close = s.conn.first_close()
    require(close and close[1] == "client", "want the client to close the control connection")
    dclose = next((c for c in d.closes() if c[1] == "client"), None)
    require(dclose, "the client does not close the data connection")
    opened = d.packet(d.synack).time
    notes = [f"RETR {t.path} (frame {t.frame}) gets '{prelim[0].verb} {prelim[0].arg}' (frame "
             f"{prelim[0].frame}); the data connection opened (SYN-ACK frame {d.synack}, "
             f"{ttl_text([d.packet(d.synack)])}) and then no data segment arrives at all, while "
             f"the client's window stays open and nothing it could see was lost (no gap, no "
             f"retransmission, no ICMP). {d.packet(dclose[0]).time - opened:.1f} s later the client "
             f"gives up (curl: under 1000 B/s for 8 s): {dclose[2]} on the data connection "
             f"(frame {dclose[0]}), and the control connection closes without QUIT ({close[2]} "
             f"frame {close[0]}). Seen from here alone the server stopped sending; the server's "
             f"file of the pair shows its full-size segments leaving and never arriving."]
    return [brk("server-policy", "server-stall", "data", 1, d, [prelim[0].frame, dclose[0]]),
            brk("server-policy", "server-stall", "control", 1, s.conn, [t.frame, close[0]])
            ], [], notes


@check("pair-synack-lost")
def c_pair_synack_lost(cap):
    """The server's view of a handshake whose SYN-ACKs never reach the
    client: the client's SYN keeps coming (it never got an answer), the
    server answers each, and the third ACK never arrives."""
    s = only_session(cap)
    c = s.conn
    syns = [p for p in c.of("client") if p.syn and not p.ack]
    synacks = [p for p in c.of("server") if p.syn and p.ack]
    require(len(syns) >= 2 and len({p.seq for p in syns}) == 1, "want one SYN sent 2+ times")
    require(len(synacks) >= 2 and len({p.seq for p in synacks}) == 1, "want one SYN-ACK sent 2+ times")
    require(len(c.packets) == len(syns) + len(synacks), "more than SYNs and SYN-ACKs")
    notes = [f"The client's SYN (frames {frames(syns)}, {ttl_text(syns)}: one hop away) is sent "
             f"{len(syns)} times, at {times(syns)}: the client never got an answer. The server "
             f"answers with a SYN-ACK ({len(synacks)} in all, frames {frames(synacks)}, "
             f"{ttl_text(synacks)}: this is the server's LAN; retransmitted on its own timer and "
             f"again for each repeated SYN). The third ACK never arrives, nor anything else."]
    return [brk("network", "handshake-incomplete", "control", 1, c,
                [syns[0].frame] + [p.frame for p in synacks])], [], notes


@check("pair-pasv-unreached-server")
def c_pair_pasv_unreached_server(cap):
    """The server's view of a passive endpoint nobody reached: it announces
    its own address, no SYN to it ever arrives, and the client leaves
    (with or without QUIT). Alone, the server cannot tell why: the data
    channel never worked (data-channel-blocked, on the control connection,
    since no data connection exists here)."""
    s = only_session(cap)
    eps = announced_endpoints(s)
    require(eps, "no 227/229")
    require(all(ip == s.conn.server[0] for _, _, ip, _ in eps), "an announcement is not the server's own address")
    require(not cap.others, "a data connection reached the server")
    require(not any(t.bytes for t in s.transfers), "a transfer moved data")
    close = s.conn.first_close()
    require(close and close[1] == "client", "want the client to close the control connection first")
    notes = ["The server announces " + ", ".join(f"'{m.verb} {m.arg}' (frame {m.frame})" for m, *_ in eps)
             + f", its own address; no SYN to it ever arrives, and the client closes the control "
               f"connection ({close[2]} frame {close[0]}"
             + (", after QUIT" if s.commands("QUIT") else ", without QUIT") + "). Seen from the "
             f"server's side the client never reached the data endpoint: the data channel never "
             f"worked, a break of the session."]
    return [brk("network", "data-channel-blocked", "control", s.index, s.conn,
                [eps[-1][0].frame, close[0]])], [], notes


@check("pair-pasv-nat-client")
def c_pair_pasv_nat_client(cap):
    """The client's view of a server behind NAT advertising its own
    address: the checks of pasv-address-mismatch, with words for a real
    NAT (the existing sample's server was told to lie instead)."""
    breaks, findings, _ = CHECKS_NET["pasv-address-mismatch"](cap)
    s = only_session(cap)
    d = next(c for c in cap.conns if c is not s.conn)
    m = next(m for m in s.messages if m.verb == "227")
    syns = d.of("client")
    first = s.conn.first_close()
    notes = [f"'227 {m.arg}' (frame {m.frame}) advertises {d.endpoint('server')}, but the control "
             f"connection's server is {s.conn.server[0]}: the server is known here under another "
             f"address (a NAT in front of it) and advertises its own, as a server behind NAT "
             f"without an FTP-aware helper does. The client connects to the advertised address: "
             f"SYN frames {frames(syns)}, at {times(syns)}, never answered (no SYN-ACK, RST or "
             f"ICMP). No RETR is sent (lftp connects first). The client gives up and closes the "
             f"control connection ({first[2]} frame {first[0]}) without QUIT. The session's data "
             f"channel never worked, and that is the one break."]
    return breaks, findings, notes
