# FTP servers for the lab, run in the server namespace by PID.
#
# vsftpd_start NAME [key=value ...]   standalone vsftpd with the base config
#                                     below plus the given overrides
# pyftpd_start NAME [pyftpd.py args]  Debian's pyftpdlib via lab/pyftpd.py
# server_stop                         stop the server and its session processes
# server_kill_sessions                SIGKILL the server's session processes only

SERVER_PID=
PASV_MIN=30000
PASV_MAX=30009

wait_listening() {
	local port=$1 _
	for _ in $(seq 50); do
		if in_srv ss -Hltn "sport = :$port" | grep -q .; then
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || die "server exited before listening on port $port (see $W/log)"
		sleep 0.1
	done
	die "nothing listening on port $port after 5 s"
}

vsftpd_start() {
	local name=$1
	shift
	local conf="$W/etc/vsftpd-$name.conf"
	declare -A c=(
		[listen]=YES
		[listen_ipv6]=NO
		[listen_port]=21
		[background]=NO
		[anonymous_enable]=YES
		[anon_root]="$W/srv/anon"
		[no_anon_password]=YES
		[local_enable]=YES
		[local_root]="$W/srv/home"
		[chroot_local_user]=YES
		[allow_writeable_chroot]=YES
		[write_enable]=YES
		[pasv_enable]=YES
		[pasv_min_port]=$PASV_MIN
		[pasv_max_port]=$PASV_MAX
		[port_enable]=YES
		[connect_from_port_20]=YES
		[secure_chroot_dir]="$W/empty"
		[pam_service_name]=vsftpd
		[seccomp_sandbox]=NO
		[use_localtime]=NO
		[hide_ids]=YES
		[xferlog_enable]=YES
		[xferlog_std_format]=NO
		[log_ftp_protocol]=YES
		[vsftpd_log_file]="$W/log/vsftpd-$name.log"
		[dirmessage_enable]=NO
	)
	local kv
	for kv in "$@"; do
		c[${kv%%=*}]=${kv#*=}
	done
	local k
	for k in "${!c[@]}"; do
		printf '%s=%s\n' "$k" "${c[$k]}"
	done | sort >"$conf"
	spawn "$SRV_NS" vsftpd "$conf" >>"$W/log/vsftpd-$name.out" 2>&1
	SERVER_PID=$SPAWNED
	wait_listening "${c[listen_port]}"
}

pyftpd_start() {
	local name=$1
	shift
	local port=21 a
	for a in "$@"; do
		case $a in --port=*) port=${a#--port=} ;; esac
	done
	spawn "$SRV_NS" /usr/bin/python3 "$LAB_DIR/pyftpd.py" --root "$W/srv/home" \
		--log "$W/log/pyftpd-$name.log" "$@" >>"$W/log/pyftpd-$name.out" 2>&1
	SERVER_PID=$SPAWNED
	wait_listening "$port"
}

# wait_data_transfer: return once the server has an established data
# connection (a passive port, or port 20 for active mode). Scenarios that
# kill something mid-transfer time the kill from here, not from the client's
# start, which may be slow on a loaded machine.
wait_data_transfer() {
	local _
	for _ in $(seq 100); do
		if in_srv ss -Htn state established \
			"( sport >= :$PASV_MIN and sport <= :$PASV_MAX ) or sport = :20" | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	die "no data connection within 5 s"
}

# descendants PID: every process below PID (vsftpd forks one or two
# processes per session), deepest first.
descendants() {
	local child
	for child in $(pgrep -P "$1" 2>/dev/null); do
		descendants "$child"
		echo "$child"
	done
}

server_kill_sessions() {
	local pids
	pids=$(descendants "$SERVER_PID")
	[[ -n $pids ]] || die "server_kill_sessions: no session process under $SERVER_PID"
	# Stop them all first: vsftpd's privileged half notices its unprivileged
	# half dying and writes "500 OOPS: priv_sock_get_cmd" if it gets the
	# chance. A stopped process runs no code; SIGKILL then closes every
	# socket from the kernel, as a crash or an OOM kill would.
	# shellcheck disable=SC2086 # one PID per word
	kill -STOP $pids
	# shellcheck disable=SC2086
	kill -KILL $pids
}

server_stop() {
	[[ -n $SERVER_PID ]] || return 0
	local pids
	pids=$(descendants "$SERVER_PID")
	# shellcheck disable=SC2086
	[[ -z $pids ]] || kill -TERM $pids 2>/dev/null || true
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	reap "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}
