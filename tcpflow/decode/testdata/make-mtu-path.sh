#!/bin/sh
# Makes mtu-path-sender.pcap and mtu-path-receiver.pcap: real packets from
# a path with a smaller MTU in the middle, captured on both ends.
#
#   ns A (sender) --1500-- ns R (router) --1280-- ns B (receiver)
#   192.0.2.1                                      198.51.100.2
#   2001:db8:a::1                                  2001:db8:b::2
#
# A sends 4000 bytes over TCP to B on IPv4 (without DF, so R fragments the
# segments) and on IPv6 (R answers packet-too-big), then pings B with 2000
# bytes on both (A fragments at the source). Everything stays inside three
# network namespaces made for it, with documentation addresses. Needs root,
# iproute2, tcpdump, ping and python3. Run from this directory.
set -eu
out=$(pwd)
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for n in A R B; do ip netns del "ftpcap$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

for n in A R B; do ip netns add "ftpcap$n"; ip -n "ftpcap$n" link set lo up; done
ip link add ftpa0 type veth peer name ftpr0
ip link add ftpr1 type veth peer name ftpb0
ip link set ftpa0 netns ftpcapA; ip link set ftpr0 netns ftpcapR
ip link set ftpr1 netns ftpcapR; ip link set ftpb0 netns ftpcapB
ip -n ftpcapA addr add 192.0.2.1/24 dev ftpa0
ip -n ftpcapA addr add 2001:db8:a::1/64 dev ftpa0 nodad
ip -n ftpcapR addr add 192.0.2.254/24 dev ftpr0
ip -n ftpcapR addr add 2001:db8:a::fe/64 dev ftpr0 nodad
ip -n ftpcapR addr add 198.51.100.254/24 dev ftpr1
ip -n ftpcapR addr add 2001:db8:b::fe/64 dev ftpr1 nodad
ip -n ftpcapB addr add 198.51.100.2/24 dev ftpb0
ip -n ftpcapB addr add 2001:db8:b::2/64 dev ftpb0 nodad
# Only R's side of the R-B link is small, so that B still offers MSS 1460.
ip -n ftpcapR link set ftpr1 mtu 1280
ip -n ftpcapA link set ftpa0 up; ip -n ftpcapR link set ftpr0 up
ip -n ftpcapR link set ftpr1 up; ip -n ftpcapB link set ftpb0 up
ip -n ftpcapA route add 198.51.100.0/24 via 192.0.2.254
ip -n ftpcapA -6 route add 2001:db8:b::/64 via 2001:db8:a::fe
ip -n ftpcapB route add 192.0.2.0/24 via 198.51.100.254
ip -n ftpcapB -6 route add 2001:db8:a::/64 via 2001:db8:b::fe
ip netns exec ftpcapR sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec ftpcapA sysctl -qw net.ipv4.ip_no_pmtu_disc=1

cat >"$tmp/sink.py" <<'EOF'
import socket, sys, threading
def serve(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 18021)); s.listen(4)
    while True:
        c, _ = s.accept(); n = 0
        while True:
            b = c.recv(65536)
            if not b: break
            n += len(b)
        c.sendall(b"ok %d\n" % n); c.close()
threading.Thread(target=serve, args=(socket.AF_INET, sys.argv[1]), daemon=True).start()
serve(socket.AF_INET6, sys.argv[2])
EOF
cat >"$tmp/send.py" <<'EOF'
import socket, sys
host, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(10); s.connect((host, 18021)); s.sendall(b"F" * n)
s.shutdown(socket.SHUT_WR); s.recv(100); s.close()
EOF

ip netns exec ftpcapB python3 "$tmp/sink.py" 198.51.100.2 2001:db8:b::2 & pids="$pids $!"
# Everything but neighbour discovery.
filter='(tcp or icmp or icmp6 or ip6[6] == 44) and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)'
ip netns exec ftpcapA tcpdump -q -i ftpa0 -U -w "$tmp/sender.pcap" "$filter" 2>/dev/null & pids="$pids $!"
ip netns exec ftpcapB tcpdump -q -i ftpb0 -U -w "$tmp/receiver.pcap" "$filter" 2>/dev/null & pids="$pids $!"
sleep 2
ip netns exec ftpcapA python3 "$tmp/send.py" 198.51.100.2 4000
ip netns exec ftpcapA python3 "$tmp/send.py" 2001:db8:b::2 4000
ip netns exec ftpcapA ping -q -M dont -c 1 -W 1 -s 2000 198.51.100.2 >/dev/null || true
ip netns exec ftpcapA ping -q -6 -c 1 -W 1 -s 2000 2001:db8:b::2 >/dev/null || true
sleep 1
for p in $pids; do kill "$p" 2>/dev/null || true; done
pids=""
sleep 1
cp "$tmp/sender.pcap" "$out/mtu-path-sender.pcap"
cp "$tmp/receiver.pcap" "$out/mtu-path-receiver.pcap"
