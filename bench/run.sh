#!/usr/bin/env bash
# Whole-process comparison of ftpcap with tcpdump, tshark and tcptrace on
# the captures `make bench-data` writes; `make bench` runs it after the Go
# benchmarks. See bench/README.md.
#
#   BENCH_RUNS=N    measured runs of each command per capture (default 3)
#   BENCH_SLOW=D    a command whose warm-up run takes longer than D is
#                   measured once (default 12s; 0 measures everything N times)
#   BENCH_DATA=DIR  where the captures are (default bench-data)
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
data=${BENCH_DATA:-bench-data}

# The tools compared against. A tool that cannot be installed is left
# out of the table with a note, not fatal.
missing=()
for pkg in tcpdump tshark tcptrace; do
	command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
	echo "bench: installing ${missing[*]}"
	SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
	{ $SUDO apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${missing[@]}"; } ||
		echo "bench: could not install ${missing[*]}; the table leaves them out"
fi

captures=()
for name in large large-100m many synflood; do
	if [ -f "$data/$name.pcap" ]; then
		captures+=("$data/$name.pcap")
	else
		echo "bench: $data/$name.pcap is missing (make bench-data)" >&2
	fi
done
((${#captures[@]})) || exit 1

exec "$GO" run ./bench/cmd/benchcmp \
	-ftpcap bin/ftpcap \
	-runs "${BENCH_RUNS:-3}" \
	-slow "${BENCH_SLOW:-12s}" \
	-rss-limit large.pcap=150,synflood.pcap=300 \
	-flat large-100m.pcap:large.pcap \
	"${captures[@]}"
