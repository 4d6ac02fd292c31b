#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# SA events (events.h) between two xdpsecd with a PSK.  The concentrator
# has 'log = stderr' and 'log_format = json': its stderr carries one JSON
# object a line for established, child_installed, child_deleted and
# deleted, each with the right identities, and jq parses every one.  The
# device keeps the default (events to syslog): with no syslog daemon in the
# test's namespace syslog() drops the lines, and the daemon must still
# start, bring the tunnel up and log its human lines on stderr.
#
#   $XS-dev                                 $XS-gw
# +-----------------------+          +-----------------------+
# | sensor0 10.200.1.1    |          | lan0 10.1.0.1         |
# | eth0 192.0.2.2        +----------+ up0 192.0.2.1         |
# +-----------------------+          +-----------------------+
#  device: xdpsecd (events: syslog)   concentrator: xdpsecd (events: JSON on stderr)
set -u
. "$(dirname "$0")/lib.sh"
require_cmd jq

PSK=xdpsec-events-test-psk-0123456789abcdef
GW=${XS}g
DEV=${XS}d

# $1 namespace, $2 the side's own veth for its LAN, $3 its address.
lan_stub()
{
	ip -n "$1" link add "$2" type veth peer name "${2}p"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" link set "$2" up
	ip -n "$1" link set "${2}p" up
}

for n in dev gw; do ns_create "$XS-$n"; done
veth_link "$XS-dev" eth0 192.0.2.2/24 "$XS-gw" up0 192.0.2.1/24
lan_stub "$XS-dev" sensor0 10.200.1.1/24
lan_stub "$XS-gw" lan0 10.1.0.1/24

# $1 xdpsec section lines, $2 connection, $3 local, $4 remote, $5 ts local,
# $6 ts remote, $7 our id, $8 the peer's id, $9 extra child lines.
conf()
{
	cat <<EOF
xdpsec {
$1
}
connections {
	$2 {
		local_addrs = $3
		${4:+remote_addrs = $4}
		proposals = aes128gcm16-prfsha256-x25519
		local {
			auth = psk
			id = $7
		}
		remote {
			auth = psk
			id = $8
		}
		children {
			net {
				local_ts = $5
				remote_ts = $6
				esp_proposals = aes128gcm16
				$9
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

conf "	uplink = up0
	lan = lan0
	log = stderr
	log_format = json" devices 192.0.2.1 "" 10.1.0.0/24 10.200.0.0/16 gw.events.test \
	'*@events.test' "" >"$XS_TMP/gw.conf"
conf "	uplink = eth0
	lan = sensor0" gw 192.0.2.2 192.0.2.1 10.200.1.0/24 10.1.0.0/24 dev1@events.test \
	gw.events.test "start_action = start" >"$XS_TMP/dev.conf"
chmod 600 "$XS_TMP/gw.conf" "$XS_TMP/dev.conf"

for side in gw:$GW dev:$DEV; do
	ns=$XS-${side%%:*} inst=${side#*:}
	nsexec_bg "$ns" "$XS_TMP/$inst.log" "$BUILD/xdpsecd" -c "$XS_TMP/${side%%:*}.conf" \
		--instance "$inst"
	wait_for "$BUILD/xdpsecctl" -i "$inst" status || fail "xdpsecd $inst did not start"
done
pass "both daemons start (the device with events to syslog and no syslog daemon)"

ctl() { "$BUILD/xdpsecctl" -i "$@"; }
# The event lines of the concentrator's stderr, one JSON object each.
events() { grep '^{' "$XS_TMP/$GW.log"; }
has_event() { events | jq -e -s "map(select(.event == \"$1\")) | length > 0" >/dev/null; }

wait_for -t 10 has_event child_installed || fail "no child_installed event: $(tail -5 "$XS_TMP/$GW.log")"
events | jq -e . >/dev/null || fail "an event line is not JSON: $(events)"
ev=$(events | jq -c -s 'map(select(.event == "established"))[0]')
# with MOBIKE (the default) the device goes to 4500 after IKE_SA_INIT, NAT or not (RFC 4555 3.5)
jq -e '.conn == "devices" and .local_id == "gw.events.test" and .remote_id == "dev1@events.test"
	and .remote == "192.0.2.2:4500" and .local == "192.0.2.1:4500" and (.ike_spi_i | length) == 16
	and (.time | test("^[0-9-]+T[0-9:.]+Z$"))' <<<"$ev" >/dev/null ||
	fail "established event: $ev"
ev=$(events | jq -c -s 'map(select(.event == "child_installed"))[0]')
jq -e '.child == "net" and .remote_id == "dev1@events.test" and (.spi_in | length) == 8
	and (.spi_out | length) == 8 and .local_ts == "10.1.0.0/24"' <<<"$ev" >/dev/null ||
	fail "child_installed event: $ev"
grep -q "IKE_SA devices\[[0-9]*\] established" "$XS_TMP/$GW.log" ||
	fail "the human established line is gone from the concentrator's log"
grep -q "IKE_SA gw\[[0-9]*\] established" "$XS_TMP/$DEV.log" ||
	fail "the device (events to syslog) lost its human log lines"
grep -q '^{\|xdpsec-event' "$XS_TMP/$DEV.log" && fail "the device's events went to stderr"
pass "established and child_installed as JSON lines, identities and SPIs right"

ctl "$DEV" terminate --ike gw >/dev/null || fail "terminate --ike gw"
wait_for -t 10 has_event deleted || fail "no deleted event: $(tail -5 "$XS_TMP/$GW.log")"
has_event child_deleted || fail "no child_deleted event"
ev=$(events | jq -c -s 'map(select(.event == "deleted"))[0]')
jq -e '.remote_id == "dev1@events.test" and .reason == "deleted by peer"' <<<"$ev" >/dev/null ||
	fail "deleted event: $ev"
[ "$(events | jq -s 'map(select(.event == "deleted")) | length')" = 1 ] ||
	fail "deleted logged more than once: $(events)"
events | jq -e . >/dev/null || fail "an event line is not JSON"
pass "terminate: child_deleted and deleted (by peer) as JSON, once each"
