#!/bin/bash
# A small two-point lab for the correlate engine: client and server
# namespaces joined by a router, tcpdump in the client's and the server's.
#   pair.sh OUTDIR MODE   MODE: clean | nat | drop | reset | active | blocked | stall
# Writes OUTDIR/client.pcap, server.pcap and router-counters.txt (the
# packets the router's drop or reject rule took). Namespaces eng12-*,
# documentation addresses only, no default route; run as root.
set -eu
out=$1 mode=$2
mkdir -p "$out"
C=eng12-cli R=eng12-rtr S=eng12-srv
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	for ns in $C $R $S; do ip netns del $ns 2>/dev/null || true; done
}
trap cleanup EXIT
for ns in $C $R $S; do ip netns del $ns 2>/dev/null || true; ip netns add $ns; ip netns exec $ns ip link set lo up; done
ip link add e12c0 netns $C type veth peer name e12rc netns $R
ip link add e12rs netns $R type veth peer name e12s0 netns $S
for x in "$C e12c0" "$R e12rc" "$R e12rs" "$S e12s0"; do
	set -- $x
	ip netns exec $1 ethtool -K $2 tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
	ip netns exec $1 ip link set $2 up
done
ip netns exec $C ip addr add 198.51.100.10/24 dev e12c0
ip netns exec $C ip route add 203.0.113.0/24 via 198.51.100.1
ip netns exec $R ip addr add 198.51.100.1/24 dev e12rc
ip netns exec $R ip addr add 203.0.113.1/24 dev e12rs
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $S ip addr add 203.0.113.20/24 dev e12s0
ip netns exec $S ip route add 198.51.100.0/24 via 203.0.113.1
case $mode in
nat)
	ip netns exec $R nft -f - <<'NFT'
table ip eng12nat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "e12rs" masquerade random
	}
}
NFT
	;;
drop)  # every 10th data packet from the server to the client, lost on the router
	ip netns exec $R nft -f - <<'NFT'
table ip eng12f {
	chain c {
		type filter hook forward priority 0;
		ip saddr 203.0.113.20 tcp sport 30000-30009 numgen inc mod 10 == 0 counter drop
	}
}
NFT
	;;
reset)  # past the data connection's 20th server packet: the router resets the server in the client's name
	ip netns exec $R nft -f - <<'NFT'
table ip eng12f {
	chain c {
		type filter hook forward priority 0;
		ip saddr 203.0.113.20 tcp sport 30000-30009 ct reply packets > 20 counter reject with tcp reset
	}
}
NFT
	;;
blocked)  # a firewall on the router blocks the passive data ports
	ip netns exec $R nft -f - <<'NFT'
table ip eng12f {
	chain c {
		type filter hook forward priority 0;
		ip daddr 203.0.113.20 tcp dport 30000-30009 counter drop
	}
}
NFT
	;;
stall)  # the server's SYN-ACKs on the data ports are lost on the router
	ip netns exec $R nft -f - <<'NFT'
table ip eng12f {
	chain c {
		type filter hook forward priority 0;
		ip saddr 203.0.113.20 tcp sport 30000-30009 tcp flags & (syn | ack) == syn | ack counter drop
	}
}
NFT
	;;
esac
root=$(mktemp -d); head -c ${FILE_SIZE:-60000} /dev/urandom > $root/big.bin
ip netns exec $S /usr/bin/python3 /work/wt-engine/samples/lab/pyftpd.py --address 203.0.113.20 --root $root --anonymous elr --log $root/ftpd.log &
pids+=($!)
ip netns exec $C tcpdump -q -i e12c0 -s 0 -w $out/client.pcap tcp or icmp 2>/dev/null &
pids+=($!)
ip netns exec $S tcpdump -q -i e12s0 -s 0 -w $out/server.pcap tcp or icmp 2>/dev/null &
pids+=($!)
if [ -n "${ROUTER_CAPTURE:-}" ]; then  # a third point: the router's server-facing side
	ip netns exec $R tcpdump -q -i e12rs -s 0 -w $out/router.pcap tcp or icmp 2>/dev/null &
	pids+=($!)
fi
sleep 1.5
port=""
[ "$mode" = active ] && port="--ftp-port 198.51.100.10"
ip netns exec $C curl -s $port --connect-timeout 4 --max-time 8 -o /dev/null ftp://203.0.113.20/big.bin || echo "curl: $?"
sleep 1
# A ping seen at both points after the run: each capture's last packet
# says it was still running when the run's last packets went by.
ip netns exec $C ping -c 1 -W 1 203.0.113.20 >/dev/null || true
sleep 0.5
# What the router's rules did, for the tests to count against.
ip netns exec $R nft list ruleset | grep -o 'counter packets [0-9]*' > $out/router-counters.txt || true
rm -rf "$root"
