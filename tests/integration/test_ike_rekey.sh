#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Rekeying against strongSwan 5.9 with short lifetimes: a ping every 50 ms
# through the tunnel for 15 s while both ends rekey the Child SA on their
# own schedule (rand_time = 1s; rekey_time = 5s on strongSwan's side, 3s
# on xdpsec's in the first run, where xdpsec initiates them, 6s in the
# second, where strongSwan does) and strongSwan rekeys the IKE SA
# (rekey_time = 8s).  Make before break: no ping may be lost, and each side
# ends with exactly one IKE SA and one Child SA pair.  Once with xdpsecd as
# the concentrator, once with it as the device.
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
require_cmd nft /usr/lib/ipsec/charon swanctl jq ping

PSK=xdpsec-rekey-test-psk-0123456789
PINGS=300	# 15 s at 50 ms


# $1 role (gw|dev): addresses, identities and selectors of that end.
ends()
{
	if [ "$1" = gw ]; then
		addrs="local_addrs = 192.0.2.1" id=gw.rekey.test rid='*@rekey.test'
		lts=10.1.0.0/24 rts=10.200.0.0/16 start=""
	else
		addrs="local_addrs = 192.168.1.2
		remote_addrs = 192.0.2.1" id=dev1@rekey.test rid=gw.rekey.test
		lts=10.200.1.0/24 rts=10.1.0.0/24 start="start_action = start"
	fi
}

# $1 role, $2 extra xdpsec section text (or ""), $3 IKE rekey_time, $4 the
# Child SA's.
conf()
{
	local addrs id rid lts rts start
	ends "$1"
	cat <<EOF
$2
connections {
	peer {
		$addrs
		proposals = aes128gcm16-prfsha256-x25519
		rekey_time = $3
		over_time = 5s
		rand_time = 1s
		local {
			auth = psk
			id = $id
		}
		remote {
			auth = psk
			id = $rid
		}
		children {
			net {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = aes128gcm16
				rekey_time = $4
				rand_time = 1s
				life_time = 10s
				$start
			}
		}
	}
}
secrets {
	ike-fleet {
		secret = "$PSK"
	}
}
EOF
}

# Exactly one IKE SA and one Child SA pair on both ends?
one_pair()
{
	local inst=$1 ss=$2 list
	[ "$("$BUILD/xdpsecctl" -i "$inst" sa list -j | jq '.sas | length')" = 2 ] || return 1
	[ "$("$BUILD/xdpsecctl" -i "$inst" list-sas | grep -c ESTABLISHED)" = 1 ] || return 1
	list=$(ss_ctl "$ss" --list-sas 2>/dev/null)
	[ "$(grep -c ESTABLISHED <<<"$list")" = 1 ] && [ "$(grep -c INSTALLED <<<"$list")" = 1 ]
}

# $1 xdpsec's role, $2 its Child SA rekey_time (strongSwan's is 5s).
run()
{
	local xrole=$1 xrekey=$2 srole xns sns inst ss up lan pid sent recv lost rekeys ike
	if [ "$xrole" = gw ]; then
		srole=dev xns=$XS-gw sns=$XS-dev inst=${XS}g ss=ssd up=up0 lan=lan0
	else
		srole=gw xns=$XS-dev sns=$XS-gw inst=${XS}d ss=ssg up=eth0 lan=sensor0
	fi
	conf "$xrole" "xdpsec {
	uplink = $up
	lan = $lan
}" 60s "$xrekey" >"$XS_TMP/$inst.conf"
	chmod 600 "$XS_TMP/$inst.conf"
	ss_start "$sns" "$ss" "$(conf "$srole" "" 8s 5s)"
	nsexec_bg "$xns" "$XS_TMP/$inst.log" "$BUILD/xdpsecd" -c "$XS_TMP/$inst.conf" \
		--instance "$inst"
	pid=$XS_LAST_PID
	wait_for "$BUILD/xdpsecctl" -i "$inst" status || fail "xdpsecd $inst did not start"
	if [ "$srole" = dev ]; then
		ss_ctl "$ss" --initiate --child net --timeout 10 >"$XS_TMP/init-$ss.log" 2>&1 ||
			fail "xdpsec $xrole: no tunnel: $(tail -3 "$XS_TMP/init-$ss.log")"
	fi
	wait_for -t 10 sh -c "'$BUILD/xdpsecctl' -i '$inst' list-sas | grep -q INSTALLED" ||
		fail "xdpsec $xrole: no Child SA"
	nsexec "$XS-dev" ping -c 3 -i 0.2 -W 2 -I 10.200.1.1 10.1.0.10 >/dev/null ||
		fail "xdpsec $xrole: no ping through the tunnel before the rekeys"
	nsexec "$XS-dev" ping -D -O -c "$PINGS" -i 0.05 -W 1 -I 10.200.1.1 10.1.0.10 \
		>"$XS_TMP/ping-$inst.log" 2>&1
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$XS_TMP/ping-$inst.log")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$XS_TMP/ping-$inst.log")
	lost=$((sent - recv))
	rekeys=$(grep -c "CHILD_SA net{[0-9]*} rekeyed" "$XS_TMP/$inst.log")
	ike=$(grep -c "IKE_SA peer\[[0-9]*\] rekeyed" "$XS_TMP/$inst.log")
	[ "$rekeys" -ge 2 ] || fail "xdpsec $xrole: only $rekeys Child SA rekeys in 15 s"
	[ "$ike" -ge 1 ] || fail "xdpsec $xrole: no IKE SA rekey"
	[ "$lost" = 0 ] || fail "xdpsec $xrole: $lost of $sent pings lost across $rekeys Child SA" \
		"and $ike IKE SA rekeys"
	wait_for -t 8 one_pair "$inst" "$ss" ||
		fail "xdpsec $xrole: not exactly one SA pair: $("$BUILD/xdpsecctl" -i "$inst" list-sas)
$(ss_ctl "$ss" --list-sas)"
	pass "xdpsec as $xrole: $sent pings, none lost, across $rekeys Child SA rekeys" \
		"($(grep -c 'CHILD_SA.*initiated here' "$XS_TMP/$inst.log") initiated here," \
		"$(grep -c 'simultaneous rekeys' "$XS_TMP/$inst.log") collisions) and $ike IKE SA" \
		"rekeys; one SA pair on each side"
	stop_pid "$pid"
	ss_stop "$ss"
}

build_testbed
run gw 3s
run dev 6s
