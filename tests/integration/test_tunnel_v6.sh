#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Two xdpsec gateways over an IPv6-only outer network: raw ESP (protocol 50)
# one way, ESP in UDP 4500 the other, each SA carrying IPv4 and IPv6 inner
# traffic (two traffic selectors).  Ping and ping -6 both ways, iperf3 over
# the IPv6 inner path, the counters, tshark and scapy as outside judges of
# what crossed the wire, and path MTU discovery: an inner packet that does
# not fit after encapsulation gets ICMP "fragmentation needed" / ICMPv6
# "packet too big" with the MTU that does fit, and that MTU works.
#
#  $XS-ha          $XS-gwa                 $XS-mid                   $XS-gwb           $XS-hb
# +---------+   +--------------+   +------------------------+   +--------------+   +---------+
# | eth0    |   | lan0   up0   |   | a0                 b0  |   | up0    lan0  |   | eth0    |
# |10.1.0.2 +---+10.1.0.1  a::1+---+a::fe            b::fe +---+b::2  10.2.0.1+---+10.2.0.2 |
# |fd00:1::2|   |fd00:1::1     |   | router, capture on b0  |   |     fd00:2::1|   |fd00:2::2|
# +---------+   | xdpsecd (A)  |   +------------------------+   | xdpsecd (B)  |   +---------+
#               +--------------+    2001:db8:a::/64  2001:db8:b::/64  +--------------+
#
# A -> B: raw ESP over IPv6, ChaCha20-Poly1305, SPI 0x3001
# B -> A: ESP in UDP 4500 over IPv6, AES-GCM-256 with ESN, SPI 0x4002
# Both SAs: 10.1.0.0/24 + fd00:1::/64 <-> 10.2.0.0/24 + fd00:2::/64
set -u
. "$(dirname "$0")/lib.sh"
require_cmd iperf3 tshark tcpdump openssl jq
"$XS_PY" -c 'import scapy.layers.ipsec' 2>/dev/null || skip "scapy missing for $XS_PY"

ctl() { local inst=$1; shift; "$BUILD/xdpsecctl" -i "$inst" "$@"; }
stat_of() { ctl "$1" stats -j | jq -r "$2"; }
sa_stat() { stat_of "$1" ".sas[] | select(.spi == \"$2\" and .dir == \"$3\") | $4"; }

A=${XS}a
B=${XS}b
UP_A=2001:db8:a::1
UP_B=2001:db8:b::2
for n in ha gwa mid gwb hb; do ns_create "$XS-$n"; done
veth_link "$XS-ha" eth0 10.1.0.2/24,fd00:1::2/64 "$XS-gwa" lan0 10.1.0.1/24,fd00:1::1/64
veth_link "$XS-gwa" up0 $UP_A/64 "$XS-mid" a0 2001:db8:a::fe/64
veth_link "$XS-mid" b0 2001:db8:b::fe/64 "$XS-gwb" up0 $UP_B/64
veth_link "$XS-gwb" lan0 10.2.0.1/24,fd00:2::1/64 "$XS-hb" eth0 10.2.0.2/24,fd00:2::2/64
ip -n "$XS-ha" route add default via 10.1.0.1
ip -n "$XS-ha" -6 route add default via fd00:1::1
ip -n "$XS-hb" route add default via 10.2.0.1
ip -n "$XS-hb" -6 route add default via fd00:2::1
ip -n "$XS-gwa" -6 route add default via 2001:db8:a::fe
ip -n "$XS-gwb" -6 route add default via 2001:db8:b::fe
for n in gwa mid gwb; do
	nsexec "$XS-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
# The IPv4 addresses exist only on the LANs: the uplinks are IPv6-only.
ip -n "$XS-gwa" -4 addr show dev up0 | grep -q inet && fail "up0 of gwa has IPv4"

nsexec_bg "$XS-gwa" "$XS_TMP/a.log" "$BUILD/xdpsecd" --uplink up0 --lan lan0 --instance "$A"
nsexec_bg "$XS-gwb" "$XS_TMP/b.log" "$BUILD/xdpsecd" --uplink up0 --lan lan0 --instance "$B"
wait_for ctl "$A" status || fail "xdpsecd A did not start"
wait_for ctl "$B" status || fail "xdpsecd B did not start"
pass "two xdpsecd instances up on IPv6-only uplinks"

K_AB=$(openssl rand -hex 36)		# ChaCha20 key + 4-byte salt
K_BA=$(openssl rand -hex 36)		# AES-256 key + 4-byte salt
AB=(--spi 0x3001 --src "$UP_A" --dst "$UP_B" --aead chacha20-poly1305 --key "$K_AB")
BA=(--spi 0x4002 --src "[$UP_B]:4500" --dst "[$UP_A]:4500" --aead aes-gcm-256 --esn
	--key "$K_BA")
TS_A=(--local-ts 10.1.0.0/24 --local-ts fd00:1::/64)
TS_B=(--local-ts 10.2.0.0/24 --local-ts fd00:2::/64)
RTS_A=(--remote-ts 10.1.0.0/24 --remote-ts fd00:1::/64)
RTS_B=(--remote-ts 10.2.0.0/24 --remote-ts fd00:2::/64)
ctl "$A" sa add --dir out "${AB[@]}" "${TS_A[@]}" "${RTS_B[@]}" --device site-b >/dev/null ||
	fail "sa add A out"
ctl "$A" sa add --dir in "${BA[@]}" "${TS_A[@]}" "${RTS_B[@]}" --device site-b >/dev/null ||
	fail "sa add A in"
ctl "$B" sa add --dir in "${AB[@]}" "${TS_B[@]}" "${RTS_A[@]}" --device site-a >/dev/null ||
	fail "sa add B in"
ctl "$B" sa add --dir out "${BA[@]}" "${TS_B[@]}" "${RTS_A[@]}" --device site-a >/dev/null ||
	fail "sa add B out"
ctl "$A" sa list -j >"$XS_TMP/sa-a.json"
jq -e '.sas | length == 2' "$XS_TMP/sa-a.json" >/dev/null || fail "sa list A: not 2 SAs"
jq -e '.sas[] | select(.spi == "0x00003001") | .alg == "chacha20-poly1305" and .sport == null
	and .dst == "2001:db8:b::2" and (.remote_ts | length) == 2' "$XS_TMP/sa-a.json" >/dev/null ||
	fail "sa list A: SA 0x3001 not raw ESP to $UP_B with 2 TS: $(cat "$XS_TMP/sa-a.json")"
jq -e '.sas[] | select(.spi == "0x00004002") | .esn == true and .dport == 4500' \
	"$XS_TMP/sa-a.json" >/dev/null || fail "sa list A: SA 0x4002 not ESN over UDP 4500"
grep -qi -e "$K_AB" -e "$K_BA" "$XS_TMP/sa-a.json" && fail "sa list prints key material"
pass "SAs: raw ESP/ChaCha20-Poly1305 A->B, UDP/AES-GCM-256+ESN B->A, 2 TS each"

capture_start "$XS-mid" b0 "$XS_TMP/wan.pcap" esp or udp port 4500
CAP=$XS_LAST_PID
nsexec "$XS-ha" ping -c 3 -i 0.2 -W 2 10.2.0.2 >/dev/null || fail "ping A side -> B side"
nsexec "$XS-hb" ping -c 3 -i 0.2 -W 2 10.1.0.2 >/dev/null || fail "ping B side -> A side"
nsexec "$XS-ha" ping -6 -c 3 -i 0.2 -W 2 fd00:2::2 >/dev/null || fail "ping -6 A side -> B side"
nsexec "$XS-hb" ping -6 -c 3 -i 0.2 -W 2 fd00:1::2 >/dev/null || fail "ping -6 B side -> A side"
pass "ping and ping -6 through the IPv6 tunnel both ways"
capture_stop "$CAP"

# On the wire: A->B only as raw ESP, B->A only as ESP in UDP 4500.
wire()
{
	tshark -n -r "$XS_TMP/wan.pcap" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l
}
n_ab=$(wire "ipv6.src == $UP_A && ipv6.nxt == 50 && esp.spi == 0x3001")
n_ab_udp=$(wire "udp && esp.spi == 0x3001")
n_ba=$(wire "ipv6.src == $UP_B && udp.dstport == 4500 && esp.spi == 0x4002")
n_ba_raw=$(wire "ipv6.nxt == 50")
n_v4=$(wire "ip")
# 12 each way when nothing is lost; ping tolerates a lost packet on a loaded
# machine, and what this checks is how each direction is encapsulated.
[ "$n_ab" -ge 10 ] || fail "$n_ab raw ESP packets with SPI 0x3001 from $UP_A (want 12)"
[ "$n_ba" -ge 10 ] || fail "$n_ba ESP-in-UDP packets with SPI 0x4002 from $UP_B (want 12)"
[ "$n_ab_udp" = 0 ] && [ "$n_ba_raw" = "$n_ab" ] && [ "$n_v4" = 0 ] ||
	fail "wrong encapsulation: udp/0x3001=$n_ab_udp raw=$n_ba_raw (want $n_ab) ipv4=$n_v4"
pass "on the wire: $n_ab raw ESP (SPI 0x3001) and $n_ba ESP-in-UDP/IPv6 (SPI 0x4002)"

# tshark 4.0 has no ChaCha20-Poly1305 and no ESN in its SA table: it judges
# the AES-GCM-256 direction.  Without the ESN high half in the AAD its ICV
# check must fail (which shows the ESN is really in use), while the
# counter-mode decryption still gives the inner packets.
bash "$XS_DIR/tshark_esp.sh" "$XS_TMP/wan.pcap" "$UP_B $UP_A 0x4002 aes-gcm-256 $K_BA" \
	>"$XS_TMP/decoded.txt" 2>&1 || fail "tshark_esp.sh failed: $(tail -3 "$XS_TMP/decoded.txt")"
grep -q "10.2.0.2.*10.1.0.2.*ICMP" "$XS_TMP/decoded.txt" ||
	fail "tshark did not find B->A IPv4 ICMP inside the ESP (see decoded.txt)"
grep -q "fd00:2::2.*fd00:1::2.*ICMPv6" "$XS_TMP/decoded.txt" ||
	fail "tshark did not find B->A ICMPv6 inside the ESP"
# Fields: frame spi seq ip.src ip.dst ipv6.src ipv6.dst icv_good icv_bad protocol info
read -r n_dec n_icv_bad n_esp <<<"$(awk -F'\t' '
	$2 == "0x00004002" && $10 != "ESP" { dec++; if ($9 == "1") bad++ }
	$2 == "0x00003001" && $10 == "ESP" { esp++ }
	END { print dec + 0, bad + 0, esp + 0 }' "$XS_TMP/decoded.txt")"
[ "$n_dec" = "$n_ba" ] || fail "tshark decrypted $n_dec of $n_ba packets of SPI 0x4002"
[ "$n_icv_bad" = "$n_ba" ] ||
	fail "tshark (no ESN support) verified the ICV of $((n_ba - n_icv_bad)) ESN packets: is --esn ignored?"
[ "$n_esp" = "$n_ab" ] || fail "tshark shows $n_esp of $n_ab ChaCha20 packets as ESP with SPI 0x3001"
pass "tshark decrypts the AES-GCM-256 direction: IPv4 and IPv6 inner packets"

# scapy as the second judge, for both directions: every ESP packet must
# open with its SA's key, the ESP-in-UDP SA's only with the ESN AAD.
"$XS_PY" - "$XS_TMP/wan.pcap" "$K_AB" "$K_BA" >"$XS_TMP/scapy.txt" 2>&1 <<'EOF' ||
import struct, sys
from scapy.all import ESP, rdpcap
from scapy.layers.ipsec import SecurityAssociation, IPSecIntegrityError

pcap, k_ab, k_ba = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
sas = {0x3001: (SecurityAssociation(ESP, spi=0x3001, crypt_algo="CHACHA20-POLY1305",
                                    crypt_key=k_ab), False),
       0x4002: (SecurityAssociation(ESP, spi=0x4002, crypt_algo="AES-GCM", crypt_key=k_ba,
                                    esn_en=True, esn=0), True)}
count = {}
for pkt in rdpcap(pcap):
    raw = bytes(pkt)
    if raw[12:14] != b"\x86\xdd":
        sys.exit("non-IPv6 frame on the wire")
    nh, off = raw[20], 54
    if nh == 17:
        off += 8
    elif nh != 50:
        continue
    spi = struct.unpack_from("!I", raw, off)[0]
    sa, esn = sas[spi]
    esp = ESP(raw[off:])
    plain = sa.crypt_algo.decrypt(sa, esp, sa.crypt_key, esn_en=esn, esn=0)
    if esn:
        try:
            sa.crypt_algo.decrypt(sa, esp, sa.crypt_key, esn_en=False)
            sys.exit("SPI 0x%x seq %d verifies without the ESN" % (spi, esp.seq))
        except IPSecIntegrityError:
            pass
    ver = plain.data[0] >> 4
    if (plain.nh, ver) not in ((4, 4), (41, 6)):
        sys.exit("SPI 0x%x: next header %d with an IPv%d packet" % (spi, plain.nh, ver))
    count[(spi, ver)] = count.get((spi, ver), 0) + 1
print(" ".join("0x%x/v%d=%d" % (s, v, n) for (s, v), n in sorted(count.items())))
for key in ((0x3001, 4), (0x3001, 6), (0x4002, 4), (0x4002, 6)):
    if count.get(key, 0) < 3:
        sys.exit("too few packets for SPI 0x%x IPv%d" % key)
EOF
	fail "scapy could not open the ESP on the wire: $(tail -3 "$XS_TMP/scapy.txt")"
pass "scapy opens every packet: ChaCha20-Poly1305, and AES-GCM-256 only with the ESN ($(cat "$XS_TMP/scapy.txt"))"

# Path MTU: a full-size inner packet does not fit once encapsulated.  The
# first reply is the gateway's ICMP, later ones the host's cached PMTU.
pmtu_probe()
{
	local fam=$1 dst=$2 size=$3

	nsexec "$XS-ha" ping "$fam" -M "do" -s "$size" -c 2 -i 0.3 -W 1 "$dst" \
		>"$XS_TMP/pmtu$fam.txt" 2>&1
	grep -i -E "frag needed|packet too big|message too long" "$XS_TMP/pmtu$fam.txt" |
		grep -o -E "mtu ?[=:]? ?[0-9]+" | grep -o -E "[0-9]+" | head -1
}
mtu_before=$(stat_of "$A" '.reasons.mtu_exceeded.packets')
mtu6=$(pmtu_probe -6 fd00:2::2 1452)
[ -n "$mtu6" ] ||
	fail "ping -6 -M do -s 1452: no 'packet too big' with an MTU: $(cat "$XS_TMP/pmtu-6.txt")"
[ "$mtu6" -lt 1500 ] && [ "$mtu6" -ge 1280 ] || fail "IPv6 path MTU reported as $mtu6"
mtu_after=$(stat_of "$A" '.reasons.mtu_exceeded.packets')
sa_mtu=$(sa_stat "$A" 0x00003001 out .errors.mtu_exceeded)
[ "$mtu_after" -gt "$mtu_before" ] && [ "$sa_mtu" -gt 0 ] ||
	fail "mtu_exceeded did not move ($mtu_before -> $mtu_after, SA 0x3001: $sa_mtu)"
nsexec "$XS-ha" ping -6 -M "do" -s $((mtu6 - 48)) -c 2 -i 0.2 -W 2 fd00:2::2 >/dev/null ||
	fail "ping -6 -M do -s $((mtu6 - 48)) (reported MTU $mtu6) failed"
pass "PMTU IPv6 inner: ICMPv6 packet too big, mtu $mtu6, mtu_exceeded $mtu_before -> $mtu_after; $mtu6-byte packets pass"

nsexec_bg "$XS-hb" "$XS_TMP/iperf-s.log" iperf3 -s -p 5201
wait_for nsexec "$XS-ha" bash -c 'echo > /dev/tcp/fd00:2::2/5201' || fail "iperf3 server"
nsexec "$XS-ha" iperf3 -6 -c fd00:2::2 -p 5201 -t 2 -J >"$XS_TMP/iperf-fwd.json" ||
	fail "iperf3 -6 A->B: $(jq -r .error "$XS_TMP/iperf-fwd.json" 2>/dev/null)"
nsexec "$XS-ha" iperf3 -6 -c fd00:2::2 -p 5201 -t 2 -R -J >"$XS_TMP/iperf-rev.json" ||
	fail "iperf3 -6 B->A: $(jq -r .error "$XS_TMP/iperf-rev.json" 2>/dev/null)"
fwd=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$XS_TMP/iperf-fwd.json")
rev=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$XS_TMP/iperf-rev.json")
[ "$fwd" -gt 0 ] && [ "$rev" -gt 0 ] || fail "iperf3 moved nothing ($fwd / $rev Mbit/s)"
pass "iperf3 TCP over IPv6 inner: $fwd Mbit/s A->B (ChaCha20), $rev Mbit/s B->A (AES-GCM-256)"

# Every counter on the path moved, in both directions.
for g in "$A" "$B"; do
	for r in esp_in decrypted encrypted; do
		v=$(stat_of "$g" ".reasons.$r.packets")
		[ "$v" -gt 1000 ] || fail "instance $g: $r is $v"
	done
	# Not malformed or no_policy: the kernel's own MLD reports on the
	# tunnel device land there.
	for r in esp_unknown_spi esp_auth_failed esp_replay esp_bad_trailer ts_mismatch \
		acl_denied no_worker tx_failed; do
		v=$(stat_of "$g" ".reasons.$r.packets")
		[ "$v" = 0 ] || fail "instance $g: $r is $v on clean traffic"
	done
done
for s in "$A 0x00003001 out" "$B 0x00003001 in" "$B 0x00004002 out" "$A 0x00004002 in"; do
	read -r g spi dir <<<"$s"
	v=$(sa_stat "$g" "$spi" "$dir" .packets)
	[ "$v" -gt 1000 ] || fail "SA $spi $dir at $g: $v packets"
done
pass "counters: esp_in/decrypted/encrypted and per-SA packets moved at both ends, no errors"

# IPv4 inner over IPv6-only uplinks: the "fragmentation needed" needs an
# IPv4 source that is not on the uplink, and the echo replies, which carry
# no DF, must be fragmented before encryption (B->A, UDP, has 8 bytes more
# overhead than A->B, raw ESP, so a request of exactly the reported MTU gets
# a reply that does not fit whole).
mtu_before=$(stat_of "$A" '.reasons.mtu_exceeded.packets')
mtu4=$(pmtu_probe -4 10.2.0.2 1472)
mtu_after=$(stat_of "$A" '.reasons.mtu_exceeded.packets')
[ "$mtu_after" -gt "$mtu_before" ] ||
	fail "mtu_exceeded did not move for IPv4 ($mtu_before -> $mtu_after)"
[ -n "$mtu4" ] ||
	fail "ping -M do -s 1472 got no 'frag needed': $(cat "$XS_TMP/pmtu-4.txt")"
[ "$mtu4" -lt 1500 ] && [ "$mtu4" -ge 1280 ] || fail "IPv4 path MTU reported as $mtu4"
b_in=$(sa_stat "$B" 0x00003001 in .packets)
b_mtu=$(stat_of "$B" '.reasons.mtu_exceeded.packets')
if ! nsexec "$XS-ha" ping -4 -M "do" -s $((mtu4 - 28)) -c 3 -i 0.2 -W 2 10.2.0.2 >/dev/null; then
	[ "$(sa_stat "$B" 0x00003001 in .packets)" -gt "$b_in" ] ||
		fail "ping -M do -s $((mtu4 - 28)) (reported MTU $mtu4): the requests did not reach B"
	fail "ping -M do -s $((mtu4 - 28)) (reported MTU $mtu4): requests reached B, the non-DF replies were lost at B (mtu_exceeded $b_mtu -> $(stat_of "$B" '.reasons.mtu_exceeded.packets'))"
fi
pass "PMTU IPv4 inner: ICMP frag needed, mtu $mtu4, mtu_exceeded $mtu_before -> $mtu_after; $mtu4-byte packets pass"
