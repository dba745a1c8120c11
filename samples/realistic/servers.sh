# The volume lab's FTP servers. Every server software runs three instances
# per address family, each bound to its own address:
#
#   normal  203.0.113.20..23, 2001:db8:2::20..23: no limits
#   slow    203.0.113.30..33, 2001:db8:2::30..33: a transfer-rate cap, so
#           that the sessions killed mid-transfer have a transfer to kill
#   full    203.0.113.40..43, 2001:db8:2::40..43: one connection per client
#           address, for the "too many connections" sessions
#
# in the order vsftpd, pyftpdlib, ProFTPD, Pure-FTPd. vsftpd and pyftpdlib
# come from Debian's packages; ProFTPD and Pure-FTPd conflict with vsftpd
# as installed packages, so vol_fetch_debs unpacks them (apt-get download,
# dpkg -x) into a private folder and they run from there.

VOL_USER=ftpvol
VOL_PASS=ftpvol-pass
VOL_RATE=40000 # bytes/s on the slow instances
PASV_PORTS=(40000 40999)
SERVER_PIDS=()

# Host octet of each software's normal instance; slow is +10, full +20.
declare -A SERVER_HOST=([vsftpd]=20 [pyftpdlib]=21 [proftpd]=22 [pureftpd]=23)
declare -A KIND_OFFSET=([normal]=0 [slow]=10 [full]=20)
SERVER_HOSTS=(20 21 22 23 30 31 32 33 40 41 42 43)

# Packages unpacked into $PKG, with the libraries proftpd links against
# that a system with vsftpd does not have.
VOL_DEBS=(proftpd-core pure-ftpd libhiredis0.14 libmemcached11 libmemcachedutil2
	libhashkit2 libpcre2-posix3)

vol_fetch_debs() {
	local stamp="$PKG/.unpacked" d
	[[ -f $stamp && -x $PKG/root/usr/sbin/proftpd && -x $PKG/root/usr/sbin/pure-ftpd ]] && return 0
	mkdir -p "$PKG/debs" "$PKG/root"
	# _apt cannot write into a root-owned folder; download as root.
	(cd "$PKG/debs" && apt-get -q -o APT::Sandbox::User=root download "${VOL_DEBS[@]}" >/dev/null) ||
		die "apt-get download ${VOL_DEBS[*]} failed"
	for d in "$PKG"/debs/*.deb; do
		dpkg -x "$d" "$PKG/root"
	done
	touch "$stamp"
}

vol_server_env() { echo "LD_LIBRARY_PATH=$PKG/root/usr/lib/x86_64-linux-gnu"; }

# vol_ensure_user HOME: the login every session uses. /bin/sh because
# vsftpd's PAM stack (pam_shells) refuses users whose shell is not in
# /etc/shells; the home is Pure-FTPd's tree (it serves the user's home).
vol_ensure_user() {
	if ! id "$VOL_USER" >/dev/null 2>&1; then
		useradd --no-create-home --home-dir "$1" --shell /bin/sh "$VOL_USER"
	elif [[ $(getent passwd "$VOL_USER" | cut -d: -f6) != "$1" ]]; then
		usermod --home "$1" "$VOL_USER"
	fi
	echo "$VOL_USER:$VOL_PASS" | chpasswd
}

# vol_tree DIR: what each server serves. Files are text, so the committed
# small capture compresses well; sizes are fixed.
#   pub/f2k.txt .. pub/f256k.txt  downloads
#   pub/slow.txt                  long enough to be killed mid-transfer
#   up/                           uploads (writable by the user)
#   ro/                           not writable: permission denied
vol_tree() {
	local dir=$1 size
	mkdir -p "$dir/pub" "$dir/up" "$dir/ro"
	for size in 2 16 64 256; do
		vol_text $((size * 1024)) >"$dir/pub/f${size}k.txt"
	done
	vol_text 400000 >"$dir/pub/slow.txt"
	echo "read only" >"$dir/ro/readme.txt"
	chown root:root "$dir" "$dir/pub" "$dir/ro"
	chmod 755 "$dir" "$dir/pub"
	chmod 555 "$dir/ro"
	chown "$VOL_USER:" "$dir/up"
	chmod 755 "$dir/up"
}

# vol_text BYTES: numbered lines of text, the same on every run.
vol_text() {
	/usr/bin/python3 -c 'import sys
n = int(sys.argv[1])
text = "".join("line %d of a file served by the ftpcap volume lab\n" % i for i in range(1, n // 20))
sys.stdout.write(text[:n])' "$1"
}

vol_spawn_server() {
	local name=$1
	shift
	ip netns exec "$VOL_SRV" "$@" >>"$W/log/$name.out" 2>&1 &
	SERVER_PIDS+=("$!")
	track_pid "$!"
}

vol_wait_listening() {
	local addr=$1 _
	for _ in $(seq 100); do
		ip netns exec "$VOL_SRV" ss -Hltn "sport = :21" | grep -qF "$addr" && return 0
		sleep 0.1
	done
	die "no server listening on [$addr]:21 after 10 s (see $W/log)"
}

# NAME_instance NAME ADDRESS FAMILY KIND: start one instance.
vsftpd_instance() {
	local name=$1 addr=$2 fam=$3 kind=$4 conf="$W/etc/$1.conf"
	{
		if [[ $fam == 4 ]]; then
			echo "listen=YES"
			echo "listen_ipv6=NO"
			echo "listen_address=$addr"
		else
			echo "listen=NO"
			echo "listen_ipv6=YES"
			echo "listen_address6=$addr"
		fi
		cat <<-EOF
			background=NO
			anonymous_enable=NO
			local_enable=YES
			local_root=$W/srv/vsftpd
			chroot_local_user=YES
			write_enable=YES
			pasv_min_port=${PASV_PORTS[0]}
			pasv_max_port=${PASV_PORTS[1]}
			connect_from_port_20=YES
			secure_chroot_dir=$W/empty
			pam_service_name=vsftpd
			seccomp_sandbox=NO
			xferlog_enable=YES
			xferlog_std_format=NO
			log_ftp_protocol=YES
			vsftpd_log_file=$W/log/$name.log
			max_login_fails=3
			delay_failed_login=1
		EOF
		[[ $kind != slow ]] || echo "local_max_rate=$VOL_RATE"
		[[ $kind != full ]] || echo "max_per_ip=1"
		[[ $kind != noport ]] || echo "port_enable=NO"
	} >"$conf"
	vol_spawn_server "$name" vsftpd "$conf"
}

pyftpdlib_instance() {
	local name=$1 addr=$2 kind=$4 extra=()
	[[ $kind != slow ]] || extra=(--max-rate "$VOL_RATE")
	[[ $kind != full ]] || extra=(--max-cons-per-ip 1)
	vol_spawn_server "$name" /usr/bin/python3 "$VOL_DIR/pyftpd.py" --address "$addr" \
		--root "$W/srv/pyftpdlib" --user "$VOL_USER" --password "$VOL_PASS" \
		--passive-ports "${PASV_PORTS[0]}-${PASV_PORTS[1]}" --log "$W/log/$name.log" "${extra[@]}"
}

proftpd_instance() {
	local name=$1 addr=$2 kind=$4 conf="$W/etc/$1.conf"
	cat >"$conf" <<-EOF
		ServerType standalone
		DefaultServer on
		ServerName "ftpvol"
		Port 21
		DefaultAddress $addr
		SocketBindTight on
		UseIPv6 on
		User nobody
		Group nogroup
		PidFile $W/run/$name.pid
		ScoreboardFile $W/run/$name.scoreboard
		DelayTable $W/run/$name.delay
		SystemLog $W/log/$name.log
		TransferLog none
		WtmpLog off
		UseReverseDNS off
		AuthPAM off
		AuthOrder mod_auth_unix.c
		RequireValidShell off
		UseFtpUsers off
		DefaultRoot $W/srv/proftpd
		PassivePorts ${PASV_PORTS[0]} ${PASV_PORTS[1]}
		MaxLoginAttempts 3
		AllowOverwrite on
		Umask 022
	EOF
	[[ $kind != slow ]] || echo "TransferRate RETR,STOR $((VOL_RATE / 1000))" >>"$conf"
	# MaxConnectionsPerHost refuses at the greeting (530) and closes.
	[[ $kind != full ]] || echo "MaxConnectionsPerHost 1" >>"$conf"
	vol_spawn_server "$name" env "$(vol_server_env)" "$PKG/root/usr/sbin/proftpd" -n -q -c "$conf"
}

pureftpd_instance() {
	local name=$1 addr=$2 kind=$4 extra=()
	[[ $kind != slow ]] || extra=(-T "$((VOL_RATE / 1000))")
	[[ $kind != full ]] || extra=(-C 1)
	vol_spawn_server "$name" "$PKG/root/usr/sbin/pure-ftpd" -S "$addr,21" -l unix -E -A -H \
		-p "${PASV_PORTS[0]}:${PASV_PORTS[1]}" -g "$W/run/$name.pid" "${extra[@]}"
}

# vol_servers_up: every software, every kind, both families.
vol_servers_up() {
	local sw kind h fam addr
	mkdir -p "$W/etc" "$W/log" "$W/run" "$W/empty"
	for sw in "${!SERVER_HOST[@]}"; do
		vol_tree "$W/srv/$sw"
	done
	for sw in vsftpd pyftpdlib proftpd pureftpd; do
		for kind in normal slow full; do
			h=$((SERVER_HOST[$sw] + KIND_OFFSET[$kind]))
			for fam in 4 6; do
				addr=203.0.113.$h
				[[ $fam == 6 ]] && addr=2001:db8:2::$h
				"${sw}_instance" "$sw-$h-v$fam" "$addr" "$fam" "$kind"
			done
		done
	done
	for h in "${SERVER_HOSTS[@]}"; do
		vol_wait_listening "203.0.113.$h"
		vol_wait_listening "2001:db8:2::$h"
	done
}

# vol_servers_down: stop the servers this run started, and their session
# processes, by PID.
vol_servers_down() {
	local pid kids
	for pid in "${SERVER_PIDS[@]}"; do
		kids=$(pgrep -P "$pid" 2>/dev/null || true)
		# shellcheck disable=SC2086 # one PID per word
		[[ -z $kids ]] || kill -TERM $kids 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${SERVER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
		untrack_pid "$pid"
	done
	SERVER_PIDS=()
}

# The wide set (run.sh -w) adds software nobody tuned ftpcap to, each on
# its own addresses (host octets; the same on IPv6):
#
#   inetutils  GNU inetutils ftpd     normal .24, full .44, idle .54
#   netkit     netkit ftpd (ftpd-ssl) normal .25, full .45, idle .55
#   ftpsrv     npm's ftp-srv (Node)   normal .26
#   vsftpd     noport .60: port_enable=NO, PORT and EPRT refused
#
# inetutils ftpd and netkit ftpd are inetd servers (pyinetd.py is their
# superserver, and refuses a second connection per address on "full");
# they conflict with vsftpd as installed packages, so they are unpacked
# like ProFTPD. "idle" instances end a session idle for 3 s (-t 3 -T 3).
# Both serve the user's home (Pure-FTPd's tree). Debian's busybox has no
# ftpd applet, so it is a client only.
declare -A WIDE_HOST=([inetutils]=24 [netkit]=25 [ftpsrv]=26)
declare -A WIDE_OFFSET=([normal]=0 [full]=20 [idle]=30)
WIDE_HOSTS=(24 25 26 44 45 54 55 60)
WIDE_DEBS=(inetutils-ftpd ftpd-ssl)
WIDE_NPM=(ftp-srv@4.6.3 basic-ftp@6.2.6)
VOL_IDLE=3 # s, the idle instances' timeout
NODE_DIR=${REALISTIC_NODE:-$PKG/../node}

# vol_fetch_wide: the wide set's packages: two .debs unpacked each into
# its own root (both ship /usr/sbin/ftpd-like daemons), the npm packages,
# and the Go client built from its own module.
vol_fetch_wide() {
	local d n
	if [[ ! -f $PKG/.wide-unpacked ]]; then
		mkdir -p "$PKG/wide-debs"
		(cd "$PKG/wide-debs" && apt-get -q -o APT::Sandbox::User=root download "${WIDE_DEBS[@]}" >/dev/null) ||
			die "apt-get download ${WIDE_DEBS[*]} failed"
		for d in "$PKG"/wide-debs/*.deb; do
			n=$(basename "$d" | cut -d_ -f1)
			mkdir -p "$PKG/root-$n"
			dpkg -x "$d" "$PKG/root-$n"
		done
		touch "$PKG/.wide-unpacked"
	fi
	if [[ ! -d $NODE_DIR/node_modules/ftp-srv || ! -d $NODE_DIR/node_modules/basic-ftp ]]; then
		mkdir -p "$NODE_DIR"
		(cd "$NODE_DIR" && npm install --no-audit --no-fund --no-save "${WIDE_NPM[@]}" >/dev/null 2>&1) ||
			die "npm install ${WIDE_NPM[*]} failed"
	fi
	(cd "$VOL_DIR/goftp" && go build -o "$W/goftp" .) || die "go build of samples/realistic/goftp failed"
	# netkit ftpd asks PAM service "ftp" at USER; without the package's
	# /etc/pam.d/ftp, PAM's "other" fails it ("550 Authentication failure").
	# Put the package's file in place for the run if none is there.
	if [[ ! -e /etc/pam.d/ftp ]]; then
		cp "$PKG/root-ftpd-ssl/etc/pam.d/ftp" /etc/pam.d/ftp
		PAM_FTP_ADDED=1
	fi
}

PAM_FTP_ADDED=0
vol_wide_down() {
	ip netns exec "$VOL_SRV" nft delete table inet ftpvol 2>/dev/null
	[[ $PAM_FTP_ADDED == 0 ]] || rm -f /etc/pam.d/ftp
	PAM_FTP_ADDED=0
}

inetd_instance() {
	local name=$1 addr=$2 kind=$3 extra=()
	shift 3
	[[ $kind != full ]] || extra=(--max-per-ip 1)
	vol_spawn_server "$name" /usr/bin/python3 "$VOL_DIR/pyinetd.py" --address "$addr" "${extra[@]}" -- "$@"
}

inetutils_instance() {
	local t=900
	[[ $4 != idle ]] || t=$VOL_IDLE
	inetd_instance "$1" "$2" "$4" "$PKG/root-inetutils-ftpd/usr/sbin/ftpd" -a default -t "$t" -T "$t"
}

netkit_instance() {
	local t=900
	[[ $4 != idle ]] || t=$VOL_IDLE
	inetd_instance "$1" "$2" "$4" "$PKG/root-ftpd-ssl/usr/sbin/in.ftpd" -t "$t" -T "$t"
}

ftpsrv_instance() {
	vol_spawn_server "$1" env NODE_PATH="$NODE_DIR/node_modules" \
		setpriv --reuid="$VOL_USER" --regid="$(id -g "$VOL_USER")" --clear-groups \
		--inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
		node "$VOL_DIR/ftpsrv.js" "$2" "$W/srv/ftpsrv" "$VOL_USER" "$VOL_PASS" "${PASV_PORTS[@]}"
}

vol_wide_servers_up() {
	local sw kind h fam addr
	vol_tree "$W/srv/ftpsrv"
	for sw in inetutils netkit ftpsrv; do
		for kind in normal full idle; do
			[[ $sw != ftpsrv || $kind == normal ]] || continue
			h=$((WIDE_HOST[$sw] + WIDE_OFFSET[$kind]))
			for fam in 4 6; do
				addr=203.0.113.$h
				[[ $fam == 6 ]] && addr=2001:db8:2::$h
				"${sw}_instance" "$sw-$h-v$fam" "$addr" "$fam" "$kind"
			done
		done
	done
	for fam in 4 6; do
		addr=203.0.113.60
		[[ $fam == 6 ]] && addr=2001:db8:2::60
		vsftpd_instance "vsftpd-60-v$fam" "$addr" "$fam" noport
	done
	for h in "${WIDE_HOSTS[@]}"; do
		vol_wait_listening "203.0.113.$h"
		vol_wait_listening "2001:db8:2::$h"
	done
}
