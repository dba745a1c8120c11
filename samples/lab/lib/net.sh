# Lab topology: three network namespaces joined by two veth pairs.
#
#   ftpcap-cli                ftpcap-rtr                    ftpcap-srv
#   ftpcap-c0  <---------->  ftpcap-rc | ftpcap-rs  <---->  ftpcap-s0
#   198.51.100.10/24         198.51.100.1  203.0.113.1      203.0.113.20/24
#   2001:db8:1::10/64        2001:db8:1::1 2001:db8:2::1    2001:db8:2::20/64
#
# Only documentation prefixes, no default route anywhere: nothing in the lab
# can reach (or be reached from) a real network. Everything created here is
# named ftpcap-* and removed by net_down.

CLI_NS=ftpcap-cli
RTR_NS=ftpcap-rtr
SRV_NS=ftpcap-srv
CLI4=198.51.100.10
CLI6=2001:db8:1::10
RTR_CLI4=198.51.100.1
RTR_SRV4=203.0.113.1
RTR_CLI6=2001:db8:1::1
RTR_SRV6=2001:db8:2::1
SRV4=203.0.113.20
SRV6=2001:db8:2::20
CLI_IF=ftpcap-c0
RTR_CLI_IF=ftpcap-rc
RTR_SRV_IF=ftpcap-rs
SRV_IF=ftpcap-s0

LAB_NAMESPACES=()

in_cli() { ip netns exec "$CLI_NS" "$@"; }
in_rtr() { ip netns exec "$RTR_NS" "$@"; }
in_srv() { ip netns exec "$SRV_NS" "$@"; }

# spawn NS CMD...: run CMD in namespace NS in the background. SPAWNED is the
# command's own PID (ip netns exec execs it; a backgrounded shell function
# would give a subshell's PID instead), tracked for cleanup.
spawn() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	SPAWNED=$!
	track_pid "$SPAWNED"
}

# reap PID: wait for a spawned command and return its exit status.
reap() {
	local rc=0
	wait "$1" || rc=$?
	untrack_pid "$1"
	return "$rc"
}

# ns_add NAME: create one namespace and remember it for teardown. IPv6
# defaults are set before any interface exists so the links come up quiet:
# no router solicitations, no autoconfiguration, no duplicate address
# detection delay.
ns_add() {
	local ns=$1
	if ip netns list | grep -qw "^$ns"; then
		die "namespace $ns already exists (another lab run, or a stale one: ip netns del $ns)"
	fi
	ip netns add "$ns"
	LAB_NAMESPACES+=("$ns")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.autoconf=0 \
		net.ipv6.conf.default.dad_transmits=0 net.ipv6.conf.all.accept_ra=0
	ip netns exec "$ns" ip link set lo up
}

# link_tune NS IFACE: fixed MTU and no offloads, so the segment sizes the
# capture shows are the ones on the wire, and checksums are filled in.
link_tune() {
	local ns=$1 dev=$2
	ip netns exec "$ns" ip link set "$dev" mtu 1500
	ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 ||
		warn "ethtool -K $dev failed; captured segment sizes may be offload-merged"
	ip netns exec "$ns" ip link set "$dev" up
}

net_up() {
	ns_add "$CLI_NS"
	ns_add "$RTR_NS"
	ns_add "$SRV_NS"
	ip link add "$CLI_IF" netns "$CLI_NS" type veth peer name "$RTR_CLI_IF" netns "$RTR_NS"
	ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$RTR_SRV_IF" netns "$RTR_NS"
	link_tune "$CLI_NS" "$CLI_IF"
	link_tune "$RTR_NS" "$RTR_CLI_IF"
	link_tune "$RTR_NS" "$RTR_SRV_IF"
	link_tune "$SRV_NS" "$SRV_IF"

	in_cli ip addr add "$CLI4/24" dev "$CLI_IF"
	in_cli ip -6 addr add "$CLI6/64" dev "$CLI_IF" nodad
	in_cli ip route add 203.0.113.0/24 via "$RTR_CLI4"
	in_cli ip -6 route add 2001:db8:2::/64 via "$RTR_CLI6"

	in_rtr ip addr add "$RTR_CLI4/24" dev "$RTR_CLI_IF"
	in_rtr ip addr add "$RTR_SRV4/24" dev "$RTR_SRV_IF"
	in_rtr ip -6 addr add "$RTR_CLI6/64" dev "$RTR_CLI_IF" nodad
	in_rtr ip -6 addr add "$RTR_SRV6/64" dev "$RTR_SRV_IF" nodad
	in_rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	in_srv ip addr add "$SRV4/24" dev "$SRV_IF"
	in_srv ip -6 addr add "$SRV6/64" dev "$SRV_IF" nodad
	in_srv ip route add 198.51.100.0/24 via "$RTR_SRV4"
	in_srv ip -6 route add 2001:db8:1::/64 via "$RTR_SRV6"

	in_cli ping -c1 -W2 "$SRV4" >/dev/null || die "lab: no IPv4 path client -> server"
	in_cli ping -6 -c1 -W2 "$SRV6" >/dev/null || die "lab: no IPv6 path client -> server"
}

# net_reset_state: forget neighbours and conntrack between scenarios so every
# capture starts the same way (with its own ARP / neighbour discovery).
net_reset_state() {
	local ns
	for ns in "$CLI_NS" "$RTR_NS" "$SRV_NS"; do
		ip netns exec "$ns" ip neigh flush all >/dev/null 2>&1 || true
	done
	in_rtr nft flush ruleset 2>/dev/null || true
}

net_down() {
	local ns
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || warn "could not delete namespace $ns"
	done
	LAB_NAMESPACES=()
}
