#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# MOBIKE (RFC 4555) against strongSwan 5.9: the device's uplink address
# changes (a new one in another subnet, the old one removed, the default
# route moved) while it pings the LAN host every 50 ms through the tunnel.
# The IKE SA and the Child SA move to the new address without a rekey:
# xdpsecd logs one address_changed event with the new address, the IKE SA
# stays, charon's log shows the UPDATE_SA_ADDRESSES, and the longest gap
# between ping replies across the move is under one second.  Three runs:
# charon as the device and xdpsecd as the concentrator, the other way
# round, and xdpsecd on both ends (there the Child SA's SPIs must stay the
# same and no rekey happen).  charon with kernel-libipsec cannot update a
# userspace SA's addresses and rekeys its Child SA right after the move;
# that rekey must come from charon, never from xdpsecd.
#
# The NAT test bed with the NAT turned into a plain router, so that the
# concentrator sees the device's addresses as they are:
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+ 192.168.2.1      |      |       10.1.0.1 +----+           |
# | 192.168.1.2 |   |       192.0.2.254+------+                |    |           |
# |  -> .2.2    |   | (no masquerade)  |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#  device: charon or xdpsecd               concentrator: xdpsecd or charon
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/strongswan.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd nft /usr/lib/ipsec/charon swanctl jq ping awk

PSK=xdpsec-mobike-test-psk-0123456789
OLD=192.168.1.2
NEW=192.168.2.2
PINGS=100	# 5 s at 50 ms

# $1 role (gw|dev): the connection; the device may use any of its addresses.
conf()
{
	IKE_DEV_ADDRS=192.168.0.0/16 ike_psk_conf "$1" mobike.test "mobike = yes"
}

# The router forwards without NAT; the concentrator routes the devices' subnets back to it.
plain_router()
{
	nsexec "$XS-nat" nft flush ruleset || fail "nft flush"
	ip -n "$XS-nat" addr add 192.168.2.1/24 dev in0 || fail "second router address"
	ip -n "$XS-gw" route add 192.168.0.0/16 via 192.0.2.254 || fail "route to the devices"
}

# The device's uplink moves from OLD to NEW (as DHCP on a new network would do it).
move_device()
{
	ip -n "$XS-dev" addr add "$NEW/24" dev eth0 &&
	ip -n "$XS-dev" addr del "$OLD/24" dev eth0 &&
	ip -n "$XS-dev" route replace default via 192.168.2.1
}

move_back()
{
	ip -n "$XS-dev" addr add "$OLD/24" dev eth0 2>/dev/null
	ip -n "$XS-dev" addr del "$NEW/24" dev eth0 2>/dev/null
	ip -n "$XS-dev" route replace default via 192.168.1.1
}

# The xdpsecd instance's data-plane SPIs, sorted, on one line.
spis()
{
	"$BUILD/xdpsecctl" -i "$1" sa list -j | jq -r '[.sas[].spi] | sort | join(" ")'
}

# Its IKE SA: SPIs, MOBIKE and the peer's address.
ike_sa()
{
	"$BUILD/xdpsecctl" -i "$1" list-sas -j |
		jq -r '.ike_sas[] | select(.state == "ESTABLISHED") |
		       "\(.spi_i)/\(.spi_r) mobike=\(.mobike) \(.local_addr)-\(.remote_addr)"'
}

mobike_section()
{
	xs_section "$1" "$2" "log = stderr" "log_format = json"
}

# $1 the device (charon|xdpsecd), $2 the concentrator (charon|xdpsecd).  The
# xdpsecd that is watched is the concentrator if there is one, else the device.
run()
{
	local dev=$1 gw=$2 inst ss="" pids=() pid before after ike0 ike1 gap replies t0 t1 \
		ev rekeys what
	if [ "$gw" = xdpsecd ]; then
		mobike_section up0 lan0 >"$XS_TMP/${XS}g.conf"
		conf gw >>"$XS_TMP/${XS}g.conf"
		start_xdpsecd "$XS-gw" "${XS}g" "$XS_TMP/${XS}g.conf"
		pids+=("$XS_LAST_PID") inst=${XS}g
	else
		ss=ssg
		ss_start "$XS-gw" "$ss" "$(conf gw)"
	fi
	if [ "$dev" = xdpsecd ]; then
		mobike_section eth0 sensor0 >"$XS_TMP/${XS}d.conf"
		conf dev >>"$XS_TMP/${XS}d.conf"
		start_xdpsecd "$XS-dev" "${XS}d" "$XS_TMP/${XS}d.conf"
		pids+=("$XS_LAST_PID")
		[ "$gw" = xdpsecd ] || inst=${XS}d
	else
		ss=ssd
		ss_start "$XS-dev" "$ss" "$(conf dev)"	# start_action = start
	fi
	what="$dev (device) -> $gw, watching ${inst#"$XS"}"
	wait_for -t 10 xs_installed "$inst" || fail "$what: no Child SA"
	ping_through || fail "$what: no ping through the tunnel before the move"
	before=$(spis "$inst") ike0=$(ike_sa "$inst")
	[ -n "$before" ] || fail "$what: no SAs in the data plane"
	grep -q "mobike=true $([ "$inst" = "${XS}g" ] && echo 192.0.2.1-$OLD || echo "$OLD-192.0.2.1")" \
		<<<"$ike0" || fail "$what: MOBIKE not negotiated: $ike0"
	ping_start $((PINGS / 20)) "$inst"
	sleep 1.5
	t0=$(date +%s%N)
	move_device || fail "$what: cannot move the device's address"
	wait_for -t 5 grep -q "moved from .* to $NEW:[0-9]* (MOBIKE update)" "$XS_TMP/$inst.log" ||
		fail "$what: no MOBIKE address change logged for $NEW"
	t1=$(date +%s%N)
	ping_wait "$inst"
	after=$(spis "$inst") ike1=$(ike_sa "$inst")
	read -r gap replies < <(ping_gap "$XS_TMP/ping-$inst.log")
	ev=$(grep '^{' "$XS_TMP/$inst.log" | jq -s '[.[] | select(.event == "address_changed")]')
	[ "$(jq length <<<"$ev")" = 1 ] ||
		fail "$what: $(jq length <<<"$ev") address_changed events, not one"
	jq -e ".[0] | (.local + .remote | contains(\"$NEW\")) and .remote_id and .local_id" \
		<<<"$ev" >/dev/null || fail "$what: the event lacks the new address or identities: $ev"
	[ "${ike0%% *}" = "${ike1%% *}" ] || fail "$what: the IKE SA changed: $ike0 -> $ike1"
	grep -q -- "$NEW" <<<"$ike1" || fail "$what: list-sas does not show $NEW: $ike1"
	rekeys=$(grep -c "CHILD_SA net{[0-9]*} rekeyed" "$XS_TMP/$inst.log")
	if [ "$dev" = xdpsecd ] && [ "$gw" = xdpsecd ]; then
		[ "$rekeys" = 0 ] && [ "$before" = "$after" ] ||
			fail "$what: the Child SA was rekeyed ($rekeys) or its SPIs changed: $before -> $after"
	elif [ "$before" != "$after" ]; then
		# charon with kernel-libipsec cannot update an SA's addresses in place and
		# rekeys it after the MOBIKE update: allowed, from its side only
		[ "$(grep -c 'rekeyed .*(initiated by the peer)' "$XS_TMP/$inst.log")" = "$rekeys" ] ||
			fail "$what: xdpsecd rekeyed the Child SA itself"
	fi
	if [ "$dev" = xdpsecd ] && [ "$gw" = xdpsecd ]; then
		grep -q "IKE_SA peer\[[0-9]*\]: moved from $OLD:4500 to $NEW:4500 (MOBIKE update)" \
			"$XS_TMP/${XS}d.log" || fail "$what: the device did not log its move"
	else
		grep -q "INFORMATIONAL request [0-9]* \[ N(UPD_SA_ADDR)" "$(ss_log "$ss")" ||
			fail "$what: no UPDATE_SA_ADDRESSES in charon's log"
	fi
	[ "$replies" -ge $((PINGS * 3 / 4)) ] || fail "$what: only $replies of $PINGS pings answered"
	[ "$gap" -lt 1000 ] || fail "$what: traffic stopped for $gap ms across the move"
	pass "$what: moved to $NEW $(( (t1 - t0) / 1000000 )) ms after the change, same IKE SA," \
		"Child SPIs $before -> $after ($rekeys rekeys by the peer), longest gap between" \
		"ping replies $gap ms, $replies of $PINGS answered"
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	[ -z "$ss" ] || ss_stop "$ss"
	move_back
}

build_testbed
plain_router
run charon xdpsecd
run xdpsecd charon
run xdpsecd xdpsecd
