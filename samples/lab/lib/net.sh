# Lab topologies: network namespaces joined by veth pairs. Each scenario
# names the topology it needs (net_use); the lab rebuilds the namespaces
# only when the topology changes between two scenarios.
#
#   one     ftpcap-cli --- ftpcap-rtr --- ftpcap-srv
#           (the default: one router, the captures of the first samples)
#
#   two     ftpcap-cli --- ftpcap-rtr --- ftpcap-rtr2 --- ftpcap-srv
#           (a second router; "middle" captures are taken on the r1-r2 link,
#           where both endpoints' packets have crossed one router)
#
#   detour  as "one", plus ftpcap-rtr2 hanging off ftpcap-rtr: no traffic
#           goes through it until a scenario routes some there (route_detour)
#
#   delay   as "one", but the router's server-facing link passes through
#           ftpcap-dly, where the delay relay (lab/delayrelay) copies every
#           frame from one side to the other after a fixed delay: a
#           layer-2 delay line, invisible to TTLs (this kernel has no netem)
#
#   client                 r1 (ftpcap-rtr)               r2 (ftpcap-rtr2)       server
#   ftpcap-c0 <----> ftpcap-rc | ftpcap-r12 <----> ftpcap-r21 | ftpcap-rs <----> ftpcap-s0
#   198.51.100.10    198.51.100.1  192.0.2.1/30    192.0.2.2/30  203.0.113.1     203.0.113.20
#   2001:db8:1::10   2001:db8:1::1 2001:db8:12::1  2001:db8:12::2 2001:db8:2::1  2001:db8:2::20
#
# In "one", "detour" and "delay" ftpcap-rs (203.0.113.1) is r1's; in "two"
# it is r2's. Only documentation prefixes, no default route anywhere:
# nothing in the lab can reach (or be reached from) a real network.
# Everything created here is named ftpcap-* and removed by net_down.

CLI_NS=ftpcap-cli
RTR_NS=ftpcap-rtr
RTR2_NS=ftpcap-rtr2
DLY_NS=ftpcap-dly
SRV_NS=ftpcap-srv
CLI4=198.51.100.10
CLI6=2001:db8:1::10
RTR_CLI4=198.51.100.1
RTR_SRV4=203.0.113.1
RTR_CLI6=2001:db8:1::1
RTR_SRV6=2001:db8:2::1
R12_4=192.0.2.1
R21_4=192.0.2.2
R12_6=2001:db8:12::1
R21_6=2001:db8:12::2
SRV4=203.0.113.20
SRV6=2001:db8:2::20
CLI_IF=ftpcap-c0
RTR_CLI_IF=ftpcap-rc
RTR_SRV_IF=ftpcap-rs
R12_IF=ftpcap-r12
R21_IF=ftpcap-r21
DLY_RTR_IF=ftpcap-da
DLY_SRV_IF=ftpcap-db
SRV_IF=ftpcap-s0

LAB_NAMESPACES=()
TOPOLOGY=
# The namespace that holds ftpcap-rs (the router next to the server).
EDGE_NS=$RTR_NS
# One-way delay of the delay line, per direction, in milliseconds.
DELAY_MS=50
DELAY_PID=

in_cli() { ip netns exec "$CLI_NS" "$@"; }
in_rtr() { ip netns exec "$RTR_NS" "$@"; }
in_rtr2() { ip netns exec "$RTR2_NS" "$@"; }
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
# detection delay. No ICMP redirects either: the detour sends packets back
# out of the interface they came in on, which is what redirects are for.
ns_add() {
	local ns=$1
	if ip netns list | grep -qw "^$ns"; then
		die "namespace $ns already exists (another lab run, or a stale one: ip netns del $ns)"
	fi
	ip netns add "$ns"
	LAB_NAMESPACES+=("$ns")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.autoconf=0 \
		net.ipv6.conf.default.dad_transmits=0 net.ipv6.conf.all.accept_ra=0 \
		net.ipv4.conf.default.send_redirects=0 net.ipv4.conf.all.send_redirects=0
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

# veth NS1 IF1 NS2 IF2: one tuned veth pair between two namespaces.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	link_tune "$1" "$2"
	link_tune "$3" "$4"
}

# The r1-r2 link, with r2's routes to both LANs pointing back at r1 (the
# detour) unless net_up_two replaces them.
r12_link() {
	ns_add "$RTR2_NS"
	veth "$RTR_NS" "$R12_IF" "$RTR2_NS" "$R21_IF"
	in_rtr ip addr add "$R12_4/30" dev "$R12_IF"
	in_rtr ip -6 addr add "$R12_6/64" dev "$R12_IF" nodad
	in_rtr2 ip addr add "$R21_4/30" dev "$R21_IF"
	in_rtr2 ip -6 addr add "$R21_6/64" dev "$R21_IF" nodad
	in_rtr2 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

net_up() {
	local topo=$1
	ns_add "$CLI_NS"
	ns_add "$RTR_NS"
	ns_add "$SRV_NS"
	veth "$CLI_NS" "$CLI_IF" "$RTR_NS" "$RTR_CLI_IF"
	in_cli ip addr add "$CLI4/24" dev "$CLI_IF"
	in_cli ip -6 addr add "$CLI6/64" dev "$CLI_IF" nodad
	in_cli ip route add 203.0.113.0/24 via "$RTR_CLI4"
	in_cli ip -6 route add 2001:db8:2::/64 via "$RTR_CLI6"
	in_rtr ip addr add "$RTR_CLI4/24" dev "$RTR_CLI_IF"
	in_rtr ip -6 addr add "$RTR_CLI6/64" dev "$RTR_CLI_IF" nodad
	in_rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	EDGE_NS=$RTR_NS
	case $topo in
	one | detour)
		veth "$RTR_NS" "$RTR_SRV_IF" "$SRV_NS" "$SRV_IF"
		;;
	two)
		r12_link
		EDGE_NS=$RTR2_NS
		veth "$RTR2_NS" "$RTR_SRV_IF" "$SRV_NS" "$SRV_IF"
		in_rtr ip route add 203.0.113.0/24 via "$R21_4"
		in_rtr ip -6 route add 2001:db8:2::/64 via "$R21_6"
		in_rtr2 ip route add 198.51.100.0/24 via "$R12_4"
		in_rtr2 ip -6 route add 2001:db8:1::/64 via "$R12_6"
		;;
	delay)
		ns_add "$DLY_NS"
		veth "$RTR_NS" "$RTR_SRV_IF" "$DLY_NS" "$DLY_RTR_IF"
		veth "$DLY_NS" "$DLY_SRV_IF" "$SRV_NS" "$SRV_IF"
		# No addresses and no IPv6 on the delay line's ports: the relay
		# moves the frames, the namespace's own stack must stay silent.
		ip netns exec "$DLY_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$DLY_NS" ip link set "$DLY_RTR_IF" promisc on
		ip netns exec "$DLY_NS" ip link set "$DLY_SRV_IF" promisc on
		build_delayrelay
		delay_line_start "$DELAY_MS"
		;;
	*) die "net_up: unknown topology $topo" ;;
	esac
	ip netns exec "$EDGE_NS" ip addr add "$RTR_SRV4/24" dev "$RTR_SRV_IF"
	ip netns exec "$EDGE_NS" ip -6 addr add "$RTR_SRV6/64" dev "$RTR_SRV_IF" nodad
	if [[ $topo == detour ]]; then
		r12_link
		in_rtr2 ip route add 198.51.100.0/24 via "$R12_4"
		in_rtr2 ip route add 203.0.113.0/24 via "$R12_4"
	fi

	in_srv ip addr add "$SRV4/24" dev "$SRV_IF"
	in_srv ip -6 addr add "$SRV6/64" dev "$SRV_IF" nodad
	in_srv ip route add 198.51.100.0/24 via "$RTR_SRV4"
	in_srv ip -6 route add 2001:db8:1::/64 via "$RTR_SRV6"

	in_cli ping -c1 -W2 "$SRV4" >/dev/null || die "lab ($topo): no IPv4 path client -> server"
	in_cli ping -6 -c1 -W2 "$SRV6" >/dev/null || die "lab ($topo): no IPv6 path client -> server"
	TOPOLOGY=$topo
}

# net_use TOPOLOGY: make sure the namespaces are laid out as TOPOLOGY.
net_use() {
	[[ $TOPOLOGY == "$1" ]] && return 0
	[[ -z $TOPOLOGY ]] || net_down
	log "topology: $1"
	net_up "$1"
}

# delay_line_start MS: (re)start the relay in ftpcap-dly with MS of delay
# each way. The relay binary is built once per lab run (setup.sh).
delay_line_start() {
	delay_line_stop
	DELAY_MS=$1
	spawn "$DLY_NS" "$DELAYRELAY_BIN" -a "$DLY_RTR_IF" -b "$DLY_SRV_IF" -delay "${DELAY_MS}ms" \
		>>"$W/log/delayrelay.out" 2>&1
	DELAY_PID=$SPAWNED
	local _
	for _ in $(seq 50); do
		grep -q '^relaying' "$W/log/delayrelay.out" 2>/dev/null && return 0
		kill -0 "$DELAY_PID" 2>/dev/null || die "delay relay failed: $(tail -3 "$W/log/delayrelay.out")"
		sleep 0.1
	done
	die "delay relay did not start"
}

delay_line_stop() {
	[[ -n $DELAY_PID ]] || return 0
	kill -TERM "$DELAY_PID" 2>/dev/null || true
	reap "$DELAY_PID" 2>/dev/null || true
	DELAY_PID=
}

# route_detour: from now on r1 sends the server's packets for the client
# LAN through r2, which hands them back to r1: two more router hops on the
# server-to-client path only.
route_detour() {
	[[ $TOPOLOGY == detour ]] || die "route_detour needs the detour topology"
	in_rtr ip route add 198.51.100.0/24 via "$R21_4" table 100
	in_rtr ip rule add iif "$RTR_SRV_IF" lookup 100 pref 100
}

# net_reset_state: forget neighbours, firewall rules and conntrack between
# scenarios so every capture starts the same way (with its own ARP /
# neighbour discovery).
net_reset_state() {
	local ns
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns exec "$ns" ip neigh flush all >/dev/null 2>&1 || true
		[[ $ns == "$DLY_NS" ]] || ip netns exec "$ns" nft flush ruleset 2>/dev/null || true
	done
}

net_down() {
	local ns
	delay_line_stop
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || warn "could not delete namespace $ns"
	done
	LAB_NAMESPACES=()
	TOPOLOGY=
	EDGE_NS=$RTR_NS
}
