#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Rekeying with short lifetimes while a ping every 50 ms crosses the tunnel
# for 15 s.  Make before break: no ping may be lost, and each side ends with
# exactly one IKE SA and one Child SA pair.  Three runs:
#  - xdpsecd the concentrator, charon (strongSwan 5.9) the device, and
#  - the other way round: both ends rekey the Child SA on their own schedule
#    (rand_time = 1s; rekey_time = 5s on strongSwan's side, 3s on xdpsec's
#    in the first run, where xdpsec initiates them, 6s in the second, where
#    strongSwan does) and strongSwan rekeys the IKE SA (rekey_time = 8s);
#  - xdpsecd on both ends: the concentrator's Child SAs rekey by time
#    (rekey_time = 5s, no jitter), the device's by traffic (rekey_packets =
#    50, 2.5 s of the stream; the default life_packets of 110 % is crossed
#    in the same 1 s counter poll, which must rekey, not delete), and the
#    stream starts 3.5 s after the SA came up, so the concentrator rekeys
#    the first pair and the device every later one; the device rekeys the IKE SA
#    (rekey_time = 8s).  Both end with the same SPIs.
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+           |
# | 192.168.1.2 |   | masquerade       |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#  device: charon or xdpsecd               concentrator: xdpsecd or charon
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/strongswan.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd nft /usr/lib/ipsec/charon swanctl jq ping

PSK=xdpsec-rekey-test-psk-0123456789
PINGS=300	# 15 s at 50 ms

# $1 role (gw|dev), $2 IKE rekey_time, $3 the Child SA's lifetime lines.
conf()
{
	ike_psk_conf "$1" rekey.test "rekey_time = $2
		over_time = 5s
		rand_time = 1s" "$3
				life_time = 10s"
}

child_rekey_time()
{
	echo "rekey_time = $1
				rand_time = ${2:-1s}"
}

# How many Child SA rekeys xdpsecd INST logged, and how many it initiated.
child_rekeys() { grep -c "CHILD_SA net{[0-9]*} rekeyed" "$XS_TMP/$1.log"; }
child_rekeys_ours() { grep -c "CHILD_SA net{[0-9]*} rekeyed.*(initiated here)" "$XS_TMP/$1.log"; }
ike_rekeys() { grep -c "IKE_SA peer\[[0-9]*\] rekeyed" "$XS_TMP/$1.log"; }

# $1 xdpsec's role, $2 its Child SA rekey_time (strongSwan's is 5s).
run()
{
	local xrole=$1 xrekey=$2 srole inst sent lost rekeys ike
	srole=$([ "$xrole" = gw ] && echo dev || echo gw)
	xs_ss_start "$xrole" "$(conf "$xrole" 60s "$(child_rekey_time "$xrekey")")" \
		"$(conf "$srole" 8s "$(child_rekey_time 5s)")"
	inst=$XS_INST
	ping_through || fail "xdpsec $xrole: no ping through the tunnel before the rekeys"
	ping_stream "$PINGS" "$inst"
	rekeys=$(child_rekeys "$inst")
	ike=$(ike_rekeys "$inst")
	[ "$rekeys" -ge 2 ] || fail "xdpsec $xrole: only $rekeys Child SA rekeys in 15 s"
	[ "$ike" -ge 1 ] || fail "xdpsec $xrole: no IKE SA rekey"
	[ "$lost" = 0 ] || fail "xdpsec $xrole: $lost of $sent pings lost across $rekeys Child SA" \
		"and $ike IKE SA rekeys"
	wait_for -t 8 xs_ss_one_pair || fail "xdpsec $xrole: not exactly one SA pair: $(xs_ss_pairs)"
	pass "xdpsec as $xrole: $sent pings, none lost, across $rekeys Child SA rekeys" \
		"($(grep -c 'CHILD_SA.*initiated here' "$XS_TMP/$inst.log") initiated here," \
		"$(grep -c 'simultaneous rekeys' "$XS_TMP/$inst.log") collisions) and $ike IKE SA" \
		"rekeys; one SA pair on each side"
	xs_ss_stop
}

both_installed() { xs_installed "$1" && xs_installed "$2"; }

# One IKE SA and one Child SA pair on each of two xdpsecd, the same SPIs.
both_one_pair()
{
	xs_one_pair "$1" && xs_one_pair "$2" && spis_match "$(xs_spis "$1")" "$(xs_spis "$2")"
}

# Both ends xdpsecd: the concentrator rekeys by time, the device by traffic.
run_xdpsec_both()
{
	local gi=${XS}g di=${XS}d gpid dpid sent lost gr dr ike gspis dspis
	{ xs_section up0 lan0; conf gw 60s "$(child_rekey_time 5s 0s)"; } >"$XS_TMP/$gi.conf"
	{ xs_section eth0 sensor0; conf dev 8s "rekey_time = 0s
				rekey_packets = 50
				rand_packets = 0"; } >"$XS_TMP/$di.conf"
	start_xdpsecd "$XS-gw" "$gi" "$XS_TMP/$gi.conf"
	gpid=$XS_LAST_PID
	start_xdpsecd "$XS-dev" "$di" "$XS_TMP/$di.conf"
	dpid=$XS_LAST_PID
	wait_for -t 10 both_installed "$gi" "$di" ||
		fail "xdpsec both: no Child SA"
	ping_through || fail "xdpsec both: no ping through the tunnel before the rekeys"
	sleep 3	# the concentrator's 5 s come before the device's 50 packets
	ping_stream "$PINGS" both
	gr=$(child_rekeys_ours "$gi") dr=$(child_rekeys_ours "$di")
	ike=$(ike_rekeys "$di")
	[ "$gr" -ge 1 ] && [ "$dr" -ge 1 ] ||
		fail "xdpsec both: Child SA rekeys not from both sides (concentrator $gr, device $dr)"
	[ "$ike" -ge 1 ] || fail "xdpsec both: no IKE SA rekey"
	[ "$lost" = 0 ] || fail "xdpsec both: $lost of $sent pings lost across $gr + $dr Child SA" \
		"and $ike IKE SA rekeys"
	wait_for -t 8 both_one_pair "$gi" "$di" ||
		fail "xdpsec both: not one matching SA pair: $("$BUILD/xdpsecctl" -i "$gi" list-sas)
$("$BUILD/xdpsecctl" -i "$di" list-sas)"
	gspis=$(xs_spis "$gi") dspis=$(xs_spis "$di")
	pass "xdpsec on both ends: $sent pings, none lost, across $((gr + dr)) Child SA rekeys" \
		"($gr by the concentrator's time, $dr by the device's packet count) and $ike IKE SA" \
		"rekeys; one IKE SA and one Child SA pair on each side, SPIs in/out $gspis and $dspis"
	stop_pid "$dpid"
	stop_pid "$gpid"
}

build_testbed
run gw 3s
run dev 6s
run_xdpsec_both
