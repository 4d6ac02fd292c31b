#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Two xdpsec gateways with manual SAs, end to end on veth: ping and iperf3
# both ways, tshark decrypting the ESP on the wire with the same keys,
# replayed and corrupted ESP dropped and counted, the RFC 4301 inbound
# selector check, a device ACL, and a clean detach.
#
#  $XS-ha           $XS-gwa                $XS-mid                 $XS-gwb            $XS-hb
# +--------+   +--------------+   +-----------------------+   +--------------+   +--------+
# | eth0   |   | lan0    up0  |   | a0              b0    |   | up0    lan0  |   | eth0   |
# |10.1.0.2+---+10.1.0.1  .1  +---+192.0.2.254  .100.254 +---+.100.2  .1    +---+10.2.0.2|
# |        |   |  xdpsecd (A) |   | router, capture on b0 |   | xdpsecd (B)  |   |        |
# +--------+   +--------------+   +-----------------------+   +--------------+   +--------+
#               192.0.2.0/24                198.51.100.0/24
#
# A -> B: ESP in UDP 4500, AES-GCM-128, SPI 0x1001 (device site-a at B)
# B -> A: ESP in UDP 4500, AES-CBC-128 + HMAC-SHA-256-128, SPI 0x2002
set -u
. "$(dirname "$0")/lib.sh"
require_cmd iperf3 tshark tcpdump openssl jq

ctl() { local inst=$1; shift; "$BUILD/xdpsecctl" -i "$inst" "$@"; }
stat_of() { ctl "$1" stats -j | jq -r "$2"; }

A=${XS}a
B=${XS}b
for n in ha gwa mid gwb hb; do ns_create "$XS-$n"; done
veth_link "$XS-ha" eth0 10.1.0.2/24,10.1.1.5/24 "$XS-gwa" lan0 10.1.0.1/24
veth_link "$XS-gwa" up0 192.0.2.1/24 "$XS-mid" a0 192.0.2.254/24
veth_link "$XS-mid" b0 198.51.100.254/24 "$XS-gwb" up0 198.51.100.2/24
veth_link "$XS-gwb" lan0 10.2.0.1/24 "$XS-hb" eth0 10.2.0.2/24
ip -n "$XS-ha" route add default via 10.1.0.1
ip -n "$XS-hb" route add default via 10.2.0.1
ip -n "$XS-gwa" route add default via 192.0.2.254
ip -n "$XS-gwb" route add default via 198.51.100.254
for n in gwa mid gwb; do
	nsexec "$XS-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done

nsexec_bg "$XS-gwa" "$XS_TMP/a.log" "$BUILD/xdpsecd" --uplink up0 --lan lan0 --instance "$A"
PID_A=$XS_LAST_PID
nsexec_bg "$XS-gwb" "$XS_TMP/b.log" "$BUILD/xdpsecd" --uplink up0 --lan lan0 --instance "$B"
PID_B=$XS_LAST_PID
wait_for ctl "$A" status || fail "xdpsecd A did not start"
wait_for ctl "$B" status || fail "xdpsecd B did not start"
pass "two xdpsecd instances up"

K_AB=$(openssl rand -hex 20)		# AES-128 key + 4-byte salt
K_BA=$(openssl rand -hex 16)
I_BA=$(openssl rand -hex 32)
AB=(--spi 0x1001 --src 192.0.2.1:4500 --dst 198.51.100.2:4500 --aead aes-gcm-128 --key "$K_AB")
BA=(--spi 0x2002 --src 198.51.100.2:4500 --dst 192.0.2.1:4500 --enc aes-cbc-128 --enc-key "$K_BA"
	--integ hmac-sha256-128 --integ-key "$I_BA")
ctl "$A" sa add --dir out "${AB[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
	--device site-b || fail "sa add A out"
ctl "$A" sa add --dir in "${BA[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
	--device site-b || fail "sa add A in"
ctl "$B" sa add --dir in "${AB[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
	--device site-a || fail "sa add B in"
ctl "$B" sa add --dir out "${BA[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
	--device site-a || fail "sa add B out"
[ "$(ctl "$A" sa list -j | jq '.sas | length')" = 2 ] || fail "sa list A does not show 2 SAs"
ctl "$A" sa list -j | grep -qi "$K_AB" && fail "sa list prints key material"

capture_start "$XS-mid" b0 "$XS_TMP/wan.pcap" udp port 4500
CAP=$XS_LAST_PID
nsexec "$XS-ha" ping -c 5 -i 0.2 -W 2 10.2.0.2 >"$XS_TMP/ping1" || fail "ping A->B side"
nsexec "$XS-hb" ping -c 5 -i 0.2 -W 2 10.1.0.2 >"$XS_TMP/ping2" || fail "ping B->A side"
pass "ping through the tunnel both ways"
capture_stop "$CAP"

# The outside judge: tshark decrypts what crossed the wire with our keys.
bash "$XS_DIR/tshark_esp.sh" "$XS_TMP/wan.pcap" \
	"192.0.2.1 198.51.100.2 0x1001 aes-gcm-128 $K_AB" \
	"198.51.100.2 192.0.2.1 0x2002 aes-cbc-128 $K_BA hmac-sha256 $I_BA" \
	>"$XS_TMP/decoded.txt" 2>&1 || fail "tshark_esp.sh failed: $(tail -3 "$XS_TMP/decoded.txt")"
grep -q "10.1.0.2.*10.2.0.2.*ICMP" "$XS_TMP/decoded.txt" ||
	fail "tshark did not find the A->B echo requests inside the ESP (see decoded.txt)"
grep -q "10.2.0.2.*10.1.0.2.*ICMP" "$XS_TMP/decoded.txt" ||
	fail "tshark did not find B->A packets inside the ESP"
pass "tshark decrypts both directions (AES-GCM and AES-CBC+HMAC) with the configured keys"

nsexec_bg "$XS-hb" "$XS_TMP/iperf-s.log" iperf3 -s -p 5201
wait_for nsexec "$XS-ha" bash -c 'echo > /dev/tcp/10.2.0.2/5201' || fail "iperf3 server"
nsexec "$XS-ha" iperf3 -c 10.2.0.2 -p 5201 -t 2 -J >"$XS_TMP/iperf-fwd.json" ||
	fail "iperf3 A->B"
nsexec "$XS-ha" iperf3 -c 10.2.0.2 -p 5201 -t 2 -R -J >"$XS_TMP/iperf-rev.json" ||
	fail "iperf3 B->A"
fwd=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$XS_TMP/iperf-fwd.json")
rev=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$XS_TMP/iperf-rev.json")
[ "$fwd" -gt 0 ] && [ "$rev" -gt 0 ] || fail "iperf3 moved nothing ($fwd / $rev Mbit/s)"
pass "iperf3 TCP through the tunnel: $fwd Mbit/s A->B, $rev Mbit/s B->A"

esp_in=$(stat_of "$B" '.reasons.esp_in.packets')
dec=$(stat_of "$B" '.reasons.decrypted.packets')
enc=$(stat_of "$A" '.reasons.encrypted.packets')
sa_pk=$(stat_of "$B" '.sas[] | select(.spi == "0x00001001") | .packets')
[ "$esp_in" -gt 1000 ] && [ "$dec" -gt 1000 ] && [ "$enc" -gt 1000 ] && [ "$sa_pk" -gt 1000 ] ||
	fail "counters did not move: esp_in=$esp_in decrypted=$dec encrypted=$enc sa=$sa_pk"
pass "traffic went through the AF_XDP workers (B esp_in=$esp_in decrypted=$dec, A encrypted=$enc)"

# Replay a captured A->B packet, then a copy with one bit flipped.
before=$(stat_of "$B" '.reasons.esp_replay.packets')
nsexec "$XS-mid" "$XS_PY" "$XS_DIR/esp_inject.py" --pcap "$XS_TMP/wan.pcap" --iface b0 \
	--spi 0x1001 --index 0 --count 3 >/dev/null || fail "esp_inject replay"
wait_for -t 3 sh -c "[ \$($BUILD/xdpsecctl -i $B stats -j | jq .reasons.esp_replay.packets) -ge $((before + 3)) ]" ||
	fail "replayed packets not counted as esp_replay"
sa_replay=$(stat_of "$B" '.sas[] | select(.spi == "0x00001001") | .errors.esp_replay')
[ "$sa_replay" -ge 3 ] || fail "per-SA esp_replay is $sa_replay"
before=$(stat_of "$B" '.reasons.esp_auth_failed.packets')
# Every captured packet is old news to the window, which is checked before
# the ICV (RFC 4303 3.4.3): flip a bit of the sequence number's top byte, so
# the forgery is ahead of the window and only the ICV can catch it.
nsexec "$XS-mid" "$XS_PY" "$XS_DIR/esp_inject.py" --pcap "$XS_TMP/wan.pcap" --iface b0 \
	--spi 0x1001 --index 1 --flip-byte 4 --bit 6 >/dev/null || fail "esp_inject flip"
wait_for -t 3 sh -c "[ \$($BUILD/xdpsecctl -i $B stats -j | jq .reasons.esp_auth_failed.packets) -gt $before ]" ||
	fail "corrupted packet not counted as esp_auth_failed"
nsexec "$XS-ha" ping -c 2 -W 2 10.2.0.2 >/dev/null || fail "tunnel broken after bad packets"
pass "replayed and corrupted ESP dropped and counted; the tunnel still works"

# An unknown SPI is dropped by XDP, before any worker.
before=$(stat_of "$B" '.reasons.esp_unknown_spi.packets')
nsexec "$XS-mid" "$XS_PY" -c "
from scapy.all import Ether, IP, UDP, Raw, sendp
sendp(Ether()/IP(src='192.0.2.1', dst='198.51.100.2')/UDP(sport=4500, dport=4500)/Raw(b'\x00\x00\xbe\xef' + bytes(60)), iface='b0', verbose=False)
" || fail "scapy send"
wait_for -t 3 sh -c "[ \$($BUILD/xdpsecctl -i $B stats -j | jq .reasons.esp_unknown_spi.packets) -gt $before ]" ||
	fail "unknown SPI not counted"
pass "unknown SPI dropped in XDP and counted"

# RFC 4301 inbound check: an inner source outside the SA's selectors.
before=$(stat_of "$B" '.reasons.ts_mismatch.packets')
nsexec "$XS-ha" ping -c 2 -W 1 -I 10.1.1.5 10.2.0.2 >/dev/null && fail "ping from outside the TS got through"
after=$(stat_of "$B" '.reasons.ts_mismatch.packets')
[ "$after" -ge $((before + 2)) ] || fail "ts_mismatch did not count ($before -> $after)"
dev_ts=$(stat_of "$B" '.devices[] | select(.name == "site-a") | .ts_mismatch')
[ "$dev_ts" -ge 2 ] || fail "device site-a ts_mismatch is $dev_ts"
pass "inner source outside the traffic selectors dropped (ts_mismatch)"

# A device ACL: site-a may ping 10.2.0.2 and nothing else.
ctl "$B" acl set site-a allow 10.2.0.2/32 proto icmp || fail "acl set"
nsexec "$XS-ha" ping -c 2 -W 2 10.2.0.2 >/dev/null || fail "ACL blocks what it allows (icmp)"
before=$(stat_of "$B" '.devices[] | select(.name == "site-a") | .acl_denied')
nsexec "$XS-ha" timeout 4 iperf3 -c 10.2.0.2 -p 5201 -t 1 --connect-timeout 1500 >/dev/null 2>&1 &&
	fail "ACL let TCP through"
after=$(stat_of "$B" '.devices[] | select(.name == "site-a") | .acl_denied')
[ "$after" -gt "$before" ] || fail "acl_denied did not count ($before -> $after)"
ctl "$B" acl set site-a none || fail "acl remove"
nsexec "$XS-ha" iperf3 -c 10.2.0.2 -p 5201 -t 1 >/dev/null || fail "TCP blocked after the ACL was removed"
pass "device ACL allows ICMP, denies TCP (acl_denied=$after), and lifts cleanly"

# Deleting an SA stops its traffic; what arrives for it is an unknown SPI.
ctl "$B" sa del --spi 0x1001 --dir in || fail "sa del"
before=$(stat_of "$B" '.reasons.esp_unknown_spi.packets')
nsexec "$XS-ha" ping -c 2 -W 1 10.2.0.2 >/dev/null && fail "ping works without the inbound SA"
after=$(stat_of "$B" '.reasons.esp_unknown_spi.packets')
[ "$after" -ge $((before + 2)) ] || fail "deleted SA's packets not unknown_spi"
pass "sa del removes the SA from the data plane"

stop_pid "$PID_A"
stop_pid "$PID_B"
for n in gwa gwb; do
	ip -n "$XS-$n" link show up0 | grep -q "xdp" && fail "$n: XDP still attached after exit"
	ip -n "$XS-$n" link show | grep -q "xs-" && fail "$n: tunnel veth left behind"
done
[ -e "/run/xdpsec/$A.sock" ] && fail "control socket left behind"
[ -z "$(ls -A "$XS_BPFFS/$XS-gwa")" ] || fail "pinned maps left behind: $(find "$XS_BPFFS/$XS-gwa")"
grep -qi "$K_AB" "$XS_TMP/a.log" "$XS_TMP/b.log" && fail "a key appears in the daemon log"
pass "SIGTERM detaches everything and leaves the interfaces as they were"
