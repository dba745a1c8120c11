#!/usr/bin/python3
"""Write samples/<scenario>.expect.json from what a lab capture shows.

Each scenario has a check below: it reads the capture (capmodel, i.e.
tshark), asserts that the packets show the fault the scenario was meant to
make, and states the expected verdict with the frames that decide it. When
the packets do not show it (a timing went wrong, a server behaved
differently), the check fails and no expect file is written: an expectation
is only ever a description of the capture beside it.
"""

import argparse
import json
import sys

from capmodel import Capture, status
import checks_net
import checks_pairs
import checks_wide
from expectlib import CheckFailed, brk, capture_point, data_healthy, require, session_healthy


def check_clean(cap, sessions=1, commands=(), family=None):
    require(len(cap.sessions) >= sessions, f"want >= {sessions} sessions, got {len(cap.sessions)}")
    for s in cap.sessions:
        require(session_healthy(s), f"session {s.index} did not end QUIT/221/FIN: {s.timeline()}")
        require(s.transfers, f"session {s.index} has no transfer")
        for t in s.transfers:
            require(data_healthy(t), f"S{s.index} {t.command} {t.path} not complete/FIN: "
                    f"status={status(t)} bytes={t.bytes} expected={t.expected}")
    errors = [f"S{s.index} f{r.frame} {r.verb}" for s in cap.sessions for r in s.replies()
              if r.verb >= "400"]
    require(not errors, f"error replies in a clean capture: {errors}")
    used = {m.verb for s in cap.sessions for m in s.commands()}
    for c in commands:
        require(c in used, f"no {c} command in the capture (used: {sorted(used)})")
    if family == 6:
        require(all(":" in s.conn.client[0] for s in cap.sessions), "not every session is IPv6")
    notes = ["No 4xx/5xx reply; every control connection ends QUIT -> 221 -> FIN from both "
             "sides with no RST, and every data connection carries the whole file and closes "
             "with FIN both ways, followed by 226."]
    return [], [], notes


# --- scenario checks -------------------------------------------------------

def c_clean_pasv(cap):
    return check_clean(cap, commands=("PASV", "RETR", "LIST"))


def c_clean_epsv(cap):
    return check_clean(cap, commands=("EPSV", "RETR", "STOR"))


def c_clean_active_port(cap):
    return check_clean(cap, commands=("PORT", "RETR"))


def c_clean_active_eprt(cap):
    return check_clean(cap, commands=("EPRT", "RETR"))


def c_ipv6(cap):
    return check_clean(cap, commands=("EPSV", "EPRT"), family=6)


def c_multi_session(cap):
    return check_clean(cap, sessions=3)


def c_clean_modes(cap):
    """Six clean sessions, one per data mode and family (curl_modes)."""
    b, f, notes = check_clean(cap, sessions=6, commands=("PASV", "EPSV", "PORT", "EPRT"))
    families = {":" in s.conn.client[0] for s in cap.sessions}
    require(families == {True, False}, "want IPv4 and IPv6 sessions")
    modes = [f"S{s.index} {'IPv6' if ':' in s.conn.client[0] else 'IPv4'} "
             + "/".join(m.verb for m in s.commands() if m.verb in ("PASV", "EPSV", "PORT", "EPRT"))
             for s in cap.sessions]
    notes.append("Data modes per session: " + ", ".join(modes) + ".")
    return b, f, notes


def c_nonstd_port(cap):
    b, f, notes = check_clean(cap)
    s = cap.sessions[0]
    require(s.conn.server[1] == 2121, "control connection is not on port 2121")
    banner = s.replies()[0]
    require(banner.verb == "220", "first reply is not 220")
    notes.append(f"The control connection is on TCP port 2121; banner '220 {banner.arg}' "
                 f"in frame {banner.frame}.")
    return b, f, notes


def c_login_failures(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    fails = s.replies("530")
    passes = s.commands("PASS")
    require(len(fails) >= 2 and len(passes) == len(fails), f"want one 530 per PASS: {s.timeline()}")
    last = s.replies()[-1]
    require(last.verb == "530", "the last reply is not a 530")
    first = s.conn.first_close()
    require(first and first[1] == "server" and first[0] >= last.frame,
            f"the server does not close first after the last 530: {first}")
    require(not s.commands("QUIT"), "client sent QUIT")
    notes = [f"{len(passes)} PASS commands (frames {', '.join(str(p.frame) for p in passes)}) "
             f"each answered '530 {fails[0].arg}' (frames {', '.join(str(r.frame) for r in fails)}); "
             f"after the last one the server closes first: {first[2]} in frame {first[0]}, "
             f"with no QUIT from the client."]
    late = [m for m in s.commands() if m.frame > first[0]]
    resets = s.conn.frames("server", "rst")
    if late:
        notes.append(f"The client, not yet aware of the close, sends '{late[0].show()}' "
                     f"(frame {late[0].frame}) after the server's FIN"
                     + (f"; the server host answers it with RST (frame {resets[0]}): a "
                        f"consequence of writing to a closed session, not a separate break."
                        if resets else "."))
    return [brk("server-policy", "login-failures", "control", 1, s.conn,
                [r.frame for r in fails] + [first[0]])], [], notes


def c_file_unavailable(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    refused = [t for t in s.transfers if t.final and t.final.verb in ("550", "450")]
    require(len(refused) == 1, f"want exactly one RETR answered 550/450: {s.timeline()}")
    t = refused[0]
    require(status(t) == "failed", f"refused transfer status {status(t)}")
    ok = [x for x in s.transfers if x is not t]
    require(ok and all(data_healthy(x) for x in ok), "the later transfer is not complete")
    require(session_healthy(s), "session did not end QUIT/221/FIN")
    notes = [f"RETR {t.path} (frame {t.frame}) is answered '{t.final.verb} {t.final.arg}' "
             f"(frame {t.final.frame}); the session goes on: RETR {ok[0].path} completes "
             f"({ok[0].bytes} bytes, 226 in frame {ok[0].final.frame}) and the session ends "
             f"QUIT/221/FIN. The break is the refused transfer, not the connection."]
    return [brk("server-policy", "file-unavailable", "control", 1, s.conn,
                [t.frame, t.final.frame])], [], notes


def c_max_clients(cap):
    require(len(cap.sessions) >= 3, "want >= 3 sessions")
    refused = [s for s in cap.sessions if s.replies() and s.replies()[0].verb == "421"]
    require(len(refused) == 1, "want exactly one session greeted with 421")
    r = refused[0]
    first = r.conn.first_close()
    require(first and first[1] == "server", f"server does not close the refused session first: {first}")
    require(not r.commands(), "the refused client sent commands")
    for s in cap.sessions:
        if s is not r:
            require(session_healthy(s), f"session {s.index} not healthy: {s.timeline()}")
    greet = r.replies()[0]
    notes = [f"Session {r.index} ({r.conn.endpoint('client')}) is greeted with "
             f"'421 {greet.arg}' (frame {greet.frame}) instead of 220, and the server closes "
             f"it ({first[2]} frame {first[0]}) while the other sessions stay logged in "
             f"and later end QUIT/221/FIN."]
    return [brk("server-policy", "service-unavailable", "control", r.index, r.conn,
                [greet.frame, first[0]])], [], notes


def c_connection_refused(cap):
    require(len(cap.sessions) == 1, "want one connection attempt to port 21")
    c = cap.sessions[0].conn
    syn = c.syn
    rst = c.frames("server", "rst")
    require(syn and rst and c.synack is None, "want SYN answered by RST and no SYN-ACK")
    p = next(p for p in c.packets if p.frame == rst[0])
    require(p.ack, "the RST does not carry ACK")
    notes = [f"SYN from {c.endpoint('client')} in frame {syn} is answered in frame {rst[0]} by "
             f"RST/ACK from {c.endpoint('server')} (TTL {p.ttl} here, i.e. one router hop from "
             f"an initial 64: the server host itself answered); no SYN-ACK, no FTP bytes. "
             f"The capture has no other packets from the server to compare hop counts with."]
    return [brk("server-policy", "connection-refused", "control", 1, c, [syn, rst[0]])], [], notes


def c_idle_timeout(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    last = s.messages[-1]
    require(last.who == "server" and last.verb == "421", f"session does not end with 421: {s.timeline()}")
    before = [m for m in s.messages if m.frame < last.frame]
    prev = before[-1]
    frames = {p.frame: p.time for p in s.conn.packets}
    gap = frames[last.frame] - frames[prev.frame]
    require(gap >= 3, f"no idle gap before the 421 ({gap:.1f}s)")
    first = s.conn.first_close()
    require(first and first[1] == "server" and first[0] >= last.frame, "server does not close after 421")
    notes = [f"After '{prev.verb} {prev.arg}' (frame {prev.frame}) nothing is sent for "
             f"{gap:.1f} s; the server then sends '421 {last.arg}' (frame {last.frame}) and "
             f"closes ({first[2]} frame {first[0]}). No QUIT."]
    return [brk("server-policy", "idle-timeout", "control", 1, s.conn,
                [prev.frame, last.frame, first[0]])], [], notes


def c_permission_denied(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    refused = [t for t in s.transfers if t.final and t.final.verb in ("550", "553", "532", "552")]
    require(len(refused) == 1, f"want one refused upload: {s.timeline()}")
    t = refused[0]
    require(t.command in ("STOR", "APPE", "STOU"), "refused transfer is not an upload")
    require(status(t) == "failed" and t.bytes == 0, "refused upload moved data")
    require(session_healthy(s), "session did not end QUIT/221/FIN")
    notes = [f"{t.command} {t.path} (frame {t.frame}) is answered '{t.final.verb} {t.final.arg}' "
             f"(frame {t.final.frame}) and no data moves; the session then ends QUIT/221/FIN."]
    return [brk("server-policy", "permission-denied", "control", 1, s.conn,
                [t.frame, t.final.frame])], [], notes


def c_data_connection_failed(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    t = next((t for t in s.transfers if t.final and t.final.verb == "425"), None)
    require(t, f"no transfer answered 425: {s.timeline()}")
    require(t.data is not None, "no data connection attempt matching the PORT")
    d = t.data
    rst = d.frames("server", "rst")
    require(d.synack is None and rst, "the data SYN is not answered by RST")
    require(session_healthy(s), "session did not end QUIT/221/FIN")
    notes = [f"PORT announces {d.endpoint('server')}; after RETR {t.path} (frame {t.frame}) the "
             f"server connects from {d.endpoint('client')} (SYN frame {d.syn}) and the client "
             f"host answers RST/ACK (frame {rst[0]}) since nothing listens there; the server "
             f"replies '425 {t.final.arg}' (frame {t.final.frame}) and the session goes on "
             f"to QUIT/221/FIN."]
    return [brk("protocol", "data-connection-failed", "data", 1, d,
                [d.syn, rst[0], t.final.frame])], [], notes


def c_transfer_aborted(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    t = next((t for t in s.transfers if any(r.verb == "426" for r in t.replies)), None)
    require(t, f"no 426: {s.timeline()}")
    require(not t.aborted_by_client, "the client sent ABOR")
    r426 = next(r for r in t.replies if r.verb == "426")
    d = t.data
    require(d is not None and t.expected and t.bytes < t.expected, "data connection did not stop short")
    last_data = max(f for f, _ in d.stream_bytes("server"))
    closes = d.closes()
    require(not any(f < r426.frame for f, _, _ in closes),
            f"the capture shows a FIN/RST on the data connection before the 426: {closes}")
    require(session_healthy(s), "session did not end QUIT/221/FIN")
    notes = [f"RETR {t.path} (frame {t.frame}) starts; data stops after {t.bytes} of "
             f"{t.expected} bytes (last data frame {last_data}) with no FIN or RST on the data "
             f"connection; the server then replies '426 {r426.arg}' (frame {r426.frame}). Only "
             f"after that does the data connection close: "
             + ", ".join(f"{k} from {w} frame {f}" for f, w, k in closes) +
             ". The session goes on to QUIT/221/FIN. The reset that ended the server's side "
             "was injected at the router towards the server and is not in this client-side "
             "capture, so nothing here explains the 426 better than the 426 itself."]
    return [brk("protocol", "transfer-aborted", "data", 1, d,
                [last_data, r426.frame])], [], notes


def c_command_rejected(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    rejected = [r for r in s.replies() if r.verb in ("500", "501", "502", "504")]
    require(rejected, "no 500/501/502/504 reply")
    require(s.messages[-1].verb in ("500", "501", "502", "504"), "session does not end on a rejection")
    require(not s.commands("QUIT"), "client sent QUIT")
    first = s.conn.first_close()
    require(first and first[0] > s.messages[-1].frame, "no close after the last rejection")
    cmds = [m for m in s.commands() if m.verb not in ("USER", "PASS")]
    notes = ["Commands " + ", ".join(f"'{m.show()}' (frame {m.frame})" for m in cmds) +
             " are answered " + ", ".join(f"'{r.verb} {r.arg}' (frame {r.frame})" for r in rejected) +
             f"; then the connection ends ({first[2]} from {first[1]}, frame {first[0]}) with no QUIT."]
    return [brk("protocol", "ftp-command-rejected", "control", 1, s.conn,
                [r.frame for r in rejected] + [first[0]])], [], notes


def c_sequence_error(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    r503 = s.replies("503")
    require(r503, "no 503 reply")
    require(s.messages[-1].verb == "503", "session does not end on 503")
    first = s.conn.first_close()
    require(first and first[0] > r503[-1].frame, "no close after the 503")
    p = s.commands("PASS")
    require(p and not s.commands("USER"), "want PASS without USER")
    notes = [f"PASS without USER (frame {p[0].frame}) is answered '503 {r503[0].arg}' "
             f"(frame {r503[0].frame}); the connection then ends ({first[2]} from {first[1]}, "
             f"frame {first[0]}) with no QUIT."]
    return [brk("protocol", "ftp-sequence-error", "control", 1, s.conn,
                [r503[0].frame, first[0]])], [], notes


def c_client_abort(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    t = next((t for t in s.transfers if t.aborted_by_client), None)
    require(t, f"no ABOR during a transfer: {s.timeline()}")
    abor = next(m for m in s.commands("ABOR") if m.frame > t.frame)
    require(t.expected and t.bytes < t.expected, "the aborted transfer moved the whole file")
    require(session_healthy(s), "session did not end QUIT/221/FIN")
    d = t.data
    replies = ", ".join(f"'{r.verb} {r.arg}' (frame {r.frame})" for r in t.replies)
    closes = ", ".join(f"{k} from {w} frame {f}" for f, w, k in d.closes())
    notes = [f"RETR {t.path} (frame {t.frame}); after {t.bytes} of {t.expected} bytes on the wire "
             f"the client sends ABOR (frame {abor.frame}) and closes its data socket with unread "
             f"data (data connection: {closes}); replies: {replies}. The session then ends "
             f"QUIT/221/FIN."]
    return [brk("client", "client-abort", "data", 1, d, [abor.frame])], [], notes


def c_client_killed(cap):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    t = next((t for t in s.transfers if t.command == "RETR"), None)
    require(t and t.data and t.expected and t.bytes < t.expected, "no cut download")
    d = t.data
    dfirst = d.first_close()
    require(dfirst and dfirst[1] == "client", f"the client does not close the data connection first: {dfirst}")
    cfirst = s.conn.first_close()
    require(cfirst and cfirst[1] == "client", "the client does not close the control connection first")
    require(not s.commands("QUIT") and not s.commands("ABOR"), "client sent QUIT or ABOR")
    replies = ", ".join(f"'{r.verb} {r.arg}' (frame {r.frame})" for r in t.replies)
    notes = [f"RETR {t.path} (frame {t.frame}) runs; after {t.bytes} of {t.expected} bytes the "
             f"client process is killed: data connection {dfirst[2]} from the client (frame "
             f"{dfirst[0]}), control connection {cfirst[2]} from the client (frame {cfirst[0]}), "
             f"no ABOR, no QUIT. All closes, data: "
             + ", ".join(f"{k} from {w} frame {f}" for f, w, k in d.closes()) +
             "; control: " + ", ".join(f"{k} from {w} frame {f}" for f, w, k in s.conn.closes()) +
             f". Replies to the RETR: {replies or 'only what is listed in the timeline'}."]
    return [brk("client", "client-abort", "data", 1, d, [dfirst[0]]),
            brk("client", "client-abort", "control", 1, s.conn, [cfirst[0]])], [], notes


def server_killed(cap, direction):
    require(len(cap.sessions) == 1, "want one session")
    s = cap.sessions[0]
    t = next((t for t in s.transfers if t.command == direction), None)
    require(t and t.data and t.expected, f"no {direction}")
    require(t.bytes < t.expected, f"the {direction} moved the whole file")
    require(t.final is None, f"the {direction} got a final reply {t.final}")
    d = t.data
    dfirst = d.first_close()
    cfirst = s.conn.first_close()
    require(dfirst and dfirst[1] == "server", f"the server does not end the data connection first: {dfirst}")
    require(cfirst and cfirst[1] == "server", f"the server does not end the control connection first: {cfirst}")
    dcause = "server-reset" if dfirst[2] == "RST" else "server-close"
    ccause = "server-reset" if cfirst[2] == "RST" else "server-close"
    notes = [f"{direction} {t.path} (frame {t.frame}) runs; after {t.bytes} of {t.expected} "
             f"bytes the server process is killed: the server's kernel ends the data connection "
             f"with {dfirst[2]} (frame {dfirst[0]}) and the control connection with {cfirst[2]} "
             f"(frame {cfirst[0]}); no 226/426 or other final reply. All closes, data: "
             + ", ".join(f"{k} from {w} frame {f}" for f, w, k in d.closes()) +
             "; control: " + ", ".join(f"{k} from {w} frame {f}" for f, w, k in s.conn.closes()) + "."]
    return [brk("server-policy", dcause, "data", 1, d, [dfirst[0]]),
            brk("server-policy", ccause, "control", 1, s.conn, [cfirst[0]])], [], notes


def c_server_close(cap):
    return server_killed(cap, "RETR")


def c_server_reset(cap):
    return server_killed(cap, "STOR")


CHECKS = {
    "clean-pasv": c_clean_pasv,
    "clean-epsv": c_clean_epsv,
    "clean-active-port": c_clean_active_port,
    "clean-active-eprt": c_clean_active_eprt,
    "ipv6": c_ipv6,
    "multi-session": c_multi_session,
    "nonstd-port": c_nonstd_port,
    "login-failures": c_login_failures,
    "file-unavailable": c_file_unavailable,
    "max-clients": c_max_clients,
    "connection-refused": c_connection_refused,
    "idle-timeout": c_idle_timeout,
    "permission-denied": c_permission_denied,
    "data-connection-failed": c_data_connection_failed,
    "transfer-aborted": c_transfer_aborted,
    "command-rejected": c_command_rejected,
    "sequence-error": c_sequence_error,
    "client-abort": c_client_abort,
    "client-killed": c_client_killed,
    "server-close": c_server_close,
    "server-reset": c_server_reset,
}
CHECKS.update(checks_net.CHECKS)
CHECKS.update(checks_wide.CHECKS)
CHECKS.update(checks_pairs.CHECKS)
# The same faults on the servers the wider lab added: the packets must show
# them the way the first samples do.
CHECKS.update({
    "proftpd-idle-timeout": c_idle_timeout,
    "rotated-client-abort": c_client_abort,
    "clean-proftpd-modes": c_clean_modes,
    "proftpd-server-killed": c_server_close,
    "pureftpd-client-killed": c_client_killed,
    "clean-pureftpd-modes": c_clean_modes,
    "proftpd-login-failures": c_login_failures,
    # Each file of a clean pair (samples/pairs/): a PASV download and upload.
    "pair-clean": lambda cap: check_clean(cap, commands=("PASV", "RETR", "STOR")),
})


def transfer_json(t):
    return {
        "session": t.session, "command": t.command, "path": t.path, "mode": t.mode,
        "status": status(t), "bytes": t.bytes, "expected_bytes": t.expected,
        "reply": int(t.final.verb) if t.final else None,
    }


def incidental_errors(cap, breaks):
    """4xx/5xx replies that no break cites and that end no transfer: client
    probes a server does not support (lftp's OPTS UTF8 ON before login, for
    one). Listed so that a rule flagging them shows up as a disagreement.
    Replies that answer no command (checks_wide says so) are left out."""
    cited = {f for b in breaks for f in b["frames"]}
    finals = {t.final.frame for t in cap.transfers() if t.final}
    out = []
    for s in cap.sessions:
        for c, replies in s.exchanges()[0]:
            for m in replies:
                if m.verb >= "400" and m.frame not in cited and m.frame not in finals:
                    out.append(f"S{s.index} frame {m.frame} '{m.verb} {m.arg}' to "
                               f"'{c.show()}' (frame {c.frame})")
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--capture", required=True)
    p.add_argument("--scenario", required=True, choices=sorted(CHECKS))
    p.add_argument("--description", required=True)
    p.add_argument("--made-by", required=True)
    p.add_argument("--capture-point", required=True, choices=("client-side", "server-side", "middle"))
    p.add_argument("--ctrl-port", type=int, action="append", default=[])
    p.add_argument("--file", action="append", default=[], help="NAME=SIZE of a served/uploaded file")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)

    sizes = {k: int(v) for k, v in (f.split("=", 1) for f in a.file)}
    cap = Capture(a.capture, tuple(a.ctrl_port or [21]), sizes)
    try:
        breaks, findings, notes = CHECKS[a.scenario](cap)
    except CheckFailed as e:
        print(f"expect {a.scenario}: the capture does not show the scenario: {e}", file=sys.stderr)
        for s in cap.sessions:
            print(f"  S{s.index}: {s.timeline()}", file=sys.stderr)
        return 1
    point, ch, sh = capture_point(cap)
    if point != a.capture_point:
        print(f"expect {a.scenario}: captured at {a.capture_point}, but the packets say {point} "
              f"(client's packets {ch} hops away, server's {sh})", file=sys.stderr)
        return 1
    notes.append(f"Capture point from hop distances: the client's packets arrive {ch} "
                 f"router hop(s) away, the server's {sh if sh is not None else '(none seen)'}.")
    file_type, encap = cap.link_type()
    incidental = incidental_errors(cap, breaks)
    if incidental:
        notes.append("Error replies that are not breaks (the session goes on regardless): "
                     + "; ".join(incidental) + ".")
    for s in cap.sessions:
        notes.append(f"S{s.index} {s.conn.endpoint('client')} -> {s.conn.endpoint('server')}: "
                     f"{s.timeline() or 'no FTP message, FIN or RST'}.")
    doc = {
        "scenario": a.description,
        "made_by": a.made_by,
        "capture_point": a.capture_point,
        "link_type": encap,
        "file_format": file_type,
        "sessions": len(cap.sessions),
        "transfers": [transfer_json(t) for t in cap.transfers()] + cap.opaque_transfers,
        "breaks": breaks,
        "findings": findings,
        "notes": " ".join(notes),
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
