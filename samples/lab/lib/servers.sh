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

# --- ProFTPD and Pure-FTPd, run from their private trees (private.sh) -----

# proftpd_start NAME [CONFIG LINE ...]: standalone ProFTPD with the base
# configuration below, then the given lines (blocks such as <Limit> can be
# added whole). ProFTPD takes the first of two identical directives, so the
# base sets nothing a scenario changes (TimeoutIdle, MaxClients, …);
# PROFTPD_PORT (default 21) is the control port. The local user logs in with
# its system password (mod_auth_unix, no PAM) and is jailed in srv/home;
# anonymous logins are refused (ProFTPD needs an <Anonymous> block and a
# system "ftp" user for them).
proftpd_start() {
	local name=$1
	shift
	local dir conf="$W/etc/proftpd-$name.conf"
	dir=$(private_dir proftpd)
	{
		cat <<-EOF
			ServerType standalone
			ServerName "ftpcap lab"
			DefaultServer on
			Port ${PROFTPD_PORT:-21}
			UseIPv6 on
			User nobody
			Group nogroup
			Umask 022
			PidFile $W/run/proftpd-$name.pid
			ScoreboardFile $W/run/proftpd-$name.scoreboard
			DelayTable $W/run/proftpd-$name.delay
			DelayEngine off
			ControlsEngine off
			WtmpLog off
			UseReverseDNS off
			UseFtpUsers off
			RequireValidShell off
			AuthOrder mod_auth_unix.c
			DefaultRoot $W/srv/home
			AllowOverwrite on
			PassivePorts $PASV_MIN $PASV_MAX
			MaxInstances 30
			SystemLog $W/log/proftpd-$name.log
			TransferLog $W/log/proftpd-$name.xfer
			ModulePath $dir/usr/lib/proftpd
		EOF
		printf '%s\n' "$@"
	} >"$conf"
	private_cmd proftpd /usr/sbin/proftpd
	"${PRIVATE_CMD[@]}" -t -c "$conf" >>"$W/log/proftpd-$name.out" 2>&1 ||
		die "ProFTPD refuses $conf: $(tail -3 "$W/log/proftpd-$name.out")"
	spawn "$SRV_NS" "${PRIVATE_CMD[@]}" -n -c "$conf" >>"$W/log/proftpd-$name.out" 2>&1
	SERVER_PID=$SPAWNED
	wait_listening "${PROFTPD_PORT:-21}"
}

# proftpd_tls PEM [REQUIRED]: the configuration lines for explicit FTPS
# (AUTH TLS) with PEM as certificate and key; REQUIRED (on|off|ctrl|data)
# is TLSRequired. TLS 1.2 only: its records keep their content types in
# clear, so a capture shows alerts (close_notify) apart from data.
proftpd_tls() {
	cat <<-EOF
		LoadModule mod_tls.c
		TLSEngine on
		TLSLog $W/log/proftpd-tls.log
		TLSProtocol TLSv1.2
		TLSRSACertificateFile $1
		TLSRSACertificateKeyFile $1
		TLSRequired ${2:-off}
		TLSOptions NoSessionReuseRequired
	EOF
}

# pureftpd_start NAME [pure-ftpd options ...]: Pure-FTPd on port 21 with
# one virtual user (the lab's user, in a PureDB made here, jailed in
# srv/home, files owned by the system user of the same name), passive ports
# as the other servers, no name lookups, verbose log. Extra options are
# appended (e.g. --maxclientsnumber 2, --maxidletime 1).
pureftpd_start() {
	local name=$1
	shift
	local pw="$W/etc/pureftpd-$name.passwd" pdb="$W/etc/pureftpd-$name.pdb"
	private_cmd pureftpd /usr/bin/pure-pw
	rm -f "$pw" "$pdb"
	printf '%s\n%s\n' "$LAB_PASS" "$LAB_PASS" |
		"${PRIVATE_CMD[@]}" useradd "$LAB_USER" -u "$LAB_USER" -d "$W/srv/home" \
			-f "$pw" -F "$pdb" -m >>"$W/log/pureftpd-$name.out" 2>&1 ||
		die "pure-pw could not make $pdb"
	private_cmd pureftpd /usr/sbin/pure-ftpd
	spawn "$SRV_NS" "${PRIVATE_CMD[@]}" --bind ",21" --login "puredb:$pdb" \
		--passiveportrange "$PASV_MIN:$PASV_MAX" --dontresolve --verboselog \
		--pidfile "$W/run/pureftpd-$name.pid" "$@" >>"$W/log/pureftpd-$name.out" 2>&1
	SERVER_PID=$SPAWNED
	wait_listening 21
}
