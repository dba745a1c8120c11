# The lab's scenarios: one function scn_<name> per capture.
#
# Each function starts a server, starts the capture (cap_on), runs the
# clients, stops both, and calls expect_from_capture with one sentence
# saying what was done. run.sh runs them in order of SCENARIOS.

SCENARIOS=(
	clean-pasv clean-epsv clean-active-port clean-active-eprt ipv6 multi-session nonstd-port
	login-failures file-unavailable max-clients connection-refused
	idle-timeout permission-denied data-connection-failed transfer-aborted
	command-rejected sequence-error client-abort client-killed server-close server-reset
)

# lftp without TLS probing (the servers here have none, and an AUTH TLS
# refusal would put an error reply into every "clean" capture), one try only.
LFTP_BASE='set ftp:ssl-allow no; set ftp:use-site-utime no; set ftp:use-site-utime2 no; set net:max-retries 1; set net:timeout 10; set cmd:fail-exit yes; set xfer:clobber yes'

cli_py() { in_cli /usr/bin/python3 "$LAB_DIR/ftpclient.py" "$@"; }
spawn_cli_py() { spawn "$CLI_NS" /usr/bin/python3 "$LAB_DIR/ftpclient.py" "$@"; }

# --- clean sessions ------------------------------------------------------

scn_clean_pasv() {
	vsftpd_start clean-pasv
	cap_on server pcap
	in_cli curl -sS --disable-epsv --connect-timeout 5 \
		-o "$W/dl/small.bin" "ftp://$SRV4/small.bin" \
		-o "$W/dl/list.txt" "ftp://$SRV4/"
	capture_stop
	server_stop
	expect_from_capture "Anonymous passive (PASV) download of small.bin and a LIST of / over one control connection with $V_CURL (--disable-epsv) against $V_VSFTPD, then QUIT; captured on the server's veth with $V_TCPDUMP."
}

scn_clean_epsv() {
	pyftpd_start clean-epsv --user="$LAB_USER:$LAB_PASS:elradfmw"
	cap_on client pcapng
	# One curl run, one control connection (--next keeps curl's connection
	# cache): the download, then the upload.
	in_cli curl -sS --connect-timeout 5 --ftp-pasv \
		-o "$W/dl/medium.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/medium.bin" \
		--next -sS --ftp-pasv -T "$W/cli/upload.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin"
	capture_stop
	server_stop
	expect_from_capture "Logged-in session with $V_CURL (--ftp-pasv, which tries EPSV first) against $V_PYFTPDLIB: EPSV download of medium.bin and EPSV upload of upload.bin over one control connection, then QUIT; captured on the client's veth with $V_DUMPCAP as pcapng."
}

scn_clean_active_port() {
	vsftpd_start clean-active-port
	cap_on rtr-server pcap
	in_cli lftp -c "$LFTP_BASE; set ftp:passive-mode off; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get medium.bin -o $W/dl/medium.bin; bye"
	capture_stop
	server_stop
	expect_from_capture "Logged-in session with $V_LFTP in active mode (ftp:passive-mode off, PORT) downloading medium.bin from $V_VSFTPD, which connects back from port 20; captured on the router's server-side veth with $V_TCPDUMP."
}

scn_clean_active_eprt() {
	pyftpd_start clean-active-eprt --anonymous=elr
	cap_on server pcap
	in_cli curl -sS --connect-timeout 5 -P "$CLI4" -o "$W/dl/small.bin" "ftp://$SRV4/small.bin"
	capture_stop
	server_stop
	expect_from_capture "Anonymous active-mode download of small.bin with $V_CURL (-P $CLI4, which sends EPRT) from $V_PYFTPDLIB; captured on the server's veth with $V_TCPDUMP."
}

scn_ipv6() {
	vsftpd_start ipv6 listen=NO listen_ipv6=YES
	cap_on rtr-server pcap
	in_cli lftp -c "$LFTP_BASE; open -u $LAB_USER,$LAB_PASS ftp://[$SRV6];
		get small.bin -o $W/dl/small.bin; put $W/cli/upload.bin -o upload.bin;
		set ftp:passive-mode off; get medium.bin -o $W/dl/medium.bin; bye"
	capture_stop
	server_stop
	expect_from_capture "IPv6 session ([$CLI6] to [$SRV6]) with $V_LFTP against $V_VSFTPD (listen_ipv6): EPSV download and upload, then active EPRT download, then QUIT; captured on the router's server-side veth with $V_TCPDUMP."
}

scn_multi_session() {
	vsftpd_start multi-session
	cap_on client sll2
	spawn "$CLI_NS" curl -sS --connect-timeout 5 -o "$W/dl/small.bin" "ftp://$SRV4/small.bin"
	local curl_pid=$SPAWNED
	spawn "$CLI_NS" lftp -c "$LFTP_BASE; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get medium.bin -o $W/dl/medium.bin; bye"
	local lftp_pid=$SPAWNED
	reap "$curl_pid"
	reap "$lftp_pid"
	printf 'user %s %s\nbinary\nget readme.txt %s\nls\nbye\n' "$LAB_USER" "$LAB_PASS" \
		"$W/dl/readme.txt" | in_cli tnftp -n -p "$SRV4" >>"$W/log/tnftp.out"
	in_cli /usr/bin/python3 -c '
import ftplib, sys
f = ftplib.FTP(sys.argv[1], "anonymous", "lab@example.com", timeout=10)
f.retrbinary("RETR small.bin", lambda b: None)
f.quit()' "$SRV4"
	capture_stop
	server_stop
	expect_from_capture "Four sessions against $V_VSFTPD in one capture: $V_CURL (anonymous EPSV download) and $V_LFTP (logged-in download) at the same time, then $V_TNFTP (logged-in download and ls) and $V_PYTHON (anonymous download); captured in the client namespace with $V_TCPDUMP -i any (Linux cooked v2)."
}

scn_nonstd_port() {
	pyftpd_start nonstd-port --port=2121 --user="$LAB_USER:$LAB_PASS:elr"
	cap_on server pcap
	printf 'user %s %s\nbinary\nget small.bin %s\nbye\n' "$LAB_USER" "$LAB_PASS" "$W/dl/small.bin" |
		in_cli tnftp -n -p "$SRV4" 2121 >>"$W/log/tnftp.out"
	capture_stop
	server_stop
	CTRL_PORT=2121 expect_from_capture "$V_PYFTPDLIB listening on TCP port 2121; $V_TNFTP logs in, downloads small.bin in passive mode and QUITs; captured on the server's veth with $V_TCPDUMP."
}

# --- server policy ---------------------------------------------------------

scn_login_failures() {
	vsftpd_start login-failures max_login_fails=3 delay_failed_login=1
	cap_on client pcap
	cli_py --host "$SRV4" login-failures
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON sends USER $LAB_USER with a wrong password again and again to $V_VSFTPD (max_login_fails=3, delay_failed_login=1) until the server closes the session; captured on the client's veth with $V_TCPDUMP."
}

scn_file_unavailable() {
	pyftpd_start file-unavailable --user="$LAB_USER:$LAB_PASS:elr"
	cap_on server pcapng
	cli_py --host "$SRV4" --password "$LAB_PASS" file-unavailable --missing missing.bin --path small.bin
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PYFTPDLIB, RETRs missing.bin (550), then RETRs small.bin and QUITs; captured on the server's veth with $V_DUMPCAP as pcapng."
}

scn_max_clients() {
	vsftpd_start max-clients max_clients=2
	cap_on server pcap
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" hold --seconds 4
	local h1=$SPAWNED
	sleep 0.5
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" hold --seconds 3.5
	local h2=$SPAWNED
	sleep 1
	in_cli curl -sS --connect-timeout 5 -o /dev/null "ftp://$SRV4/small.bin" 2>>"$W/log/curl.err" &&
		die "max-clients: the third client was let in"
	reap "$h1"
	reap "$h2"
	capture_stop
	server_stop
	expect_from_capture "$V_VSFTPD with max_clients=2: two $V_PYTHON sessions log in and stay; a third connection from $V_CURL is turned away, then the first two QUIT; captured on the server's veth with $V_TCPDUMP."
}

scn_connection_refused() {
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 -o /dev/null "ftp://$SRV4/small.bin" 2>>"$W/log/curl.err" &&
		die "connection-refused: something answered on port 21"
	capture_stop
	expect_from_capture "$V_CURL connects to port 21 of the server host where no FTP server runs (nothing listening); captured on the client's veth with $V_TCPDUMP."
}

scn_idle_timeout() {
	vsftpd_start idle-timeout idle_session_timeout=5
	cap_on rtr-server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" idle --seconds 20
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_VSFTPD (idle_session_timeout=5) and then sends nothing until the server ends the session; captured on the router's server-side veth with $V_TCPDUMP."
}

scn_permission_denied() {
	vsftpd_start permission-denied write_enable=NO
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 -T "$W/cli/upload.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin" 2>>"$W/log/curl.err" &&
		die "permission-denied: the upload was accepted"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL logs in to $V_VSFTPD (write_enable=NO) and tries to upload upload.bin with STOR, which is refused; curl then QUITs; captured on the client's veth with $V_TCPDUMP."
}

# --- protocol ----------------------------------------------------------------

scn_data_connection_failed() {
	vsftpd_start data-connection-failed
	cap_on server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" port-to-closed \
		--client-addr "$CLI4" --data-port 40999 --path small.bin
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_VSFTPD, sends PORT for client port 40999 where nothing listens, then RETR small.bin; the server's connect from port 20 is refused; the client then QUITs; captured on the server's veth with $V_TCPDUMP."
}

scn_transfer_aborted() {
	vsftpd_start transfer-aborted
	# A firewall on the router kills the data connection from the server's
	# side only: once ~60 KB have passed, the server's next data segment is
	# answered with a RST that claims to come from the client, and every RST
	# the server sends back on its data ports is dropped. The client-side
	# capture therefore shows data stopping, then 426, and no reset from the
	# server.
	in_rtr nft -f - <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				ip saddr $SRV4 tcp sport $PASV_MIN-$PASV_MAX tcp flags & (rst) != 0 drop
				ip saddr $SRV4 tcp sport $PASV_MIN-$PASV_MAX ct reply bytes > 60000 reject with tcp reset
			}
		}
	EOF
	cap_on client pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" watch-download --path slow.bin
	capture_stop
	server_stop
	in_rtr nft delete table inet ftpcap_lab
	expect_from_capture "$V_PYTHON logs in to $V_VSFTPD and downloads slow.bin (PASV) while watching the control connection; after ~60 KB an nftables rule on the router resets the server's side of the data connection (a RST towards the server only, and the server's own RSTs dropped); the client gets 426, resets its data socket and QUITs; captured on the client's veth with $V_TCPDUMP, which sees none of the resets towards the server."
}

scn_command_rejected() {
	pyftpd_start command-rejected --user="$LAB_USER:$LAB_PASS:elr"
	cap_on server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" bad-commands "XYZZY" "SITE FROBNICATE" "HELO ftp.example"
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PYFTPDLIB, sends commands the server does not implement, and closes the connection without QUIT; captured on the server's veth with $V_TCPDUMP."
}

scn_sequence_error() {
	vsftpd_start sequence-error
	cap_on rtr-server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" pass-without-user
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON sends PASS before any USER to $V_VSFTPD, gets the sequence error and closes without QUIT; captured on the router's server-side veth with $V_TCPDUMP."
}

# --- aborts and kills ----------------------------------------------------------

scn_client_abort() {
	vsftpd_start client-abort local_max_rate=50000
	cap_on server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" abort-download --path slow.bin --after 40000
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_VSFTPD (local_max_rate=50000), starts a PASV download of slow.bin, reads 40000 bytes, sends ABOR and closes its data socket, then QUITs; captured on the server's veth with $V_TCPDUMP."
}

scn_client_killed() {
	pyftpd_start client-killed --anonymous=elr --max-rate=25000
	cap_on rtr-server pcap
	spawn "$CLI_NS" lftp -c "$LFTP_BASE; open ftp://$SRV4; get slow.bin -o $W/dl/slow.bin; bye"
	local lftp_pid=$SPAWNED
	wait_data_transfer
	sleep 1
	kill -KILL "$lftp_pid"
	reap "$lftp_pid" 2>/dev/null || true
	sleep 2
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP downloads slow.bin anonymously from $V_PYFTPDLIB (throttled with --max-rate 25000) and is killed with SIGKILL 1 s into the transfer; captured on the router's server-side veth with $V_TCPDUMP."
}

scn_server_close() {
	pyftpd_start server-close --anonymous=elr --max-rate=25000
	cap_on client pcap
	spawn "$CLI_NS" curl -sS --connect-timeout 5 --max-time 20 -o "$W/dl/slow.bin" \
		"ftp://$SRV4/slow.bin" 2>>"$W/log/curl.err"
	local curl_pid=$SPAWNED
	wait_data_transfer
	sleep 1
	kill -KILL "$SERVER_PID"
	reap "$curl_pid" && die "server-close: curl reported success"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL downloads slow.bin (EPSV) from $V_PYFTPDLIB (throttled with --max-rate 25000); 1 s into the transfer the server process is killed with SIGKILL; captured on the client's veth with $V_TCPDUMP."
}

scn_server_reset() {
	# The client sends at ~60 KB/s and vsftpd reads at most 20 KB/s (in
	# 64 KB bursts), so when the session is killed the server's receive
	# buffer holds unread bytes (hence RST, not FIN) while its window is
	# still open (so the capture is not a zero-window stall).
	vsftpd_start server-reset local_max_rate=20000
	cap_on server sll2
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" upload \
		--path "$W/cli/big.bin" --name big.bin --rate 60000
	local up_pid=$SPAWNED
	wait_data_transfer
	sleep 2
	server_kill_sessions
	reap "$up_pid" || true
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON uploads big.bin (600000 bytes; PASV, STOR) at ~60 KB/s to $V_VSFTPD (local_max_rate=20000, so the server reads more slowly than the client sends); 2 s into the transfer the vsftpd session processes (both halves, stopped first) are killed with SIGKILL; captured in the server namespace with $V_TCPDUMP -i any (Linux cooked v2)."
}
