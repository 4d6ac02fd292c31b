#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make demo: an xdpsec concentrator serving three IoT gateways behind a NAT,
# all in network namespaces on this machine, with manual SAs; traffic, an ACL
# and some junk, then the counters, a summary, and everything torn down.
# Reuses the integration-test helpers (tests/integration/lib.sh): unique
# names per run ($XS = xs<pid>), a bpffs per namespace, cleanup on any exit.
#
# TOPOLOGY-BEGIN
#    central service          concentrator                        "internet"
#      $XS-lan                   $XS-gw                              $XS-inet
#  +---------------+    +-------------------------------+    +------------------+
#  | eth0          |    | lan0                     up0  |    | gw0         nat0 |
#  | 10.1.0.10/24  +----+ 10.1.0.1/24     192.0.2.1/24  +----+ 192.0.2.254  .254+--+
#  | iperf3 -s     |    | xdpsecd (gateway role)        |    | router           |  |
#  +---------------+    +-------------------------------+    +------------------+  |
#                        routes 10.200.N.0/24 into the tunnels                       |
#                                                                  203.0.113.0/24   |
#      IoT gateways (devices)        home / cellular router                          |
#      $XS-d1 .. $XS-d3              $XS-nat                                         |
#  +------------------------+    +------------------------------------------+       |
#  | eth0 192.168.1.1N/24   +----+ p1  br0 192.168.1.1/24        wan0       |       |
#  | sensor0 10.200.N.1/24  +----+ p2                       203.0.113.2/24  +-------+
#  | xdpsecd (device role)  +----+ p3  nft: 192.168.1.1N udp/4500          |
#  | device sensor-N        |    |       -> SNAT 203.0.113.2:4000N         |
#  +------------------------+    |     masquerade the rest of 192.168.1/24 |
#        (N = 1, 2, 3)           +------------------------------------------+
#
#  SAs (ESP in UDP, RFC 3948), one pair per device, fresh random keys per run:
#    sensor-1  up 0x1001 / down 0x2001  aes-gcm-128       / aes-gcm-128
#    sensor-2  up 0x1002 / down 0x2002  chacha20-poly1305 / chacha20-poly1305
#    sensor-3  up 0x1003 / down 0x2003  aes-cbc-128+hmac-sha256-128 / aes-gcm-256
#    selectors: gateway 10.1.0.0/24 <-> device 10.200.N.0/24
#  ACL: sensor-3 may reach only 10.1.0.10, ICMP and TCP port 5201.
# TOPOLOGY-END
#
# Exit status: 0 when every check is OK, 1 when one FAILED (a core step --
# the test bed, the daemons, the SAs, a tunnel ping -- stops the demo early,
# after printing the counters), 130 on Ctrl-C.
# Knobs: XS_KEEP=1 keeps the temporary directory (logs, captures).

set -u
DEMO_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/integration/lib.sh source-path=SCRIPTDIR
. "$DEMO_DIR/../tests/integration/lib.sh"
require_cmd iperf3 tshark tcpdump openssl jq nft bpftool
trap 'echo; echo "demo: interrupted, tearing down"; exit 130' INT

NDEV=3
LAN_HOST=10.1.0.10
GW_PUB=192.0.2.1
NAT_PUB=203.0.113.2
GW=${XS}g			# xdpsecd instances: "xs-<inst>w" must fit IFNAMSIZ
DEV_ALG_UP=("" aes-gcm-128 chacha20-poly1305 aes-cbc-128)	# device -> gateway
DEV_ALG_DOWN=("" aes-gcm-128 chacha20-poly1305 aes-gcm-256)	# gateway -> device
declare -A KEYS			# SPI -> key (hex), for tshark; never printed
ALG_ARGS=()
RESULTS=()
FAILED=0

# ---- output ------------------------------------------------------------

section()
{
	printf '\n=== %s\n' "$*"
}

indent()
{
	sed 's/^./    &/'
}

ok()
{
	RESULTS+=("  OK      $*")
	echo "  -> OK: $*"
}

failed()
{
	RESULTS+=("  FAILED  $*")
	FAILED=1
	echo "  -> FAILED: $*"
}

# check WHAT CMD...: OK or FAILED for WHAT, by CMD's status.
check()
{
	local what=$1

	shift
	if "$@"; then ok "$what"; else failed "$what"; fi
}

summary()
{
	section "Summary"
	printf '%s\n' "${RESULTS[@]}"
}

# A core step failed: what the counters say, the daemons' logs, the summary.
abort()
{
	local log

	failed "$*"
	if [ -S "/run/xdpsec/$GW.sock" ]; then
		section "Gateway counters at the failure"
		ctl "$GW" stats 2>&1 | indent
	fi
	for log in "${XS_LOGS[@]}"; do
		[ -s "$log" ] || continue
		echo "---- last lines of ${log##*/}"
		tail -n 10 "$log"
	done
	summary
	echo "demo FAILED: $*"
	exit 1
}

print_topology()
{
	sed -n '/^# TOPOLOGY-BEGIN/,/^# TOPOLOGY-END/{//!p}' "${BASH_SOURCE[0]}" |
		sed 's/^# \{0,1\}//'
	echo " This run: \$XS = $XS (namespaces $XS-lan, $XS-gw, ...; logs and captures in"
	echo " $XS_TMP, removed at the end unless XS_KEEP=1)"
}

# ---- control -----------------------------------------------------------

ctl()
{
	local inst=$1

	shift
	"$BUILD/xdpsecctl" -i "$inst" "$@"
}

# gw_stat JQ: one value from the gateway's `stats -j`.
gw_stat()
{
	ctl "$GW" stats -j | jq -r "$1"
}

dev_stat()
{
	gw_stat ".devices[] | select(.name == \"$1\") | .$2"
}

# wait_count JQ MIN: wait (3 s at most) for a gateway counter to reach MIN.
# shellcheck disable=SC2317 # called through check
wait_count()
{
	wait_for -t 3 sh -c "[ \$('$BUILD/xdpsecctl' -i '$GW' stats -j | jq -r '$1') -ge $2 ]"
}

# ---- test bed ----------------------------------------------------------

router_sysctls()
{
	nsexec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
}

build_core()
{
	local n

	for n in lan gw inet nat; do ns_create "$XS-$n"; done
	veth_link "$XS-lan" eth0 "$LAN_HOST/24" "$XS-gw" lan0 10.1.0.1/24
	veth_link "$XS-gw" up0 "$GW_PUB/24" "$XS-inet" gw0 192.0.2.254/24
	veth_link "$XS-inet" nat0 203.0.113.254/24 "$XS-nat" wan0 "$NAT_PUB/24"
	ip -n "$XS-lan" route add default via 10.1.0.1
	ip -n "$XS-gw" route add default via 192.0.2.254
	ip -n "$XS-nat" route add default via 203.0.113.254
	ip -n "$XS-nat" link add br0 type bridge
	ip -n "$XS-nat" addr add 192.168.1.1/24 dev br0
	ip -n "$XS-nat" link set br0 up
	for n in gw inet nat; do router_sysctls "$XS-$n"; done
}

# build_device N: the IoT gateway, its sensor subnet, its port on the NAT.
build_device()
{
	local n=$1 ns=$XS-d$1

	ns_create "$ns"
	veth_link "$ns" eth0 "192.168.1.1$n/24" "$XS-nat" "p$n" -
	ip -n "$XS-nat" link set "p$n" master br0 || return 1
	ip -n "$ns" route add default via 192.168.1.1 || return 1
	# The sensor subnet: a veth pair standing for the sensors' link (this
	# kernel may have no dummy driver); the far end has no address.
	ip -n "$ns" link add sensor0 type veth peer name sensors || return 1
	ip -n "$ns" addr add "10.200.$n.1/24" dev sensor0 || return 1
	ip -n "$ns" link set sensors up && ip -n "$ns" link set sensor0 up || return 1
	router_sysctls "$ns"
}

# The NAT of a home or cellular router.  ESP in UDP on 4500 gets a fixed,
# distinct public port per device because manual SAs need the gateway to
# know, in advance, where to send each device's traffic: the gateway's
# outbound SA for device N goes to 203.0.113.2:4000N.  The IKE daemon, later,
# learns each peer's post-NAT address and port from NAT detection (RFC 7296
# 2.23) and the addresses of the IKE packets, and an ordinary masquerade will
# do.  Conntrack maps the gateway's replies back to 192.168.1.1N:4500.
nat_rules()
{
	local n rules=""

	for ((n = 1; n <= NDEV; n++)); do
		rules+="ip saddr 192.168.1.1$n udp sport 4500 oifname wan0 counter snat to $NAT_PUB:4000$n
		"
	done
	nsexec "$XS-nat" nft -f - <<EOF
table ip demo_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		$rules
		ip saddr 192.168.1.0/24 oifname wan0 counter masquerade
	}
}
EOF
}

build_testbed()
{
	local n

	build_core || return 1
	for ((n = 1; n <= NDEV; n++)); do build_device "$n" || return 1; done
	nat_rules || return 1
	# The routers answer, so the neighbour entries the workers need exist.
	nsexec "$XS-gw" ping -c 1 -W 2 192.0.2.254 >/dev/null &&
		nsexec "$XS-inet" ping -c 1 -W 2 "$NAT_PUB" >/dev/null || return 1
	for ((n = 1; n <= NDEV; n++)); do
		nsexec "$XS-d$n" ping -c 1 -W 2 192.168.1.1 >/dev/null || return 1
	done
}

start_daemons()
{
	local n

	nsexec_bg "$XS-gw" "$XS_TMP/xdpsecd-gw.log" "$BUILD/xdpsecd" \
		--uplink up0 --lan lan0 --instance "$GW"
	for ((n = 1; n <= NDEV; n++)); do
		nsexec_bg "$XS-d$n" "$XS_TMP/xdpsecd-d$n.log" "$BUILD/xdpsecd" \
			--uplink eth0 --lan sensor0 --instance "${XS}d$n"
	done
	wait_for ctl "$GW" status || return 1
	for ((n = 1; n <= NDEV; n++)); do
		wait_for ctl "${XS}d$n" status || return 1
	done
}

# ---- SAs ---------------------------------------------------------------

# alg_args SPI ALG: the algorithm options with fresh random keys, in ALG_ARGS
# (not printed: a command substitution would lose KEYS in its subshell).
alg_args()
{
	local spi=$1 alg=$2 key ikey

	case $alg in
	aes-gcm-128) key=$(openssl rand -hex 20) ;;	# key + 4-byte salt
	aes-gcm-256 | chacha20-poly1305) key=$(openssl rand -hex 36) ;;
	aes-cbc-128)
		key=$(openssl rand -hex 16)
		ikey=$(openssl rand -hex 32)
		KEYS[$spi]="$key hmac-sha256 $ikey"
		ALG_ARGS=(--enc "$alg" --enc-key "$key" --integ hmac-sha256-128 --integ-key "$ikey")
		return
		;;
	*) return 1 ;;
	esac
	KEYS[$spi]=$key
	ALG_ARGS=(--aead "$alg" --key "$key")
}

alg_label()
{
	case $1 in
	aes-cbc-*) echo "$1+hmac-sha256-128" ;;
	*) echo "$1" ;;
	esac
}

# sa_pair N: device N's two SAs, each added at both ends with one key.  The
# gateway sees the device at the NAT's public address and fixed port.
sa_pair()
{
	local n=$1 dev=${XS}d$1 up=0x100$1 down=0x200$1
	local dev_in="192.168.1.1$n:4500" pub="$NAT_PUB:4000$n"
	local gw_ts=(--local-ts 10.1.0.0/24 --remote-ts "10.200.$n.0/24" --device "sensor-$n")
	local dev_ts=(--local-ts "10.200.$n.0/24" --remote-ts 10.1.0.0/24 --device concentrator)

	alg_args "$up" "${DEV_ALG_UP[n]}" || return 1
	ctl "$dev" sa add --dir out --spi "$up" --src "$dev_in" --dst "$GW_PUB:4500" \
		"${dev_ts[@]}" "${ALG_ARGS[@]}" &&
		ctl "$GW" sa add --dir in --spi "$up" --src "$pub" --dst "$GW_PUB:4500" \
			"${gw_ts[@]}" "${ALG_ARGS[@]}" || return 1
	alg_args "$down" "${DEV_ALG_DOWN[n]}" || return 1
	ctl "$GW" sa add --dir out --spi "$down" --src "$GW_PUB:4500" --dst "$pub" \
		"${gw_ts[@]}" "${ALG_ARGS[@]}" &&
		ctl "$dev" sa add --dir in --spi "$down" --src "$GW_PUB:4500" --dst "$dev_in" \
			"${dev_ts[@]}" "${ALG_ARGS[@]}"
}

# ---- traffic -----------------------------------------------------------

# ping_check NS SRC DST WHAT: 3 echoes; prints the ping summary line.
ping_check()
{
	local ns=$1 src=$2 dst=$3 what=$4 out

	out=$(nsexec "$ns" ping -c 3 -i 0.2 -W 2 -I "$src" "$dst" 2>&1)
	local rc=$?
	printf '    %-44s %s\n' "$what:" \
		"$(echo "$out" | grep -Eo '[0-9]+ received|rtt .*' | tr '\n' ' ')"
	[ $rc = 0 ] && echo "$out" | grep -q ' 3 received'
}

# iperf_run NS SRC SECONDS OUT: TCP to the LAN host; prints Mbit/s.
iperf_run()
{
	nsexec "$1" iperf3 -c "$LAN_HOST" -B "$2" -t "$3" -J >"$4" 2>&1 || return 1
	jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$4"
}

# udp_send NS SRC SPORT DST DPORT HEX [COUNT]: datagrams with a given payload.
udp_send()
{
	local ns=$1

	shift
	nsexec "$ns" "$XS_PY" -c '
import socket, sys
src, sport, dst, dport, payload, count = sys.argv[1:7]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((src, int(sport)))
for _ in range(int(count)):
    s.sendto(bytes.fromhex(payload), (dst, int(dport)))
' "$@" "${6:-1}"
}

# esp_raw NS DST HEX: one raw ESP packet (IP protocol 50).
esp_raw()
{
	nsexec "$1" "$XS_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
s.sendto(bytes.fromhex(sys.argv[2]), (sys.argv[1], 0))
' "$2" "$3"
}

# tcp_syn NS SRC DST PORT: try to connect for 1 s (the ACL should eat it).
tcp_syn()
{
	nsexec "$1" "$XS_PY" -c '
import socket, sys
socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=1,
                         source_address=(sys.argv[1], 0))
' "$2" "$3" "$4" 2>/dev/null
}

# ---- steps -------------------------------------------------------------

step_testbed()
{
	section "Building the test bed ($XS-*)"
	build_testbed || abort "test bed: namespaces, links, NAT rules"
	ok "test bed: 7 namespaces; NAT maps each device's UDP 4500 to $NAT_PUB:4000N"
	nsexec_bg "$XS-lan" "$XS_TMP/iperf3-server.log" iperf3 -s
	wait_for nsexec "$XS-lan" sh -c 'ss -Hltn "sport = :5201" | grep -q .' ||
		abort "iperf3 server on the LAN host"
	start_daemons || abort "xdpsecd: the concentrator and $NDEV devices did not all start"
	ok "xdpsecd running: concentrator $GW, devices ${XS}d1..${XS}d$NDEV"
}

step_sas()
{
	local n

	section "Installing manual SAs (keys from openssl rand, never printed)"
	for ((n = 1; n <= NDEV; n++)); do
		sa_pair "$n" >"$XS_TMP/sa-$n.log" 2>&1 ||
			abort "SAs for sensor-$n: $(tail -n 1 "$XS_TMP/sa-$n.log")"
		printf '    sensor-%d  device 192.168.1.1%d:4500, seen as %s:4000%d  up %-17s down %s\n' \
			"$n" "$n" "$NAT_PUB" "$n" "$(alg_label "${DEV_ALG_UP[n]}")" \
			"$(alg_label "${DEV_ALG_DOWN[n]}")"
	done
	ctl "$GW" acl set sensor-3 allow "$LAN_HOST/32" proto icmp \
		allow "$LAN_HOST/32" proto tcp port 5201 >/dev/null || abort "acl set sensor-3"
	echo "    ACL sensor-3: allow $LAN_HOST/32 proto icmp, allow $LAN_HOST/32 proto tcp port 5201"
	[ "$(ctl "$GW" sa list -j | jq '.sas | length')" = $((2 * NDEV)) ] ||
		abort "the gateway does not list $((2 * NDEV)) SAs"
	ok "$((2 * NDEV)) SAs at the gateway, 2 at each device, ACL on sensor-3"
}

step_pings()
{
	local n bad=0

	section "Pings through the tunnels (ESP in UDP through the NAT)"
	capture_start "$XS-inet" nat0 "$XS_TMP/internet.pcap" udp
	CAPTURE=$XS_LAST_PID
	for ((n = 1; n <= NDEV; n++)); do
		ping_check "$XS-d$n" "10.200.$n.1" "$LAN_HOST" \
			"sensor-$n 10.200.$n.1 -> $LAN_HOST" || bad=1
	done
	[ $bad = 0 ] || { capture_stop "$CAPTURE"; abort "ping from a sensor to the LAN host"; }
	ok "each sensor pings the central service through its tunnel"
	# The other way round: the gateway's outbound SA targets the NAT's port.
	for ((n = 1; n <= NDEV; n++)); do
		ping_check "$XS-lan" "$LAN_HOST" "10.200.$n.1" \
			"central service -> sensor-$n 10.200.$n.1" || bad=1
	done
	capture_stop "$CAPTURE"
	[ $bad = 0 ] || abort "ping from the LAN host to a sensor"
	ok "the central service pings each sensor (gateway -> $NAT_PUB:4000N -> device)"
}

# What crossed the internet link: one line per outer flow and SPI, so the
# NAT's port mapping shows; then an independent decoder (tshark) decrypts the
# SAs it knows (tshark 4.0 has no ChaCha20-Poly1305).
step_wire()
{
	local sas="" spi

	section "On the wire between the NAT and the internet (tcpdump + tshark)"
	tshark -n -r "$XS_TMP/internet.pcap" -Y esp -T fields -e ip.src -e udp.srcport \
		-e ip.dst -e udp.dstport -e esp.spi 2>/dev/null | sort | uniq -c |
		awk '{ printf "    %3d packets  %s:%s -> %s:%s  ESP SPI %s\n", $1, $2, $3, $4, $5, $6 }'
	for spi in 0x1001 0x1003; do
		sas+="$NAT_PUB $GW_PUB $spi ${DEV_ALG_UP[${spi: -1}]} ${KEYS[$spi]}"$'\n'
	done
	for spi in 0x2001 0x2003; do
		sas+="$GW_PUB $NAT_PUB $spi ${DEV_ALG_DOWN[${spi: -1}]} ${KEYS[$spi]}"$'\n'
	done
	echo "$sas" | bash "$XS_DIR/tshark_esp.sh" -e esp.spi -e ip.src -e ip.dst \
		-e _ws.col.Protocol "$XS_TMP/internet.pcap" - >"$XS_TMP/decoded.txt" 2>&1
	awk -F'\t' '$4 == "ICMP" { n[$1 " " $2 " " $3]++ }
		END { for (k in n) printf "    %s: %d ICMP decrypted\n", k, n[k] }' \
		"$XS_TMP/decoded.txt" | sort
	check "tshark decrypts sensor-1 (AES-GCM-128) and sensor-3 (AES-CBC+HMAC / AES-GCM-256) with the keys" \
		[ "$(awk -F'\t' '$4 == "ICMP" { print $1 }' "$XS_TMP/decoded.txt" | sort -u | wc -l)" = 4 ]
}

step_iperf()
{
	local mbit

	section "iperf3: sensor-1 -> central service, TCP, 2 s (AES-GCM-128)"
	mbit=$(iperf_run "$XS-d1" 10.200.1.1 2 "$XS_TMP/iperf-1.json")
	if [ -n "$mbit" ] && [ "$mbit" -gt 0 ] 2>/dev/null; then
		echo "    $mbit Mbit/s"
		ok "iperf3 through the tunnel: $mbit Mbit/s"
	else
		failed "iperf3 from sensor-1 ($(tail -n 2 "$XS_TMP/iperf-1.json" | tr '\n' ' '))"
	fi
}

step_acl()
{
	local before after mbit

	section "ACL on sensor-3: allowed ICMP and TCP 5201, denied the rest"
	mbit=$(iperf_run "$XS-d3" 10.200.3.1 1 "$XS_TMP/iperf-3.json")
	echo "    TCP 5201 (iperf3, 1 s): ${mbit:-nothing} Mbit/s"
	check "ACL allows sensor-3 TCP port 5201 ($mbit Mbit/s, AES-CBC+HMAC up / AES-GCM-256 down)" \
		[ "${mbit:-0}" -gt 0 ]
	before=$(dev_stat sensor-3 acl_denied)
	udp_send "$XS-d3" 10.200.3.1 0 "$LAN_HOST" 53 "$(printf 'hello' | od -An -tx1 | tr -d ' \n')" 3
	tcp_syn "$XS-d3" 10.200.3.1 "$LAN_HOST" 22 && echo "    TCP 22 connected!"
	wait_for -t 3 sh -c "[ \$('$BUILD/xdpsecctl' -i '$GW' stats -j |
		jq '.devices[] | select(.name == \"sensor-3\") | .acl_denied') -ge $((before + 4)) ]"
	after=$(dev_stat sensor-3 acl_denied)
	echo "    UDP 53 x3 and TCP 22: acl_denied for sensor-3 went $before -> $after"
	check "ACL denies sensor-3 UDP/53 and TCP/22, counted (acl_denied +$((after - before)))" \
		[ "$after" -ge $((before + 4)) ]
}

# Junk from the internet, dropped in XDP before any worker, and NAT-T
# keepalives (RFC 3948 2.3), which the devices send through their NAT.
step_junk()
{
	local unk ka n

	section "Junk and keepalives at the gateway's uplink"
	unk=$(gw_stat .reasons.esp_unknown_spi.packets)
	ka=$(gw_stat .reasons.natt_keepalive.packets)
	udp_send "$XS-inet" 192.0.2.254 4500 "$GW_PUB" 4500 "deadbeef00000001$(printf '%064d' 0)"
	esp_raw "$XS-inet" "$GW_PUB" "badc0ffe00000001$(printf '%064d' 0)"
	udp_send "$XS-inet" 192.0.2.254 4500 "$GW_PUB" 4500 ff
	for ((n = 1; n <= NDEV; n++)); do
		udp_send "$XS-d$n" "192.168.1.1$n" 4500 "$GW_PUB" 4500 ff 2
	done
	echo "    from the internet: ESP-in-UDP SPI 0xdeadbeef, raw ESP SPI 0xbadc0ffe,"
	echo "    one keepalive; from each device, through the NAT: two keepalives"
	check "unknown SPIs dropped in XDP (esp_unknown_spi +2)" \
		wait_count .reasons.esp_unknown_spi.packets $((unk + 2))
	check "NAT-T keepalives counted and dropped (natt_keepalive +$((1 + 2 * NDEV)))" \
		wait_count .reasons.natt_keepalive.packets $((ka + 1 + 2 * NDEV))
}

show_keepalives()
{
	echo "    NAT-T keepalives per peer (map xs_keepalive):"
	nsexec "$XS-gw" bpftool -j map dump pinned "/sys/fs/bpf/xdpsec/$GW/xs_keepalive" |
		jq -r '.[] | .formatted // . | [(.key.addr[0:4] | map(tostring) | join(".")),
			(.key.port / 256 | floor) + (.key.port % 256) * 256,
			.value.keepalives] | @tsv' 2>/dev/null | sort |
		awk -F'\t' '{ printf "      %s:%-6s %s\n", $1, $2, $3 }'
}

# Every counter a user would look at, under headers.
step_report()
{
	local n

	section "Gateway: xdpsecctl -i $GW sa list"
	ctl "$GW" sa list | indent
	section "Gateway: xdpsecctl -i $GW stats (per reason, per SA, per device)"
	ctl "$GW" stats | indent
	show_keepalives
	section "Devices: their own data planes (xdpsecctl stats -j)"
	for ((n = 1; n <= NDEV; n++)); do
		ctl "${XS}d$n" stats -j | jq -r --arg d "sensor-$n" '.reasons |
			"\($d): encrypted \(.encrypted.packets), esp_in \(.esp_in.packets), decrypted \(.decrypted.packets)"' |
			indent
	done
	section "NAT ($XS-nat): nft list table ip demo_nat (first packet of each flow; conntrack does the rest)"
	nsexec "$XS-nat" nft list table ip demo_nat | grep -E 'snat|masquerade' |
		sed 's/^[[:space:]]*//' | indent
}

# Stop the daemons and check they left the interfaces as they found them,
# then delete the namespaces (the EXIT trap does the same on any failure).
step_teardown()
{
	local ns pid bad=""

	section "Teardown"
	for pid in "${XS_PIDS[@]}"; do stop_pid "$pid"; done
	for ns in "$XS-gw" "$XS-d1" "$XS-d2" "$XS-d3"; do
		ip -n "$ns" -d link show | grep -q "prog/xdp" && bad+=" $ns:xdp"
		ip -n "$ns" link show | grep -q " xs-" && bad+=" $ns:tunnel-veth"
		[ -z "$(ls -A "$XS_BPFFS/$ns")" ] || bad+=" $ns:pinned-maps"
	done
	ls /run/xdpsec/"$XS"*.sock >/dev/null 2>&1 && bad+=" control-sockets"
	for pid in "${XS_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && bad+=" pid:$pid"; done
	for ns in "${XS_NAMESPACES[@]}"; do ip netns del "$ns"; done
	ip netns list | grep -q "^$XS-" && bad+=" namespaces"
	echo "    daemons stopped (SIGTERM), ${#XS_NAMESPACES[@]} namespaces deleted"
	check "teardown: no XDP program, tunnel veth, pinned map, socket, process or namespace left${bad:+ (left:$bad)}" \
		[ -z "$bad" ]
}

section "xdpsec demo: a concentrator, a NAT and $NDEV IoT gateways in network namespaces"
print_topology
step_testbed
step_sas
step_pings
step_wire
step_iperf
step_acl
step_junk
step_report
step_teardown
summary
if [ "$FAILED" = 0 ]; then
	echo "demo: all checks OK"
else
	echo "demo: some checks FAILED"
fi
exit "$FAILED"
