# Paired captures: the same run captured at two points at once, the
# client's veth and the server's veth, for ftpcap's multi-point analysis
# (issue 12). One function scn_pair_<name> per pair, as in scenarios.sh.
#
# Every fault is made by an nftables rule with a counter; the counters are
# read (nft -j) right after the run, before anything analyses the files,
# and pairs.py writes them into samples/pairs/<name>.expect.json with what
# they mean per connection and direction. Each file of a pair also gets a
# single-vantage expect file (<name>-client.expect.json,
# <name>-server.expect.json) from expect.py, as every other sample does.
# See samples/README.md, "Paired captures".

PAIR_SCENARIOS=(
	pair-clean pair-middlebox-reset pair-mtu-blackhole pair-data-channel-blocked
	pair-handshake-stall pair-nat pair-pasv-nat pair-capture-loss
)
SCENARIOS+=("${PAIR_SCENARIOS[@]}")
SCENARIO_TOPOLOGY[pair-mtu-blackhole]=two

# The clean pair's server file is shifted by this much (editcap -t) after
# the capture: a capture point whose clock is wrong by seconds.
PAIR_CLOCK_SHIFT=3.25

# The server's address as the client knows it in pair-pasv-nat, which the
# router translates to the server's own (a documentation address no lab
# interface has).
PAIR_PUBLIC4=192.0.2.99

PAIR_CLI_PID=
PAIR_SRV_PID=

# pair_cap_on: capture on the client's and the server's veth at once
# (tcpdump, Ethernet, pcap).
pair_cap_on() {
	capture_start "$CLI_NS" "$CLI_IF" "$W/cap/$SCENARIO-client.pcap" pcap
	PAIR_CLI_PID=$CAPTURE_PID
	capture_start "$SRV_NS" "$SRV_IF" "$W/cap/$SCENARIO-server.pcap" pcap
	PAIR_SRV_PID=$CAPTURE_PID
	# run.sh's cleanup flushes CAPTURE_PID; the client's capture is tracked
	# and stopped with the lab's other processes.
}

# pair_cap_off: let both writers flush, then stop them.
pair_cap_off() {
	local pid
	sleep 1
	for pid in "$PAIR_CLI_PID" "$PAIR_SRV_PID"; do
		kill -INT "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		untrack_pid "$pid"
	done
	PAIR_CLI_PID= PAIR_SRV_PID= CAPTURE_PID=
	[[ -s $W/cap/$SCENARIO-client.pcap && -s $W/cap/$SCENARIO-server.pcap ]] ||
		die "$SCENARIO: a capture of the pair is empty"
}

# pair_counters NS...: save each namespace's ruleset with its counters
# (nft -j) for pairs.py, before anything reads the captures.
pair_counters() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" nft -j list ruleset >"$W/cap/$SCENARIO.nft.$ns.json"
	done
}

# pair_expect SENTENCE [pairs.py args...]: check each file alone
# (expect.py, with the check named by --client-check / --server-check) and
# the pair (pairs.py), then move the files into samples/pairs/.
pair_expect() {
	local sentence=$1 args=() name side check out="$SAMPLES_DIR/pairs"
	shift
	for name in "${!LAB_FILES[@]}"; do
		args+=(--file "$name=${LAB_FILES[$name]}")
	done
	local -A checks=()
	local rest=()
	while (($#)); do
		case $1 in
		--client-check) checks[client]=$2 && shift 2 ;;
		--server-check) checks[server]=$2 && shift 2 ;;
		*) rest+=("$1") && shift ;;
		esac
	done
	local ns_files=()
	mapfile -t ns_files < <(compgen -G "$W/cap/$SCENARIO.nft.*.json" || true)
	local nft_args=()
	for name in "${ns_files[@]}"; do
		nft_args+=(--nft "$(basename "$name" .json | sed "s/^$SCENARIO\.nft\.//")=$name")
	done
	# The shift comes first: the single-vantage checks read the file as it
	# will be committed.
	if [[ $SCENARIO == pair-clean ]]; then
		editcap -t "$PAIR_CLOCK_SHIFT" "$W/cap/$SCENARIO-server.pcap" "$W/cap/$SCENARIO-server.shifted.pcap" ||
			die "$SCENARIO: editcap failed"
		mv "$W/cap/$SCENARIO-server.shifted.pcap" "$W/cap/$SCENARIO-server.pcap"
		rest+=(--clock-shift "server=$PAIR_CLOCK_SHIFT")
	fi
	for side in client server; do
		check=${checks[$side]:?pair_expect: no --$side-check}
		/usr/bin/python3 -B "$LAB_DIR/expect.py" --capture "$W/cap/$SCENARIO-$side.pcap" --scenario "$check" \
			--description "$sentence This file: captured on the $side's veth with $V_TCPDUMP. Kernel: $V_KERNEL." \
			--made-by "samples/lab/run.sh $SCENARIO" --capture-point "$side-side" "${args[@]}" \
			--out "$W/cap/$SCENARIO-$side.expect.json" ||
			die "$SCENARIO: the $side's capture does not show the scenario (kept in $W/cap)"
	done
	/usr/bin/python3 -B "$LAB_DIR/pairs.py" --name "$SCENARIO" --dir "$W/cap" \
		--description "$sentence Kernel: $V_KERNEL." --made-by "samples/lab/run.sh $SCENARIO" \
		"${nft_args[@]}" "${rest[@]}" --out "$W/cap/$SCENARIO.expect.json" ||
		die "$SCENARIO: the pair does not show the scenario (kept in $W/cap)"
	local size
	for side in client server; do
		size=$(stat -c %s "$W/cap/$SCENARIO-$side.pcap")
		((size < 400000)) || die "$SCENARIO: the $side's capture is $size bytes, over the 400 KB budget"
	done
	mkdir -p "$out"
	for name in "$SCENARIO-client.pcap" "$SCENARIO-server.pcap" "$SCENARIO-client.expect.json" \
		"$SCENARIO-server.expect.json" "$SCENARIO.expect.json"; do
		cp "$W/cap/$name" "$out/"
		chmod 644 "$out/$name"
	done
	log "$SCENARIO: wrote samples/pairs/$SCENARIO-{client,server}.pcap and the expect files"
}

# --- the pairs -----------------------------------------------------------------

scn_pair_clean() {
	vsftpd_start pair-clean
	pair_cap_on
	in_cli curl -sS --disable-epsv --connect-timeout 5 \
		-o "$W/dl/small.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" \
		--next -sS --disable-epsv -T "$W/cli/upload.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin"
	pair_cap_off
	server_stop
	pair_expect "$V_CURL (--disable-epsv: PASV) downloads small.bin and uploads upload.bin over one session with $V_VSFTPD through one router, nothing injected; captured on the client's and the server's veth at once, and the server's file shifted by +$PAIR_CLOCK_SHIFT s afterwards (editcap -t)." \
		--client-check pair-clean --server-check pair-clean
}

scn_pair_middlebox_reset() {
	pyftpd_start pair-middlebox-reset --anonymous=elr --max-rate=20000
	pair_cap_on
	spawn "$CLI_NS" curl -sS --connect-timeout 5 --max-time 8 -o "$W/dl/slow.bin" \
		"ftp://$SRV4/slow.bin" 2>>"$W/log/curl.err"
	local curl_pid=$SPAWNED
	wait_data_transfer
	sleep 0.5
	# The router resets the data connection both ways: each segment of it
	# is dropped and answered with a RST in the other endpoint's name
	# (reject with tcp reset). A RST is only dropped (no reset answers a
	# reset), so the reject rules' counters are the forged RSTs.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr $SRV4 tcp sport $PASV_MIN-$PASV_MAX tcp flags & rst != 0 counter drop comment "s2c-rst-dropped"
				ip saddr $SRV4 tcp sport $PASV_MIN-$PASV_MAX counter reject with tcp reset comment "s2c-reset"
				ip daddr $SRV4 tcp dport $PASV_MIN-$PASV_MAX tcp flags & rst != 0 counter drop comment "c2s-rst-dropped"
				ip daddr $SRV4 tcp dport $PASV_MIN-$PASV_MAX counter reject with tcp reset comment "c2s-reset"
			}
		}
	EOF
	reap "$curl_pid" && die "pair-middlebox-reset: curl reported success"
	sleep 1
	pair_cap_off
	pair_counters "$RTR_NS"
	server_stop
	pair_expect "$V_CURL downloads slow.bin (EPSV) from $V_PYFTPDLIB (--max-rate 20000) through one router; 0.5 s into the transfer an nftables rule on the router resets the data connection both ways (reject with tcp reset: each segment is dropped and its sender gets a RST in the other endpoint's name)." \
		--client-check pair-reset-client --server-check pair-reset-server --fault middlebox-reset
}

scn_pair_mtu_blackhole() {
	pyftpd_start pair-mtu-blackhole --anonymous=elr
	link_mtu_r12 1280
	# r2, next to the server, cannot forward the server's full-size DF
	# segments onto the 1280-byte link; the ICMP fragmentation-needed it
	# would send back is dropped, and the server does not probe for the
	# MTU. The prerouting rule only counts: every data segment over 1280
	# bytes that reaches r2 is one the link drops.
	nft_in "$RTR2_NS" <<-EOF
		table inet ftpcap_lab {
			chain prerouting {
				type filter hook prerouting priority 0; policy accept;
				ip saddr $SRV4 tcp sport $PASV_MIN-$PASV_MAX ip length > 1280 counter comment "s2c-too-big"
				ip daddr $SRV4 tcp dport $PASV_MIN-$PASV_MAX ip length > 1280 counter comment "c2s-too-big"
			}
			chain output {
				type filter hook output priority 0; policy accept;
				icmp type destination-unreachable icmp code frag-needed counter drop comment "icmp-frag-needed-dropped"
			}
		}
	EOF
	sysctl_in "$SRV_NS" net.ipv4.tcp_mtu_probing=0
	pair_cap_on
	in_cli curl -sS --connect-timeout 5 --speed-limit 1000 --speed-time 8 --max-time 30 \
		-o "$W/dl/medium.bin" "ftp://$SRV4/medium.bin" 2>>"$W/log/curl.err" &&
		die "pair-mtu-blackhole: the download succeeded"
	sleep 1
	pair_cap_off
	pair_counters "$RTR2_NS"
	server_stop
	pair_expect "$V_CURL (--speed-limit 1000 --speed-time 8) downloads medium.bin (EPSV) from $V_PYFTPDLIB across two routers whose link has an MTU of 1280; the router next to the server drops the server's full-size DF segments and its ICMP fragmentation-needed messages are dropped (nftables), and the server's tcp_mtu_probing is 0." \
		--client-check pair-blackhole-receiver --server-check pair-blackhole-sender --fault mtu-blackhole
}

scn_pair_data_channel_blocked() {
	proftpd_start pair-data-channel-blocked
	# Only the data connections' SYNs are dropped: nothing else of them
	# ever exists.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip daddr $SRV4 tcp dport $PASV_MIN-$PASV_MAX tcp flags & (syn | ack) == syn counter drop comment "c2s-data-syn-dropped"
			}
		}
	EOF
	pair_cap_on
	cli_py --host "$SRV4" --password "$LAB_PASS" get-or-quit --path small.bin --timeout 4
	pair_cap_off
	pair_counters "$RTR_NS"
	server_stop
	pair_expect "$V_PYTHON (4 s socket timeout) logs in to $V_PROFTPD; an nftables rule on the router drops every SYN to the passive ports ($PASV_MIN-$PASV_MAX), so the data connection never opens; the client gives up on the download and QUITs." \
		--client-check pasv-unreached --server-check pasv-unreached-server-side --fault data-channel-blocked
}

scn_pair_handshake_stall() {
	vsftpd_start pair-handshake-stall
	# The server's SYN-ACKs on port 21 never reach the client.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr $SRV4 tcp sport 21 tcp flags & (syn | ack) == syn | ack counter drop comment "s2c-synack-dropped"
			}
		}
	EOF
	pair_cap_on
	in_cli curl -sS --connect-timeout 12 -o /dev/null "ftp://$SRV4/small.bin" 2>>"$W/log/curl.err" &&
		die "pair-handshake-stall: curl connected"
	pair_cap_off
	pair_counters "$RTR_NS"
	server_stop
	pair_expect "$V_CURL (--connect-timeout 12) connects to $V_VSFTPD while an nftables rule on the router drops every SYN-ACK from port 21: the client's SYNs arrive and are answered, the answers vanish; curl gives up after 12 s." \
		--client-check syn-unanswered --server-check pair-synack-lost --fault handshake-stall
}

scn_pair_nat() {
	vsftpd_start pair-nat
	# The router hides the client behind its own server-side address and
	# moves its ports into 40000-40999: every connection of the session
	# (control and passive data) has other addresses and ports at the
	# server. The counter counts the connections translated.
	nft_in "$RTR_NS" <<-EOF
		table ip ftpcap_lab {
			chain postrouting {
				type nat hook postrouting priority 100; policy accept;
				ip saddr $CLI4 oifname "$RTR_SRV_IF" meta l4proto tcp counter snat to $RTR_SRV4:40000-40999 random comment "snat-client"
			}
		}
	EOF
	pair_cap_on
	in_cli curl -sS --disable-epsv --connect-timeout 5 \
		-o "$W/dl/small.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" \
		--next -sS --disable-epsv -T "$W/cli/upload.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin"
	pair_cap_off
	pair_counters "$RTR_NS"
	in_rtr conntrack -L -p tcp -o extended >"$W/cap/$SCENARIO.conntrack.txt" 2>/dev/null || true
	server_stop
	pair_expect "$V_CURL (--disable-epsv: PASV) downloads small.bin and uploads upload.bin over one session with $V_VSFTPD through a router that source-NATs the client to $RTR_SRV4, ports 40000-40999 (nftables snat, random)." \
		--client-check pair-clean --server-check pair-clean --fault nat \
		--conntrack "$W/cap/$SCENARIO.conntrack.txt"
}

scn_pair_pasv_nat() {
	# The server sits behind a NAT: the client knows it as 192.0.2.99,
	# which the router translates to the server's own address (dnat). The
	# server, unaware, advertises that own address in its 227; the router
	# lets nothing reach it that it did not translate, so the client's data
	# SYNs to it are dropped. Only the pair shows the translation itself.
	pyftpd_start pair-pasv-nat --anonymous=elr
	in_cli ip route add 192.0.2.0/24 via "$RTR_CLI4"
	nft_in "$RTR_NS" <<-EOF
		table ip ftpcap_lab {
			chain prerouting {
				type nat hook prerouting priority -100; policy accept;
				ip daddr $PAIR_PUBLIC4 tcp dport 21 counter dnat to $SRV4 comment "dnat-server"
			}
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip daddr $SRV4 ct status & dnat == 0 counter drop comment "c2s-private-dropped"
			}
		}
	EOF
	pair_cap_on
	in_cli lftp -c "$LFTP_BASE; set net:timeout 8; open ftp://$PAIR_PUBLIC4; get small.bin -o $W/dl/small.bin; bye" \
		>>"$W/log/lftp.out" 2>&1 && die "pair-pasv-nat: lftp succeeded"
	pair_cap_off
	pair_counters "$RTR_NS"
	in_rtr conntrack -L -p tcp -o extended >"$W/cap/$SCENARIO.conntrack.txt" 2>/dev/null || true
	server_stop
	pair_expect "$V_LFTP (net:timeout 8, one try) downloads small.bin from $V_PYFTPDLIB, which the client knows as $PAIR_PUBLIC4: the router translates that address to the server's own $SRV4 (nftables dnat) and drops every packet to $SRV4 it did not translate; the server advertises $SRV4 in its 227, as a server behind NAT without an FTP-aware helper does." \
		--client-check pair-pasv-nat-client --server-check pair-pasv-unreached-server --fault pasv-nat \
		--conntrack "$W/cap/$SCENARIO.conntrack.txt"
}

# pair_cut_receiver SIDE FILTER: delete from SIDE's file three of the data
# segments that SIDE received (those FILTER selects: the 3rd, 7th and 11th),
# segments its host acknowledged; the whole file is kept as
# <file>.full.pcap for pairs.py. Capture loss, not network loss.
pair_cut_receiver() {
	local side=$1 filter=$2 file="$W/cap/$SCENARIO-$1.pcap" frames
	mapfile -t frames < <(tshark -r "$file" -n -Y "$filter" -T fields -e frame.number | sed -n '3p;7p;11p')
	((${#frames[@]} == 3)) || die "$SCENARIO: fewer than 11 data segments to the $side"
	cp "$file" "$W/cap/$SCENARIO-$side.full.pcap"
	editcap "$W/cap/$SCENARIO-$side.full.pcap" "$file" "${frames[@]}" || die "$SCENARIO: editcap failed"
	log "$SCENARIO: deleted frames ${frames[*]} from the $side's file"
}

scn_pair_capture_loss() {
	vsftpd_start pair-capture-loss
	pair_cap_on
	in_cli curl -sS --disable-epsv --connect-timeout 5 \
		-o "$W/dl/small.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" \
		--next -sS --disable-epsv -T "$W/cli/upload.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin"
	pair_cap_off
	server_stop
	# The client's file loses three of the downloaded segments, the
	# server's three of the uploaded ones: each point misses packets its
	# own host received and acknowledged.
	pair_cut_receiver client "ip.src == $SRV4 && tcp.srcport >= $PASV_MIN && tcp.srcport <= $PASV_MAX && tcp.len > 0"
	pair_cut_receiver server "ip.src == $CLI4 && tcp.dstport >= $PASV_MIN && tcp.dstport <= $PASV_MAX && tcp.len > 0"
	pair_expect "$V_CURL (--disable-epsv: PASV) downloads small.bin and uploads upload.bin over one session with $V_VSFTPD through one router, nothing injected; afterwards three of the downloaded data segments are deleted from the client's file and three of the uploaded ones from the server's (editcap): capture loss at the receiving point of packets the receiver acknowledged, no network loss." \
		--client-check pair-clean --server-check pair-clean --fault capture-loss \
		--full "client=$W/cap/$SCENARIO-client.full.pcap" --full "server=$W/cap/$SCENARIO-server.full.pcap"
}
