#!/bin/bash
# The ftpcap volume lab: thousands of FTP sessions between real clients
# (curl, lftp, tnftp, Python ftplib, wget) and real servers (vsftpd,
# pyftpdlib, ProFTPD, Pure-FTPd) in network namespaces, captured on the
# router into one pcap, with the fixed-seed plan that says what each
# session was meant to do and which break it must show. See README.md.
#
#   run.sh [-n SESSIONS] [-s SEED] [-j SLOTS] [-o DIR] [-b NAME -z] [-p PLAN] [-w]
#
# -p runs an existing plan (plan.py's output) instead of making one.
# -w runs the wide set: the same servers and clients plus software nobody
# tuned ftpcap to (GNU inetutils ftpd and ftp, netkit ftpd, npm's ftp-srv
# and basic-ftp, ncftp, busybox ftpget/ftpput, Go's jlaffaye/ftp) and more
# outcomes (plan.py --set wide).
#
# Writes DIR/realistic.pcap and DIR/plan.json (default DIR: realistic-data/
# at the repository root), or with -z DIR/NAME.pcap.gz and DIR/NAME.plan.json
# (how the committed small set is made). REALISTIC_N, REALISTIC_SEED and
# REALISTIC_SLOTS are the defaults of -n, -s and -j.
# Needs root. Everything it starts is stopped by PID when it ends; every
# namespace it creates is named ftpvol-* and deleted.
set -euo pipefail

VOL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VOL_DIR/../.." && pwd)
N=${REALISTIC_N:-2000}
SEED=${REALISTIC_SEED:-9}
SLOTS=${REALISTIC_SLOTS:-10}
OUT=${REALISTIC_OUT:-$REPO/realistic-data}
NAME=realistic
GZIP=0
PLAN=
WIDE=0
while getopts "n:s:j:o:b:zp:w" opt; do
	case $opt in
	n) N=$OPTARG ;;
	s) SEED=$OPTARG ;;
	j) SLOTS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	b) NAME=$OPTARG ;;
	z) GZIP=1 ;;
	p) PLAN=$OPTARG ;;
	w) WIDE=1 ;;
	*) exit 2 ;;
	esac
done
# Scratch space for the servers' trees, configs and logs: under /tmp so
# the servers' unprivileged session processes can reach it.
W=${REALISTIC_WORK:-/tmp/ftpvol-work}
# Private package cache: ProFTPD and Pure-FTPd unpacked, not installed.
PKG=${REALISTIC_PKG:-$REPO/realistic-data/pkg}

log() { printf '%s realistic: %s\n' "$(date -u +%T)" "$*" >&2; }
warn() { log "warning: $*"; }
die() {
	log "error: $*"
	exit 1
}

PIDS=()
track_pid() { PIDS+=("$1"); }
untrack_pid() {
	local i
	for i in "${!PIDS[@]}"; do
		[[ ${PIDS[$i]} != "$1" ]] || unset 'PIDS[i]'
	done
}

# shellcheck source=samples/realistic/net.sh
. "$VOL_DIR/net.sh"
# shellcheck source=samples/realistic/servers.sh
. "$VOL_DIR/servers.sh"

CAP_PID=
cleanup() {
	local pid
	set +e
	[[ -z $CAP_PID ]] || { kill -INT "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null; }
	vol_servers_down
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	[[ $WIDE == 0 ]] || vol_wide_down
	vol_net_down
}

[[ $(id -u) == 0 ]] || die "needs root (network namespaces)"
for cmd in ip ss ethtool tcpdump vsftpd curl lftp tnftp wget apt-get dpkg; do
	command -v "$cmd" >/dev/null || die "$cmd not found"
done
/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null || die "python3-pyftpdlib not installed"
if [[ $WIDE == 1 ]]; then
	for cmd in nft node npm go setpriv ncftpget ncftpput ncftpls inetutils-ftp busybox; do
		command -v "$cmd" >/dev/null || die "$cmd not found (the wide set needs it)"
	done
fi

mkdir -p "$OUT"
rm -rf "$W"
mkdir -p "$W/log" "$W/client"
chmod 755 "$W"
vol_fetch_debs
[[ $WIDE == 0 ]] || vol_fetch_wide
vol_ensure_user "$W/srv/pureftpd"

if [[ -n $PLAN ]]; then
	cp "$PLAN" "$W/plan.json"
	SLOTS=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["slots"])' "$PLAN")
	N=$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["sessions"]))' "$PLAN")
	log "plan: $PLAN, $N sessions, $SLOTS slots"
else
	log "plan: $N sessions, seed $SEED, $SLOTS slots"
	SET=small
	[[ $WIDE == 0 ]] || SET=wide
	/usr/bin/python3 "$VOL_DIR/plan.py" -n "$N" -s "$SEED" -j "$SLOTS" --set "$SET" >"$W/plan.json"
fi

trap cleanup EXIT
trap 'exit 130' INT TERM
if [[ $WIDE == 1 ]]; then
	vol_net_up "$SLOTS" "${SERVER_HOSTS[@]}" "${WIDE_HOSTS[@]}"
	# data-channel-blocked: runner.py adds a drop rule per session to this
	# chain, a firewall on the server host (past the capture point, so the
	# unanswered SYNs are in the capture), and deletes it after the session.
	ip netns exec "$VOL_SRV" nft add table inet ftpvol
	ip netns exec "$VOL_SRV" nft add chain inet ftpvol blockdata '{ type filter hook input priority 0; }'
else
	vol_net_up "$SLOTS" "${SERVER_HOSTS[@]}"
fi
vol_servers_up
[[ $WIDE == 0 ]] || vol_wide_servers_up
echo "${SERVER_PIDS[*]}" >"$W/server.pids"
# Let every server settle before the capture starts.
sleep 1

PCAP="$W/$NAME.pcap"
ip netns exec "$VOL_RTR" tcpdump --immediate-mode -n -U -Z root -i ftpvol-rs -w "$PCAP" 2>"$W/log/tcpdump.out" &
CAP_PID=$!
for _ in $(seq 50); do
	grep -q 'listening on' "$W/log/tcpdump.out" && [[ -s $PCAP ]] && break
	sleep 0.1
done
grep -q 'listening on' "$W/log/tcpdump.out" || die "tcpdump did not start: $(cat "$W/log/tcpdump.out")"
sleep 0.3

start=$(date +%s)
/usr/bin/python3 "$VOL_DIR/runner.py" --plan "$W/plan.json" --out "$W/plan.run.json" \
	--work "$W/client" --tools "$W" --node-path "$NODE_DIR/node_modules" --server-pids "$W/server.pids" --log "$W/log/runner.log"
log "ran $N sessions in $(($(date +%s) - start)) s"

sleep 1
kill -INT "$CAP_PID"
wait "$CAP_PID" || true
CAP_PID=
cleanup
trap - EXIT

if [[ $GZIP == 1 ]]; then
	gzip -9 -n -c "$PCAP" >"$OUT/$NAME.pcap.gz"
	cp "$W/plan.run.json" "$OUT/$NAME.plan.json"
	log "wrote $OUT/$NAME.pcap.gz ($(stat -c %s "$OUT/$NAME.pcap.gz") bytes) and $OUT/$NAME.plan.json"
else
	mv "$PCAP" "$OUT/realistic.pcap"
	cp "$W/plan.run.json" "$OUT/plan.json"
	log "wrote $OUT/realistic.pcap ($(stat -c %s "$OUT/realistic.pcap") bytes) and $OUT/plan.json"
fi
