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
. "$(dirname "$0")/ike_helpers.sh"
require_cmd nft /usr/lib/ipsec/charon swanctl jq ping

PSK=xdpsec-reauth-test-psk-0123456789
PINGS=240	# 12 s at 50 ms

# $1 role (gw|dev), $2 reauth_time ("" for none).
conf()
{
	local reauth=""
	[ -n "$2" ] && reauth="reauth_time = $2
		rand_time = 1s
		over_time = 5s"
	ike_psk_conf "$1" reauth.test "$reauth"
}

# $1 xdpsec's role (dev reauthenticates itself, gw answers charon's).
run()
{
	local xrole=$1 inst sent lost n
	if [ "$xrole" = dev ]; then
		unset SS_CHARON_EXTRA
		xs_ss_start dev "$(conf dev 4s)" "$(conf gw "")"
	else
		SS_CHARON_EXTRA="make_before_break = yes"
		xs_ss_start gw "$(conf gw "")" "$(conf dev 4s)"
	fi
	inst=$XS_INST
	ping_through || fail "xdpsec $xrole: no ping through the tunnel"
	ping_stream "$PINGS" "$inst"
	[ "$lost" = 0 ] ||
		fail "xdpsec $xrole: $lost of $sent pings lost across the reauthentications"
	wait_for -t 8 xs_ss_one_pair || fail "xdpsec $xrole: not exactly one SA pair: $(xs_ss_pairs)"
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
	xs_ss_stop
}

build_testbed
run dev
run gw
