#!/usr/bin/env bash
# build.sh OUTDIR: build the Debian package of ftpcap into OUTDIR with
# dpkg-deb and print its path (DEB_VERSION overrides the version). The binary is dist/ftpcap-linux-ARCH when
# `make release` wrote one (static: no dependency), otherwise a `go build`
# of this checkout (linked against libpcap: Depends on it). The man page and
# the shell completions are packaged when they exist in the checkout.
set -eu
out=${1:?usage: build.sh OUTDIR}
cd "$(dirname "$0")/../.."
repo=$PWD
mkdir -p "$out"
out=$(cd "$out" && pwd)
GO=${GO:-go}

arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/doc/ftpcap"

bin=dist/ftpcap-linux-$arch
if [ -x "$bin" ]; then
	install -m 0755 "$bin" "$root/usr/bin/ftpcap"
else
	CGO_ENABLED=1 $GO build -trimpath -buildmode=pie \
		-ldflags "-s -X main.commit=$(git rev-parse HEAD) -X main.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		-o "$root/usr/bin/ftpcap" ./cmd/ftpcap
fi

# The package's version is the binary's; a build from an untagged commit
# gets +gitDATE.HASH after it, so that later commits sort higher.
version=${DEB_VERSION:-}
if [ -z "$version" ]; then
	version=$("$root/usr/bin/ftpcap" version | sed -n '1s/^ftpcap v\{0,1\}//p')
	if ! echo "$version" | grep -Eq '^[0-9][A-Za-z0-9.+~]*$'; then
		version=0.0
	fi
	if [ "$(git tag --points-at HEAD "v$version")" = "" ]; then
		version="$version+git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short HEAD)"
	fi
fi
# ldd fails on a static binary, saying so.
if LC_ALL=C ldd "$root/usr/bin/ftpcap" 2>&1 | grep -q 'not a dynamic executable'; then
	depends=""
	# libpcap is linked in on purpose: one file that runs on any Linux.
	install -d "$root/usr/share/lintian/overrides"
	printf 'ftpcap: %s [usr/bin/ftpcap]\n' 'embedded-library libpcap' statically-linked-binary \
		>"$root/usr/share/lintian/overrides/ftpcap"
else
	depends="libc6, libpcap0.8"
fi

# The man page and completions of the docs part, wherever they were put.
first() {
	for f in "$@"; do
		if [ -f "$f" ]; then echo "$f"; return; fi
	done
}
man=$(first docs/man/ftpcap.1 man/ftpcap.1 docs/ftpcap.1 ftpcap.1)
if [ -n "$man" ]; then
	install -d "$root/usr/share/man/man1"
	gzip -9n <"$man" >"$root/usr/share/man/man1/ftpcap.1.gz"
	chmod 0644 "$root/usr/share/man/man1/ftpcap.1.gz"
fi
bash_c=$(first completions/ftpcap.bash completions/bash/ftpcap docs/completions/ftpcap.bash contrib/completions/ftpcap.bash)
zsh_c=$(first completions/_ftpcap completions/ftpcap.zsh completions/zsh/_ftpcap docs/completions/_ftpcap contrib/completions/_ftpcap)
fish_c=$(first completions/ftpcap.fish completions/fish/ftpcap.fish docs/completions/ftpcap.fish contrib/completions/ftpcap.fish)
[ -z "$bash_c" ] || install -D -m 0644 "$bash_c" "$root/usr/share/bash-completion/completions/ftpcap"
[ -z "$zsh_c" ] || install -D -m 0644 "$zsh_c" "$root/usr/share/zsh/vendor-completions/_ftpcap"
[ -z "$fish_c" ] || install -D -m 0644 "$fish_c" "$root/usr/share/fish/vendor_completions.d/ftpcap.fish"

install -D -m 0644 packaging/prometheus/ftpcap.rules.yml "$root/usr/share/ftpcap/prometheus/ftpcap.rules.yml"
install -D -m 0644 packaging/systemd/ftpcap-live@.service "$root/lib/systemd/system/ftpcap-live@.service"
install -D -m 0644 packaging/systemd/ftpcap-live.default "$root/etc/default/ftpcap-live"
install -m 0644 packaging/deb/copyright "$root/usr/share/doc/ftpcap/copyright"
date=$(git log -1 --format=%aD)
printf 'ftpcap (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- ftpcap maintainers <ftpcap@example.org>  %s\n' \
	"$version" "$(git rev-parse HEAD)" "$date" | gzip -9n >"$root/usr/share/doc/ftpcap/changelog.gz"

for s in postinst prerm postrm; do
	install -m 0755 "packaging/deb/$s" "$root/DEBIAN/$s"
done
echo /etc/default/ftpcap-live >"$root/DEBIAN/conffiles"
{
	echo "Package: ftpcap"
	echo "Version: $version"
	echo "Architecture: $arch"
	echo "Maintainer: ftpcap maintainers <ftpcap@example.org>"
	echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
	[ -z "$depends" ] || echo "Depends: $depends"
	echo "Section: net"
	echo "Priority: optional"
	echo "Homepage: https://github.com/ftpcap/ftpcap"
	cat packaging/deb/description
} >"$root/DEBIAN/control"

deb=$out/ftpcap_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
