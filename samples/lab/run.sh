#!/usr/bin/env bash
# ftpcap fault lab: make small real FTP captures with known verdicts.
#
#   sudo samples/lab/run.sh [SCENARIO ...]     (no argument or "all": every scenario)
#   sudo samples/lab/run.sh pairs              (the paired captures only: pair-*)
#   sudo samples/lab/run.sh --list
#
# Builds network namespaces (client, one or two routers, server; see
# lib/net.sh for the topologies), runs real FTP servers (vsftpd, pyftpdlib,
# ProFTPD, Pure-FTPd) and clients (curl, lftp, tnftp, wget, Python ftplib)
# in them, captures each scenario with tcpdump or dumpcap, and
# writes samples/<scenario>.pcap[ng] with samples/<scenario>.expect.json
# (the pair-* scenarios capture at two points at once and write
# samples/pairs/: see scenarios-pairs.sh).
# The expect file is derived from the capture by expect.py (tshark), which
# refuses to write one when the packets do not show the scenario; the old
# sample is then left in place and the run fails.
#
# Needs root. Installs missing tools with apt-get, unpacks ProFTPD and
# Pure-FTPd into /var/cache/ftpcap-lab (lib/private.sh: they conflict with
# vsftpd as installed packages) and builds the delay relay
# (lab/delayrelay, Go) when a scenario needs it. Touches nothing outside
# the ftpcap-* namespaces, its temporary directory, the local user ftplab
# (created if missing), /var/cache/ftpcap-lab and samples/.

set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAMPLES_DIR=$(dirname "$LAB_DIR")

log() { printf '[lab] %s\n' "$*" >&2; }
warn() { printf '[lab] warning: %s\n' "$*" >&2; }
die() {
	printf '[lab] error: %s\n' "$*" >&2
	exit 1
}

# Every background process the lab starts is tracked here, and only these
# (with their descendants) are stopped at exit.
declare -A LAB_PIDS=()
track_pid() { LAB_PIDS[$1]=1; }
untrack_pid() { unset "LAB_PIDS[$1]"; }

# shellcheck source=lib/net.sh
source "$LAB_DIR/lib/net.sh"
# shellcheck source=lib/capture.sh
source "$LAB_DIR/lib/capture.sh"
# shellcheck source=lib/servers.sh
source "$LAB_DIR/lib/servers.sh"
# shellcheck source=lib/setup.sh
source "$LAB_DIR/lib/setup.sh"
# shellcheck source=lib/private.sh
source "$LAB_DIR/lib/private.sh"
# shellcheck source=scenarios.sh
source "$LAB_DIR/scenarios.sh"
# shellcheck source=scenarios-net.sh
source "$LAB_DIR/scenarios-net.sh"
# shellcheck source=scenarios-wide.sh
source "$LAB_DIR/scenarios-wide.sh"
# shellcheck source=scenarios-pairs.sh
source "$LAB_DIR/scenarios-pairs.sh"

W=
cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	# A capture cut short by a failure is still worth reading: let it flush.
	if [[ -n $CAPTURE_PID ]]; then
		kill -INT "$CAPTURE_PID" 2>/dev/null || true
		wait "$CAPTURE_PID" 2>/dev/null || true
		untrack_pid "$CAPTURE_PID"
	fi
	for pid in "${!LAB_PIDS[@]}"; do
		# shellcheck disable=SC2046 # one PID per word
		kill -TERM $(descendants "$pid") "$pid" 2>/dev/null || true
	done
	for pid in "${!LAB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	net_down
	if [[ -n $W && -d $W ]]; then
		if ((rc == 0)); then rm -rf "$W"; else log "kept $W for inspection (logs in $W/log)"; fi
	fi
	exit "$rc"
}

# cap_on POINT FORMAT: start this scenario's capture. POINT is where:
#   client      the client's veth
#   rtr-client  the router's client-facing veth (same LAN as the client)
#   rtr-server  the server-facing veth of the router next to the server
#   server      the server's veth
#   middle      r1's veth to r2 (topology "two" only): both endpoints'
#               packets have crossed a router there
# CAPTURE_POINT is what the packets can tell: an endpoint whose packets
# arrive with no router hop is on the capture's LAN.
cap_on() {
	local where=$1 format=$2 ns dev ext=pcap
	case $where in
	client) ns=$CLI_NS dev=$CLI_IF CAPTURE_POINT=client-side ;;
	rtr-client) ns=$RTR_NS dev=$RTR_CLI_IF CAPTURE_POINT=client-side ;;
	rtr-server) ns=$EDGE_NS dev=$RTR_SRV_IF CAPTURE_POINT=server-side ;;
	server) ns=$SRV_NS dev=$SRV_IF CAPTURE_POINT=server-side ;;
	middle)
		[[ $TOPOLOGY == two ]] || die "cap_on middle needs the two-router topology"
		ns=$RTR_NS dev=$R12_IF CAPTURE_POINT=middle
		;;
	*) die "cap_on: unknown capture point $where" ;;
	esac
	[[ $format == pcapng ]] && ext=pcapng
	CAPTURE_OUT="$W/cap/$SCENARIO.$ext"
	capture_start "$ns" "$dev" "$CAPTURE_OUT" "$format"
}

# expect_from_capture SENTENCE: verify the capture and write its expect file,
# then move both into samples/ (replacing any older capture of the scenario).
expect_from_capture() {
	local sentence=$1 args=() name
	for name in "${!LAB_FILES[@]}"; do
		args+=(--file "$name=${LAB_FILES[$name]}")
	done
	# A rotated capture is a numbered set (FILE, FILE1, …); expect.py reads
	# the files one after the other, as one capture.
	local parts=("$CAPTURE_OUT") i=1 read=$CAPTURE_OUT
	while [[ -e $CAPTURE_OUT$i ]]; do
		parts+=("$CAPTURE_OUT$i")
		i=$((i + 1))
	done
	if ((${#parts[@]} > 1)); then
		read="$W/cap/$SCENARIO.joined.pcap"
		mergecap -a -w "$read" "${parts[@]}" || die "$SCENARIO: mergecap failed"
	fi
	/usr/bin/python3 -B "$LAB_DIR/expect.py" --capture "$read" --scenario "$SCENARIO" \
		--description "$sentence Kernel: $V_KERNEL." --made-by "samples/lab/run.sh $SCENARIO" \
		--capture-point "$CAPTURE_POINT" --ctrl-port "${CTRL_PORT:-21}" "${args[@]}" \
		--out "$W/cap/$SCENARIO.expect.json" ||
		die "$SCENARIO: capture does not show the scenario (kept in $CAPTURE_OUT)"
	local size part
	for part in "${parts[@]}"; do
		size=$(stat -c %s "$part")
		((size < 2000000)) || die "$SCENARIO: $part is $size bytes, over the 2 MB budget"
	done
	rm -f "$SAMPLES_DIR/$SCENARIO.pcap" "$SAMPLES_DIR/$SCENARIO.pcapng"
	rm -f "$SAMPLES_DIR/$SCENARIO".pcap[0-9]* "$SAMPLES_DIR/$SCENARIO".pcapng[0-9]*
	for part in "${parts[@]}"; do
		cp "$part" "$SAMPLES_DIR/"
		chmod 644 "$SAMPLES_DIR/$(basename "$part")"
	done
	cp "$W/cap/$SCENARIO.expect.json" "$SAMPLES_DIR/"
	chmod 644 "$SAMPLES_DIR/$SCENARIO.expect.json"
	log "$SCENARIO: wrote samples/$(basename "$CAPTURE_OUT")${parts[1]:+ (and ${#parts[@]} rotated files in all)} and its expect file"
}

run_scenario() {
	SCENARIO=$1
	log "== $SCENARIO"
	# Fresh namespaces for every scenario: a fault scenario leaves sysctls,
	# MTUs, routes, path MTU caches, conntrack entries and half-dead sockets
	# behind (a client's FIN still being retransmitted into the next
	# capture, for one).
	[[ -z $TOPOLOGY ]] || net_down
	net_use "${SCENARIO_TOPOLOGY[$SCENARIO]:-one}"
	net_reset_state
	reset_server_tree
	"scn_${SCENARIO//-/_}"
	SERVER_PID=
	CAPTURE_PID=
}

main() {
	if [[ ${1:-} == --list ]]; then
		printf '%s\n' "${SCENARIOS[@]}"
		return 0
	fi
	local want=("$@") s
	if ((${#want[@]} == 0)) || [[ ${want[0]} == all ]]; then
		want=("${SCENARIOS[@]}")
	elif [[ ${want[0]} == pairs ]]; then
		want=("${PAIR_SCENARIOS[@]}")
	fi
	for s in "${want[@]}"; do
		declare -F "scn_${s//-/_}" >/dev/null || die "unknown scenario $s (see --list)"
	done
	((EUID == 0)) || die "run as root (network namespaces, tcpdump, vsftpd)"

	install_missing
	private_install proftpd "${PROFTPD_DEBS[@]}"
	private_install pureftpd "${PUREFTPD_DEBS[@]}"
	ensure_user
	collect_versions
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	W=$(mktemp -d /tmp/ftpcap-lab.XXXXXX)
	make_tree
	for s in "${want[@]}"; do
		run_scenario "$s"
	done
	log "done: ${want[*]}"
}

main "$@"
