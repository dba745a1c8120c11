"""What a lab capture shows, read with tshark: TCP connections, FTP control
dialogues and the transfers they drive.

This is deliberately independent of ftpcap: the expected verdicts must come
from a second reading of the packets (Wireshark's dissectors), not from the
code they will test. tshark gives per-frame TCP facts and payload bytes; the
control dialogue is rebuilt here from the payload stream, so a reply split
over two segments or two commands in one segment still read right.
"""

import ipaddress
import re
import subprocess
from dataclasses import dataclass, field

FIELDS = [
    "frame.number", "frame.time_relative", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
    "ip.ttl", "ipv6.hlim", "tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags.syn",
    "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.seq_raw", "tcp.len", "tcp.payload",
    # Added for the network and TCP faults; read after the fields above so
    # the first ones keep their positions.
    "ip.id", "ip.flags.df", "frame.len", "tcp.ack_raw", "tcp.window_size_value",
    "tcp.window_size", "tcp.options.wscale.shift", "tcp.options.mss_val",
    "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
    "tcp.analysis.zero_window", "tcp.analysis.zero_window_probe",
    "tcp.analysis.keep_alive", "tcp.analysis.bytes_in_flight", "tcp.analysis.window_full",
]

TRANSFER_COMMANDS = {"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"}
UPLOADS = {"STOR", "STOU", "APPE"}

# Final replies a command can receive (RFC 959 section 5.4, RFC 2228 for the
# security codes 534/535), for the commands whose answers matter to a
# break: a 221 answers QUIT and nothing else, a 225 answers ABOR. 421 may
# answer any command. Commands not listed take any final reply other than
# 221 and 225. A 1xx reply is preliminary and never ends a command.
TRANSFER_FINALS = {"226", "250", "421", "425", "426", "450", "451", "452", "500", "501",
                   "502", "503", "530", "532", "534", "535", "550", "551", "552", "553"}
FINALS = {
    "QUIT": {"221", "500"},
    "ABOR": {"225", "226", "421", "500", "501", "502"},
    **{c: TRANSFER_FINALS for c in TRANSFER_COMMANDS},
}
ONLY_FOR = {"221": "QUIT", "225": "ABOR"}


def fits(command, code):
    """Whether a reply with this code can answer this command."""
    if code.startswith("1"):
        return command in TRANSFER_COMMANDS
    if command in FINALS:
        return code in FINALS[command]
    return ONLY_FOR.get(code, command) == command


@dataclass
class Packet:
    frame: int
    time: float
    src: str
    sport: int
    dst: str
    dport: int
    ttl: int
    syn: bool
    ack: bool
    fin: bool
    rst: bool
    seq: int
    payload: bytes
    ip_id: int = None  # None for IPv6
    df: bool = False
    frame_len: int = 0
    ack_no: int = 0
    win: int = 0  # the header's window field, unscaled
    win_bytes: int = 0  # tshark's scaled window (-1 or the raw value when unknown)
    wscale: int = None  # window-scale option (SYNs only), None when absent
    mss: int = None
    retrans: bool = False  # tshark: retransmission or fast retransmission
    zero_window: bool = False
    zw_probe: bool = False
    keepalive: bool = False
    in_flight: int = None
    window_full: bool = False  # tshark: the segment fills the peer's advertised window
    seg_len: int = None  # the segment's payload length on the wire (tcp.len); the
    # captured payload is shorter when the snap length cut the frame

    @property
    def tcp_len(self):
        return len(self.payload)

    @property
    def wire_len(self):
        return self.seg_len if self.seg_len is not None else len(self.payload)


@dataclass
class Conn:
    """One TCP connection (a tshark tcp.stream)."""
    stream: int
    client: tuple  # (ip, port) of the SYN sender, or of the first packet's sender
    server: tuple
    packets: list = field(default_factory=list)

    def side(self, p):
        return "client" if (p.src, p.sport) == self.client else "server"

    def frames(self, who, flag):
        return [p.frame for p in self.packets if self.side(p) == who and getattr(p, flag)]

    @property
    def syn(self):
        return next((p.frame for p in self.packets if p.syn and not p.ack), None)

    @property
    def start(self):
        """Frame of the SYN, or of the first packet when the capture lost it."""
        return self.syn if self.syn is not None else self.packets[0].frame

    def base_seq(self, who):
        """Sequence number of who's first payload byte: from who's SYN, or
        when the capture lost it, from the peer's acknowledgement in its
        SYN-ACK; failing both, None."""
        mine = [p for p in self.packets if self.side(p) == who]
        syn = next((p for p in mine if p.syn), None)
        if syn:
            return (syn.seq + 1) & 0xFFFFFFFF
        peer_syn = next((p for p in self.packets if self.side(p) != who and p.syn and p.ack), None)
        return peer_syn.ack_no if peer_syn else None

    @property
    def synack(self):
        return next((p.frame for p in self.packets if p.syn and p.ack), None)

    def first_close(self):
        """(frame, who, 'FIN'|'RST') of the first FIN or RST, or None."""
        for p in self.packets:
            if p.fin or p.rst:
                return p.frame, self.side(p), "RST" if p.rst else "FIN"
        return None

    def closes(self):
        out = []
        for p in self.packets:
            if p.fin or p.rst:
                out.append((p.frame, self.side(p), "RST" if p.rst else "FIN"))
        return out

    def stream_bytes(self, who):
        """Payload bytes sent by who in sequence order, as [(frame, bytes)].

        Segments are placed by sequence number, not by frame order: a
        capture taken on a forwarding host can record two segments of one
        burst in swapped order. Bytes seen twice (retransmissions) count
        once. A gap (bytes never captured) is skipped over, not filled.
        """
        return [(p.frame, p.data) for p in self.stream_pieces(who) if p.data]

    def stream_pieces(self, who):
        """The stream sent by who as [Piece] in sequence order: each new
        stretch of sequence space with the bytes captured of it, whether
        bytes before it were never captured (gap_before: capture loss) and
        whether the capture cut it short (cut: snap length)."""
        mine = [p for p in self.packets if self.side(p) == who]
        data = [p for p in mine if p.wire_len]
        if not data:
            return []
        base = self.base_seq(who)
        base = data[0].seq if base is None else base
        placed = sorted(((p.seq - base) & 0xFFFFFFFF, p.frame, p.payload, p.wire_len)
                        for p in data)
        out, covered = [], 0
        for rel, frame, payload, wire in placed:
            end = rel + wire
            if end <= covered:
                continue  # every byte already placed
            skip = max(covered - rel, 0)
            out.append(Piece(frame, payload[skip:], end - max(rel, covered),
                             gap_before=rel > covered, cut=len(payload) < wire))
            covered = end
        return out

    def byte_count(self, who):
        """Bytes who sent, by sequence space up to the highest segment seen:
        what went on the wire, whether or not the capture kept all of it
        (a frame cut by the snap length, a segment the capture lost)."""
        pieces = self.stream_pieces(who)
        return sum(p.wire for p in pieces) + sum(self.gap_sizes(who))

    def gap_sizes(self, who):
        """Sizes of the stretches of who's stream that no captured segment
        covers (capture loss), before the highest segment seen."""
        mine = [p for p in self.packets if self.side(p) == who]
        data = [p for p in mine if p.wire_len]
        if not data:
            return []
        base = self.base_seq(who)
        base = data[0].seq if base is None else base
        spans = sorted(((p.seq - base) & 0xFFFFFFFF, p.wire_len) for p in data)
        gaps, covered = [], 0
        for rel, wire in spans:
            if rel > covered:
                gaps.append(rel - covered)
            covered = max(covered, rel + wire)
        return gaps

    def ttls(self, who):
        return sorted({p.ttl for p in self.packets if self.side(p) == who})

    def of(self, who):
        return [p for p in self.packets if self.side(p) == who]

    def packet(self, frame):
        return next(p for p in self.packets if p.frame == frame)

    def endpoint(self, who):
        ip, port = self.client if who == "client" else self.server
        return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


@dataclass
class Piece:
    """A stretch of one side's stream (Conn.stream_pieces)."""
    frame: int
    data: bytes  # the captured bytes of it
    wire: int  # its length in sequence space
    gap_before: bool = False
    cut: bool = False


@dataclass
class Message:
    frame: int
    who: str  # "client" (a command) or "server" (a reply)
    verb: str  # command verb, or the reply code as a string
    arg: str
    cut: bool = False  # the capture lost the rest of the line (snap length, loss)

    def show(self):
        if self.verb == "PASS":
            return "PASS ****"
        return f"{self.verb} {self.arg}".strip()


@dataclass
class Transfer:
    session: int
    command: str
    path: str
    mode: str  # passive | active | none
    frame: int  # the command's frame
    data: Conn = None
    replies: list = field(default_factory=list)  # Messages answering the command
    aborted_by_client: bool = False
    final_lost: bool = False  # no final reply, and the capture lost server bytes after the command
    bytes: int = 0
    expected: int = None

    @property
    def final(self):
        return next((m for m in self.replies if not m.verb.startswith("1")), None)


@dataclass
class Session:
    index: int
    conn: Conn
    messages: list
    transfers: list = field(default_factory=list)

    def replies(self, code=None):
        return [m for m in self.messages if m.who == "server" and (code is None or m.verb == code)]

    def commands(self, verb=None):
        return [m for m in self.messages if m.who == "client" and (verb is None or m.verb == verb)]

    def client_closed(self):
        """Frame of the client's first FIN or RST on the control connection."""
        return next((p.frame for p in self.conn.packets
                     if self.conn.side(p) == "client" and (p.fin or p.rst)), None)

    def exchanges(self):
        """Pair replies with commands as RFC 959 allows: ([(command, [replies])],
        [replies that answer no command]).

        A reply answers the oldest waiting command it can answer; commands
        skipped over stay unanswered. A 1xx reply is attached but leaves the
        command waiting. A reply that arrives after the client's FIN or RST,
        or fits no waiting command (the greeting, a server's unprompted
        goodbye), answers nothing."""
        closed = self.client_closed()
        out, waiting, unprompted = [], [], []
        for m in self.messages:
            if m.who == "client":
                out.append((m, []))
                waiting.append(len(out) - 1)
                continue
            if closed is not None and m.frame > closed:
                unprompted.append(m)
                continue
            at = next((k for k, i in enumerate(waiting) if fits(out[i][0].verb, m.verb)), None)
            if at is None:
                unprompted.append(m)
                continue
            i = waiting[at]
            out[i][1].append(m)
            waiting = waiting[at:] if m.verb.startswith("1") else waiting[at + 1:]
        return out, unprompted

    def final_reply(self, command):
        """The final reply that answered command (a Message), or None."""
        for c, replies in self.exchanges()[0]:
            if c is command:
                return next((r for r in replies if not r.verb.startswith("1")), None)
        return None

    def timeline(self):
        parts = [f"f{m.frame} {m.show() if m.who == 'client' else m.verb}" for m in self.messages]
        parts += [f"f{f} {kind} from {who}" for f, who, kind in self.conn.closes()]
        parts.sort(key=lambda s: int(s.split()[0][1:]))
        return ", ".join(parts)


def read_packets(path, decode_as=()):
    cmd = ["tshark", "-r", path, "-n", "-Y", "tcp && !icmp && !icmpv6", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=f"]
    for d in decode_as:
        cmd += ["-d", d]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    packets = []
    for line in out.splitlines():
        v = line.split("\t")
        (frame, t, src4, src6, dst4, dst6, ttl, hlim, stream, sport, dport,
         syn, ack, fin, rst, seq, _len, payload, ip_id, df, flen, ack_no, win, win_bytes,
         wscale, mss, retrans, fast, zw, zwp, ka, flight, wfull) = v + [""] * (len(FIELDS) - len(v))
        packets.append((int(stream), Packet(
            frame=int(frame), time=float(t), src=src4 or src6, sport=int(sport),
            dst=dst4 or dst6, dport=int(dport), ttl=int(ttl or hlim or 0),
            syn=flag(syn), ack=flag(ack), fin=flag(fin), rst=flag(rst),
            seq=int(seq), payload=bytes.fromhex(payload.replace(":", "")),
            seg_len=int(_len) if _len else None,
            ip_id=int(ip_id, 0) if ip_id else None, df=flag(df), frame_len=int(flen or 0),
            ack_no=int(ack_no or 0), win=int(win or 0), win_bytes=int(win_bytes or -1),
            wscale=int(wscale) if wscale else None, mss=int(mss) if mss else None,
            retrans=flag(retrans) or flag(fast), zero_window=flag(zw), zw_probe=flag(zwp),
            keepalive=flag(ka), in_flight=int(flight) if flight else None,
            window_full=flag(wfull))))
    return packets


def flag(v):
    return v in ("1", "True", "true")


@dataclass
class Icmp:
    """An ICMP/ICMPv6 error and the TCP header it quotes."""
    frame: int
    time: float
    src: str
    dst: str
    ttl: int
    ip_id: int  # None for IPv6
    type: int
    code: int
    mtu: int  # next-hop MTU of frag-needed / packet-too-big, else None
    quoted: tuple  # (src ip, src port, dst ip, dst port) of the quoted packet, or None

    def quotes(self, conn):
        if not self.quoted:
            return False
        a, ap, b, bp = self.quoted
        ends = {(conn.client[0], conn.client[1]), (conn.server[0], conn.server[1])}
        return {(a, ap), (b, bp)} == ends

    def describe(self):
        names = {(3, 0): "net unreachable", (3, 1): "host unreachable",
                 (3, 3): "port unreachable", (3, 4): "fragmentation needed",
                 (3, 13): "communication administratively prohibited",
                 (1, 0): "no route", (1, 1): "administratively prohibited",
                 (1, 3): "address unreachable", (2, 0): "packet too big"}
        v6 = ":" in self.src
        what = names.get((self.type, self.code), "")
        return (f"ICMP{'v6' if v6 else ''} type {self.type} code {self.code}"
                + (f" ({what})" if what else "") + (f", MTU {self.mtu}" if self.mtu else ""))


ICMP_FIELDS = ["frame.number", "frame.time_relative", "ip.src", "ip.dst", "ip.ttl", "ip.id",
               "ipv6.src", "ipv6.dst", "ipv6.hlim", "icmp.type", "icmp.code", "icmp.mtu",
               "icmpv6.type", "icmpv6.code", "icmpv6.mtu", "tcp.srcport", "tcp.dstport"]


def read_icmp(path):
    """ICMP errors (not echo) with the addresses they quote."""
    cmd = ["tshark", "-r", path, "-n", "-Y",
           "(icmp && icmp.type != 0 && icmp.type != 8) || "
           "(icmpv6 && icmpv6.type < 128)",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in ICMP_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res = []
    for line in out.splitlines():
        v = line.split("\t")
        (frame, t, src4, dst4, ttl4, id4, src6, dst6, hlim, t4, c4, mtu4, t6, c6, mtu6,
         sport, dport) = v + [""] * (len(ICMP_FIELDS) - len(v))
        first = lambda x: x.split(",")[0] if x else ""  # noqa: E731 (outer header)
        second = lambda x: x.split(",")[1] if x.count(",") else ""  # noqa: E731 (quoted header)
        v6 = bool(src6)
        quoted = None
        if sport and dport:
            qs = second(src6) if v6 else second(src4)
            qd = second(dst6) if v6 else second(dst4)
            if qs and qd:
                quoted = (qs, int(first(sport)), qd, int(first(dport)))
        res.append(Icmp(
            frame=int(frame), time=float(t), src=first(src6) if v6 else first(src4),
            dst=first(dst6) if v6 else first(dst4),
            ttl=int(first(hlim) if v6 else first(ttl4)),
            ip_id=None if v6 else int(first(id4), 0),
            type=int(first(t6) if v6 else first(t4)), code=int(first(c6) if v6 else first(c4)),
            mtu=int(first(mtu6) or 0) if v6 else int(first(mtu4) or 0) or None,
            quoted=quoted))
    return res


TLS_FIELDS = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
              "tls.record.content_type", "tls.handshake.type", "tls.alert_message.level",
              "tls.alert_message.desc", "tls.record.version", "tls.handshake.version",
              "tls.handshake.extensions.supported_version"]


@dataclass
class TlsRecord:
    frame: int
    stream: int
    src: tuple
    content_types: list  # one per record in the frame
    handshake_types: list
    alert: tuple  # (level, description) of the first alert, or None
    versions: list  # record-layer versions
    offered: list  # supported_versions the ClientHello offers


def read_tls(path, ports):
    """TLS records on the given TCP ports (AUTH TLS on a control port)."""
    cmd = ["tshark", "-r", path, "-n", "-Y", "tls"]
    for p in ports:
        cmd += ["-d", f"tcp.port=={p},tls"]
    cmd += ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in TLS_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    res = []
    ints = lambda x: [int(y, 0) for y in x.split(",") if y]  # noqa: E731
    for line in out.splitlines():
        v = line.split("\t")
        (frame, stream, src4, src6, sport, ctypes, htypes, alevel, adesc, rver, hver,
         offered) = v + [""] * (len(TLS_FIELDS) - len(v))
        alert = (int(alevel.split(",")[0]), int(adesc.split(",")[0])) if adesc else None
        res.append(TlsRecord(int(frame), int(stream), (src4 or src6, int(sport)), ints(ctypes),
                             ints(htypes), alert, ints(rver), ints(offered)))
    return res


def build_conns(packets):
    conns = {}
    for stream, p in packets:
        c = conns.get(stream)
        if c is None:
            if p.syn and p.ack:  # first packet seen is the SYN-ACK: its sender is the server
                c = Conn(stream, (p.dst, p.dport), (p.src, p.sport))
            else:
                c = Conn(stream, (p.src, p.sport), (p.dst, p.dport))
            conns[stream] = c
        c.packets.append(p)
    return [conns[k] for k in sorted(conns)]


def lines_of(conn, who, with_cuts=False):
    """Complete CRLF/LF-terminated lines sent by who, as [(frame_of_last_byte, text)],
    plus any unterminated tail (frame, text) at the end.

    TLS records (after AUTH TLS/SSL) are skipped whole when they start at a
    line boundary, so plaintext sent after a failed handshake (vsftpd's
    '500 OOPS: ...') still reads as a reply.

    Where the capture lost bytes (a segment cut by the snap length, or
    segments never captured) the line being read ends there, and reading
    starts again at the next captured segment. with_cuts adds a third item
    to each line: whether it was cut that way."""
    out, buf, frame, skip = [], b"", None, 0

    def flush(cut):
        nonlocal buf
        out.append((frame, buf.rstrip(b"\r").decode("latin-1"), cut))
        buf = b""

    for piece in conn.stream_pieces(who):
        if piece.gap_before:
            skip = 0
            if buf:
                flush(True)
        frame, chunk = piece.frame, piece.data
        while chunk:
            if skip:
                n = min(skip, len(chunk))
                skip -= n
                chunk = chunk[n:]
                continue
            if not buf and is_tls_record(chunk):
                skip = 5 + int.from_bytes(chunk[3:5], "big")
                continue
            cut = chunk.find(b"\n")
            if cut < 0:
                buf += chunk
                break
            buf += chunk[:cut]
            chunk = chunk[cut + 1:]
            flush(False)
        if piece.cut:
            skip = 0
            if buf:
                flush(True)
    if buf:
        flush(False)
    return out if with_cuts else [(f, t) for f, t, _ in out]


def is_tls_record(data):
    """Whether data starts with a TLS record header (content type 20-23,
    version 3.x)."""
    return len(data) >= 5 and data[0] in (20, 21, 22, 23) and data[1] == 3 and data[2] <= 4


COMMAND_RE = re.compile(r"^[A-Za-z]{3,4}$")


def dialogue(conn):
    """Commands and replies in capture order. A line the capture cut
    (snap length, loss) still counts: a command by its verb, a reply by
    its code; a cut line also ends a multi-line reply whose end was lost,
    and a line that starts mid-text after a gap is skipped."""
    msgs = []
    for frame, text, cut in lines_of(conn, "client", with_cuts=True):
        verb, _, arg = text.partition(" ")
        if cut and not COMMAND_RE.match(verb):
            continue
        msgs.append(Message(frame, "client", verb.upper(), arg, cut))
    pending = None  # multi-line reply being collected: (code, first line's text)
    for frame, text, cut in lines_of(conn, "server", with_cuts=True):
        m = re.match(r"^(\d{3})([ -]|$)(.*)$", text)
        if pending:
            if (m and m.group(1) == pending[0] and m.group(2) == " ") or cut:
                msgs.append(Message(frame, "server", pending[0], pending[1], cut))
                pending = None
            continue
        if not m:
            continue
        if m.group(2) == "-" and not cut:
            pending = (m.group(1), m.group(3))
        else:
            msgs.append(Message(frame, "server", m.group(1), m.group(3), cut))
    msgs.sort(key=lambda m: (m.frame, m.who != "client"))
    return msgs


def parse_data_endpoint(msg, ctrl):
    """The data endpoint a message announces: ('passive'|'active', ip, port) or None."""
    if msg.who == "server" and msg.verb == "227":
        m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", msg.arg)
        if m:
            n = [int(x) for x in m.groups()]
            return "passive", "%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]
    if msg.who == "server" and msg.verb == "229":
        m = re.search(r"\((.)\1\1(\d+)\1\)", msg.arg)
        if m:
            return "passive", ctrl.server[0], int(m.group(2))
    if msg.who == "client" and msg.verb == "PORT":
        n = [int(x) for x in msg.arg.split(",")]
        return "active", "%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]
    if msg.who == "client" and msg.verb == "EPRT":
        d = msg.arg[0]
        _, _proto, addr, port, _ = msg.arg.split(d)
        return "active", addr, int(port)
    return None


def same_ip(a, b):
    return ipaddress.ip_address(a) == ipaddress.ip_address(b)


def find_data_conn(conns, used, endpoint, after_frame):
    mode, ip, port = endpoint
    for c in conns:
        if c.stream in used or c.start < after_frame:
            continue
        target = c.server
        if target[1] == port and same_ip(target[0], ip):
            used.add(c.stream)
            return c
    return None


def next_conn_between(conns, used, ctrl, after_frame):
    """The first unused connection from the control connection's client
    host to its server host opened after after_frame, or None."""
    for c in conns:
        if (c.stream not in used and c.start > after_frame
                and same_ip(c.client[0], ctrl.client[0]) and same_ip(c.server[0], ctrl.server[0])):
            used.add(c.stream)
            return c
    return None


def build_transfers(session, conns, used, sizes):
    ctrl = session.conn
    closed = session.client_closed()
    endpoint, endpoint_frame = None, 0
    asked = None  # a PASV/EPSV whose reply the capture may have lost
    msgs = session.messages
    for i, m in enumerate(msgs):
        ep = parse_data_endpoint(m, ctrl)
        if ep:
            endpoint, endpoint_frame = ep, m.frame
            continue
        if m.who == "client" and m.verb in ("PASV", "EPSV"):
            asked = m.frame
            continue
        if m.who != "client" or m.verb not in TRANSFER_COMMANDS:
            continue
        mode = endpoint[0] if endpoint else ("passive" if asked else "none")
        t = Transfer(session.index, m.verb, m.arg, mode, m.frame)
        if endpoint:
            t.data = find_data_conn(conns, used, endpoint, endpoint_frame)
        elif asked:
            # The 227/229 is not in the capture (lost): the data connection
            # is the next one from the client to the server host.
            t.data = next_conn_between(conns, used, ctrl, asked)
        endpoint, asked = None, None
        for later in msgs[i + 1:]:
            if later.who == "client":
                if later.verb == "ABOR":
                    t.aborted_by_client = True
                    continue
                if later.verb in TRANSFER_COMMANDS or parse_data_endpoint(later, ctrl):
                    break
                continue
            # A reply after the client closed, or one that cannot answer
            # the transfer command (221 answers QUIT), ends the transfer's
            # replies without being one of them.
            if closed is not None and later.frame > closed:
                break
            if not (fits(t.command, later.verb)
                    or (t.aborted_by_client and fits("ABOR", later.verb))):
                break
            t.replies.append(later)
            if not later.verb.startswith("1") and not (t.aborted_by_client and later.verb == "426"):
                break
        if t.data:
            sender_ip = ctrl.client[0] if t.command in UPLOADS else ctrl.server[0]
            who = "client" if same_ip(t.data.client[0], sender_ip) else "server"
            t.bytes = t.data.byte_count(who)
        if t.final is None:
            t.final_lost = any(p.gap_before and p.frame > t.frame
                               for p in ctrl.stream_pieces("server"))
        name = t.path.rsplit("/", 1)[-1]
        if t.command in ("RETR", "STOR", "APPE") and name in sizes:
            t.expected = sizes[name]
        session.transfers.append(t)


def status(t):
    codes = [r.verb for r in t.replies]
    if t.aborted_by_client or "426" in codes:
        return "aborted"
    final = t.final
    started = any(c.startswith("1") for c in codes) or (t.data is not None and t.bytes > 0)
    if t.expected is not None and started and t.bytes < t.expected:
        return "truncated"
    if final and final.verb in ("226", "250"):
        return "complete"
    if final is None and t.final_lost and t.expected is not None and t.bytes >= t.expected:
        return "complete"  # every byte moved; the capture lost the reply that said so
    if final is None and started:
        return "truncated"
    return "failed"


class Capture:
    def __init__(self, path, ctrl_ports=(21,), sizes=None):
        decode = [f"tcp.port=={p},ftp" for p in ctrl_ports if p != 21]
        self.path = path
        self.conns = build_conns(read_packets(path, decode))
        self.sessions = []
        used = set()
        for c in self.conns:
            if c.server[1] in ctrl_ports:
                used.add(c.stream)
                self.sessions.append(Session(len(self.sessions) + 1, c, dialogue(c)))
        for s in self.sessions:
            build_transfers(s, self.conns, used, sizes or {})
        self.others = [c for c in self.conns if c.stream not in used]
        # Transfers whose command cannot be read (encrypted control
        # connection), as expect files list them: filled in by a check.
        self.opaque_transfers = []

    def transfers(self):
        return [t for s in self.sessions for t in s.transfers]

    def link_type(self):
        out = subprocess.run(["capinfos", "-t", "-E", self.path], check=True,
                             capture_output=True, text=True).stdout
        info = dict(re.findall(r"^(File type|File encapsulation):\s+(.*)$", out, re.M))
        return info.get("File type", "?"), info.get("File encapsulation", "?")
