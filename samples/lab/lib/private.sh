# Servers that cannot be installed beside vsftpd: ProFTPD and Pure-FTPd
# conflict with it as Debian packages (they all provide ftp-server). The lab
# downloads their .debs with `apt-get download` and unpacks them with
# `dpkg -x` into a private tree, then runs the binaries from there with the
# tree's libraries first on LD_LIBRARY_PATH. Nothing is installed on the
# system; the tree is a cache, reused while its packages' versions match
# what apt offers.
#
# private_install NAME PACKAGE...   unpack PACKAGE... into $PRIVATE_ROOT/NAME
#                                   (once per set of versions), and check
#                                   that its binaries find every library
# private_cmd NAME PATH             the command line that runs PATH from it

PRIVATE_ROOT=/var/cache/ftpcap-lab

# The packages each private server needs beyond what a Debian machine with
# the lab's own packages has: the server itself, then the libraries it links
# against that nothing else pulls in.
PROFTPD_DEBS=(proftpd-core proftpd-mod-crypto libhiredis0.14 libmemcached11
	libmemcachedutil2 libhashkit2 libpcre2-posix3 libsodium23)
PUREFTPD_DEBS=(pure-ftpd libsodium23)

private_dir() { printf '%s/%s' "$PRIVATE_ROOT" "$1"; }

# private_versions PACKAGE...: "name=version" per package, as apt would
# download them now; the cache key.
private_versions() {
	local out p v
	out=$(LC_ALL=C apt-cache policy "$@" 2>/dev/null |
		awk '/^[^ ]/ {sub(":$", "", $1); p=$1} /Candidate:/ {print p "=" $2}')
	for p in "$@"; do
		v=$(awk -F= -v p="$p" '$1 == p {print $2}' <<<"$out")
		[[ -n $v && $v != "(none)" ]] || die "apt has no candidate for $p (apt-get update?)"
		printf '%s=%s\n' "$p" "$v"
	done
}

private_install() {
	local name=$1
	shift
	local dir stamp want
	dir=$(private_dir "$name")
	stamp="$dir/.packages"
	want=$(private_versions "$@")
	if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
		private_check "$name"
		return 0
	fi
	log "unpacking $* into $dir"
	local debs="$PRIVATE_ROOT/debs" tmp
	mkdir -p "$debs"
	# apt's _apt user must be able to write the download directory.
	chown _apt: "$debs" 2>/dev/null || true
	(cd "$debs" && apt-get download -qq "$@" >/dev/null 2>&1) || {
		apt-get update -qq
		(cd "$debs" && apt-get download -qq "$@" >/dev/null)
	} || die "apt-get download $* failed"
	tmp=$(mktemp -d "$PRIVATE_ROOT/.unpack.XXXXXX")
	local line p v deb
	while read -r line; do
		p=${line%%=*} v=${line#*=}
		# The .deb's file name carries the version with ':' as %3a.
		deb=$(compgen -G "$debs/${p}_${v//:/%3a}_*.deb" | head -1)
		[[ -n $deb ]] || die "no downloaded .deb for $p $v in $debs"
		dpkg -x "$deb" "$tmp"
	done <<<"$want"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	chmod 755 "$dir"
	printf '%s\n' "$want" >"$stamp"
	private_check "$name"
}

# private_check NAME: every ELF binary in the tree's sbin finds its
# libraries (the system's or the tree's).
private_check() {
	local dir bin missing
	dir=$(private_dir "$1")
	for bin in "$dir"/usr/sbin/*; do
		[[ $(head -c4 "$bin" | tr -d '\177') == ELF ]] || continue
		missing=$(LD_LIBRARY_PATH="$dir/usr/lib/x86_64-linux-gnu" ldd "$bin" 2>/dev/null |
			awk '/not found/ {print $1}')
		[[ -z $missing ]] || die "$1: $(basename "$bin") lacks libraries: $missing (add their packages)"
	done
}

# private_cmd NAME PATH: PRIVATE_CMD becomes the command line that runs
# PATH (e.g. /usr/sbin/proftpd) from the tree with the tree's libraries
# (env execs the binary, so a spawned PID is the server's own).
private_cmd() {
	local dir
	dir=$(private_dir "$1")
	PRIVATE_CMD=(env "LD_LIBRARY_PATH=$dir/usr/lib/x86_64-linux-gnu" "$dir$2")
}

# private_version NAME PACKAGE: the version of PACKAGE unpacked in NAME.
private_version() {
	awk -F= -v p="$2" '$1 == p {print $2}' "$(private_dir "$1")/.packages"
}
