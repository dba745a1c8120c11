"""Helpers shared by the expect checks (expect.py, checks_net.py): failing
a check, writing a break, and what a healthy session or transfer is."""

from capmodel import status


class CheckFailed(Exception):
    pass


def require(cond, what):
    if not cond:
        raise CheckFailed(what)


def brk(cls, cause, kind, session, conn, frames):
    return {
        "class": cls, "cause": cause, "kind": kind, "session": session,
        "connection": {"client": conn.endpoint("client"), "server": conn.endpoint("server")},
        "frames": sorted(set(frames)),
    }


# --- healthy-session predicates (causes.md: QUIT -> 221 -> FIN both ways) ---

def quit_ok(s):
    quits = s.commands("QUIT")
    if not quits:
        return False
    return any(r.frame >= quits[-1].frame for r in s.replies("221"))


def fin_both(conn):
    closes = conn.closes()
    kinds = {(who, kind) for _, who, kind in closes}
    return ("client", "FIN") in kinds and ("server", "FIN") in kinds and not any(
        kind == "RST" for _, _, kind in closes)


def session_healthy(s):
    return quit_ok(s) and fin_both(s.conn)


def data_healthy(t):
    return status(t) == "complete" and (t.data is None or fin_both(t.data))


def finding(cls, cause, kind, session, conn, frames):
    """A finding: a break's shape plus severity info (causes.md)."""
    f = brk(cls, cause, kind, session, conn, frames)
    f["severity"] = "info"
    return f


def initial_ttl(ttl):
    """The initial TTL / hop limit a packet most likely left with."""
    return next(i for i in (32, 64, 128, 255) if ttl <= i)


def hops(ttl):
    return initial_ttl(ttl) - ttl


def modal_hops(packets):
    """The most common hop distance among packets, or None."""
    counts = {}
    for p in packets:
        h = hops(p.ttl)
        counts[h] = counts.get(h, 0) + 1
    return max(counts, key=lambda h: (counts[h], -h)) if counts else None


def ms(seconds):
    return f"{seconds * 1000:.3g} ms"


def capture_point(cap):
    """Where the capture was taken, as the packets show it: (point, client
    hops, server hops). An endpoint whose packets arrive with no router hop
    is on the capture's LAN; a side with no packets at all is None."""
    clients = {s.conn.client[0] for s in cap.sessions}
    servers = {s.conn.server[0] for s in cap.sessions}
    mine = {"client": [], "server": []}
    for c in cap.conns:
        for p in c.packets:
            if p.src in clients:
                mine["client"].append(p)
            elif p.src in servers:
                mine["server"].append(p)
    ch, sh = modal_hops(mine["client"]), modal_hops(mine["server"])
    if ch == 0 and sh != 0:
        point = "client-side"
    elif sh == 0 and ch != 0:
        point = "server-side"
    elif ch and sh:
        point = "middle"
    else:
        point = "unknown"
    return point, ch, sh
