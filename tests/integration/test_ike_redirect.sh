#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Redirect (RFC 5685) between xdpsec gateways: the device (xdpsecd, behind
# the NAT) dials gw1, whose 'redirects' rule sends it to gw2 at IKE_SA_INIT;
# it must end up with its IKE and Child SA on gw2 only, a ping must cross
# gw2's data plane, and both the device's and gw1's logs must carry the
# redirect event.  Then gw1 drops the rule (reload) and the operator on gw2
# runs `xdpsecctl redirect` (INFORMATIONAL): the device moves back to gw1,
# make before break, while a ping runs every 50 ms.  Last, with the rule
# back on gw1, strongSwan 5.9 takes the device's place and must follow the
# redirect to gw2 as well (skipped without charon).
#
#   $XS-dev              $XS-nat                       $XS-gw (gw1)          $XS-lan
# +-------------+   +---------------------+      +----------------+    +-----------+
# | sensor0     |   | in0      br0        |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1         |  +---+ 192.0.2.1      +----+ 10.1.0.10 |
# | eth0        +---+      192.0.2.254 out0+--+   |       10.1.0.1 |    +-----------+
# | 192.168.1.2 |   | masquerade     out1 +--+   +----------------+
# +-------------+   +---------------------+  |   $XS-gw2               $XS-lan2
#                                            |   +----------------+    +-----------+
#                                            +---+ up0 192.0.2.3  +----+ 10.1.0.10 |
#                                                |   lan0 10.1.0.1|    +-----------+
#                                                +----------------+
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/strongswan.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd nft jq ping

PSK=xdpsec-redirect-test-psk-0123456789
GW1=${XS}g
GW2=${XS}h
DEV=${XS}d
PINGS=100	# 5 s at 50 ms

RULE="redirects {
	lb {
		gateway = 192.0.2.3
		remote_addrs = 192.0.2.254
	}
}"

# $1 the uplink address, $2 extra top-level text (a redirects section or "").
gw_conf()
{
	xs_section up0 lan0 "log = stderr"
	IKE_CONN=devices IKE_GW_ADDR=$1 ike_psk_conf gw redirect.test
	printf '%s\n' "$2"
}

dev_conn()
{
	IKE_CONN=gw ike_psk_conf dev redirect.test
}

dev_conf()
{
	xs_section eth0 sensor0 "log = stderr"
	dev_conn
}

# gw2 on the NAT's outside segment (a bridge there), with its own LAN host.
add_gw2()
{
	ns_create "$XS-gw2"
	ns_create "$XS-lan2"
	ip -n "$XS-nat" addr del 192.0.2.254/24 dev out0 || fail "move the NAT's address"
	ip -n "$XS-nat" link add br0 type bridge || fail "bridge in $XS-nat"
	ip -n "$XS-nat" link set out0 master br0
	ip -n "$XS-nat" addr add 192.0.2.254/24 dev br0
	ip -n "$XS-nat" link set br0 up
	veth_link "$XS-nat" out1 - "$XS-gw2" up0 192.0.2.3/24
	ip -n "$XS-nat" link set out1 master br0
	veth_link "$XS-gw2" lan0 10.1.0.1/24 "$XS-lan2" eth0 10.1.0.10/24
	ip -n "$XS-lan2" route add default via 10.1.0.1
	nsexec "$XS-gw2" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0
	nsexec "$XS-nat" nft add rule ip nat postrouting oifname br0 masquerade ||
		fail "masquerade on br0"
}

ctl()
{
	"$BUILD/xdpsecctl" -i "$@"
}

n_sas()
{
	ctl "$1" sa list -j | jq '.sas | length'
}

sas_are()
{
	[ "$(n_sas "$1")" = "$2" ]
}

decrypted()
{
	ctl "$1" stats -j | jq '.reasons.decrypted.packets'
}

# The device's IKE SA is with $1 (address), Child SA installed; $2 has the
# pair, $3 has nothing.
on_gateway()
{
	local list
	list=$(ctl "$DEV" list-sas)
	grep -q "ESTABLISHED" <<<"$list" && grep -q "INSTALLED" <<<"$list" &&
		[ "$(grep -c ESTABLISHED <<<"$list")" = 1 ] && grep -q "$1" <<<"$list" &&
		[ "$(n_sas "$2")" = 2 ] && [ "$(n_sas "$3")" = 0 ] &&
		[ "$(n_sas "$DEV")" = 2 ]
}

event_in()
{
	grep -q "event=redirect .*from=$2 to=$3" "$XS_TMP/$1.log"
}

build_testbed
add_gw2
gw_conf 192.0.2.1 "$RULE" >"$XS_TMP/gw1.conf"
gw_conf 192.0.2.3 "" >"$XS_TMP/gw2.conf"
dev_conf >"$XS_TMP/dev.conf"
start_xdpsecd "$XS-gw" "$GW1" "$XS_TMP/gw1.conf"
start_xdpsecd "$XS-gw2" "$GW2" "$XS_TMP/gw2.conf"
t0=$SECONDS
start_xdpsecd "$XS-dev" "$DEV" "$XS_TMP/dev.conf"
dev_pid=$XS_LAST_PID

# 1. IKE_SA_INIT redirect by gw1's rule
wait_for -t 15 on_gateway 192.0.2.3 "$GW2" "$GW1" ||
	fail "the device is not on gw2 alone: $(ctl "$DEV" list-sas)
gw1: $(ctl "$GW1" list-sas)
gw2: $(ctl "$GW2" list-sas)"
[ "$(ctl "$GW1" list-sas | grep -c ESTABLISHED)" = 0 ] || fail "gw1 kept an IKE SA"
pass "gw1 redirected the device at IKE_SA_INIT: IKE and Child SA with gw2 only" \
	"after $((SECONDS - t0)) s"
dec0=$(decrypted "$GW2")
ping_through || fail "no ping through gw2"
dec=$(decrypted "$GW2")
[ "$((dec - dec0))" -ge 3 ] || fail "gw2's data plane did not carry the ping ($dec0 -> $dec)"
[ "$(decrypted "$GW1")" = 0 ] || fail "gw1's data plane decrypted something"
pass "ping through gw2 ($((dec - dec0)) packets decrypted by gw2's data plane, none by gw1)"
event_in "$DEV" 192.0.2.1 192.0.2.3 || fail "no redirect event in the device's log"
event_in "$GW1" 192.0.2.1 192.0.2.3 || fail "no redirect event in gw1's log"
grep -q "redirected here by 192.0.2.1" "$XS_TMP/$GW2.log" ||
	fail "gw2 did not see REDIRECTED_FROM"
pass "redirect event in the device's and gw1's logs, REDIRECTED_FROM seen by gw2"

# 2. maintenance on gw2: back to gw1 (whose rule is gone after a reload)
gw_conf 192.0.2.1 "" >"$XS_TMP/gw1.conf"
ctl "$GW1" reload >/dev/null || fail "reload gw1"
ping_start $((PINGS / 20)) redirect
sleep 1
out=$(ctl "$GW2" redirect --peer 'dev1@redirect.test' --to 192.0.2.1) ||
	fail "xdpsecctl redirect: $out"
grep -q "redirecting 1 IKE_SA" <<<"$out" || fail "xdpsecctl redirect said: $out"
wait_for -t 15 on_gateway 192.0.2.1 "$GW1" "$GW2" ||
	fail "the device did not move back to gw1: $(ctl "$DEV" list-sas)"
ping_wait redirect
[ "$(decrypted "$GW1")" -gt 0 ] || fail "gw1's data plane carried nothing after the move"
event_in "$GW2" 192.0.2.3 192.0.2.1 || fail "no redirect event in gw2's log"
[ "$lost" = 0 ] || fail "$lost of $sent pings lost across the redirect"
pass "xdpsecctl redirect on gw2 moved the device to gw1 (make before break):" \
	"$sent pings at 50 ms, none lost; gw2 empty"

# 3. strongSwan as the device follows gw1's rule too
[ -x /usr/lib/ipsec/charon ] && command -v swanctl >/dev/null ||
	skip "strongSwan as the device: charon is not installed"
stop_xdpsecd "$dev_pid"
wait_for -t 10 sas_are "$GW1" 0 ||
	fail "gw1 kept the stopped device's SAs"
gw_conf 192.0.2.1 "$RULE" >"$XS_TMP/gw1.conf"
ctl "$GW1" reload >/dev/null || fail "reload gw1 with the rule"
ss_start "$XS-dev" ssd "$(IKE_DEV_START="" dev_conn)"
ss_ctl ssd --initiate --child net --timeout 15 >"$XS_TMP/ss-init.log" 2>&1 ||
	fail "charon: no tunnel: $(tail -5 "$XS_TMP/ss-init.log")"
list=$(ss_ctl ssd --list-sas)
grep -q "ESTABLISHED" <<<"$list" && grep -q "192.0.2.3" <<<"$list" ||
	fail "charon is not on gw2: $list"
wait_for -t 5 sas_are "$GW2" 2 ||
	fail "gw2 has no Child SA for charon"
[ "$(n_sas "$GW1")" = 0 ] || fail "gw1 has SAs for charon"
dec0=$(decrypted "$GW2")
ping_through || fail "charon: no ping through gw2"
[ "$(($(decrypted "$GW2") - dec0))" -ge 3 ] || fail "charon's ping did not cross gw2's data plane"
grep -q "redirect" "$(ss_log ssd)" || fail "charon's log says nothing of the redirect"
pass "strongSwan as the device followed gw1's redirect to gw2; ping through gw2's data plane"
ss_stop ssd
