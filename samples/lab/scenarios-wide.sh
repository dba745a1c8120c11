# The lab widened to servers, clients and captures the first samples did
# not have: ProFTPD and Pure-FTPd (run from private trees, lib/private.sh),
# wget, FTPS with protected data and implicit FTPS, IPv6 on every server,
# and capture variants (short snap length, capture loss, rotated files, a
# router). One function scn_<name> per capture, as in scenarios.sh.

SCENARIOS+=(
	curl-missing-file wget-pureftpd wget-proftpd wget-vsftpd lftp-pret-missing
	proftpd-permission-denied proftpd-missing-dir proftpd-file-unavailable
	proftpd-max-clients proftpd-idle-timeout proftpd-login-failures
	pureftpd-max-clients
	port-refused proftpd-port-refused pasv-unreached pasv-unreached-server-side retr-then-quit
	ftps-vsftpd ftps-proftpd ftps-implicit ftps-lftp-vsftpd ftps-close-notify-rst
	snaplen-pret-missing capture-loss rotated-client-abort
	clean-proftpd-modes clean-pureftpd-modes pureftpd-disk-full ftps-pureftpd
	proftpd-server-killed lftp-mlsd-ipv6 pureftpd-client-killed ftps-implicit-proftpd
	hostile-names
)

SCENARIO_TOPOLOGY[clean-proftpd-modes]=two

# --- a refused file, learned before RETR ---------------------------------------

scn_curl_missing_file() {
	vsftpd_start curl-missing-file
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 -o "$W/dl/missing.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/missing.bin" 2>>"$W/log/curl.err" &&
		die "curl-missing-file: curl reported success"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL logs in to $V_VSFTPD and asks for missing.bin, which does not exist; curl learns it before any RETR and gives up; captured on the client's veth with $V_TCPDUMP."
}

scn_lftp_pret_missing() {
	pureftpd_start lftp-pret-missing
	cap_on server pcap
	in_cli lftp -c "$LFTP_BASE; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get missing.bin -o $W/dl/missing.bin; bye" >>"$W/log/lftp.out" 2>&1 &&
		die "lftp-pret-missing: lftp reported success"
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP logs in to $V_PUREFTPD and asks for missing.bin, which does not exist (lftp sends PRET RETR first where the server offers PRET); lftp then leaves; captured on the server's veth with $V_TCPDUMP."
}

# --- clients that leave without QUIT -------------------------------------------

# wget_session SERVER: wget logs in and downloads small.bin, then closes
# the control connection without QUIT (its habit).
wget_session() {
	in_cli wget -q --tries=1 --timeout=10 -O "$W/dl/small.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" 2>>"$W/log/wget.err" ||
		die "$SCENARIO: wget failed"
}

scn_wget_pureftpd() {
	pureftpd_start wget-pureftpd
	cap_on client pcap
	wget_session
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_WGET logs in to $V_PUREFTPD, downloads small.bin in passive mode and closes the control connection without QUIT; captured on the client's veth with $V_TCPDUMP."
}

scn_wget_proftpd() {
	proftpd_start wget-proftpd
	cap_on server pcap
	wget_session
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_WGET logs in to $V_PROFTPD, downloads small.bin in passive mode and closes the control connection without QUIT; captured on the server's veth with $V_TCPDUMP."
}

scn_wget_vsftpd() {
	vsftpd_start wget-vsftpd
	cap_on rtr-client pcap
	wget_session
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_WGET logs in to $V_VSFTPD, downloads small.bin in passive mode and closes the control connection without QUIT; captured on the router's client-side veth with $V_TCPDUMP."
}

# --- ProFTPD refusing, limiting and timing out ----------------------------------

scn_proftpd_permission_denied() {
	proftpd_start proftpd-permission-denied
	# The jail is the server's, not the user's: the upload fails on the
	# file system's permissions (EACCES), as on a read-only share.
	chown root: "$W/srv/home"
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 -T "$W/cli/upload.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin" 2>>"$W/log/curl.err" &&
		die "proftpd-permission-denied: the upload was accepted"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL logs in to $V_PROFTPD and uploads upload.bin into a directory the user may not write (owned by root, mode 755); curl then QUITs; captured on the client's veth with $V_TCPDUMP."
}

scn_proftpd_missing_dir() {
	proftpd_start proftpd-missing-dir
	cap_on server pcap
	# nocwd: curl names the whole path in STOR instead of walking into
	# the directory with CWD first.
	in_cli curl -sS --connect-timeout 5 --ftp-method nocwd -T "$W/cli/upload.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/no-such-dir/upload.bin" 2>>"$W/log/curl.err" &&
		die "proftpd-missing-dir: the upload was accepted"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--ftp-method nocwd) logs in to $V_PROFTPD and uploads upload.bin as no-such-dir/upload.bin, a directory that does not exist; curl then QUITs; captured on the server's veth with $V_TCPDUMP."
}

scn_proftpd_file_unavailable() {
	proftpd_start proftpd-file-unavailable
	cap_on client pcap
	printf 'user %s %s\nbinary\nget missing.bin %s\nget small.bin %s\nbye\n' "$LAB_USER" "$LAB_PASS" \
		"$W/dl/missing.bin" "$W/dl/small.bin" | in_cli tnftp -n -p "$SRV4" >>"$W/log/tnftp.out" 2>&1
	capture_stop
	server_stop
	expect_from_capture "$V_TNFTP logs in to $V_PROFTPD, asks for missing.bin (which does not exist), then downloads small.bin and QUITs; captured on the client's veth with $V_TCPDUMP."
}

scn_proftpd_max_clients() {
	proftpd_start proftpd-max-clients "MaxClients 2"
	cap_on server pcap
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" hold --seconds 4
	local h1=$SPAWNED
	sleep 0.5
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" hold --seconds 3.5
	local h2=$SPAWNED
	sleep 1
	in_cli curl -sS --connect-timeout 5 -o /dev/null "ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" \
		2>>"$W/log/curl.err" && die "proftpd-max-clients: the third client was let in"
	reap "$h1"
	reap "$h2"
	capture_stop
	server_stop
	expect_from_capture "$V_PROFTPD with MaxClients 2: two $V_PYTHON sessions log in and stay; a third session from $V_CURL is turned away, then the first two QUIT; captured on the server's veth with $V_TCPDUMP."
}

scn_proftpd_idle_timeout() {
	proftpd_start proftpd-idle-timeout "TimeoutIdle 5"
	cap_on client pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" idle --seconds 20
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PROFTPD (TimeoutIdle 5) and then sends nothing until the server ends the session; captured on the client's veth with $V_TCPDUMP."
}

scn_proftpd_login_failures() {
	proftpd_start proftpd-login-failures "MaxLoginAttempts 3"
	cap_on server pcap
	cli_py --host "$SRV4" login-failures
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON sends USER $LAB_USER with a wrong password again and again to $V_PROFTPD (MaxLoginAttempts 3) until the server closes the session; captured on the server's veth with $V_TCPDUMP."
}

# --- Pure-FTPd limiting ----------------------------------------------

scn_pureftpd_max_clients() {
	pureftpd_start pureftpd-max-clients --maxclientsnumber 2
	cap_on server pcap
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" hold --seconds 4
	local h1=$SPAWNED
	sleep 0.5
	spawn_cli_py --host "$SRV4" --password "$LAB_PASS" hold --seconds 3.5
	local h2=$SPAWNED
	sleep 1
	in_cli curl -sS --connect-timeout 5 -o /dev/null "ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" \
		2>>"$W/log/curl.err" && die "pureftpd-max-clients: the third client was let in"
	reap "$h1"
	reap "$h2"
	capture_stop
	server_stop
	expect_from_capture "$V_PUREFTPD with --maxclientsnumber 2: two $V_PYTHON sessions log in and stay; a third connection from $V_CURL is turned away, then the first two QUIT; captured on the server's veth with $V_TCPDUMP."
}

# --- a data channel that never worked, then a polite QUIT -------------------------

scn_port_refused() {
	vsftpd_start port-refused port_enable=NO
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 -P "$CLI4" -o "$W/dl/small.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" 2>>"$W/log/curl.err" &&
		die "port-refused: the download worked"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (-P $CLI4: active mode, EPRT then PORT) logs in to $V_VSFTPD with port_enable=NO, which refuses both; curl then QUITs; captured on the client's veth with $V_TCPDUMP."
}

scn_proftpd_port_refused() {
	proftpd_start proftpd-port-refused "<Limit EPRT PORT>" "DenyAll" "</Limit>"
	cap_on server pcap
	in_cli curl -sS --connect-timeout 5 -P "$CLI4" -o "$W/dl/small.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" 2>>"$W/log/curl.err" &&
		die "proftpd-port-refused: the download worked"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (-P $CLI4: active mode, EPRT then PORT) logs in to $V_PROFTPD with <Limit EPRT PORT> DenyAll; curl then QUITs; captured on the server's veth with $V_TCPDUMP."
}

scn_pasv_unreached() {
	proftpd_start pasv-unreached
	# The router drops every packet to the passive ports: the client's
	# data SYNs go unanswered while the control connection works.
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				tcp dport $PASV_MIN-$PASV_MAX drop
			}
		}
	EOF
	cap_on client pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" get-or-quit --path small.bin --timeout 4
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON (4 s socket timeout) logs in to $V_PROFTPD; a firewall on the router drops every packet to the passive ports ($PASV_MIN-$PASV_MAX), so the data connection to the PASV port never opens; the client gives up on the download and QUITs; captured on the client's veth with $V_TCPDUMP."
}

scn_pasv_unreached_server_side() {
	proftpd_start pasv-unreached-server-side
	nft_in "$RTR_NS" <<-EOF
		table inet ftpcap_lab {
			chain forward {
				type filter hook forward priority 0; policy accept;
				tcp dport $PASV_MIN-$PASV_MAX drop
			}
		}
	EOF
	cap_on server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" get-or-quit --path small.bin --timeout 4
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON (4 s socket timeout) logs in to $V_PROFTPD; a firewall on the router drops every packet to the passive ports ($PASV_MIN-$PASV_MAX), so no data SYN reaches the server; the client gives up on the download and QUITs; captured on the server's veth with $V_TCPDUMP, where no data connection appears at all."
}

# --- a transfer answered only by 1xx, then QUIT -------------------------------------

scn_retr_then_quit() {
	pyftpd_start retr-then-quit --user="$LAB_USER:$LAB_PASS:elr" --max-rate=25000
	cap_on server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" retr-then-quit --path slow.bin --after 8000 --wait 12
	sleep 1
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PYFTPDLIB (throttled with --max-rate 25000), starts a PASV download of slow.bin (4 KB receive buffer), reads the 150 and 8000 bytes, then sends QUIT without reading any more data; on the 221 it closes both connections; captured on the server's veth with $V_TCPDUMP."
}

# --- FTPS: protected data (PROT P) and implicit FTPS ----------------------------------

scn_ftps_vsftpd() {
	make_cert vsftpd
	vsftpd_start ftps-vsftpd ssl_enable=YES rsa_cert_file="$W/etc/vsftpd.pem" \
		rsa_private_key_file="$W/etc/vsftpd.pem" force_local_logins_ssl=YES \
		force_local_data_ssl=YES require_ssl_reuse=NO
	cap_on client pcap
	in_cli curl -sS --connect-timeout 5 --ssl-reqd -k --tls-max 1.2 -o "$W/dl/small.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" -o "$W/dl/list.txt" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/" 2>>"$W/log/curl.err" || die "ftps-vsftpd: curl failed"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--ssl-reqd -k --tls-max 1.2) logs in to $V_VSFTPD (ssl_enable, force_local_logins_ssl, force_local_data_ssl; self-signed certificate made by $V_OPENSSL) with AUTH TLS, PBSZ 0, PROT P, downloads small.bin and lists / over TLS data connections, then QUITs; captured on the client's veth with $V_TCPDUMP."
}

scn_ftps_proftpd() {
	make_cert proftpd
	local tls
	mapfile -t tls < <(proftpd_tls "$W/etc/proftpd.pem" on)
	proftpd_start ftps-proftpd "${tls[@]}"
	cap_on server pcap
	in_cli lftp -c "set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no;
		set ftp:use-site-utime no; set ftp:use-site-utime2 no; set net:max-retries 1; set net:timeout 10;
		set cmd:fail-exit yes; set xfer:clobber yes; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get small.bin -o $W/dl/small.bin; put $W/cli/upload.bin -o upload.bin; bye" \
		>>"$W/log/lftp.out" 2>&1 || die "ftps-proftpd: lftp failed"
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP (ftp:ssl-force, ftp:ssl-protect-data) logs in to $V_PROFTPD (mod_tls, TLSRequired on, TLS 1.2; self-signed certificate made by $V_OPENSSL) with AUTH TLS and PROT P, downloads small.bin and uploads upload.bin over TLS data connections, then QUITs; captured on the server's veth with $V_TCPDUMP."
}

scn_ftps_implicit() {
	make_cert vsftpd
	vsftpd_start ftps-implicit listen_port=990 ssl_enable=YES implicit_ssl=YES \
		rsa_cert_file="$W/etc/vsftpd.pem" rsa_private_key_file="$W/etc/vsftpd.pem" \
		force_local_logins_ssl=YES force_local_data_ssl=YES require_ssl_reuse=NO
	cap_on server pcap
	in_cli curl -sS --connect-timeout 5 -k --tls-max 1.2 -o "$W/dl/small.bin" \
		"ftps://$LAB_USER:$LAB_PASS@$SRV4:990/small.bin" 2>>"$W/log/curl.err" ||
		die "ftps-implicit: curl failed"
	capture_stop
	server_stop
	CTRL_PORT=990 expect_from_capture "$V_CURL (ftps://, -k --tls-max 1.2) against $V_VSFTPD with implicit_ssl on port 990 (TLS from the first byte; self-signed certificate made by $V_OPENSSL): login, PROT P download of small.bin, QUIT; captured on the server's veth with $V_TCPDUMP."
}

scn_ftps_lftp_vsftpd() {
	make_cert vsftpd
	vsftpd_start ftps-lftp-vsftpd ssl_enable=YES rsa_cert_file="$W/etc/vsftpd.pem" \
		rsa_private_key_file="$W/etc/vsftpd.pem" force_local_logins_ssl=YES \
		force_local_data_ssl=YES require_ssl_reuse=NO
	cap_on client pcap
	in_cli lftp -c "set ftp:ssl-force yes; set ftp:ssl-protect-data yes; set ssl:verify-certificate no;
		set ssl:priority NORMAL:-VERS-TLS1.3; set net:max-retries 1; set net:timeout 10;
		set cmd:fail-exit yes; set xfer:clobber yes; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get small.bin -o $W/dl/small.bin; put $W/cli/upload.bin -o upload.bin; ls; bye" \
		>>"$W/log/lftp.out" 2>&1 || die "ftps-lftp-vsftpd: lftp failed"
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP (ftp:ssl-force, ftp:ssl-protect-data, TLS 1.2) logs in to $V_VSFTPD (ssl_enable, force_local_data_ssl; self-signed certificate made by $V_OPENSSL) with AUTH TLS and PROT P, downloads small.bin, uploads upload.bin and lists /, then QUITs; captured on the client's veth with $V_TCPDUMP."
}

scn_ftps_close_notify_rst() {
	make_cert vsftpd
	vsftpd_start ftps-close-notify-rst ssl_enable=YES rsa_cert_file="$W/etc/vsftpd.pem" \
		rsa_private_key_file="$W/etc/vsftpd.pem" force_local_logins_ssl=YES \
		force_local_data_ssl=YES require_ssl_reuse=NO
	cap_on server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" tls-get-reset --path small.bin --size 20000 \
		--then readme.txt
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON (ftplib.FTP_TLS, TLS 1.2, PROT P) logs in to $V_VSFTPD (ssl_enable, force_local_data_ssl; self-signed certificate made by $V_OPENSSL), downloads small.bin and ends that data connection with its close_notify and then SO_LINGER 0 (RST, no FIN), reads the 226, downloads readme.txt the ordinary way and QUITs; captured on the server's veth with $V_TCPDUMP."
}

# --- capture variants ------------------------------------------------------------------

scn_snaplen_pret_missing() {
	pureftpd_start snaplen-pret-missing
	CAPTURE_SNAPLEN=96 cap_on server pcap
	in_cli lftp -c "$LFTP_BASE; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get missing.bin -o $W/dl/missing.bin; bye" >>"$W/log/lftp.out" 2>&1 &&
		die "snaplen-pret-missing: lftp reported success"
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP logs in to $V_PUREFTPD and asks for missing.bin, which does not exist (SIZE, MDTM, PRET RETR), then leaves; captured on the server's veth with $V_TCPDUMP -s 96, so each frame keeps only 30 bytes of TCP payload and longer replies (Pure-FTPd's multi-line banner, its 550 texts) are cut."
}

scn_capture_loss() {
	proftpd_start capture-loss
	cap_on server pcap
	in_cli curl -sS --connect-timeout 5 -o "$W/dl/medium.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/medium.bin" \
		--next -sS -T "$W/cli/upload.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin" ||
		die "capture-loss: curl failed"
	capture_stop
	server_stop
	# The network lost nothing (curl and ProFTPD saw every packet); the
	# capture file loses 4 % of its frames, chosen with a fixed seed.
	local full="$CAPTURE_OUT.full"
	mv "$CAPTURE_OUT" "$full"
	/usr/bin/python3 "$LAB_DIR/droppackets.py" "$full" "$CAPTURE_OUT" 4 9 >"$W/log/dropped.txt" ||
		die "capture-loss: could not drop frames"
	expect_from_capture "$V_CURL logs in to $V_PROFTPD, downloads medium.bin and uploads upload.bin (EPSV) over one control connection, then QUITs; captured on the server's veth with $V_TCPDUMP, then 4 % of the frames ($(wc -w <"$W/log/dropped.txt") of $(capinfos -c -M "$full" | awk 'END {print $NF}'), chosen by lab/droppackets.py with seed 9) deleted from the file: capture loss, not network loss."
}

scn_rotated_client_abort() {
	vsftpd_start rotated-client-abort local_max_rate=25000
	CAPTURE_ROTATE=1 cap_on server pcap
	cli_py --host "$SRV4" --password "$LAB_PASS" abort-download --path slow.bin --after 150000
	sleep 1
	CAPTURE_ROTATE=1 capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_VSFTPD (local_max_rate=25000), starts a PASV download of slow.bin, reads 150000 bytes, sends ABOR and closes its data socket, then QUITs; captured on the server's veth with $V_TCPDUMP -G 1 (a new file every second), files with no packet dropped and the others numbered as tcpdump -C numbers them: rotated-client-abort.pcap, .pcap1, .pcap2…"
}

# --- clean sessions in every data mode, IPv4 and IPv6 ----------------------------------

# curl_modes: six anonymous-free sessions with curl, one per data mode and
# family: EPSV, PASV, EPRT and PORT over IPv4, EPSV and EPRT over IPv6;
# each downloads small.bin and QUITs.
curl_modes() {
	local url4="ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" url6="ftp://$LAB_USER:$LAB_PASS@[$SRV6]/small.bin"
	# 30 s: Pure-FTPd sometimes takes seconds to answer a good PASS here.
	local c=(curl -sS --connect-timeout 30 -o "$W/dl/small.bin")
	in_cli "${c[@]}" "$url4" &&
		in_cli "${c[@]}" --disable-epsv "$url4" &&
		in_cli "${c[@]}" -P "$CLI4" "$url4" &&
		in_cli "${c[@]}" -P "$CLI4" --disable-eprt "$url4" &&
		in_cli "${c[@]}" -g "$url6" &&
		in_cli "${c[@]}" -g -P "$CLI6" "$url6" ||
		die "$SCENARIO: a curl session failed"
}

scn_clean_proftpd_modes() {
	proftpd_start clean-proftpd-modes
	cap_on middle pcap
	curl_modes
	capture_stop
	server_stop
	expect_from_capture "Six sessions of $V_CURL against $V_PROFTPD, each downloading small.bin and QUITting: EPSV, PASV (--disable-epsv), EPRT (-P), PORT (-P --disable-eprt) over IPv4, then EPSV and EPRT over IPv6; captured on the router-to-router link (two routers, a middle capture) with $V_TCPDUMP."
}

scn_clean_pureftpd_modes() {
	pureftpd_start clean-pureftpd-modes
	cap_on server pcap
	curl_modes
	capture_stop
	server_stop
	expect_from_capture "Six sessions of $V_CURL against $V_PUREFTPD, each downloading small.bin and QUITting: EPSV, PASV (--disable-epsv), EPRT (-P), PORT (-P --disable-eprt) over IPv4, then EPSV and EPRT over IPv6; captured on the server's veth with $V_TCPDUMP."
}

scn_pureftpd_disk_full() {
	# --maxdiskusagepct 1: uploads are refused once the file system holding
	# the user's directory is more than 1 % full (the lab's always is): the
	# server's "disk full" refusal without filling a disk.
	pureftpd_start pureftpd-disk-full --maxdiskusagepct 1
	cap_on client pcap
	in_cli curl -sS --connect-timeout 30 -T "$W/cli/upload.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin" 2>>"$W/log/curl.err" &&
		die "pureftpd-disk-full: the upload was accepted"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL logs in to $V_PUREFTPD (--maxdiskusagepct 1, with the served file system more than 1 % full) and uploads upload.bin, which the server refuses; curl then QUITs; captured on the client's veth with $V_TCPDUMP."
}

scn_ftps_pureftpd() {
	make_cert pureftpd
	pureftpd_start ftps-pureftpd --tls 3 --certfile "$W/etc/pureftpd.pem"
	cap_on client pcap
	in_cli curl -sS --connect-timeout 30 --ssl-reqd -k --tls-max 1.2 -o "$W/dl/small.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/small.bin" --next -sS --connect-timeout 30 --ssl-reqd -k \
		--tls-max 1.2 -T "$W/cli/upload.bin" "ftp://$LAB_USER:$LAB_PASS@$SRV4/upload.bin" \
		2>>"$W/log/curl.err" || die "ftps-pureftpd: curl failed"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL (--ssl-reqd -k --tls-max 1.2) logs in to $V_PUREFTPD (--tls 3: TLS required on control and data; self-signed certificate made by $V_OPENSSL) with AUTH TLS and PROT P, downloads small.bin and uploads upload.bin, then QUITs; captured on the client's veth with $V_TCPDUMP."
}

# --- more crossings: a killed ProFTPD session, MLSD over IPv6 --------------------------

scn_proftpd_server_killed() {
	proftpd_start proftpd-server-killed "TransferRate RETR 25"
	cap_on client pcap
	spawn "$CLI_NS" curl -sS --connect-timeout 5 --max-time 20 -o "$W/dl/slow.bin" \
		"ftp://$LAB_USER:$LAB_PASS@$SRV4/slow.bin" 2>>"$W/log/curl.err"
	local curl_pid=$SPAWNED
	wait_data_transfer
	sleep 1
	server_kill_sessions
	reap "$curl_pid" && die "proftpd-server-killed: curl reported success"
	capture_stop
	server_stop
	expect_from_capture "$V_CURL downloads slow.bin (EPSV) from $V_PROFTPD (TransferRate RETR 25 KB/s); 1 s into the transfer the ProFTPD session process is killed with SIGKILL (the listener lives on); captured on the client's veth with $V_TCPDUMP."
}

scn_lftp_mlsd_ipv6() {
	proftpd_start lftp-mlsd-ipv6
	cap_on server pcap
	in_cli lftp -c "$LFTP_BASE; open -u $LAB_USER,$LAB_PASS ftp://[$SRV6];
		cls -l; get small.bin -o $W/dl/small.bin; put $W/cli/upload.bin -o upload.bin; bye" \
		>>"$W/log/lftp.out" 2>&1 || die "lftp-mlsd-ipv6: lftp failed"
	capture_stop
	server_stop
	expect_from_capture "IPv6 session ([$CLI6] to [$SRV6]) with $V_LFTP against $V_PROFTPD: cls -l (MLSD), download of small.bin and upload of upload.bin (EPSV), then QUIT; captured on the server's veth with $V_TCPDUMP."
}

scn_pureftpd_client_killed() {
	pureftpd_start pureftpd-client-killed --userbandwidth 25
	cap_on client pcap
	spawn "$CLI_NS" lftp -c "$LFTP_BASE; open -u $LAB_USER,$LAB_PASS ftp://$SRV4;
		get slow.bin -o $W/dl/slow.bin; bye"
	local lftp_pid=$SPAWNED
	wait_data_transfer
	sleep 1
	kill -KILL "$lftp_pid"
	reap "$lftp_pid" 2>/dev/null || true
	sleep 2
	capture_stop
	server_stop
	expect_from_capture "$V_LFTP downloads slow.bin from $V_PUREFTPD (--userbandwidth 25 KB/s) and is killed with SIGKILL 1 s into the transfer; captured on the client's veth with $V_TCPDUMP."
}

scn_ftps_implicit_proftpd() {
	make_cert proftpd
	local tls
	mapfile -t tls < <(proftpd_tls "$W/etc/proftpd.pem" on)
	PROFTPD_PORT=990 proftpd_start ftps-implicit-proftpd "${tls[@]}" \
		"TLSOptions UseImplicitSSL NoSessionReuseRequired"
	cap_on client pcap
	in_cli curl -sS --connect-timeout 30 -k --tls-max 1.2 -o "$W/dl/small.bin" \
		"ftps://$LAB_USER:$LAB_PASS@$SRV4:990/small.bin" 2>>"$W/log/curl.err" ||
		die "ftps-implicit-proftpd: curl failed"
	capture_stop
	server_stop
	CTRL_PORT=990 expect_from_capture "$V_CURL (ftps://, -k --tls-max 1.2) against $V_PROFTPD with mod_tls and TLSOptions UseImplicitSSL on port 990 (TLS from the first byte; self-signed certificate made by $V_OPENSSL): login, PROT P download of small.bin, QUIT; captured on the client's veth with $V_TCPDUMP."
}

# --- capture content that tries to inject into a report ----------------------

# Names and reply texts a report must show as text and never run: an
# element with an event handler, a script, a style sheet that hides the
# page, a javascript: link. checks_wide.py's c_hostile_names looks for
# exactly these in the capture.
HOSTILE_USER='</title><script>alert(1)</script>'
HOSTILE_GET='<img src=x onerror=alert(1)>.txt'
HOSTILE_PUT='"><script>alert(document.domain)</script>'
HOSTILE_DIR='<iframe src=javascript:alert(1)>'
HOSTILE_MISSING='</style><style>*{display:none}</style>'
HOSTILE_BANNER='<svg onload=alert(1)> javascript:alert(1) ftpcap lab ready'
HOSTILE_ERROR='<svg onload=alert(1)><a href="javascript:alert(1)">help</a>'

scn_hostile_names() {
	# The STOR name holds a slash: its first part is a directory that must
	# exist for the upload to land.
	mkdir -p "$W/srv/home/${HOSTILE_PUT%/*}"
	make_file "$W/srv/home/$HOSTILE_GET" 1000 6
	make_file "$W/cli/hostile-upload.bin" 3000 7
	pyftpd_start hostile-names --user="$HOSTILE_USER:$LAB_PASS:elradfmw" \
		--banner="$HOSTILE_BANNER" --error-suffix="$HOSTILE_ERROR"
	cap_on client pcap
	cli_py --host "$SRV4" --user "$HOSTILE_USER" --password "$LAB_PASS" hostile-names \
		--get "$HOSTILE_GET" --put "$HOSTILE_PUT" --upload "$W/cli/hostile-upload.bin" \
		--mkdir "$HOSTILE_DIR" --missing "$HOSTILE_MISSING"
	capture_stop
	server_stop
	expect_from_capture "$V_PYTHON logs in to $V_PYFTPDLIB as a user named $HOSTILE_USER; the greeting is '$HOSTILE_BANNER' and every error reply ends '$HOSTILE_ERROR'; it RETRs $HOSTILE_GET (1000 bytes), STORs 3000 bytes as $HOSTILE_PUT, MKDs $HOSTILE_DIR (echoed in the 257), RETRs $HOSTILE_MISSING, which does not exist (550), and QUITs: names and replies that try to inject HTML, script and CSS into a report; captured on the client's veth with $V_TCPDUMP."
}
