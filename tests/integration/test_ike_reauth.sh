#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Reauthentication (RFC 7296 2.8.3), make before break, against strongSwan
# 5.9: reauth_time = 4s with rand_time = 1s on the initiator, a ping every
# 50 ms through the tunnel for 12 s.  No ping may be lost, there must have
# been reauthentications (a new IKE SA with new SPIs each time), and each
# side ends with one IKE SA and one Child SA pair.  First xdpsecd is the
# device and reauthenticates; then charon is the device
# (make_before_break = yes) and xdpsecd the concentrator that answers.
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+           |
# | 192.168.1.2 |   | masquerade       |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#  device: xdpsecd, then charon            concentrator: charon, then xdpsecd
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/strongswan.sh"
require_cmd nft /usr/lib/ipsec/charon swanctl jq ping

PSK=xdpsec-reauth-test-psk-0123456789
PINGS=240	# 12 s at 50 ms

# $1 role (gw|dev), $2 extra top-level text, $3 reauth_time ("" for none).
conf()
{
	local addrs id rid lts rts start="" reauth=""
	if [ "$1" = gw ]; then
		addrs="local_addrs = 192.0.2.1" id=gw.reauth.test rid='*@reauth.test'
		lts=10.1.0.0/24 rts=10.200.0.0/16
	else
		addrs="local_addrs = 192.168.1.2
		remote_addrs = 192.0.2.1" id=dev1@reauth.test rid=gw.reauth.test
		lts=10.200.1.0/24 rts=10.1.0.0/24 start="start_action = start"
	fi
	[ -n "$3" ] && reauth="reauth_time = $3
		rand_time = 1s
		over_time = 5s"
	cat <<EOF
$2
connections {
	peer {
		$addrs
		proposals = aes128gcm16-prfsha256-x25519
		$reauth
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

one_pair()
{
	local inst=$1 ss=$2 list
	[ "$("$BUILD/xdpsecctl" -i "$inst" sa list -j | jq '.sas | length')" = 2 ] || return 1
	[ "$("$BUILD/xdpsecctl" -i "$inst" list-sas | grep -c ESTABLISHED)" = 1 ] || return 1
	list=$(ss_ctl "$ss" --list-sas 2>/dev/null)
	[ "$(grep -c ESTABLISHED <<<"$list")" = 1 ] && [ "$(grep -c INSTALLED <<<"$list")" = 1 ]
}

# $1 xdpsec's role (dev reauthenticates itself, gw answers charon's).
run()
{
	local xrole=$1 srole xns sns inst ss up lan pid sent recv n xreauth sreauth
	if [ "$xrole" = dev ]; then
		srole=gw xns=$XS-dev sns=$XS-gw inst=${XS}d ss=ssg up=eth0 lan=sensor0
		xreauth=4s sreauth=""
		unset SS_CHARON_EXTRA
	else
		srole=dev xns=$XS-gw sns=$XS-dev inst=${XS}g ss=ssd up=up0 lan=lan0
		xreauth="" sreauth=4s
		SS_CHARON_EXTRA="make_before_break = yes"
	fi
	conf "$xrole" "xdpsec {
	uplink = $up
	lan = $lan
}" "$xreauth" >"$XS_TMP/$inst.conf"
	chmod 600 "$XS_TMP/$inst.conf"
	ss_start "$sns" "$ss" "$(conf "$srole" "" "$sreauth")"
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
		fail "xdpsec $xrole: no ping through the tunnel"
	nsexec "$XS-dev" ping -D -O -c "$PINGS" -i 0.05 -W 1 -I 10.200.1.1 10.1.0.10 \
		>"$XS_TMP/ping-$inst.log" 2>&1
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$XS_TMP/ping-$inst.log")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$XS_TMP/ping-$inst.log")
	[ "$((sent - recv))" = 0 ] ||
		fail "xdpsec $xrole: $((sent - recv)) of $sent pings lost across the reauthentications"
	wait_for -t 8 one_pair "$inst" "$ss" ||
		fail "xdpsec $xrole: not exactly one SA pair: $("$BUILD/xdpsecctl" -i "$inst" list-sas)
$(ss_ctl "$ss" --list-sas)"
	if [ "$xrole" = dev ]; then
		n=$(grep -c "IKE_SA peer\[[0-9]*\] .* reauthenticated, replaces" "$XS_TMP/$inst.log")
	else	# each reauthentication: a new IKE SA up here, then charon deletes the old one
		n=$(grep -c "IKE_SA peer\[[0-9]*\] deleted by peer" "$XS_TMP/$inst.log")
		[ "$(grep -c "IKE_SA peer\[[0-9]*\] established" "$XS_TMP/$inst.log")" -gt "$n" ] ||
			fail "xdpsec $xrole: charon deleted IKE SAs it did not replace first"
	fi
	[ "$n" -ge 1 ] || fail "xdpsec $xrole: no reauthentication in 12 s"
	pass "xdpsec as $xrole: $sent pings at 50 ms, none lost, across $n reauthentications" \
		"(make before break); one SA pair on each side"
	stop_pid "$pid"
	ss_stop "$ss"
}

build_testbed
run dev
run gw
