#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tools/testbed end to end: 50 devices behind a NAT, once as xdpsecd
# initiators with per-device PSKs and once as strongSwan (charon) initiators
# with ECDSA certificates from a CA made for the run.  Every tunnel comes up
# (at the concentrator and at each device), every sensor address pings the
# LAN host and the concentrator counts each device's packets, iperf3 runs
# from three devices, and `down` leaves no namespace, process, control
# socket, pinned map or bpffs mount behind -- also after one device's xdpsecd
# was killed with SIGKILL and could not clean up after itself.
#
#  NAME-lan        NAME-gw            NAME-inet        NAME-nat           NAME-d1..d50
#  10.1.0.10 ---- xdpsecd ---------- router -------- masquerade, br0 --- xdpsecd | charon
#  iperf3 -s      192.0.2.1                          100.64.0.1/16       10.200.i.1 sensors
#
# Knob: TESTBED_DEVICES (default 50).
set -u
. "$(dirname "$0")/lib.sh"
require_cmd jq nft iperf3 setsid unshare
TESTBED=$XS_ROOT/tools/testbed
NDEV=${TESTBED_DEVICES:-50}
NAME=t$(($$ % 100000))		# [a-z][a-z0-9]{0,5}

# Tear down whatever a failed run left (the tool's own `down`).
at_cleanup "[ -d /run/xdpsec-testbed/$NAME ] && '$TESTBED' down --name $NAME >/dev/null 2>&1"

tb()
{
	"$TESTBED" "$@" --name "$NAME"
}

# The pids the test bed recorded, to check after `down` that they are gone.
recorded_pids()
{
	cat /run/xdpsec-testbed/"$NAME"/pids/* 2>/dev/null | awk '{ print $1 }'
}

check_nothing_left()
{
	local label=$1 pids=$2 pid left=""

	ip netns list | grep -qE "^$NAME-" && left+=" namespaces"
	for pid in $pids; do
		[ -d "/proc/$pid" ] && left+=" pid:$pid"
	done
	pgrep -f "/run/xdpsec-testbed/$NAME/" >/dev/null && left+=" processes"
	ls /run/xdpsec/"$NAME"*.sock >/dev/null 2>&1 && left+=" sockets"
	ls -d /sys/fs/bpf/xdpsec/"$NAME"* >/dev/null 2>&1 && left+=" pinned-maps"
	grep -q "/run/xdpsec-testbed/$NAME" /proc/mounts && left+=" bpffs-mount"
	[ -e "/run/xdpsec-testbed/$NAME" ] && left+=" state-dir"
	[ -z "$left" ] || fail "$label: down left:$left"
	pass "$label: down left no namespace, process, socket, pinned map, mount or state"
}

run()
{
	local peer=$1 auth=$2 label="$NDEV $1 devices ($2) behind a NAT" t0 out pids

	t0=$SECONDS
	tb up --devices "$NDEV" --nat --peer "$peer" --auth "$auth" >"$XS_TMP/up-$peer.log" 2>&1 ||
		fail "$label: up: $(tail -n 8 "$XS_TMP/up-$peer.log")"
	grep -q "$NDEV/$NDEV tunnels up" "$XS_TMP/up-$peer.log" || fail "$label: not every tunnel is up"
	pass "$label: every tunnel up in $((SECONDS - t0)) s;" \
		"$(grep -o 'devices RSS .*' "$XS_TMP/up-$peer.log")"

	out=$(tb status) || fail "$label: status: $out"
	grep -q "concentrator .*: $NDEV IKE SAs ESTABLISHED" <<<"$out" &&
		grep -q "devices: $NDEV/$NDEV see their tunnel up" <<<"$out" ||
		fail "$label: status: $out"
	pass "$label: status sees $NDEV tunnels at the concentrator and at the devices"

	out=$(tb traffic --seconds 1) || fail "$label: traffic: $out"
	grep -q "ping: $NDEV/$NDEV devices reach" <<<"$out" &&
		grep -q "counters grew for $NDEV/$NDEV devices" <<<"$out" ||
		fail "$label: traffic: $out"
	pass "$label: every device pings the LAN host, counted per device by the concentrator;" \
		"iperf3 $(grep -o '[0-9]* Mbit/s' <<<"$out" | tr '\n' ' ')"

	pids=$(recorded_pids)
	if [ "$peer" = xdpsec ]; then
		# A daemon that cannot clean up: its socket and XDP program stay.
		kill -KILL "$(awk '{ print $1 }' /run/xdpsec-testbed/"$NAME"/pids/d2)"
	fi
	tb down >"$XS_TMP/down-$peer.log" 2>&1 || fail "$label: down: $(cat "$XS_TMP/down-$peer.log")"
	check_nothing_left "$label" "$pids"
}

run xdpsec psk
run strongswan cert
