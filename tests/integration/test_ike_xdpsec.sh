#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# IKEv2 between two xdpsecd: a device behind a NAT dials the concentrator
# (start_action = start), with a PSK and with ECDSA certificates (strongSwan's
# test PKI), aes128gcm16-prfsha256-x25519.  Each run checks list-sas on both
# sides, ping and iperf3 through the tunnel carried by both daemons' AF_XDP
# workers, `terminate --ike` on one side clearing both data planes, and
# `initiate --child` bringing the tunnel back.  The PSK run also waits for
# the device's NAT-T keepalive (RFC 3948 4), counted by the concentrator's
# XDP program.
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+ iperf3 -s |
# | 192.168.1.2 |   | masquerade       |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#  device: xdpsecd                          concentrator: xdpsecd
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd iperf3 nft jq

PSK=xdpsec-to-xdpsec-test-psk-0123456789
GW=${XS}g
DEV=${XS}d
SSPKI=$XS_DIR/../unit/pki/strongswan-5.9.8
KEYS=$XS_TMP/keys
# The device sends NAT-T keepalives every 2 s (ike_keepalive below).
KEEPALIVE_WAIT=6


# $1 role (gw|dev), $2 auth (psk|cert): the connection and its secret.
# The certificates are strongSwan's test PKI's (gw, dev1).
conn()
{
	local role=$1 name=${1/dev/dev1}
	if [ "$2" = psk ]; then
		ike_psk_conf "$role" ss-anchor.test
		return
	fi
	ike_conn "$role" ss-anchor.test "" "" "auth = pubkey
			certs = $SSPKI/$name.crt" "auth = pubkey
			cacerts = $SSPKI/ca.crt"
	printf 'secrets {\n\tprivate-key {\n\t\tfile = %s\n\t}\n}\n' "$KEYS/$name.key"
}

gw_conf()
{
	xs_section up0 lan0
	IKE_CONN=devices conn gw "$1"
}

dev_conf()
{
	xs_section eth0 sensor0 "ike_keepalive = 2s"
	IKE_CONN=gw conn dev "$1"
}

ctl()
{
	"$BUILD/xdpsecctl" -i "$@"
}

reason()
{
	ctl "$1" stats -j | jq ".reasons.$2.packets"
}

n_sas()
{
	ctl "$1" sa list -j | jq '.sas | length'
}

both_empty()
{
	[ "$(n_sas "$GW")" = 0 ] && [ "$(n_sas "$DEV")" = 0 ]
}

both_established()
{
	ctl "$DEV" list-sas | grep -q INSTALLED &&
		ctl "$DEV" list-sas | grep -q ESTABLISHED &&
		ctl "$GW" list-sas | grep -q ESTABLISHED
}

keepalive_seen()
{
	[ "$(reason "$GW" natt_keepalive)" -gt 0 ]
}

# One run: $1 auth (psk|cert), $2 the side that terminates (dev|gw).
run()
{
	local auth=$1 killer=$2 label="xdpsec to xdpsec, $1" gw_pid dev_pid inst conn t0
	gw_conf "$auth" >"$XS_TMP/gw-$auth.conf"
	dev_conf "$auth" >"$XS_TMP/dev-$auth.conf"
	start_xdpsecd "$XS-gw" "$GW" "$XS_TMP/gw-$auth.conf"
	gw_pid=$XS_LAST_PID
	t0=$SECONDS
	start_xdpsecd "$XS-dev" "$DEV" "$XS_TMP/dev-$auth.conf"
	dev_pid=$XS_LAST_PID
	wait_for -t 10 both_established || fail "$label: no tunnel"
	grep -q "ESP in UDP" "$XS_TMP/$DEV.log" || fail "$label: no NAT seen, no ESP in UDP"
	pass "$label: IKE SA ESTABLISHED on both sides, Child SA INSTALLED"
	check_traffic "$label" "both daemons'" "$DEV" "$GW"

	if [ "$auth" = psk ]; then
		wait_for -t "$KEEPALIVE_WAIT" keepalive_seen ||
			fail "$label: no NAT-T keepalive reached the concentrator"
		pass "$label: the device's NAT-T keepalive reached the concentrator" \
			"after $((SECONDS - t0)) s"
	fi

	if [ "$killer" = dev ]; then inst=$DEV conn=gw; else inst=$GW conn=devices; fi
	ctl "$inst" terminate --ike "$conn" >/dev/null || fail "$label: terminate --ike $conn"
	wait_for -t 5 both_empty ||
		fail "$label: SAs left after terminate (gw $(n_sas "$GW"), dev $(n_sas "$DEV"))"
	pass "$label: terminate --ike on the $killer side emptied both data planes"
	ctl "$DEV" initiate --child net >/dev/null || fail "$label: initiate --child net"
	wait_for -t 10 both_established || fail "$label: initiate did not bring the tunnel back"
	ping_through || fail "$label: ping after initiate"
	pass "$label: initiate --child brought it back"
	stop_pid "$dev_pid"
	stop_pid "$gw_pid"
}

build_testbed
nsexec_bg "$XS-lan" "$XS_TMP/iperf-s.log" iperf3 -s -p 5201
mkdir -p "$KEYS" && chmod 700 "$KEYS"
install -m 600 "$SSPKI/gw.key" "$KEYS/gw.key"
install -m 600 "$SSPKI/dev1.key" "$KEYS/dev1.key"
run psk dev
run cert gw
