# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Sourced by guest.sh once the manual-SA checks are done, on the same test
# bed and with its helpers (pass, fail, ctl, stat_of, nsx, wait_ctl): the two
# gateways now negotiate their SAs with IKEv2 (PSK,
# aes128gcm16-prfsha256-x25519), gwa initiating (start_action = start).
#
#   vm-ha          vm-gwa                          vm-gwb          vm-hb
#  10.1.0.2 --- xdpsecd xfrm  192.0.2.1 ---- 192.0.2.2 xdpsecd ... --- 10.2.0.2
#
#   run 1: gwb in AF_XDP mode; gwa sets encap = yes, so both ends carry ESP
#          in UDP/4500 (no NAT in between): gwa's kernel decapsulates it on
#          the IKE daemon's UDP_ENCAP_ESPINUDP socket
#   run 2: gwb in XFRM mode too, raw ESP; gwa's Child SA has rekey_time = 5s,
#          and a ping runs across its rekeys; then gwa's uplink address
#          moves to 192.0.2.11 (MOBIKE): both kernels' states and policy
#          templates follow, and traffic flows again
PSK=xdpsec-vm-test-psk-0123456789
MOVED=192.0.2.11
# gwa's own address, and the one gwb expects it at (run 2: any in the subnet, for MOBIKE)
ADDR_A=192.0.2.1
REKEY_PINGS=80		# 8 s at 100 ms: at least one rekey with rekey_time = 5s

# swanctl.conf-style file for one gateway: $1 a|b, $2 dataplane, $3 extra
# connection lines, $4 extra child lines.
ike_conf() {
	if [ "$1" = a ]; then
		set -- "$@" $ADDR_A 192.0.2.2 10.1.0.0/24 10.2.0.0/24 a b
	else
		set -- "$@" 192.0.2.2 $ADDR_A 10.2.0.0/24 10.1.0.0/24 b a
	fi
	cat <<EOF
xdpsec {
	uplink = up0
	lan = lan0
	dataplane = $2
}
connections {
	peer {
		local_addrs = $5
		remote_addrs = $6
		proposals = aes128gcm16-prfsha256-x25519
		$3
		local {
			auth = psk
			id = gw$9.vm.test
		}
		remote {
			auth = psk
			id = gw${10}.vm.test
		}
		children {
			net {
				local_ts = $7
				remote_ts = $8
				esp_proposals = aes128gcm16
				$4
			}
		}
	}
}
secrets {
	ike-vm {
		secret = "$PSK"
	}
}
EOF
}

# $1 a|b, $2 config file: starts xdpsecd in vm-gw$1 as instance ike$1.
ike_start() {
	chmod 600 "$2"
	ip netns exec "vm-gw$1" "$B/xdpsecd" -c "$2" --instance "ike$1" >"/tmp/ike$1.log" 2>&1 &
	eval "IKE_PID_$1=\$!"
}

ike_stop() {
	kill "$IKE_PID_a" "$IKE_PID_b"
	wait "$IKE_PID_a" "$IKE_PID_b"
}

# Both IKE SAs ESTABLISHED and the Child SA INSTALLED on both ends, in 20 s.
ike_wait_up() {
	for _ in $(seq 1 100); do
		ctl ikea list-sas 2>/dev/null | grep -q INSTALLED &&
			ctl ikeb list-sas 2>/dev/null | grep -q INSTALLED && return 0
		sleep 0.2
	done
	return 1
}

# Ping both ways and 2 s of iperf3 from ha to hb; $1 the check's name.
ike_traffic() {
	if ! nsx vm-ha ping -c 3 -i 0.2 -W 3 10.2.0.2 >/tmp/ping1 2>&1 ||
	   ! nsx vm-hb ping -c 3 -i 0.2 -W 3 10.1.0.2 >/tmp/ping2 2>&1; then
		fail "$1" "ping: $(tail -2 /tmp/ping1 /tmp/ping2 | tr '\n' ' ')"
		return
	fi
	nsx vm-hb iperf3 -s -1 -D >/dev/null 2>&1
	sleep 0.5
	if nsx vm-ha iperf3 -c 10.2.0.2 -t 2 -J >/tmp/iperf.json 2>&1; then
		pass "$1 ($(jq '.end.sum_received.bits_per_second / 1e6 | floor' /tmp/iperf.json) Mbit/s)"
	else
		fail "$1" "iperf3: $(tail -3 /tmp/iperf.json | tr '\n' ' ')"
	fi
}

# "SPI packets" per SA: what xdpsecctl reports, and what the kernel holds.
sa_packets_ctl() {
	ctl "$1" sa list -j | jq -r '.sas[] | "\(.spi) \(.packets)"' | sort
}

sa_packets_kernel() {
	ip -n "$1" -s xfrm state | awk '
		/proto esp spi/ { spi = $4; sub(/\(.*/, "", spi) }
		/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
			p = $2; sub(/\(.*/, "", p); print spi, p
		}' | sort
}

# The encrypted and decrypted counters of instance $1 both at least $2.
enc_dec_at_least() {
	e=$(stat_of "$1" '.reasons.encrypted.packets')
	d=$(stat_of "$1" '.reasons.decrypted.packets')
	printf '%s encrypted %s decrypted %s; ' "$1" "$e" "$d"
	[ "${e:-0}" -ge "$2" ] && [ "${d:-0}" -ge "$2" ]
}

# The XFRM side's sa list -j against `ip -s xfrm state`, packet for packet;
# $1 instance, $2 namespace, $3 check name.
ike_kernel_counters() {
	sa_packets_ctl "$1" >/tmp/sa_ctl.txt
	sa_packets_kernel "$2" >/tmp/sa_kern.txt
	if [ -s /tmp/sa_kern.txt ] && cmp -s /tmp/sa_ctl.txt /tmp/sa_kern.txt &&
	   ! grep -q " 0$" /tmp/sa_ctl.txt; then
		pass "$3 ($(tr '\n' ' ' </tmp/sa_ctl.txt| sed 's/ $//'))"
	else
		fail "$3" "xdpsecctl [$(tr '\n' ' ' </tmp/sa_ctl.txt)] kernel [$(tr '\n' ' ' </tmp/sa_kern.txt)]"
	fi
}

# ---- run 1: XFRM (gwa, encap = yes) against AF_XDP (gwb), ESP in UDP ----
ike_conf a xfrm "encap = yes" "start_action = start" >/tmp/ikea.conf
ike_conf b afxdp "" "" >/tmp/ikeb.conf
ike_start b /tmp/ikeb.conf
wait_ctl ikeb
ike_start a /tmp/ikea.conf
if wait_ctl ikea && ike_wait_up; then
	state=$(ip -n vm-gwa xfrm state)
	if ctl ikea list-sas | grep -q "ESP in UDP" && ctl ikeb list-sas | grep -q "ESP in UDP" &&
	   echo "$state" | grep -q "encap type espinudp sport 4500 dport 4500"; then
		pass "ike_xfrm_afxdp_up (IKEv2 PSK, Child SA in ESP in UDP/4500 on both ends)"
	else
		fail "ike_xfrm_afxdp_up" "no ESP in UDP: $(ctl ikea list-sas | tr '\n' ' ')"
		echo "$state"
	fi
else
	fail "ike_xfrm_afxdp_up" "$(tail -5 /tmp/ikea.log /tmp/ikeb.log)"
fi
ike_traffic ike_xfrm_afxdp_ping_iperf3

# Both ends' counters moved: gwa's from the kernel's SAs, gwb's from its workers.
esp_in=$(stat_of ikea '.reasons.esp_in.packets')
if enc_dec_at_least ikea 100 >/tmp/cnt && enc_dec_at_least ikeb 100 >>/tmp/cnt &&
   [ "${esp_in:-0}" -ge 100 ]; then
	pass "ike_xfrm_afxdp_counters ($(cat /tmp/cnt)ikea esp_in $esp_in)"
else
	fail "ike_xfrm_afxdp_counters" "$(cat /tmp/cnt)ikea esp_in $esp_in"
fi
ike_kernel_counters ikea vm-gwa ike_xfrm_sa_list_is_kernel_counters

# ESP in UDP with an SPI gwa does not have: its XDP program drops it too.
before=$(stat_of ikea '.reasons.esp_unknown_spi.packets')
ctl ikeb sa add --dir out --spi 0x9998 --src 192.0.2.2:4500 --dst 192.0.2.1:4500 \
	--aead aes-gcm-128 --key $K_AB --local-ts 10.2.0.0/24 --remote-ts 10.1.8.0/24 >/dev/null
nsx vm-hb ping -c 3 -i 0.2 -W 1 10.1.8.1 >/dev/null 2>&1
after=$(stat_of ikea '.reasons.esp_unknown_spi.packets')
if [ "${after:-0}" -ge $((${before:-0} + 3)) ]; then
	pass "xdp_drops_unknown_spi_in_udp ($before -> $after)"
else
	fail "xdp_drops_unknown_spi_in_udp" "$before -> $after"
fi
ike_stop
left=$(ip -n vm-gwa xfrm state | wc -l)$(ip -n vm-gwa xfrm policy | wc -l)
[ "$left" = "00" ] && pass "ike_xfrm_clean_shutdown" ||
	fail "ike_xfrm_clean_shutdown" "state/policy lines: $left"

# ---- run 2: XFRM against XFRM, raw ESP, with Child SA rekeys ----
ADDR_A=192.0.2.0/24
ike_conf a xfrm "" "start_action = start
				rekey_time = 5s
				rand_time = 1s
				life_time = 15s" >/tmp/ikea.conf
ike_conf b xfrm "" "" >/tmp/ikeb.conf
ike_start b /tmp/ikeb.conf
wait_ctl ikeb
ike_start a /tmp/ikea.conf
if wait_ctl ikea && ike_wait_up; then
	if ! ctl ikea list-sas | grep -q "ESP in UDP" && ip -n vm-gwb xfrm state | grep -q "proto esp" &&
	   ! ip -n vm-gwb xfrm state | grep -q encap; then
		pass "ike_xfrm_xfrm_up (IKEv2 PSK, Child SA in raw ESP)"
	else
		fail "ike_xfrm_xfrm_up" "not raw ESP: $(ctl ikea list-sas | tr '\n' ' ')"
	fi
else
	fail "ike_xfrm_xfrm_up" "$(tail -5 /tmp/ikea.log /tmp/ikeb.log)"
fi
ike_traffic ike_xfrm_xfrm_ping_iperf3
if enc_dec_at_least ikea 100 >/tmp/cnt && enc_dec_at_least ikeb 100 >>/tmp/cnt; then
	pass "ike_xfrm_xfrm_counters ($(sed 's/; $//' /tmp/cnt))"
else
	fail "ike_xfrm_xfrm_counters" "$(cat /tmp/cnt)"
fi

# Rekeys: gwa rekeys every 4-5 s, make before break; over 8 s of pings at
# least one completes, so no SPI from before may be left and no ping lost.
spis_a=$(ctl ikea sa list -j | jq -r '.sas[].spi' | sort | tr '\n' ' ')
spis_b=$(ctl ikeb sa list -j | jq -r '.sas[].spi' | sort | tr '\n' ' ')
rekeys0=$(grep -c "CHILD_SA net{[0-9]*} rekeyed" /tmp/ikea.log)
enc0=$(stat_of ikea '.reasons.encrypted.packets')
nsx vm-ha ping -q -c $REKEY_PINGS -i 0.1 -W 2 10.2.0.2 >/tmp/ping-rekey 2>&1
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' /tmp/ping-rekey)
recv=$(sed -n 's/.*, \([0-9]*\) \(packets \)*received.*/\1/p' /tmp/ping-rekey)
rekeys=$(($(grep -c "CHILD_SA net{[0-9]*} rekeyed" /tmp/ikea.log) - rekeys0))
now_a=$(ctl ikea sa list -j | jq -r '.sas[].spi' | sort | tr '\n' ' ')
now_b=$(ctl ikeb sa list -j | jq -r '.sas[].spi' | sort | tr '\n' ' ')
enc=$(($(stat_of ikea '.reasons.encrypted.packets') - ${enc0:-0}))
kept=
for s in $spis_a $spis_b; do
	case " $now_a $now_b " in *" $s "*) kept="$kept $s" ;; esac
done
# `encrypted` sums the kernel's outbound SAs: it must not fall at a rekey.
if [ "$rekeys" -ge 1 ] && [ -z "$kept" ] && [ "${sent:-0}" = $REKEY_PINGS ] &&
   [ "${recv:-0}" = "$sent" ] && [ "$enc" -ge "$sent" ]; then
	pass "ike_child_rekey_no_loss ($rekeys rekeys, $recv/$sent pings, encrypted +$enc; SPIs [${spis_a% }] -> [${now_a% }])"
else
	fail "ike_child_rekey_no_loss" "$rekeys rekeys, $recv/$sent pings, encrypted +$enc, SPIs left from before:$kept"
	cat /tmp/ping-rekey
	grep -i "rekey\|error\|warn" /tmp/ikea.log /tmp/ikeb.log | tail -10
fi

# MOBIKE: gwa's uplink moves to $MOVED (promote_secondaries: the new
# address stays when the old one goes).  Each kernel SA gets its new
# addresses, each policy template too (out: both ends, in/fwd: ours).
ip netns exec vm-gwa sh -c 'echo 1 >/proc/sys/net/ipv4/conf/up0/promote_secondaries'
ip -n vm-gwa addr add $MOVED/24 dev up0
ip -n vm-gwa addr del 192.0.2.1/24 dev up0
for _ in $(seq 1 50); do
	grep -q "moved from .* to $MOVED" /tmp/ikea.log && grep -q "moved from .* to $MOVED" /tmp/ikeb.log &&
		break
	sleep 0.2
done
ip -n vm-gwa xfrm state >/tmp/mv_state_a; ip -n vm-gwa xfrm policy >/tmp/mv_pol_a
ip -n vm-gwb xfrm state >/tmp/mv_state_b; ip -n vm-gwb xfrm policy >/tmp/mv_pol_b
why=
for f in /tmp/mv_state_a /tmp/mv_state_b; do
	grep -q "src $MOVED dst 192.0.2.2" $f && grep -q "src 192.0.2.2 dst $MOVED" $f ||
		why="$why ${f#/tmp/mv_}: no state with $MOVED;"
done
grep -q "tmpl src $MOVED dst 192.0.2.2" /tmp/mv_pol_a || why="$why gwa: out template not moved;"
grep -q "tmpl src 192.0.2.2 dst $MOVED" /tmp/mv_pol_b || why="$why gwb: out template not moved;"
grep -q "tmpl src 0.0.0.0 dst $MOVED" /tmp/mv_pol_a || why="$why gwa: in/fwd template not moved;"
cat /tmp/mv_state_a /tmp/mv_pol_a /tmp/mv_state_b /tmp/mv_pol_b | grep -qw "192\.0\.2\.1" &&
	why="$why 192.0.2.1 left in the kernel;"
if [ -z "$why" ] && nsx vm-ha ping -c 3 -i 0.2 -W 3 10.2.0.2 >/tmp/ping-mv 2>&1 &&
   nsx vm-hb ping -c 3 -i 0.2 -W 3 10.1.0.2 >>/tmp/ping-mv 2>&1; then
	pass "ike_xfrm_mobike_move (gwa 192.0.2.1 -> $MOVED: states, out and in/fwd templates on both ends, ping both ways)"
else
	fail "ike_xfrm_mobike_move" "${why:-ping: $(tail -2 /tmp/ping-mv | tr '\n' ' ')}"
	cat /tmp/mv_state_a /tmp/mv_pol_a /tmp/mv_pol_b
	grep -i "mobike\|moved\|error\|warn" /tmp/ikea.log /tmp/ikeb.log | tail -10
fi
ike_stop
echo "--- ikea.log"; tail -20 /tmp/ikea.log
echo "--- ikeb.log"; tail -10 /tmp/ikeb.log
