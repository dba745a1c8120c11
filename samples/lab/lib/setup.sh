# What the lab needs on the machine: packages, the login user, the files
# the servers serve, and the software versions the expect files name.

LAB_USER=ftplab
LAB_PASS=ftplab-pass

# command -> Debian package that provides it
declare -A LAB_PACKAGES=(
	[vsftpd]=vsftpd
	[lftp]=lftp
	[curl]=curl
	[wget]=wget
	[apt-get]=apt
	[dpkg]=dpkg
	[ldd]=libc-bin
	[tcpdump]=tcpdump
	[tshark]=tshark
	[dumpcap]=wireshark-common
	[capinfos]=wireshark-common
	[editcap]=wireshark-common
	[mergecap]=wireshark-common
	[conntrack]=conntrack
	[ip]=iproute2
	[ss]=iproute2
	[nft]=nftables
	[ethtool]=ethtool
	[tnftp]=tnftp
	[ping]=iputils-ping
	[pgrep]=procps
	[sysctl]=procps
	[useradd]=passwd
	[chpasswd]=passwd
	[sshd]=openssh-server
	[openssl]=openssl
)

install_missing() {
	local missing=() cmd
	for cmd in "${!LAB_PACKAGES[@]}"; do
		command -v "$cmd" >/dev/null 2>&1 || missing+=("${LAB_PACKAGES[$cmd]}")
	done
	[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null ||
		missing+=(python3 python3-pyftpdlib)
	((${#missing[@]})) || return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# Installing vsftpd or openssh-server may start a system-wide daemon
	# (port 21, port 22) where the machine's policy allows it. The lab's
	# servers run in their own namespace and do not collide with them;
	# stopping a service is not the lab's business, so it is left alone.
}

# build_delayrelay: compile lab/delayrelay once per run, into $W.
DELAYRELAY_BIN=
build_delayrelay() {
	[[ -z $DELAYRELAY_BIN ]] || return 0
	local go
	go=$(command -v go || echo /usr/local/go/bin/go)
	[[ -x $go ]] || die "the delay relay needs Go (not found in PATH or /usr/local/go/bin)"
	(cd "$LAB_DIR/delayrelay" && "$go" build -o "$W/delayrelay" .) ||
		die "could not build lab/delayrelay"
	DELAYRELAY_BIN=$W/delayrelay
}

# make_cert NAME: a self-signed certificate and key for the FTPS scenarios,
# in $W/etc/NAME.pem (both in one file, as vsftpd and pyftpdlib accept).
make_cert() {
	local pem="$W/etc/$1.pem"
	[[ -s $pem ]] && return 0
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=ftp.example.net" \
		-keyout "$pem" -out "$pem" 2>>"$W/log/openssl.out" || die "openssl could not make $pem"
	chmod 600 "$pem"
}

ensure_user() {
	# /bin/sh because vsftpd's PAM stack (pam_shells) refuses users whose
	# shell is not in /etc/shells.
	if ! id "$LAB_USER" >/dev/null 2>&1; then
		useradd --create-home --shell /bin/sh "$LAB_USER"
	fi
	echo "$LAB_USER:$LAB_PASS" | chpasswd
}

# make_file PATH SIZE SEED: SIZE pseudo-random bytes, the same on every run.
make_file() {
	/usr/bin/python3 -c '
import random, sys
path, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "wb") as f:
    f.write(random.Random(seed).randbytes(size))
' "$1" "$2" "$3"
}

# File sizes the expect files check transfers against.
declare -A LAB_FILES=(
	[small.bin]=20000
	[medium.bin]=150000
	[slow.bin]=200000
	[upload.bin]=60000
	[big.bin]=600000
)

# make_tree: the lab's directories and the client's upload files.
make_tree() {
	mkdir -p "$W"/{etc,log,cap,empty,cli,dl,run}
	chmod 755 "$W" "$W/empty"
	make_file "$W/cli/upload.bin" "${LAB_FILES[upload.bin]}" 4
	make_file "$W/cli/slow.bin" "${LAB_FILES[slow.bin]}" 3
	make_file "$W/cli/big.bin" "${LAB_FILES[big.bin]}" 5
}

# reset_server_tree: the files the servers serve, laid anew for every
# scenario so an upload in one scenario cannot change the next one.
# srv/anon is vsftpd's anonymous root (root-owned: vsftpd refuses a writable
# anonymous chroot); srv/home is the local user's root and pyftpdlib's.
reset_server_tree() {
	rm -rf "$W/srv"
	mkdir -p "$W/srv/anon" "$W/srv/home"
	chmod 755 "$W/srv" "$W/srv/anon"
	local name seed=1
	for name in small.bin medium.bin slow.bin; do
		make_file "$W/srv/anon/$name" "${LAB_FILES[$name]}" "$seed"
		seed=$((seed + 1))
	done
	printf 'ftpcap fault lab\nfiles: small.bin medium.bin slow.bin\n' >"$W/srv/anon/readme.txt"
	cp "$W"/srv/anon/* "$W/srv/home/"
	touch -d '2024-01-01 00:00:00 UTC' "$W"/srv/anon/* "$W"/srv/home/*
	chown -R "$LAB_USER:" "$W/srv/home"
	chmod 755 "$W/srv/home"
}

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
collect_versions() {
	V_VSFTPD="vsftpd $(pkg_version vsftpd)"
	V_PYFTPDLIB="pyftpdlib $(/usr/bin/python3 -c 'import pyftpdlib; print(pyftpdlib.__ver__)')"
	V_PYTHON="Python $(/usr/bin/python3 -c 'import platform; print(platform.python_version())') ftplib/socket"
	V_CURL="curl $(curl --version | awk 'NR==1{print $2}')"
	V_LFTP="lftp $(pkg_version lftp)"
	V_TNFTP="tnftp $(pkg_version tnftp)"
	V_TCPDUMP="tcpdump $(tcpdump --version 2>&1 | awk 'NR==1{print $3}')"
	V_DUMPCAP="dumpcap $(pkg_version wireshark-common)"
	V_KERNEL="Linux $(uname -r)"
	V_OPENSSL="OpenSSL $(openssl version | awk '{print $2}')"
	V_SSHD="OpenSSH sshd $(pkg_version openssh-server)"
	V_WGET="wget $(pkg_version wget)"
	V_PROFTPD="ProFTPD $(private_version proftpd proftpd-core)"
	V_PUREFTPD="Pure-FTPd $(private_version pureftpd pure-ftpd)"
}
