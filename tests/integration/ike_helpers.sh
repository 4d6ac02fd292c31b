# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# What the IKE tests on the NAT test bed share (source after lib.sh and
# nat_testbed.sh; the ss_ functions want strongswan.sh too): ping streams
# from the device's sensor address to the LAN host that measure whether a
# tunnel held, the connection text xdpsecd and swanctl both read, and the
# checks of the SAs each end holds.
#
#   ping_through                3 pings 200 ms apart; fails quietly (status)
#   ping_stream COUNT NAME      COUNT pings 50 ms apart, timestamped, into
#                               $XS_TMP/ping-NAME.log; then ping_count
#   ping_start SECONDS NAME     the same in the background ($PING_PID)
#   ping_wait NAME              waits for it; then ping_count
#   ping_count NAME             $sent and $lost of that log
#   ping_gap LOG                "GAP REPLIES": longest gap between replies (ms), replies
#   check_traffic LABEL WHOSE INST...  ping and 2 s of iperf3 to the LAN host's
#                               server (port 5201); each xdpsecd INST's workers
#                               must have carried > 100 packets each way
#   xs_installed INST           xdpsecd INST lists an INSTALLED Child SA
#   xs_one_pair INST            ... exactly one IKE SA and one Child SA pair
#   ss_one_pair NAME            charon NAME: exactly one IKE SA and one Child SA
#   xs_spis INST / ss_spis NAME the Child SA's SPIs as "IN OUT" (hex, no 0x)
#   spis_match "IN OUT" "IN OUT"  the two ends' SPIs are each other's
#   xs_section UPLINK LAN [LINE...]  the xdpsec { } section
#   ike_conn ROLE DOMAIN [CONN] [CHILD] [LOCAL_AUTH] [REMOTE_AUTH]
#                               connections { } for ROLE gw|dev; ids gw.DOMAIN,
#                               dev1@DOMAIN, *@DOMAIN; CONN and CHILD are extra
#                               lines of the connection and of its child "net";
#                               the auth lines (default "auth = psk") precede id
#   ike_psk_secret              secrets { } with $PSK
#   ike_psk_conf ROLE DOMAIN [CONN] [CHILD]  ike_conn and ike_psk_secret
#   xs_ss_start XROLE XCONF SCONF  xdpsecd in XROLE (gw|dev) with the xdpsec
#                               section and XCONF, charon at the other end with
#                               swanctl.conf SCONF (it initiates as the device);
#                               the Child SA up; sets XS_INST, SS_NAME, XS_PID
#   xs_ss_one_pair              one IKE SA and one Child SA pair at both ends
#   xs_ss_pairs                 both ends' SA lists (for a failure message)
#   xs_ss_stop                  stops both
#
# ike_conn's knobs (set them for one call: IKE_DEV_START= ike_conn dev ...):
# IKE_CONN (connection name, peer), IKE_GW_ADDR (192.0.2.1), IKE_DEV_ADDRS
# (192.168.1.2), IKE_DEV_START (start_action = start), IKE_PROPOSALS
# (aes128gcm16-prfsha256-x25519), IKE_ESP (aes128gcm16), IKE_ID and IKE_RID
# (our and the peer's identity, from DOMAIN).

# shellcheck disable=SC2034 # sent, lost, PING_PID, XS_INST... are for the sourcing tests

ping_through()
{
	nsexec "$XS-dev" ping -c 3 -i 0.2 -W 2 -I 10.200.1.1 10.1.0.10 >/dev/null
}

# A 50 ms stream, timestamped (-D), reporting each missing reply (-O).
PING_STREAM=(-D -O -i 0.05 -W 1 -I 10.200.1.1 10.1.0.10)

ping_count()
{
	local log=$XS_TMP/ping-$1.log recv
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$log")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$log")
	sent=${sent:-0}
	lost=$((sent - ${recv:-0}))
}

ping_stream()
{
	nsexec "$XS-dev" ping -c "$1" "${PING_STREAM[@]}" >"$XS_TMP/ping-$2.log" 2>&1
	ping_count "$2"
}

ping_start()
{
	nsexec_bg "$XS-dev" "$XS_TMP/ping-$2.log" ping -c $(($1 * 20)) "${PING_STREAM[@]}"
	unset 'XS_LOGS[-1]'	# fail() need not show the stream
	PING_PID=$XS_LAST_PID
}

ping_wait()
{
	wait "$PING_PID" 2>/dev/null
	ping_count "$1"
}

ping_gap()
{
	awk '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0;
			    if (n++ && (t - last) * 1000 > max) max = (t - last) * 1000; last = t }
	     END { printf "%d %d\n", max, n }' "$1"
}

check_traffic()
{
	local label=$1 whose=$2 rate inst dec enc
	shift 2
	ping_through || fail "$label: ping through the tunnel"
	nsexec "$XS-dev" iperf3 -c 10.1.0.10 -p 5201 -B 10.200.1.1 -t 2 -J >"$XS_TMP/iperf.json" ||
		fail "$label: iperf3 through the tunnel"
	rate=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$XS_TMP/iperf.json")
	for inst in "$@"; do
		dec=$("$BUILD/xdpsecctl" -i "$inst" stats -j | jq .reasons.decrypted.packets)
		enc=$("$BUILD/xdpsecctl" -i "$inst" stats -j | jq .reasons.encrypted.packets)
		[ "$dec" -gt 100 ] && [ "$enc" -gt 100 ] ||
			fail "$label: $inst's workers did not carry it (decrypted=$dec encrypted=$enc)"
	done
	pass "$label: ping and iperf3 ($rate Mbit/s) through $whose AF_XDP workers"
}

xs_installed()
{
	"$BUILD/xdpsecctl" -i "$1" list-sas | grep -q INSTALLED
}

xs_one_pair()
{
	[ "$("$BUILD/xdpsecctl" -i "$1" sa list -j | jq '.sas | length')" = 2 ] &&
		[ "$("$BUILD/xdpsecctl" -i "$1" list-sas | grep -c ESTABLISHED)" = 1 ]
}

ss_one_pair()
{
	local list
	list=$(ss_ctl "$1" --list-sas 2>/dev/null)
	[ "$(grep -c ESTABLISHED <<<"$list")" = 1 ] && [ "$(grep -c INSTALLED <<<"$list")" = 1 ]
}

xs_spis()
{
	"$BUILD/xdpsecctl" -i "$1" sa list -j | jq -r '[(.sas[] | select(.dir == "in") | .spi),
		(.sas[] | select(.dir == "out") | .spi)] | map(ltrimstr("0x")) | join(" ")'
}

ss_spis()
{
	ss_ctl "$1" --list-sas 2>/dev/null |
		awk '{ sub(/,$/, "", $2) }
			$1 == "in" { i = $2 } $1 == "out" { o = $2 } END { print i, o }'
}

spis_match()
{
	local ain aout bin bout
	read -r ain aout <<<"$1"
	read -r bin bout <<<"$2"
	[ -n "$ain" ] && [ -n "$aout" ] && [ "$ain" = "$bout" ] && [ "$aout" = "$bin" ]
}

xs_section()
{
	local line
	printf 'xdpsec {\n\tuplink = %s\n\tlan = %s\n' "$1" "$2"
	shift 2
	for line in "$@"; do printf '\t%s\n' "$line"; done
	printf '}\n'
}

ike_conn()
{
	local role=$1 domain=$2 conn=${3:-} child=${4:-} lauth=${5:-"auth = psk"}
	local rauth=${6:-"auth = psk"} addrs id rid lts rts start=""
	if [ "$role" = gw ]; then
		addrs="local_addrs = ${IKE_GW_ADDR:-192.0.2.1}" id=gw.$domain rid="*@$domain"
		lts=10.1.0.0/24 rts=10.200.0.0/16
	else
		addrs="local_addrs = ${IKE_DEV_ADDRS:-192.168.1.2}
		remote_addrs = ${IKE_GW_ADDR:-192.0.2.1}" id=dev1@$domain rid=gw.$domain
		lts=10.200.1.0/24 rts=10.1.0.0/24 start=${IKE_DEV_START-start_action = start}
	fi
	id=${IKE_ID:-$id} rid=${IKE_RID:-$rid}
	cat <<EOF
connections {
	${IKE_CONN:-peer} {
		$addrs
		proposals = ${IKE_PROPOSALS:-aes128gcm16-prfsha256-x25519}
		$conn
		local {
			$lauth
			id = $id
		}
		remote {
			$rauth
			id = $rid
		}
		children {
			net {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = ${IKE_ESP:-aes128gcm16}
				$child
				$start
			}
		}
	}
}
EOF
}

ike_psk_secret()
{
	printf 'secrets {\n\tike-fleet {\n\t\tsecret = "%s"\n\t}\n}\n' "$PSK"
}

ike_psk_conf()
{
	ike_conn "$@"
	ike_psk_secret
}

xs_ss_start()
{
	local xrole=$1 xns sns up lan
	if [ "$xrole" = gw ]; then
		xns=$XS-gw sns=$XS-dev XS_INST=${XS}g SS_NAME=ssd up=up0 lan=lan0
	else
		xns=$XS-dev sns=$XS-gw XS_INST=${XS}d SS_NAME=ssg up=eth0 lan=sensor0
	fi
	{ xs_section "$up" "$lan"; printf '%s\n' "$2"; } >"$XS_TMP/$XS_INST.conf"
	ss_start "$sns" "$SS_NAME" "$3"
	start_xdpsecd "$xns" "$XS_INST" "$XS_TMP/$XS_INST.conf"
	XS_PID=$XS_LAST_PID
	if [ "$xrole" = gw ]; then
		ss_ctl "$SS_NAME" --initiate --child net --timeout 10 >"$XS_TMP/init-$SS_NAME.log" 2>&1 ||
			fail "xdpsec $xrole: no tunnel: $(tail -3 "$XS_TMP/init-$SS_NAME.log")"
	fi
	wait_for -t 10 xs_installed "$XS_INST" || fail "xdpsec $xrole: no Child SA"
}

xs_ss_one_pair()
{
	xs_one_pair "$XS_INST" && ss_one_pair "$SS_NAME"
}

xs_ss_pairs()
{
	"$BUILD/xdpsecctl" -i "$XS_INST" list-sas
	ss_ctl "$SS_NAME" --list-sas
}

xs_ss_stop()
{
	stop_pid "$XS_PID"
	ss_stop "$SS_NAME"
}
