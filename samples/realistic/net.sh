# The volume lab's network: one namespace per client slot, a router, and
# one server namespace that holds every server address.
#
#   ftpvol-c0 .. ftpvol-cN          ftpvol-rtr                    ftpvol-srv
#   198.51.100.(100+k)  ---- bridge ftpvol-br ---- ftpvol-rs <----> ftpvol-s0
#   2001:db8:1::(100+k)     198.51.100.1            203.0.113.1    203.0.113.20..23, .30..33
#                           2001:db8:1::1           2001:db8:2::1  2001:db8:2::20..23, ::30..33
#
# A slot runs its sessions one after another, so its address (and the
# times the runner records) tells which planned session a connection
# belongs to. The capture is taken on ftpvol-rs, the router's
# server-facing veth: every connection crosses it. Documentation prefixes
# only and no default route: nothing here reaches a real network.
# Everything is named ftpvol-* and removed by vol_net_down.

VOL_RTR=ftpvol-rtr
VOL_SRV=ftpvol-srv
VOL_NS=()

vol_ns_add() {
	local ns=$1
	if ip netns list | grep -qw "^$ns"; then
		die "namespace $ns already exists (a stale run? ip netns del $ns)"
	fi
	ip netns add "$ns"
	VOL_NS+=("$ns")
	# Quiet IPv6 links: no router solicitations, no autoconfiguration, no
	# duplicate address detection delay.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.autoconf=0 \
		net.ipv6.conf.default.dad_transmits=0 net.ipv6.conf.all.accept_ra=0
	ip netns exec "$ns" ip link set lo up
}

# vol_tune NS IFACE: no offloads, so segment sizes in the capture are the
# ones on the wire and checksums are filled in.
vol_tune() {
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 ||
		warn "ethtool -K $2 failed; segments may be offload-merged"
	ip netns exec "$1" ip link set "$2" up
}

slot_ns() { echo "ftpvol-c$1"; }
slot_addr4() { echo "198.51.100.$((100 + $1))"; }
slot_addr6() { echo "2001:db8:1::$((100 + $1))"; }

# vol_net_up SLOTS SERVER_HOSTS...: SERVER_HOSTS are the last octets of the
# server addresses (20 gives 203.0.113.20 and 2001:db8:2::20).
vol_net_up() {
	local slots=$1 k ns h
	shift
	vol_ns_add "$VOL_RTR"
	vol_ns_add "$VOL_SRV"
	ip netns exec "$VOL_RTR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip netns exec "$VOL_RTR" ip link add ftpvol-br type bridge
	ip netns exec "$VOL_RTR" ip addr add 198.51.100.1/24 dev ftpvol-br
	ip netns exec "$VOL_RTR" ip -6 addr add 2001:db8:1::1/64 dev ftpvol-br nodad
	ip netns exec "$VOL_RTR" ip link set ftpvol-br up

	ip link add ftpvol-rs netns "$VOL_RTR" type veth peer name ftpvol-s0 netns "$VOL_SRV"
	vol_tune "$VOL_RTR" ftpvol-rs
	vol_tune "$VOL_SRV" ftpvol-s0
	ip netns exec "$VOL_RTR" ip addr add 203.0.113.1/24 dev ftpvol-rs
	ip netns exec "$VOL_RTR" ip -6 addr add 2001:db8:2::1/64 dev ftpvol-rs nodad
	for h in "$@"; do
		ip netns exec "$VOL_SRV" ip addr add "203.0.113.$h/24" dev ftpvol-s0
		ip netns exec "$VOL_SRV" ip -6 addr add "2001:db8:2::$h/64" dev ftpvol-s0 nodad
	done
	ip netns exec "$VOL_SRV" ip route add 198.51.100.0/24 via 203.0.113.1
	ip netns exec "$VOL_SRV" ip -6 route add 2001:db8:1::/64 via 2001:db8:2::1

	for ((k = 0; k < slots; k++)); do
		ns=$(slot_ns "$k")
		vol_ns_add "$ns"
		ip link add "ftpvol-c$k" netns "$ns" type veth peer name "ftpvol-b$k" netns "$VOL_RTR"
		vol_tune "$ns" "ftpvol-c$k"
		vol_tune "$VOL_RTR" "ftpvol-b$k"
		ip netns exec "$VOL_RTR" ip link set "ftpvol-b$k" master ftpvol-br
		ip netns exec "$ns" ip addr add "$(slot_addr4 "$k")/24" dev "ftpvol-c$k"
		ip netns exec "$ns" ip -6 addr add "$(slot_addr6 "$k")/64" dev "ftpvol-c$k" nodad
		ip netns exec "$ns" ip route add 203.0.113.0/24 via 198.51.100.1
		ip netns exec "$ns" ip -6 route add 2001:db8:2::/64 via 2001:db8:1::1
		# A data connection blocked on the router (the wide set) fails
		# after 3 SYNs in 7 s instead of 7 in 127 s; nothing else loses SYNs.
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_syn_retries=2
	done
}

vol_net_down() {
	local ns
	for ns in "${VOL_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null || warn "could not delete namespace $ns"
	done
	VOL_NS=()
}
