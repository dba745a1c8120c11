# Network, TCP, TLS and server-behaviour faults: one function scn_<name> per
# capture, as in scenarios.sh. The faults are made by the real thing where
# the kernel has it: nftables rules on the routers (drops, rejects, resets,
# conntrack), link MTUs, sysctls in one namespace, a detour through a second
# router, the delay relay, and server processes stopped or slowed down.
#
# Every scenario starts in fresh namespaces (run.sh), so what one changes
# (sysctls, MTUs, routes, rules) cannot leak into the next. Rules go into
# table "inet ftpcap_lab" of the namespace that applies them.

SCENARIOS+=(
	syn-unanswered handshake-incomplete icmp-unreachable middlebox-reset-control
	data-channel-blocked data-channel-blocked-active pasv-address-mismatch
	path-loss-timeout idle-state-loss zero-window-stall tls-handshake-failure
	tls-handshake-failure-version not-ftp slow-server-reply-timeout server-stall
	middlebox-reset-data fragmentation-needed mtu-blackhole slow-server-reply rate-limited
	clean-loss route-change no-window-scaling no-window-scaling-timeout
)

declare -A SCENARIO_TOPOLOGY=(
	[middlebox-reset-data]=two [fragmentation-needed]=two [mtu-blackhole]=two
	[slow-server-reply]=two [rate-limited]=two [clean-loss]=two
	[route-change]=detour [no-window-scaling]=delay [no-window-scaling-timeout]=delay
)

# nft_in NS: load the nftables ruleset read from stdin into namespace NS.
nft_in() { ip netns exec "$1" nft -f -; }

# sysctl_in NS KEY=VALUE...: set sysctls in one namespace.
sysctl_in() {
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@"
}

# wait_ctrl_established: until the client has an established connection to
# port 21 (its session is up).
wait_ctrl_established() {
	local _
	for _ in $(seq 100); do
		in_cli ss -Htn state established "dport = :21" | grep -q . && return 0
		sleep 0.05
	done
	die "no control connection within 5 s"
}

# --- connection set-up --------------------------------------------------------

scn_syn_unanswered() {
	vsftpd_start syn-unanswered
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip daddr $SRV4 tcp dport 21 tcp flags & (syn | ack) == syn drop
			}
		}
	EOF
	cap_on client pcap
	in_cli curl -sS --connect-timeout 12 -o /dev/null "ftp://$SRV4/small.bin" 2>>"$W/log/curl.err" &&
		die "syn-unanswered: curl connected"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--connect-timeout 12) connects to $V_VSFTPD while an nftables rule on the router silently drops every SYN to port 21; curl gives up after 12 s; captured on the client's veth with $V_TCPDUMP."
}

scn_handshake_incomplete() {
	pyftpd_start handshake-incomplete --anonymous=elr
	# Only SYNs from the client reach the server: the third ACK of the
	# handshake and everything after it are dropped.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr $CLI4 tcp dport 21 tcp flags & syn == 0 drop
			}
		}
	EOF
	cap_on server pcap
	in_cli lftp -c "$LFTP_BASE; set net:timeout 8; open ftp://$SRV4; ls; bye" \
		>>"$W/log/lftp.out" 2>&1 && die "handshake-incomplete: lftp succeeded"
	sleep 2
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP (net:timeout 8, one try) connects to $V_PYFTPDLIB while an nftables rule on the router drops every packet from the client to port 21 that is not a SYN (the handshake's third ACK included); captured on the server's veth with $V_TCPDUMP."
}

scn_icmp_unreachable() {
	vsftpd_start icmp-unreachable
	# Port 21 of the server is refused by the router with ICMP
	# administratively prohibited; 203.0.113.99 is on the server LAN but no
	# host has it, so the router answers host unreachable once ARP fails.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip daddr $SRV4 tcp dport 21 reject with icmp type admin-prohibited
			}
		}
	EOF
	cap_on client pcap
	printf 'bye\n' | in_cli tnftp -n "$SRV4" >>"$W/log/tnftp.out" 2>&1 || true
	in_cli curl -sS --connect-timeout 10 -o /dev/null "ftp://203.0.113.99/small.bin" \
		2>>"$W/log/curl.err" && die "icmp-unreachable: curl connected to 203.0.113.99"
	capture_stop
	server_stop
	expect_from_capture "$V_TNFTP connects to port 21 of $V_VSFTPD, which an nftables rule on the router rejects with ICMP administratively prohibited; then $V_CURL connects to 203.0.113.99, an address on the server LAN that no host has, and the router answers ICMP host unreachable once ARP fails; captured on the client's veth with $V_TCPDUMP."
}

# --- resets by a middlebox -------------------------------------------------------

scn_middlebox_reset_control() {
	pyftpd_start middlebox-reset-control --user="$LAB_USER:$LAB_PASS:elr"
	cap_on client pcap
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" pause-then --sleep 4 PWD "LIST"
	local cli=$SPAWNED
	wait_ctrl_established
	sleep 1.5
	# While the session idles, the router starts refusing the client's
	# packets to port 21 with a TCP reset of its own (sent in the server's
	# name).
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr $CLI4 tcp dport 21 reject with tcp reset
			}
		}
	EOF
	reap "$cli"
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PYFTPDLIB and idles; meanwhile an nftables rule on the router starts answering the client's packets to port 21 with a TCP reset forged in the server's name; the client's next command gets it; captured on the client's veth with $V_TCPDUMP."
}

scn_middlebox_reset_data() {
	pyftpd_start middlebox-reset-data --anonymous=elr --max-rate=40000
	cap_on middle pcap
	spawn "$CLI_NS" curl -sS --connect-timeout 5 --max-time 8 -o "$W/dl/slow.bin" \
		"ftp://$SRV4/slow.bin" 2>>"$W/log/curl.err"
	local curl_pid=$SPAWNED
	wait_data_transfer
	sleep 1
	# r2, the router next to the server, resets the data connection both
	# ways: the server's segments are answered with a RST in the client's
	# name, the client's with a RST in the server's name.
	nft_in "$RTR2_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr $SRV4 tcp sport $PASV_MIN-$PASV_MAX reject with tcp reset
				ip daddr $SRV4 tcp dport $PASV_MIN-$PASV_MAX reject with tcp reset
			}
		}
	EOF
	reap "$curl_pid" && die "middlebox-reset-data: curl reported success"
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_CURL downloads slow.bin (EPSV) from $V_PYFTPDLIB (--max-rate 40000) across two routers; 1 s into the transfer an nftables rule on the router next to the server resets the data connection both ways (reject with tcp reset); captured between the two routers with $V_TCPDUMP."
}

# --- data channels -------------------------------------------------------------------

scn_data_channel_blocked() {
	pyftpd_start data-channel-blocked --anonymous=elr --passive-timeout=10
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip daddr $SRV4 tcp dport $PASV_MIN-$PASV_MAX drop
			}
		}
	EOF
	# The client's kernel gives up a connect after 4 SYNs (15 s).
	sysctl_in "$CLI_NS" net.ipv4.tcp_syn_retries=3
	cap_on rtr-client pcap
	printf 'user anonymous lab@example.com\nbinary\nget small.bin %s\nbye\n' "$W/dl/small.bin" |
		in_cli tnftp -n -p "$SRV4" >>"$W/log/tnftp.out" 2>&1 || true
	capture_stop
	server_stop
	expect_from_capture "$V_TNFTP (passive) downloads small.bin from $V_PYFTPDLIB (passive data channel timeout 10 s) while an nftables rule on the router drops everything to the passive port range; the client's kernel gives up its connect after 4 SYNs (tcp_syn_retries=3); captured on the router's client-facing veth with $V_TCPDUMP."
}

scn_data_channel_blocked_active() {
	vsftpd_start data-channel-blocked-active connect_timeout=8
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr $SRV4 tcp sport 20 drop
			}
		}
	EOF
	cap_on server pcap
	in_cli lftp -c "$LFTP_BASE; set ftp:passive-mode off; set net:timeout 20; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get small.bin -o $W/dl/small.bin; bye" >>"$W/log/lftp.out" 2>&1 &&
		die "data-channel-blocked-active: lftp succeeded"
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP in active mode (PORT) downloads small.bin from $V_VSFTPD (connect_timeout=8) while an nftables rule on the router drops every packet from the server's port 20; captured on the server's veth with $V_TCPDUMP."
}

scn_pasv_address_mismatch() {
	pyftpd_start pasv-address-mismatch --anonymous=elr --masquerade=192.0.2.99
	# The client's route to 192.0.2.0/24 leads to the router, which drops
	# it (a blackhole route): the advertised address goes nowhere.
	in_cli ip route add 192.0.2.0/24 via "$RTR_CLI4"
	in_rtr ip route add blackhole 192.0.2.0/24
	cap_on client pcapng
	in_cli lftp -c "$LFTP_BASE; set net:timeout 8; open ftp://$SRV4; get small.bin -o $W/dl/small.bin; bye" \
		>>"$W/log/lftp.out" 2>&1 && die "pasv-address-mismatch: lftp succeeded"
	capture_stop
	server_stop
	expect_from_capture "$V_PYFTPDLIB with masquerade_address 192.0.2.99 advertises that address in its 227 replies, as a server behind NAT without an FTP-aware helper does; $V_LFTP (net:timeout 8, one try) uses it; the router drops packets to 192.0.2.0/24; captured on the client's veth with $V_DUMPCAP as pcapng."
}

# --- loss and lost state -----------------------------------------------------------

scn_path_loss_timeout() {
	pyftpd_start path-loss-timeout --user="$LAB_USER:$LAB_PASS:elradfmw"
	# The client, which sends, gives up after 5 unanswered retransmissions.
	sysctl_in "$CLI_NS" net.ipv4.tcp_retries2=5
	cap_on client pcap
	spawn "$CLI_NS" curl -sS --connect-timeout 5 --max-time 60 --limit-rate 60k -T "$W/cli/big.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/big.bin" 2>>"$W/log/curl.err"
	local curl_pid=$SPAWNED
	wait_data_transfer
	sleep 1.5
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				tcp sport $PASV_MIN-$PASV_MAX drop
				tcp dport $PASV_MIN-$PASV_MAX drop
			}
		}
	EOF
	reap "$curl_pid" && die "path-loss-timeout: curl reported success"
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--limit-rate 60k) uploads big.bin (EPSV) to $V_PYFTPDLIB, with tcp_retries2=5 in the client's namespace; 1.5 s into the transfer an nftables rule on the router starts dropping every packet of the data connection both ways; captured on the client's veth with $V_TCPDUMP."
}

scn_idle_state_loss() {
	pyftpd_start idle-state-loss --user="$LAB_USER:$LAB_PASS:elr"
	# A stateful firewall: only connections it has seen start with a SYN
	# pass, and it forgets an established connection after 8 s of silence
	# (tcp_loose=0: a mid-stream packet cannot revive the state).
	sysctl_in "$RTR_NS" net.netfilter.nf_conntrack_tcp_loose=0
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy drop;
				ct state established,related accept
				ct state new tcp flags & (syn | ack) == syn accept
			}
		}
	EOF
	in_rtr sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_established=50
	cap_on client pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" pause-then --sleep 65 --timeout 10 PWD
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PYFTPDLIB through a stateful nftables firewall on the router (conntrack established timeout 50 s, tcp_loose=0, only SYNs may start a connection), idles 65 s without keepalives, then sends PWD and waits 10 s for the reply before closing; captured on the client's veth with $V_TCPDUMP."
}

scn_zero_window_stall() {
	pyftpd_start zero-window-stall --user="$LAB_USER:$LAB_PASS:elr" --data-timeout=5
	cap_on server pcapng
	cli_py --host "$SRV4" --password "$LAB_PASS" stall-download --path slow.bin --after 30000 \
		--rcvbuf 4096 --wait 30
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PYFTPDLIB (data timeout 5 s), starts a PASV download of slow.bin with a 4 KB receive buffer, reads 30000 bytes and then stops reading, waiting for the server on the control connection; captured on the server's veth with $V_DUMPCAP as pcapng."
}

# --- TLS and non-FTP speakers ---------------------------------------------------------

scn_tls_handshake_failure() {
	make_cert vsftpd
	vsftpd_start tls-handshake-failure ssl_enable=YES rsa_cert_file="$W/etc/vsftpd.pem" \
		rsa_private_key_file="$W/etc/vsftpd.pem" allow_anon_ssl=YES force_local_logins_ssl=NO \
		force_local_data_ssl=NO require_ssl_reuse=NO
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 --ssl-reqd --tls-max 1.2 -o /dev/null "ftp://$SRV4/small.bin" \
		2>>"$W/log/curl.err" && die "tls-handshake-failure: curl accepted the certificate"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--ssl-reqd, --tls-max 1.2, certificate verification on) against $V_VSFTPD with ssl_enable and a self-signed certificate made by $V_OPENSSL: AUTH TLS is accepted and the client rejects the certificate during the handshake; captured on the client's veth with $V_TCPDUMP."
}

scn_tls_handshake_failure_version() {
	make_cert pyftpd
	pyftpd_start tls-handshake-failure-version --anonymous=elr --tls-cert="$W/etc/pyftpd.pem" --tls-max=1.2
	cap_on server pcap
	in_cli curl -sS --connect-timeout 5 --ssl-reqd --tlsv1.3 -k -o /dev/null "ftp://$SRV4/small.bin" \
		2>>"$W/log/curl.err" && die "tls-handshake-failure-version: the handshake succeeded"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--ssl-reqd --tlsv1.3 -k: TLS 1.3 only, any certificate) against $V_PYFTPDLIB with AUTH TLS limited to TLS 1.2 (pyOpenSSL, OP_NO_TLSv1_3): no common protocol version; captured on the server's veth with $V_TCPDUMP."
}

scn_not_ftp() {
	local d="$W/sshd"
	mkdir -p "$d/run"
	[[ -s $d/host_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519"
	cat >"$d/sshd_config" <<-EOF
		Port 21
		ListenAddress $SRV4
		HostKey $d/host_ed25519
		PidFile $d/sshd.pid
		LoginGraceTime 10
		UsePAM no
		PasswordAuthentication no
		KbdInteractiveAuthentication no
	EOF
	# sshd insists on its privilege separation directory /run/sshd: give it
	# one in a private mount namespace rather than create it on the host.
	spawn "$SRV_NS" unshare -m --propagation private sh -c \
		'mount -t tmpfs tmpfs /run && mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"' \
		sh "$d/sshd_config" >>"$W/log/sshd.out" 2>&1
	SERVER_PID=$SPAWNED
	wait_listening 21
	cap_on server pcap
	in_cli curl -sS --connect-timeout 5 --max-time 15 -o /dev/null "ftp://$SRV4/small.bin" \
		2>>"$W/log/curl.err" && die "not-ftp: curl succeeded against sshd"
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_SSHD listens on port 21 of the server (LoginGraceTime 10); $V_CURL (--max-time 15) tries to download small.bin from it; captured on the server's veth with $V_TCPDUMP."
}

# --- slow, stalled and throttled servers ------------------------------------------------

scn_slow_server_reply() {
	pyftpd_start slow-server-reply --user="$LAB_USER:$LAB_PASS:elr" --reply-delay=1
	cap_on middle pcap
	printf 'user %s %s\nbinary\nget small.bin %s\nbye\n' "$LAB_USER" "$LAB_PASS" "$W/dl/small.bin" |
		in_cli tnftp -n -p "$SRV4" >>"$W/log/tnftp.out" 2>&1
	capture_stop
	server_stop
	expect_from_capture "$V_TNFTP logs in to $V_PYFTPDLIB, which waits 1 s before acting on each command (an overloaded server), downloads small.bin in passive mode and QUITs, across two routers; captured between the two routers with $V_TCPDUMP."
}

scn_slow_server_reply_timeout() {
	# Each reply 1.5 s later than the one before: 1.5 s, 3 s, 4.5 s...
	pyftpd_start slow-server-reply-timeout --user="$LAB_USER:$LAB_PASS:elr" --reply-delay=1.5 \
		--reply-delay-step=1.5
	cap_on client pcap
	in_cli lftp -c "$LFTP_BASE; set net:timeout 4; open -u $LAB_USER,$LAB_PASS ftp://$SRV4; ls; bye" \
		>>"$W/log/lftp.out" 2>&1 && die "slow-server-reply-timeout: lftp succeeded"
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP (net:timeout 4, one try) logs in to $V_PYFTPDLIB, which waits 1.5 s before acting on the first command and 1.5 s longer for each one after (a server getting slower); captured on the client's veth with $V_TCPDUMP."
}

scn_server_stall() {
	pyftpd_start server-stall --anonymous=elr --max-rate=50000
	cap_on rtr-client pcap
	spawn "$CLI_NS" curl -sS --connect-timeout 5 --speed-limit 1000 --speed-time 6 --max-time 30 \
		-o "$W/dl/slow.bin" "ftp://$SRV4/slow.bin" 2>>"$W/log/curl.err"
	local curl_pid=$SPAWNED
	wait_data_transfer
	sleep 1.5
	kill -STOP "$SERVER_PID"
	reap "$curl_pid" && die "server-stall: curl reported success"
	sleep 1
	kill -CONT "$SERVER_PID"
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--speed-limit 1000 --speed-time 6) downloads slow.bin (EPSV) from $V_PYFTPDLIB (--max-rate 50000); 1.5 s into the transfer the server process is stopped with SIGSTOP until curl gives up, then continued; captured on the router's client-facing veth with $V_TCPDUMP."
}

scn_rate_limited() {
	vsftpd_start rate-limited anon_max_rate=25000
	cap_on middle pcap
	in_cli lftp -c "$LFTP_BASE; open ftp://$SRV4; get slow.bin -o $W/dl/slow.bin; bye"
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP downloads slow.bin anonymously from $V_VSFTPD (anon_max_rate=25000) across two routers; captured between the two routers with $V_TCPDUMP."
}

scn_clean_loss() {
	pyftpd_start clean-loss --user="$LAB_USER:$LAB_PASS:elradfmw"
	# 4 % of the TCP segments crossing the first router, either way, are lost.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				meta l4proto tcp numgen random mod 100 < 4 drop
			}
		}
	EOF
	cap_on middle pcap
	in_cli curl -sS --connect-timeout 10 -o "$W/dl/slow.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/slow.bin" \
		--next -sS -T "$W/cli/upload.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL downloads slow.bin and uploads upload.bin (EPSV) over one session with $V_PYFTPDLIB across two routers, the first of which drops 4 % of TCP segments at random both ways (nftables numgen); captured between the two routers with $V_TCPDUMP."
}

# --- MTU -------------------------------------------------------------------------------

# link_mtu_r12 MTU: set the MTU of the r1-r2 link, both ends.
link_mtu_r12() {
	in_rtr ip link set "$R12_IF" mtu "$1"
	in_rtr2 ip link set "$R21_IF" mtu "$1"
}

scn_fragmentation_needed() {
	pyftpd_start fragmentation-needed --anonymous=elr
	link_mtu_r12 1280
	cap_on server pcap
	printf 'user anonymous lab@example.com\nbinary\nget medium.bin %s\nbye\n' "$W/dl/medium.bin" |
		in_cli tnftp -n -p "$SRV4" >>"$W/log/tnftp.out" 2>&1
	capture_stop
	server_stop
	expect_from_capture "$V_TNFTP downloads medium.bin (passive) from $V_PYFTPDLIB across two routers whose link has an MTU of 1280 (the endpoints' links 1500, ICMP allowed); captured on the server's veth with $V_TCPDUMP."
}

scn_mtu_blackhole() {
	pyftpd_start mtu-blackhole --user="$LAB_USER:$LAB_PASS:elradfmw"
	link_mtu_r12 1280
	# r1 would tell the client that its segments are too big; that ICMP is
	# dropped on its way out, and the client does not probe for the MTU.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain output {
				type filter hook output priority 0; policy accept;
				icmp type destination-unreachable icmp code frag-needed drop
			}
		}
	EOF
	sysctl_in "$CLI_NS" net.ipv4.tcp_mtu_probing=0
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 --speed-limit 1000 --speed-time 8 --max-time 30 \
		-T "$W/cli/big.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/big.bin" 2>>"$W/log/curl.err" &&
		die "mtu-blackhole: the upload succeeded"
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--speed-limit 1000 --speed-time 8) uploads big.bin (EPSV) to $V_PYFTPDLIB across two routers whose link has an MTU of 1280; the first router's ICMP fragmentation-needed messages are dropped and the client's tcp_mtu_probing is 0; captured on the client's veth with $V_TCPDUMP."
}

# --- routes and windows ------------------------------------------------------------------

scn_route_change() {
	pyftpd_start route-change --anonymous=elr --max-rate=40000
	# After the detour starts, r2 passes the first 20 KB it is given and
	# then drops everything: the new path dies.
	nft_in "$RTR2_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				quota over 20 kbytes drop
			}
		}
	EOF
	cap_on client pcap
	printf 'user anonymous lab@example.com\nbinary\nget slow.bin %s\nbye\n' "$W/dl/slow.bin" \
		>"$W/cli/route-change.tnftp"
	# Through sh: a background job's standard input is /dev/null unless
	# the job itself redirects it.
	spawn "$CLI_NS" sh -c 'exec tnftp -q 8 -n -p "$1" <"$2"' sh "$SRV4" "$W/cli/route-change.tnftp" \
		>>"$W/log/tnftp.out" 2>&1
	local tnftp_pid=$SPAWNED
	wait_data_transfer
	sleep 1.5
	route_detour
	reap "$tnftp_pid" || true
	capture_stop
	server_stop
	expect_from_capture "$V_TNFTP (-q 8: quit after 8 s without progress) downloads slow.bin (passive) from $V_PYFTPDLIB (--max-rate 40000); 1.5 s into the transfer the router starts sending the server's packets for the client through a second router and back (two more hops), and that router drops everything after its first 20 KB; captured on the client's veth with $V_TCPDUMP."
}

scn_no_window_scaling() {
	pyftpd_start no-window-scaling --user="$LAB_USER:$LAB_PASS:elradfmw"
	sysctl_in "$CLI_NS" net.ipv4.tcp_window_scaling=0
	cap_on client pcap
	in_cli lftp -c "$LFTP_BASE; open -u $LAB_USER,$LAB_PASS ftp://$SRV4; put $W/cli/big.bin -o big.bin; bye"
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP uploads big.bin (600000 bytes, EPSV) to $V_PYFTPDLIB with tcp_window_scaling=0 in the client's namespace, across a delay line that holds every frame ${DELAY_MS} ms each way (lab/delayrelay); captured on the client's veth with $V_TCPDUMP."
}

scn_no_window_scaling_timeout() {
	pyftpd_start no-window-scaling-timeout --user="$LAB_USER:$LAB_PASS:elradfmw"
	sysctl_in "$CLI_NS" net.ipv4.tcp_window_scaling=0
	delay_line_start 150
	cap_on server pcapng
	in_cli curl -sS --connect-timeout 5 --max-time 5 -T "$W/cli/big.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/big.bin" 2>>"$W/log/curl.err" &&
		die "no-window-scaling-timeout: the upload finished in time"
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--max-time 5) uploads big.bin (600000 bytes, EPSV) to $V_PYFTPDLIB with tcp_window_scaling=0 in the client's namespace, across a delay line that holds every frame 150 ms each way (lab/delayrelay); captured on the server's veth with $V_DUMPCAP as pcapng."
}
