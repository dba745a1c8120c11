"""Expect checks for the widened lab (scenarios-wide.sh): ProFTPD,
Pure-FTPd, wget, FTPS with protected data, implicit FTPS, and capture
variants. Each asserts what the packets show and states the breaks, and
no others, that follow from RFC 959 and causes.md."""

from capmodel import status
from expectlib import brk, data_healthy, require, session_healthy

CHECKS = {}

# Commands that name a file the client wants, and the replies that say the
# server has no such file (RFC 959: 550 file unavailable, 450 busy).
FILE_COMMANDS = {"RETR", "SIZE", "MDTM", "PRET", "MLST", "STOR", "APPE", "STOU", "CWD"}


def check(name):
    def register(fn):
        CHECKS[name] = fn
        return fn
    return register


def one_session(cap):
    require(len(cap.sessions) == 1, f"want one session, got {len(cap.sessions)}")
    return cap.sessions[0]


def answered(s, codes, verbs=None):
    """[(command, final reply)] whose final reply has one of codes."""
    out = []
    for c, replies in s.exchanges()[0]:
        final = next((r for r in replies if not r.verb.startswith("1")), None)
        if final and final.verb in codes and (verbs is None or c.verb in verbs):
            out.append((c, final))
    return out


def closes_text(conn):
    return ", ".join(f"{k} from {w} frame {f}" for f, w, k in conn.closes()) or "none"


def unused_data_conns(cap, s):
    """Connections to or from the session's hosts that no transfer used:
    data connections a client opened for a command it never sent."""
    hosts = {s.conn.client[0], s.conn.server[0]}
    return [c for c in cap.others if {c.client[0], c.server[0]} == hosts]


def unused_notes(cap, s):
    """Say how each unused data connection ended, and assert that any reset
    from the server came after the client's own FIN (not a break)."""
    notes = []
    for d in unused_data_conns(cap, s):
        require(d.byte_count("client") == 0 and d.byte_count("server") == 0,
                f"data connection {d.endpoint('client')} carried bytes but no transfer used it")
        first = d.first_close()
        resets = d.frames("server", "rst")
        if resets:
            require(first and first[1] == "client" and first[2] == "FIN" and first[0] < resets[0],
                    f"the server reset data connection {d.endpoint('server')} before the client closed it")
        notes.append(f"Data connection {d.endpoint('client')} -> {d.endpoint('server')} "
                     f"(SYN frame {d.syn}) carries no byte and serves no command; the client "
                     f"closes it first ({closes_text(d)}): a socket opened for a transfer that "
                     f"never came, not a break" + (", whatever reset follows the client's FIN."
                                                   if resets else "."))
    return notes


def unprompted_notes(s):
    """Replies that answer no command (the greeting aside)."""
    _, unprompted = s.exchanges()
    late = [r for r in unprompted if r is not s.messages[0] or r.verb != "220"]
    closed = s.client_closed()
    out = []
    for r in late:
        when = (f"after the client's close (frame {closed})" if closed and r.frame > closed
                else "with no command it could answer")
        out.append(f"'{r.verb} {r.arg}' (frame {r.frame}) arrives {when} and answers no command.")
    return out


# --- a refused file, learned before RETR ---------------------------------------

def refused_file(cap, missing, probes):
    """One session asks for a missing file with one of the probe commands
    (SIZE, MDTM, PRET …), is told 550, and abandons it: never a RETR that
    moves data. The break is the refused file (causes.md), on the control
    connection, citing every command refused on that file."""
    s = one_session(cap)
    refused = [(c, r) for c, r in answered(s, {"550", "450"}, FILE_COMMANDS)
               if missing in c.arg]
    require(refused, f"no 550/450 to a command naming {missing}: {s.timeline()}")
    require(any(c.verb in probes for c, _ in refused),
            f"the missing file was not learned by {sorted(probes)}: "
            + ", ".join(f"{c.show()} -> {r.verb}" for c, r in refused))
    require(all(t.bytes == 0 and status(t) != "complete" for t in s.transfers),
            f"a transfer moved data: {[(t.command, t.bytes, status(t)) for t in s.transfers]}")
    notes = ["The client asks for " + missing + ": "
             + ", ".join(f"'{c.show()}' (frame {c.frame}) answered '{r.verb} {r.arg}' "
                         f"(frame {r.frame})" for c, r in refused)
             + ". It never gets the file and gives up on it; the refused file is the one break, "
               "on the control connection, whichever command learned it."]
    notes += unused_notes(cap, s)
    notes += unprompted_notes(s)
    frames = [f for c, r in refused for f in (c.frame, r.frame)]
    return s, [brk("server-policy", "file-unavailable", "control", s.index, s.conn, frames)], notes


@check("curl-missing-file")
def c_curl_missing_file(cap):
    s, breaks, notes = refused_file(cap, "missing.bin", {"SIZE", "MDTM", "RETR"})
    require(not any(t.command == "RETR" and t.data for t in s.transfers),
            "a RETR got a data connection")
    return breaks, [], notes


@check("lftp-pret-missing")
def c_lftp_pret_missing(cap):
    s, breaks, notes = refused_file(cap, "missing.bin", {"PRET"})
    pret = [c for c in s.commands("PRET") if "missing.bin" in c.arg]
    require(pret and s.final_reply(pret[0]).verb == "550", "no PRET RETR answered 550")
    require(not s.commands("RETR"), "the client sent RETR after the refused PRET")
    return breaks, [], notes


# --- refused transfers ------------------------------------------------------------

# What a refusal's text says, in the words real servers use (vsftpd,
# ProFTPD, Pure-FTPd, pyftpdlib): the file is not there, or the user may
# not have it.
MISSING_WORDS = ("no such file", "not exist", "not found", "can't check for file existence")
DENIED_WORDS = ("permission denied", "not permitted", "quota", "not enough privileges",
                "could not create", "access denied", "disk full", "no space")


def refusal_cause(text):
    t = text.lower()
    if any(w in t for w in DENIED_WORDS):
        return "permission-denied"
    if any(w in t for w in MISSING_WORDS):
        return "file-unavailable"
    return None


def data_conn_notes(t):
    """How a refused transfer's data connection (opened before the command,
    never used) ended. A server reset is no break of its own when it comes
    after the client's FIN, or between the command and the refusal that
    explains it (ProFTPD drops the data connection as it refuses)."""
    d = t.data
    if d is None:
        return []
    require(d.byte_count("client") == 0 and d.byte_count("server") == 0,
            "the refused transfer's data connection carried bytes")
    first = d.first_close()
    for rst in d.frames("server", "rst"):
        after_fin = first[1] == "client" and first[2] == "FIN" and first[0] < rst
        with_refusal = t.frame < rst < t.final.frame
        require(after_fin or with_refusal,
                f"the server reset the unused data connection (frame {rst}) with no refusal "
                f"before it and before the client closed it")
    out = [f"The data connection opened for it ({d.endpoint('client')} -> "
           f"{d.endpoint('server')}, SYN frame {d.syn}) carries nothing and ends "
           f"{closes_text(d)}: unused, not a break of its own"]
    if any(t.frame < r < t.final.frame for r in d.frames("server", "rst")):
        out[0] += (f"; the server's RST comes between the {t.command} and its "
                   f"'{t.final.verb}', part of the refusal")
    return [out[0] + "."]


def refused_transfer(cap, cause, commands):
    """One transfer command refused with a 55x/45x whose text gives cause;
    no data moves and the session goes on to QUIT/221/FIN."""
    s = one_session(cap)
    refused = [t for t in s.transfers if t.final and t.final.verb[0] in "45"]
    require(len(refused) == 1, f"want one refused transfer: {s.timeline()}")
    t = refused[0]
    require(t.command in commands, f"the refused command is {t.command}, not one of {commands}")
    require(status(t) == "failed" and t.bytes == 0, "the refused transfer moved data")
    said = refusal_cause(t.final.arg)
    require(said == cause, f"'{t.final.verb} {t.final.arg}' reads as {said}, not {cause}")
    require(session_healthy(s), "session did not end QUIT/221/FIN")
    notes = [f"{t.command} {t.path} (frame {t.frame}) is answered '{t.final.verb} {t.final.arg}' "
             f"(frame {t.final.frame}) and no data moves; the session then ends QUIT/221/FIN."]
    notes += data_conn_notes(t)
    return [brk("server-policy", cause, "control", s.index, s.conn,
                [t.frame, t.final.frame])], [], notes


@check("proftpd-permission-denied")
def c_proftpd_permission_denied(cap):
    return refused_transfer(cap, "permission-denied", {"STOR"})


@check("proftpd-missing-dir")
def c_proftpd_missing_dir(cap):
    return refused_transfer(cap, "file-unavailable", {"STOR"})


@check("proftpd-file-unavailable")
def c_proftpd_file_unavailable(cap):
    """A missing file refused (SIZE and RETR both 550), then a download
    that completes: one break, the refused file."""
    s = one_session(cap)
    refused = [(c, r) for c, r in answered(s, {"550", "450"}, FILE_COMMANDS)]
    require(refused and all("missing.bin" in c.arg for c, _ in refused),
            f"want 550s on missing.bin only: {s.timeline()}")
    require(all(refusal_cause(r.arg) == "file-unavailable" for _, r in refused),
            "a refusal does not read as a missing file")
    t = next((t for t in s.transfers if t.command == "RETR" and "missing.bin" in t.path), None)
    require(t and status(t) == "failed", "no failed RETR missing.bin")
    ok = [x for x in s.transfers if x is not t]
    require(ok and all(data_healthy(x) for x in ok), "the later transfer is not complete")
    require(session_healthy(s), "session did not end QUIT/221/FIN")
    notes = ["The client asks for missing.bin: "
             + ", ".join(f"'{c.show()}' (frame {c.frame}) answered '{r.verb} {r.arg}' "
                         f"(frame {r.frame})" for c, r in refused)
             + f". The session goes on: RETR {ok[0].path} completes ({ok[0].bytes} bytes, 226 in "
               f"frame {ok[0].final.frame}) and the session ends QUIT/221/FIN. The break is the "
               f"refused file, not the connection."]
    notes += data_conn_notes(t)
    return [brk("server-policy", "file-unavailable", "control", s.index, s.conn,
                [f for c, r in refused for f in (c.frame, r.frame)])], [], notes


def turned_away(cap):
    """Sessions beyond a server's limit are refused, with 421 instead of the
    greeting or 421/530 to the login, worded as a limit; the others go on
    to QUIT/221/FIN. service-unavailable on each refused one."""
    require(len(cap.sessions) >= 3, "want >= 3 sessions")
    limit_words = ("maximum", "too many", "already logged in", "already connected")
    breaks, notes = [], []
    for s in cap.sessions:
        refusal = next((r for r in s.replies() if r.verb in ("421", "530")
                        and any(w in r.arg.lower() for w in limit_words)), None)
        if refusal is None:
            require(session_healthy(s), f"session {s.index} not healthy: {s.timeline()}")
            continue
        asked = [c for c in s.commands() if c.frame < refusal.frame]
        require(not any(t.bytes for t in s.transfers), f"refused session {s.index} moved data")
        first = s.conn.first_close()
        require(first and first[0] > refusal.frame, f"session {s.index} closed before the refusal")
        what = f"to '{asked[-1].show()}' (frame {asked[-1].frame})" if asked else "instead of a greeting"
        notes.append(f"Session {s.index} ({s.conn.endpoint('client')}) is refused with "
                     f"'{refusal.verb} {refusal.arg}' (frame {refusal.frame}) {what}; the "
                     f"connection then ends ({closes_text(s.conn)}) while the other sessions stay "
                     f"logged in and later end QUIT/221/FIN.")
        breaks.append(brk("server-policy", "service-unavailable", "control", s.index, s.conn,
                          [refusal.frame, first[0]]))
    require(len(breaks) == 1, f"want exactly one refused session, got {len(breaks)}")
    return breaks, [], notes


CHECKS["proftpd-max-clients"] = turned_away
CHECKS["pureftpd-max-clients"] = turned_away


# --- clients that leave without QUIT -------------------------------------------

def left_without_quit(cap):
    """A session where the client got everything it asked for and closed
    the control connection without QUIT: no break (causes.md). Asserts it:
    every command before the client's close has a final reply, every
    transfer completed, no 4xx/5xx answer to a command, and the client
    closes first."""
    s = one_session(cap)
    require(not s.commands("QUIT"), "the client sent QUIT")
    closed = s.client_closed()
    first = s.conn.first_close()
    require(first and first[1] == "client" and first[2] == "FIN",
            f"the client does not close the control connection first with FIN: {first}")
    exch, _ = s.exchanges()
    for c, replies in exch:
        final = next((r for r in replies if not r.verb.startswith("1")), None)
        require(final is not None, f"'{c.show()}' (frame {c.frame}) has no final reply before "
                f"the client's close (frame {closed})")
        require(final.verb < "400", f"'{c.show()}' answered '{final.verb} {final.arg}'")
    require(s.transfers, "no transfer")
    for t in s.transfers:
        require(data_healthy(t), f"{t.command} {t.path} not complete: {status(t)} {t.bytes}")
    notes = [f"Every command is answered before the client closes, every transfer completes "
             f"(226 after FIN both ways on the data connection), and the client then closes the "
             f"control connection with FIN (frame {first[0]}) without QUIT; control "
             f"connection closes: {closes_text(s.conn)}. Nothing was left undone: no break."]
    notes += unprompted_notes(s)
    late_rst = [f for f in s.conn.frames("client", "rst") if f > closed]
    if late_rst:
        notes.append(f"The client host's RST (frame {late_rst[0]}) answers a segment that "
                     f"reached its closed socket: not an abort.")
    return [], [], notes


for _name in ("wget-pureftpd", "wget-proftpd", "wget-vsftpd"):
    CHECKS[_name] = left_without_quit


# --- a data channel that never worked, then a polite QUIT -------------------------

REJECTED_CODES = {"500", "501", "502", "504"}
DENIED_CODES = {"530", "532", "550", "553"}


def port_refused(cap):
    """Every PORT/EPRT refused with 5xx, no data connection, then QUIT/221:
    the data channel never worked, a break although the client left
    politely. A refusal worded as a denial ("Permission denied", "Operation
    not permitted"), or a 530/550/553, says the server does not allow it
    (permission-denied); otherwise 500-504 say it does not take the
    command (ftp-command-rejected)."""
    s = one_session(cap)
    asked = s.commands("PORT") + s.commands("EPRT")
    require(asked, "no PORT/EPRT")
    refused = answered(s, {r for r in REJECTED_CODES | DENIED_CODES}, {"PORT", "EPRT"})
    require(len(refused) == len(asked), f"not every PORT/EPRT was refused: {s.timeline()}")
    require(not cap.others, f"a data connection appeared: {[c.endpoint('client') for c in cap.others]}")
    require(not any(t.bytes for t in s.transfers), "a transfer moved data")
    require(session_healthy(s), "the session did not end QUIT/221/FIN")
    denied = [refusal_cause(r.arg) == "permission-denied" or r.verb in DENIED_CODES
              for _, r in refused]
    require(all(denied) or not any(denied), "some refusals deny, some reject")
    cause = "permission-denied" if all(denied) else "ftp-command-rejected"
    notes = ["The client asks for an active-mode data channel and is refused every time: "
             + ", ".join(f"'{c.show()}' (frame {c.frame}) answered '{r.verb} {r.arg}' "
                         f"(frame {r.frame})" for c, r in refused)
             + ". No data connection is ever attempted and no transfer runs; the client then "
               "leaves politely (QUIT/221/FIN). The data channel never worked: a break of "
               "the control connection although the session ended cleanly."]
    if s.transfers:
        notes.append("Transfer commands sent anyway: " + ", ".join(
            f"{t.command} {t.path} (frame {t.frame}) -> "
            f"{t.final.verb + ' ' + t.final.arg if t.final else 'no final reply'}"
            for t in s.transfers) + ".")
    return [brk("protocol" if cause == "ftp-command-rejected" else "server-policy", cause,
                "control", s.index, s.conn, [f for c, r in refused for f in (c.frame, r.frame)])], [], notes


CHECKS["port-refused"] = port_refused
CHECKS["proftpd-port-refused"] = port_refused


def announced_endpoints(s):
    """[(message, mode, ip, port)] for the session's 227/229 replies."""
    from capmodel import parse_data_endpoint
    out = []
    for m in s.messages:
        ep = parse_data_endpoint(m, s.conn)
        if ep and ep[0] == "passive":
            out.append((m,) + ep)
    return out


@check("pasv-unreached")
def c_pasv_unreached(cap):
    """The client's SYNs to the announced passive endpoint go unanswered
    (nothing, no RST, no ICMP), then it leaves with QUIT/221:
    data-channel-blocked on each data connection attempted."""
    s = one_session(cap)
    eps = announced_endpoints(s)
    require(eps, "no 227/229")
    require(session_healthy(s), "the session did not end QUIT/221/FIN")
    breaks, notes = [], []
    for d in cap.others:
        m = next((e for e in eps if e[3] == d.server[1]), None)
        require(m, f"connection to {d.endpoint('server')} matches no announced endpoint")
        syns = d.frames("client", "syn")
        require(d.synack is None and not d.frames("server", "rst") and len(syns) >= 2,
                f"data SYNs to {d.endpoint('server')} were answered or not retried")
        require(not d.of("server"), "the server side of the data connection sent something")
        t0 = d.packet(syns[0]).time
        notes.append(f"'{m[0].verb} {m[0].arg}' (frame {m[0].frame}) announces "
                     f"{d.endpoint('server')}; the client's SYN is sent {len(syns)} times (frames "
                     f"{', '.join(map(str, syns))}, over {d.packet(syns[-1]).time - t0:.1f} s) "
                     f"and nothing comes back: no SYN-ACK, no RST, no ICMP error.")
        breaks.append(brk("network", "data-channel-blocked", "data", s.index, d, syns))
    require(breaks, "no data connection attempt")
    notes.append(f"The control connection works throughout; the client gives up on the "
                 f"transfer and leaves politely: {s.timeline()}. The data channel never "
                 f"worked: a break although the session ended QUIT/221/FIN.")
    return breaks, [], notes


@check("pasv-unreached-server-side")
def c_pasv_unreached_server_side(cap):
    """A passive endpoint announced and never reached: no SYN at all
    arrives at the server, the client leaves with QUIT/221. The session's
    data channel never worked (data-channel-blocked, on the control
    connection, since no data connection exists in the capture)."""
    s = one_session(cap)
    eps = announced_endpoints(s)
    require(eps, "no 227/229")
    require(not cap.others, "a data connection reached the server")
    require(session_healthy(s), "the session did not end QUIT/221/FIN")
    require(not any(t.bytes for t in s.transfers), "a transfer moved data")
    quit_ = s.commands("QUIT")[-1]
    notes = ["The server announces " + ", ".join(f"'{m.verb} {m.arg}' (frame {m.frame})"
                                                  for m, *_ in eps)
             + f"; no SYN to any announced port reaches the server, and the client leaves with "
               f"QUIT (frame {quit_.frame}). Seen from the server's side, the client never "
               f"reached the data endpoint: the data channel never worked, a break of the "
               f"session although it ended QUIT/221/FIN."]
    return [brk("network", "data-channel-blocked", "control", s.index, s.conn,
                [eps[-1][0].frame, quit_.frame])], [], notes


# --- a transfer answered only by 1xx, then QUIT -------------------------------------

@check("retr-then-quit")
def c_retr_then_quit(cap):
    """RETR gets only its 1xx; the client sends QUIT mid-transfer and the
    221 answers the QUIT, never the RETR (RFC 959: 221 is QUIT's reply).
    The transfer is cut short by the client closing its data socket with
    no ABOR and no error from the server before it: client-abort on the
    data connection. The control connection itself ends QUIT/221."""
    s = one_session(cap)
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data, "no RETR with a data connection")
    require(t.replies and all(r.verb.startswith("1") for r in t.replies),
            f"the RETR got a final reply: {[r.verb for r in t.replies]}")
    quit_ = s.commands("QUIT")[0]
    r221 = s.final_reply(quit_)
    require(r221 is not None and r221.verb == "221", "QUIT not answered 221")
    require(quit_.frame > t.frame, "QUIT before RETR")
    require(t.expected and t.bytes < t.expected, "the whole file moved")
    d = t.data
    dfirst = d.first_close()
    require(dfirst and dfirst[1] == "client", f"the server closed the data connection first: {dfirst}")
    require(not s.commands("ABOR"), "the client sent ABOR")
    errors = [r for r in s.replies() if r.verb[0] in "45" and r.frame < dfirst[0]]
    require(not errors, f"an error reply before the client's close: {errors}")
    notes = [f"RETR {t.path} (frame {t.frame}) is answered only by '{t.replies[0].verb} "
             f"{t.replies[0].arg}' (frame {t.replies[0].frame}); after {t.bytes} of {t.expected} "
             f"bytes the client sends QUIT (frame {quit_.frame}), and '221 {r221.arg}' (frame "
             f"{r221.frame}) answers the QUIT, not the RETR, which never gets a final reply. "
             f"The client then closes its data socket with bytes unread ({dfirst[2]} frame "
             f"{dfirst[0]}; data connection: {closes_text(d)}) with no ABOR and no error reply "
             f"from the server before it: the client abandoned the transfer. Control "
             f"connection: {closes_text(s.conn)}."]
    notes += unprompted_notes(s)
    return [brk("client", "client-abort", "data", s.index, d, [quit_.frame, dfirst[0]])], [], notes


# --- FTPS: protected data (PROT P) and implicit FTPS ----------------------------------

TLS_ALERT, TLS_HANDSHAKE, TLS_DATA = 21, 22, 23


def tls_by_conn(cap, conns, ports):
    """{stream: [TlsRecord]} for the given connections, decoding the given
    ports as TLS (Wireshark does not follow AUTH TLS or PROT P by itself)."""
    from capmodel import read_tls
    recs = read_tls(cap.path, sorted(set(ports)))
    streams = {c.stream for c in conns}
    out = {}
    for r in recs:
        if r.stream in streams:
            out.setdefault(r.stream, []).append(r)
    return out


def tls_side(conn, rec):
    return "client" if rec.src == conn.client else "server"


def tls_end(conn, recs, sender=None):
    """How a TLS connection ended, asserted ordinary, as a sentence: FIN
    both ways with no RST, or a RST that comes after a close_notify (an
    alert record after the handshake) had ended the TLS session, from the
    side that sent the data (sender) where there is one. Real stacks do
    all of these: vsftpd closes after 221 and resets the client's late
    close_notify; ProFTPD and Pure-FTPd reset after their own or the peer's
    close_notify; a client may send close_notify and reset without FIN."""
    closes = conn.closes()
    resets = [(f, w) for f, w, k in closes if k == "RST"]
    if not resets:
        require({w for _, w, k in closes if k == "FIN"} == {"client", "server"},
                f"{conn.endpoint('client')}: TLS connection does not end FIN both ways")
        return f"FIN both ways ({closes_text(conn)})"
    f, who = resets[0]
    alerts = [r for r in recs if TLS_ALERT in r.content_types and r.frame < f
              and (sender is None or tls_side(conn, r) == sender)]
    require(alerts, f"{conn.endpoint('client')}: RST from the {who} (frame {f}) with no "
            f"close_notify from the {sender or 'either side'} before it")
    fin = any(w == who and k == "FIN" and fr < f for fr, w, k in closes)
    first = alerts[0]
    return (f"the {tls_side(conn, first)}'s close_notify (frame {first.frame}) ends the TLS "
            f"session, then the {who} resets (frame {f}{'' if fin else ', no FIN from it'}): an "
            f"ordinary TLS teardown, nothing cut ({closes_text(conn)})")


def ftps_clean(cap, implicit):
    """A clean FTPS session: TLS on the control connection (AUTH TLS seen in
    clear and answered 234, or TLS from the first byte on an implicit
    port), every data connection a TLS session carrying application data
    and ending in an ordinary teardown, the control connection ending as
    a finished session does. Commands and replies after the handshake
    cannot be read: each data connection is a transfer with no command,
    complete, in the direction its application data went. No break."""
    s = one_session(cap)
    data = unused_data_conns(cap, s)
    require(data, "no data connection")
    port = s.conn.server[1]
    recs = tls_by_conn(cap, [s.conn] + data, [port] + [d.server[1] for d in data])
    ctrl = recs.get(s.conn.stream, [])
    require(any(1 in r.handshake_types for r in ctrl), "no ClientHello on the control connection")
    require(any(TLS_DATA in r.content_types for r in ctrl), "no encrypted FTP on the control connection")
    notes = []
    if implicit:
        require(not s.messages, f"plaintext FTP on the implicit port: {s.timeline()}")
        hello = next(r for r in ctrl if 1 in r.handshake_types)
        notes.append(f"Implicit FTPS on port {port}: the client's first bytes are a TLS "
                     f"ClientHello (frame {hello.frame}); no FTP line is ever in clear.")
    else:
        auths = [(c, s.final_reply(c)) for c in s.commands("AUTH")]
        auth, r = next(((c, r) for c, r in auths if r and r.verb == "234"), (None, None))
        require(auth, f"no AUTH answered 234: {s.timeline()}")
        notes.append(f"'{auth.show()}' (frame {auth.frame}) is answered '{r.verb} {r.arg}' "
                     f"(frame {r.frame}); everything after it on the control connection is TLS "
                     f"(TLS 1.2, so alerts are told apart from data by their record type).")
    notes.append(f"Control connection: {tls_end(s.conn, ctrl)}; the commands after the "
                 f"handshake (PBSZ, PROT P, transfers, QUIT) cannot be read, so each data "
                 f"connection is listed as a transfer with no command, path or byte count, its "
                 f"direction taken from the application-data records after the TLS handshake.")
    for d in data:
        dr = recs.get(d.stream, [])
        require(any(1 in r.handshake_types for r in dr),
                f"data connection {d.endpoint('client')} has no TLS handshake (PROT C?)")
        sent = {w: sum(1 for r in dr if tls_side(d, r) == w and TLS_DATA in r.content_types)
                for w in ("client", "server")}
        require(sent["client"] or sent["server"], f"no application data on {d.endpoint('client')}")
        sender = "server" if sent["server"] >= sent["client"] else "client"
        cap.opaque_transfers.append({
            "session": s.index, "command": None, "path": None, "mode": "passive",
            "direction": "download" if sent["server"] >= sent["client"] else "upload",
            "status": "complete", "bytes": None, "expected_bytes": None, "reply": None})
        notes.append(f"Data connection {d.endpoint('client')} -> {d.endpoint('server')}: TLS "
                     f"handshake, then application-data records from the "
                     f"{'server' if sent['server'] >= sent['client'] else 'client'} "
                     f"({sent['server']} from the server, {sent['client']} from the client); its end: "
                     + tls_end(d, dr, sender) + ".")
    notes.append("No break: every connection ends as a healthy FTPS session does.")
    return [], [], notes


CHECKS["ftps-vsftpd"] = lambda cap: ftps_clean(cap, implicit=False)
CHECKS["ftps-proftpd"] = lambda cap: ftps_clean(cap, implicit=False)
CHECKS["ftps-implicit"] = lambda cap: ftps_clean(cap, implicit=True)
CHECKS["ftps-lftp-vsftpd"] = lambda cap: ftps_clean(cap, implicit=False)


@check("ftps-close-notify-rst")
def c_ftps_close_notify_rst(cap):
    """A clean FTPS session in which one data connection ends with the
    client's close_notify and then its RST without FIN: an ordinary TLS
    teardown (the data was all delivered and the session goes on), no
    break. Asserts that the capture has that teardown and a later data
    connection."""
    breaks, findings, notes = ftps_clean(cap, implicit=False)
    s = cap.sessions[0]
    data = unused_data_conns(cap, s)
    cut = [d for d in data if d.frames("client", "rst") and not d.frames("client", "fin")]
    require(cut, "no data connection ended by the client's RST without FIN")
    require(any(d.syn > cut[0].frames("client", "rst")[0] for d in data),
            "no data connection after the reset one: the session did not go on")
    return breaks, findings, notes


# --- capture variants ------------------------------------------------------------------

def cut_notes(cap, s):
    """Assert the capture lost bytes of the control stream to the snap
    length, and say which messages were cut."""
    cut_frames = [p.frame for p in s.conn.packets if p.wire_len > len(p.payload)]
    require(cut_frames, "no frame of the control connection was cut by the snap length")
    cut = [m for m in s.messages if m.cut]
    return [f"The snap length cut {len(cut_frames)} control-connection frames (captured payload "
            f"shorter than tcp.len); the messages read from them are known by their code or "
            f"verb only: " + ", ".join(f"'{m.show() if m.who == 'client' else m.verb + ' ' + m.arg}…'"
                                       f" (frame {m.frame})" for m in cut)
            + ". Every verdict on this capture rests on a stream with gaps."]


@check("snaplen-pret-missing")
def c_snaplen_pret_missing(cap):
    s, breaks, notes = refused_file(cap, "missing.bin", {"PRET"})
    require(any(c.verb == "PRET" for c in s.commands()), "no PRET")
    return breaks, [], cut_notes(cap, s) + notes


@check("capture-loss")
def c_capture_loss(cap):
    """A clean session seen through a lossy capture: the file lacks some
    frames the endpoints exchanged. Every transfer still spans the whole
    file in sequence space, nothing is retransmitted (the network lost
    nothing), the FTP replies that survive are all positive, and every
    connection's FINs are in the capture or counted by a later segment.
    No break; the notes list the gaps."""
    from checks_net import fin_sent
    s = one_session(cap)
    gaps = [(c, who, c.gap_sizes(who)) for c in cap.conns for who in ("client", "server")
            if c.gap_sizes(who)]
    require(gaps, "no gap in any stream: the dropped frames carried no data")
    require(not any(p.retrans for c in cap.conns for p in c.packets),
            "a retransmission: the network lost something")
    errors = [r for r in s.replies() if r.verb[0] in "45"]
    require(not errors, f"error replies: {[(r.frame, r.verb) for r in errors]}")
    require(s.transfers, "no transfer seen")
    for t in s.transfers:
        require(t.expected and t.bytes == t.expected,
                f"{t.command} {t.path}: {t.bytes} bytes in sequence space, want {t.expected}")
        require(t.data and fin_sent(t.data, "client") and fin_sent(t.data, "server"),
                f"{t.command} {t.path}: a data connection FIN is neither seen nor counted")
        require(status(t) == "complete", f"{t.command} {t.path}: {status(t)}")
    require(fin_sent(s.conn, "client") and fin_sent(s.conn, "server"),
            "a control connection FIN is neither seen nor counted")
    require(not s.conn.frames("client", "rst") and not s.conn.frames("server", "rst"),
            "RST on the control connection")
    lost_replies = [c for c in s.commands() if c.verb in ("PASV", "EPSV")
                    and s.final_reply(c) is None]
    notes = ["The capture lost frames the endpoints exchanged (no retransmission anywhere: "
             "the network lost nothing): " + "; ".join(
                 f"{len(g)} stretch(es), {sum(g)} bytes, of {who} data on "
                 f"{c.endpoint('client')} -> {c.endpoint('server')} never captured"
                 for c, who, g in gaps)
             + ". Each transfer still spans its whole file in sequence space ("
             + ", ".join(f"{t.command} {t.path} {t.bytes} bytes" for t in s.transfers)
             + "), every connection's FINs are seen or counted by the next segment, and no "
               "reply that survives is an error. No break; verdicts on this capture rest on "
               "streams with gaps."]
    for t in s.transfers:
        if t.final is None:
            lost_replies.append(t)
    if lost_replies:
        notes.append("The final reply to " + ", ".join(
            f"'{c.show() if hasattr(c, 'show') else c.command + ' ' + c.path}' (frame {c.frame})"
            for c in lost_replies)
            + " is not in the capture (a gap in the server's control stream): a lost 227/229 "
              "leaves the data connection the client opened next as the one announced, and a "
              "lost 226 leaves the data connection's whole file and FINs to say the transfer "
              "completed.")
    return [], [], notes


@check("pureftpd-disk-full")
def c_pureftpd_disk_full(cap):
    return refused_transfer(cap, "permission-denied", {"STOR"})


CHECKS["ftps-pureftpd"] = lambda cap: ftps_clean(cap, implicit=False)


# Commands a client sends to learn what the server supports; a refusal is
# an answer, not a failure (lftp's HOST with a bare IPv6 address, OPTS …).
PROBES = {"HOST", "OPTS", "CLNT", "LANG", "FEAT", "AUTH", "SITE"}


@check("lftp-mlsd-ipv6")
def c_lftp_mlsd_ipv6(cap):
    """A clean IPv6 session with MLSD, RETR, STOR and MFMT, in which a probe
    (HOST) is refused: no break."""
    s = one_session(cap)
    require(":" in s.conn.client[0], "not IPv6")
    require(session_healthy(s), f"session did not end QUIT/221/FIN: {s.timeline()}")
    used = {c.verb for c in s.commands()}
    for verb in ("MLSD", "EPSV", "RETR", "STOR"):
        require(verb in used, f"no {verb}")
    for t in s.transfers:
        require(data_healthy(t), f"{t.command} {t.path} not complete: {status(t)} {t.bytes}")
    refused = answered(s, {str(c) for c in range(400, 600)})
    require(all(c.verb in PROBES for c, _ in refused),
            f"a refusal of a non-probe: {[(c.show(), r.verb) for c, r in refused]}")
    notes = ["Every transfer (" + ", ".join(f"{t.command} {t.path}".strip() for t in s.transfers)
             + ") completes with FIN both ways and 226, and the session ends QUIT/221/FIN. "
             + "".join(f"'{c.show()}' (frame {c.frame}) is refused '{r.verb} {r.arg}' (frame "
                       f"{r.frame}): a probe of what the server supports, and the session goes on. "
                       for c, r in refused)]
    return [], [], notes
CHECKS["ftps-implicit-proftpd"] = lambda cap: ftps_clean(cap, implicit=True)


# --- capture content that tries to inject into a report ----------------------

# The names and texts scenarios-wide.sh's scn_hostile_names puts on the
# wire; the capture must carry them byte for byte.
HOSTILE_USER = "</title><script>alert(1)</script>"
HOSTILE_GET = "<img src=x onerror=alert(1)>.txt"
HOSTILE_PUT = '"><script>alert(document.domain)</script>'
HOSTILE_DIR = "<iframe src=javascript:alert(1)>"
HOSTILE_MISSING = "</style><style>*{display:none}</style>"
HOSTILE_BANNER = "<svg onload=alert(1)> javascript:alert(1) ftpcap lab ready"
HOSTILE_ERROR = '<svg onload=alert(1)><a href="javascript:alert(1)">help</a>'


def hostile_transfer(s, command, path):
    ts = [t for t in s.transfers if t.command == command and t.path == path]
    require(len(ts) == 1, f"want one {command} {path}: {s.timeline()}")
    return ts[0]


@check("hostile-names")
def c_hostile_names(cap):
    """One healthy session whose names and replies are HTML, script and
    CSS: a download and an upload complete, a MKD is echoed, and a RETR of
    a missing file is refused (550), the one break."""
    s = one_session(cap)
    require(session_healthy(s), f"session did not end QUIT/221/FIN: {s.timeline()}")
    banner = s.replies()[0]
    require(banner.verb == "220" and banner.arg == HOSTILE_BANNER, f"greeting is {banner.arg!r}")
    user = s.commands("USER")
    require(len(user) == 1 and user[0].arg == HOSTILE_USER, f"USER is {user}")
    got = hostile_transfer(s, "RETR", HOSTILE_GET)
    require(data_healthy(got) and got.bytes == 1000, f"RETR {HOSTILE_GET}: {status(got)}, {got.bytes} bytes")
    put = hostile_transfer(s, "STOR", HOSTILE_PUT)
    require(data_healthy(put) and put.bytes == 3000, f"STOR {HOSTILE_PUT}: {status(put)}, {put.bytes} bytes")
    made = answered(s, {"257"}, {"MKD"})
    require(len(made) == 1 and made[0][0].arg == HOSTILE_DIR and HOSTILE_DIR in made[0][1].arg,
            f"MKD {HOSTILE_DIR} not answered with a 257 echoing it: {s.timeline()}")
    missing = hostile_transfer(s, "RETR", HOSTILE_MISSING)
    final = missing.final
    require(final and final.verb == "550" and status(missing) == "failed" and missing.bytes == 0,
            f"RETR {HOSTILE_MISSING} not refused 550 before any data: {s.timeline()}")
    require(final.arg.endswith(HOSTILE_ERROR) and "no such file" in final.arg.lower(),
            f"550 text is {final.arg!r}")
    errors = [r for r in s.replies() if r.verb >= "400" and r is not final]
    require(not errors, f"error replies besides the refusal: {[(r.frame, r.verb) for r in errors]}")
    mkd, r257 = made[0]
    notes = [f"Greeting '220 {banner.arg}' (frame {banner.frame}); USER {user[0].arg} "
             f"(frame {user[0].frame}). RETR {got.path} (frame {got.frame}) and STOR {put.path} "
             f"(frame {put.frame}) complete ({got.bytes} and {put.bytes} bytes, 226 in frames "
             f"{got.final.frame} and {put.final.frame}); MKD {mkd.arg} (frame {mkd.frame}) is "
             f"answered '257 {r257.arg}' (frame {r257.frame}). RETR {missing.path} (frame "
             f"{missing.frame}) is answered '550 {final.arg}' (frame {final.frame}); the passive "
             f"data connection ftplib opened before it carries no byte "
             f"({closes_text(missing.data) if missing.data else 'not in the capture'}); the session goes on to QUIT/221/FIN. The break is the refused "
             f"transfer. Every name and reply text here is markup a report must show as text."]
    return [brk("server-policy", "file-unavailable", "control", 1, s.conn,
                [missing.frame, final.frame])], [], notes
