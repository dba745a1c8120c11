# Packet capture inside a lab namespace.
#
# capture_start NS IFACE FILE FORMAT
#   FORMAT: pcap   tcpdump -i IFACE (Ethernet on a veth)
#           sll2   tcpdump -i any -y LINUX_SLL2 (Linux cooked v2, link type 276)
#           pcapng dumpcap (pcapng with interface and section blocks)
# capture_stop: let the writer flush, then SIGINT it and wait for it.
#
# CAPTURE_SNAPLEN (bytes, tcpdump formats only) keeps only the start of each
# frame, as a capture made with -s 96 does. CAPTURE_ROTATE (seconds, pcap
# only) makes tcpdump start a new file that often (-G); capture_stop then
# names the files as tcpdump -C numbers its rotated files: FILE, FILE1,
# FILE2… (-C counts in megabytes, too coarse for captures this small).

CAPTURE_PID=
CAPTURE_FILE=
CAPTURE_SNAPLEN=
CAPTURE_ROTATE=

capture_start() {
	local ns=$1 dev=$2 file=$3 format=$4 errlog extra=()
	CAPTURE_FILE=$file
	errlog="$file.log"
	rm -f "$file"
	[[ -z $CAPTURE_SNAPLEN ]] || extra+=(-s "$CAPTURE_SNAPLEN")
	local out=$file
	if [[ -n $CAPTURE_ROTATE ]]; then
		[[ $format == pcap ]] || die "capture_start: rotation needs the pcap format"
		extra+=(-G "$CAPTURE_ROTATE")
		out="$file-%Y%m%d%H%M%S"
	fi
	case $format in
	pcap)
		ip netns exec "$ns" tcpdump -n -U -Z root "${extra[@]}" -i "$dev" -w "$out" 2>"$errlog" &
		;;
	sll2)
		ip netns exec "$ns" tcpdump -n -U -Z root "${extra[@]}" -i any -y LINUX_SLL2 -w "$file" 2>"$errlog" &
		;;
	pcapng)
		ip netns exec "$ns" dumpcap -q -i "$dev" -w "$file" 2>"$errlog" &
		;;
	*) die "capture_start: unknown format $format" ;;
	esac
	CAPTURE_PID=$!
	track_pid "$CAPTURE_PID"
	local _
	for _ in $(seq 50); do
		if grep -qE 'listening on|Capturing on' "$errlog" 2>/dev/null &&
			{ [[ -s $file ]] || compgen -G "$file-*" >/dev/null; }; then
			sleep 0.3
			return 0
		fi
		kill -0 "$CAPTURE_PID" 2>/dev/null || die "capture on $ns/$dev failed: $(cat "$errlog")"
		sleep 0.1
	done
	die "capture on $ns/$dev did not start: $(cat "$errlog")"
}

capture_stop() {
	[[ -n $CAPTURE_PID ]] || return 0
	sleep 1
	kill -INT "$CAPTURE_PID" 2>/dev/null || true
	wait "$CAPTURE_PID" 2>/dev/null || true
	untrack_pid "$CAPTURE_PID"
	CAPTURE_PID=
	[[ -z $CAPTURE_ROTATE ]] || capture_number_rotated
	[[ -s $CAPTURE_FILE ]] || die "capture $CAPTURE_FILE is empty"
}

# capture_number_rotated: FILE-<time> files, in time order, become FILE,
# FILE1, FILE2…; a file that holds no packet (tcpdump opens one before the
# first packet arrives) is dropped.
capture_number_rotated() {
	local parts i=0 p
	mapfile -t parts < <(compgen -G "$CAPTURE_FILE-*" | sort)
	for p in "${parts[@]}"; do
		if (($(stat -c %s "$p") <= 24)); then
			rm -f "$p"
			continue
		fi
		if ((i == 0)); then mv "$p" "$CAPTURE_FILE"; else mv "$p" "$CAPTURE_FILE$i"; fi
		i=$((i + 1))
	done
}
