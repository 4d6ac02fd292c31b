#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Runs inside the 6.1 guest (tests/vm/run-vm.sh): the BPF program tests,
# then xdpsec in XFRM mode (kernel ESP) against xdpsec in AF_XDP mode, with
# manual SAs, raw ESP; then guest_ike.sh on the same test bed: IKEv2 between
# the two, XFRM against AF_XDP (ESP in UDP) and XFRM against XFRM (raw ESP,
# Child SA rekeys):
#
#   vm-ha            vm-gwa                        vm-gwb            vm-hb
# +--------+   +-------------------+        +-------------------+   +--------+
# | eth0   +---+ lan0         up0  +--------+ up0         lan0  +---+ eth0   |
# |10.1.0.2|   |10.1.0.1  192.0.2.1|        |192.0.2.2  10.2.0.1|   |10.2.0.2|
# +--------+   | xdpsecd: xfrm     |        | xdpsecd: afxdp    |   +--------+
#              +-------------------+        +-------------------+
#   A -> B: SPI 0x1001 AES-GCM-128;  B -> A: SPI 0x2002 AES-CBC-128 + HMAC-SHA-256-128
#
# Each check prints "VMTEST PASS name" or "VMTEST FAIL name: why".
B=/xs/build
K_AB=00112233445566778899aabbccddeeff01020304
K_BA=8899aabbccddeeff0011223344556677
I_BA=0f0e0d0c0b0a090807060504030201000f0e0d0c0b0a09080706050403020100

pass() { echo "VMTEST PASS $1"; }
fail() { echo "VMTEST FAIL $1: $2"; }
ctl() { i=$1; shift; "$B/xdpsecctl" -i "$i" "$@"; }
stat_of() { ctl "$1" stats -j | jq -r "$2"; }
nsx() { n=$1; shift; ip netns exec "$n" "$@"; }
wait_ctl() {
	for _ in $(seq 1 100); do ctl "$1" status >/dev/null 2>&1 && return 0; sleep 0.2; done
	return 1
}

# ---- BPF_PROG_TEST_RUN on this kernel ----
for t in test_uplink test_tunnel; do
	if "$B/tests/bpf/$t" >/tmp/$t.out 2>&1; then
		pass "bpf_$t ($(tail -1 /tmp/$t.out))"
	else
		grep -v "^ok" /tmp/$t.out | head -20
		fail "bpf_$t" "$(tail -1 /tmp/$t.out)"
	fi
done

# ---- the test bed ----
ip link set lo up
for n in ha gwa gwb hb; do ip netns add vm-$n; ip -n vm-$n link set lo up; done
link() {	# ns1 if1 addr1 ns2 if2 addr2
	ip link add "$2" netns "vm-$1" type veth peer name "$5" netns "vm-$4"
	ip -n "vm-$1" addr add "$3" dev "$2"
	ip -n "vm-$4" addr add "$6" dev "$5"
	ip -n "vm-$1" link set "$2" up
	ip -n "vm-$4" link set "$5" up
}
link ha eth0 10.1.0.2/24 gwa lan0 10.1.0.1/24
link gwa up0 192.0.2.1/24 gwb up0 192.0.2.2/24
link gwb lan0 10.2.0.1/24 hb eth0 10.2.0.2/24
ip -n vm-ha route add default via 10.1.0.1
ip -n vm-hb route add default via 10.2.0.1
for n in gwa gwb; do
	nsx vm-$n sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done

ip netns exec vm-gwa "$B/xdpsecd" --uplink up0 --lan lan0 --instance vma --dataplane auto \
	>/tmp/a.log 2>&1 &
PID_A=$!
ip netns exec vm-gwb "$B/xdpsecd" --uplink up0 --lan lan0 --instance vmb --dataplane afxdp \
	>/tmp/b.log 2>&1 &
PID_B=$!
if wait_ctl vma && wait_ctl vmb; then
	pass "daemons_up"
else
	fail "daemons_up" "$(tail -3 /tmp/a.log /tmp/b.log)"
fi
if grep -q "auto: the kernel has ESP" /tmp/a.log && ctl vma status | grep -q "backend: xfrm"; then
	pass "auto_picks_xfrm"
else
	fail "auto_picks_xfrm" "$(grep -i 'data plane' /tmp/a.log) / $(ctl vma status | tr '\n' ' ')"
fi

AB="--spi 0x1001 --src 192.0.2.1 --dst 192.0.2.2 --aead aes-gcm-128 --key $K_AB"
BA="--spi 0x2002 --src 192.0.2.2 --dst 192.0.2.1 --enc aes-cbc-128 --enc-key $K_BA
	--integ hmac-sha256-128 --integ-key $I_BA"
ok=1
ctl vma sa add --dir out $AB --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 --device site-b || ok=0
ctl vma sa add --dir in $BA --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 --device site-b || ok=0
ctl vmb sa add --dir in $AB --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 --device site-a || ok=0
ctl vmb sa add --dir out $BA --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 --device site-a || ok=0
[ $ok = 1 ] && pass "sa_add" || fail "sa_add" "$(tail -3 /tmp/a.log)"

# What the kernel holds, as `ip xfrm` prints it, against what we encoded.
ip -n vm-gwa xfrm state >/tmp/state.txt
ip -n vm-gwa xfrm policy >/tmp/policy.txt
cat /tmp/state.txt /tmp/policy.txt
ok=1; why=
chk() { grep -q -- "$2" "$1" || { ok=0; why="$why [$2]"; }; }
chk /tmp/state.txt "src 192.0.2.1 dst 192.0.2.2"
chk /tmp/state.txt "proto esp spi 0x00001001 reqid [0-9]* mode tunnel"
chk /tmp/state.txt "proto esp spi 0x00002002 reqid [0-9]* mode tunnel"
chk /tmp/state.txt "aead rfc4106(gcm(aes)) 0x$K_AB 128"
chk /tmp/state.txt "enc cbc(aes) 0x$K_BA"
chk /tmp/state.txt "auth-trunc hmac(sha256) 0x$I_BA 128"
chk /tmp/state.txt "replay_window 1024"
chk /tmp/policy.txt "src 10.1.0.0/24 dst 10.2.0.0/24"
chk /tmp/policy.txt "src 10.2.0.0/24 dst 10.1.0.0/24"
chk /tmp/policy.txt "dir out"
chk /tmp/policy.txt "dir fwd"
chk /tmp/policy.txt "dir in"
chk /tmp/policy.txt "tmpl src 192.0.2.1 dst 192.0.2.2"
[ $ok = 1 ] && pass "ip_xfrm_shows_encoding" || fail "ip_xfrm_shows_encoding" "missing:$why"

if nsx vm-ha ping -c 5 -i 0.2 -W 3 10.2.0.2 >/tmp/ping1 2>&1 &&
   nsx vm-hb ping -c 5 -i 0.2 -W 3 10.1.0.2 >/tmp/ping2 2>&1; then
	pass "ping_xfrm_afxdp_both_ways"
else
	fail "ping_xfrm_afxdp_both_ways" "$(tail -2 /tmp/ping1 /tmp/ping2 | tr '\n' ' ')"
fi

nsx vm-hb iperf3 -s -1 -D >/dev/null 2>&1
sleep 0.5
if nsx vm-ha iperf3 -c 10.2.0.2 -t 3 -J >/tmp/iperf.json 2>&1; then
	mbps=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' /tmp/iperf.json)
	pass "iperf3_through_tunnel ($mbps Mbit/s A->B under TCG)"
else
	fail "iperf3_through_tunnel" "$(tail -3 /tmp/iperf.json | tr '\n' ' ')"
fi

# Counters: XDP passed known ESP to the kernel, TC saw it decrypted, the
# kernel's SA counters come back through sa list / stats.
esp_in=$(stat_of vma '.reasons.esp_in.packets')
dec=$(stat_of vma '.reasons.decrypted.packets')
enc=$(stat_of vma '.reasons.encrypted.packets')
sa_in=$(stat_of vma '.sas[] | select(.spi == "0x00002002") | .packets')
sa_out=$(stat_of vma '.sas[] | select(.spi == "0x00001001") | .packets')
dev=$(stat_of vma '.devices[] | select(.name == "site-b") | .packets')
if [ "${esp_in:-0}" -ge 5 ] && [ "${dec:-0}" -ge 5 ] && [ "${enc:-0}" -ge 5 ] &&
   [ "${sa_in:-0}" -ge 5 ] && [ "${sa_out:-0}" -ge 5 ] && [ "${dev:-0}" -ge 5 ]; then
	pass "counters (esp_in $esp_in, decrypted $dec, encrypted $enc, sa in $sa_in out $sa_out, device $dev)"
else
	fail "counters" "esp_in $esp_in decrypted $dec encrypted $enc sa_in $sa_in sa_out $sa_out dev $dev"
	ctl vma stats
fi

# Unknown SPI: B sends ESP for an SA A does not have; A's XDP drops it.
before=$(stat_of vma '.reasons.esp_unknown_spi.packets')
ctl vmb sa add --dir out --spi 0x9999 --src 192.0.2.2 --dst 192.0.2.1 --aead aes-gcm-128 \
	--key $K_AB --local-ts 10.2.0.0/24 --remote-ts 10.1.9.0/24 >/dev/null
nsx vm-hb ping -c 3 -i 0.2 -W 1 10.1.9.1 >/dev/null 2>&1
after=$(stat_of vma '.reasons.esp_unknown_spi.packets')
if [ "${after:-0}" -ge $((${before:-0} + 3)) ]; then
	pass "xdp_drops_unknown_spi ($before -> $after)"
else
	fail "xdp_drops_unknown_spi" "$before -> $after"
fi

# Device ACL on decrypted traffic, enforced by TC ingress in XFRM mode.
ctl vma acl set site-b allow 10.1.0.2/32 proto tcp port 5201 >/dev/null
before=$(stat_of vma '.devices[] | select(.name == "site-b") | .acl_denied')
if nsx vm-hb ping -c 2 -i 0.2 -W 1 10.1.0.2 >/dev/null 2>&1; then
	fail "tc_acl_in_xfrm_mode" "ping passed an ACL that allows only tcp/5201"
else
	after=$(stat_of vma '.devices[] | select(.name == "site-b") | .acl_denied')
	ctl vma acl set site-b none >/dev/null
	if [ "${after:-0}" -ge $((${before:-0} + 2)) ] &&
	   nsx vm-hb ping -c 2 -i 0.2 -W 2 10.1.0.2 >/dev/null 2>&1; then
		pass "tc_acl_in_xfrm_mode (acl_denied $before -> $after, lifted cleanly)"
	else
		fail "tc_acl_in_xfrm_mode" "acl_denied $before -> $after"
	fi
fi

# Inner source outside the SA's TS: B sends 10.2.9.0/24-sourced traffic
# into SA 0x2003, whose TS at A is 10.2.0.0/24 only.
ip -n vm-hb addr add 10.2.9.2/24 dev eth0
ip -n vm-gwb addr add 10.2.9.1/24 dev lan0
ctl vma sa add --dir in --spi 0x2003 --src 192.0.2.2 --dst 192.0.2.1 --aead aes-gcm-128 \
	--key $K_AB --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 --device site-b >/dev/null
ctl vmb sa add --dir out --spi 0x2003 --src 192.0.2.2 --dst 192.0.2.1 --aead aes-gcm-128 \
	--key $K_AB --local-ts 10.2.9.0/24 --remote-ts 10.1.0.2/32 --device site-a >/dev/null
before=$(stat_of vma '.reasons.ts_mismatch.packets')
nsx vm-hb ping -c 2 -i 0.2 -W 1 -I 10.2.9.2 10.1.0.2 >/dev/null 2>&1
after=$(stat_of vma '.reasons.ts_mismatch.packets')
nopol=$(nsx vm-gwa cat /proc/net/xfrm_stat | awk '/XfrmInNoPols|XfrmInPolBlock|XfrmFwdHdrError|XfrmInTmplMismatch/ { s += $2 } END { print s }')
if [ "${after:-0}" -ge $((${before:-0} + 2)) ]; then
	pass "tc_ts_check_in_xfrm_mode (ts_mismatch $before -> $after)"
else
	fail "tc_ts_check_in_xfrm_mode" "ts_mismatch $before -> $after (kernel policy drops: $nopol)"
fi

# A clean stop leaves no state, no policy, no XDP behind.
kill $PID_A
wait $PID_A
left=$(ip -n vm-gwa xfrm state | wc -l)$(ip -n vm-gwa xfrm policy | wc -l)
if [ "$left" = "00" ] && ! ip -n vm-gwa link show up0 | grep -q xdp; then
	pass "xfrm_clean_shutdown"
else
	fail "xfrm_clean_shutdown" "state/policy lines: $left"
	ip -n vm-gwa xfrm state; ip -n vm-gwa xfrm policy
fi
kill $PID_B
wait $PID_B
echo "--- a.log"; cat /tmp/a.log
echo "--- b.log"; tail -5 /tmp/b.log

# ---- the same gateways with IKEv2 ----
. /guest_ike.sh
