#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Self-test of the integration-test tooling, so that a test failing later
# points at xdpsec and not at the harness: lib.sh (namespaces, per-namespace
# bpffs, background processes, cleanup), tshark_esp.sh (does tshark 4.0 really
# decrypt what we hand it?) and esp_inject.py (replay is byte-identical,
# tampering flips exactly one bit and keeps the UDP checksum valid).
# The ESP packets come from scapy's own SecurityAssociation, not from xdpsec.
#
#        $XS-a                                $XS-b
#   +------------------+                 +------------------+
#   | a0 10.77.0.1/24  +-----------------+ b0 10.77.0.2/24  |
#   |    fd00:77::1/64 |      veth       |    fd00:77::2/64 |
#   | scapy sends ESP, |                 | tcpdump captures |
#   | esp_inject.py    |                 |                  |
#   +------------------+                 +------------------+
#
# SPIs: 0x1001 AES-GCM-128 ESP/IPv4      0x1002 AES-GCM-256 ESP-in-UDP/IPv4
#       0x1003 AES-CBC-128+HMAC-SHA-256  0x1004 AES-CBC-256+HMAC-SHA-256 in UDP
#       0x1005 AES-GCM-128 ESP/IPv6      0x1006 AES-GCM-128 ESP-in-UDP/IPv6

. "$(dirname "$0")/lib.sh"

require_cmd tshark tcpdump
"$XS_PY" -c 'import scapy.layers.ipsec' 2>/dev/null || skip "scapy missing for $XS_PY"

K16=000102030405060708090a0b0c0d0e0f
K32=${K16}101112131415161718191a1b1c1d1e1f
SALT=aabbccdd
IK=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
TOOLS=$XS_DIR

check_lib()
{
	local out ixs ipid itmp t0 t1

	nsexec "$XS-a" mkdir /sys/fs/bpf/probe || fail "mkdir in bpffs of $XS-a"
	nsexec "$XS-a" test -d /sys/fs/bpf/probe || fail "bpffs of $XS-a did not persist"
	nsexec "$XS-b" test ! -e /sys/fs/bpf/probe || fail "bpffs shared between namespaces"
	[ "$(nsexec "$XS-a" cat /sys/class/net/a0/address)" = "$(ns_mac "$XS-a" a0)" ] ||
		fail "nsexec /sys is not the namespace's"
	pass "nsexec: bpffs per namespace, persistent across calls; ns_mac"

	ip -n "$XS-b" -d link show b0 | grep -q "numtxqueues 2 numrxqueues 2" ||
		fail "veth_link did not make 2 queues"
	nsexec "$XS-a" ping -c 1 -W 2 10.77.0.2 >/dev/null || fail "ping over veth_link"
	nsexec "$XS-a" ping -c 1 -W 2 fd00:77::2 >/dev/null || fail "ping6 over veth_link"
	pass "veth_link: addresses, queues, link up"

	t0=$(_now_us)
	wait_for -t 1 false && fail "wait_for false succeeded"
	t1=$(_now_us)
	[ $((t1 - t0)) -ge 1000000 ] && [ $((t1 - t0)) -lt 2500000 ] ||
		fail "wait_for -t 1 took $((t1 - t0)) us"
	wait_for -t 1 true || fail "wait_for true failed"
	pass "wait_for: times out after 1 s, returns at once on success"

	# A nested run must leave nothing behind.
	out=$(bash -c '. "$1"; ns_create "$XS-c"; nsexec_bg "$XS-c" /dev/null sleep 60
		wait_for grep -qx sleep /proc/$XS_LAST_PID/comm
		echo "$XS $XS_LAST_PID $XS_TMP"' sh "$XS_DIR/lib.sh")
	read -r ixs ipid itmp <<<"$out"
	[ -n "$ipid" ] || fail "nested lib.sh run printed '$out'"
	ip netns list | grep -q "^$ixs-c" && fail "namespace $ixs-c left behind"
	kill -0 "$ipid" 2>/dev/null && fail "background pid $ipid left running"
	[ -e "$itmp" ] && fail "$itmp left behind"
	grep -q " $itmp/bpffs " /proc/mounts && fail "bpffs $itmp/bpffs left mounted"
	pass "cleanup_all: namespace, background process, bpffs and tmp dir gone"
}

send_esp()
{
	cat >"$XS_TMP/gen.py" <<'EOF'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, IPv6, UDP, ICMP, ICMPv6EchoRequest, sendp
from scapy.layers.ipsec import SecurityAssociation, ESP

dmac, k16, k32, salt, ik = sys.argv[1], *(bytes.fromhex(a) for a in sys.argv[2:6])
v4 = IP(src="10.77.0.1", dst="10.77.0.2")
v6 = IPv6(src="fd00:77::1", dst="fd00:77::2")
natt = UDP(sport=4500, dport=4500)
sas = [
    dict(spi=0x1001, crypt_algo="AES-GCM", crypt_key=k16 + salt, tunnel_header=v4),
    dict(spi=0x1002, crypt_algo="AES-GCM", crypt_key=k32 + salt, tunnel_header=v4, nat_t_header=natt),
    dict(spi=0x1003, crypt_algo="AES-CBC", crypt_key=k16, auth_algo="SHA2-256-128",
         auth_key=ik, tunnel_header=v4),
    dict(spi=0x1004, crypt_algo="AES-CBC", crypt_key=k32, auth_algo="SHA2-256-128",
         auth_key=ik, tunnel_header=v4, nat_t_header=natt),
    dict(spi=0x1005, crypt_algo="AES-GCM", crypt_key=k16 + salt, tunnel_header=v6),
    dict(spi=0x1006, crypt_algo="AES-GCM", crypt_key=k16 + salt, tunnel_header=v6, nat_t_header=natt),
]
for n, kw in enumerate(sas):
    sa = SecurityAssociation(ESP, **kw)
    if kw["tunnel_header"] is v4:
        inner = IP(src="172.16.1.1", dst="172.16.2.2") / ICMP(id=7, seq=n + 1) / b"xdpsec-tools"
    else:
        inner = IPv6(src="fd00:1::1", dst="fd00:2::2") / ICMPv6EchoRequest(id=7, seq=n + 1)
    pkt = sa.encrypt(inner)
    if UDP in pkt:
        # scapy 2.5 leaves the NAT-T UDP length at 8; RFC 3948 checksum 0 on IPv4
        pkt[UDP].len = None
        pkt[UDP].chksum = 0 if IP in pkt else None
    sendp(Ether(dst=dmac) / pkt, iface="a0", verbose=False)
EOF
	nsexec "$XS-a" "$XS_PY" "$XS_TMP/gen.py" "$(ns_mac "$XS-b" b0)" \
		"$K16" "$K32" "$SALT" "$IK" || fail "scapy could not send ESP"
}

# frames FILE: "<spi> <hex of the frame>" per ESP frame, in capture order;
# tshark finds the ESP frames, so esp_inject.py is not judged by its own parser.
frames()
{
	tshark -n -r "$1" -Y esp -T fields -e frame.number -e esp.spi >"$1.spis" 2>/dev/null
	"$XS_PY" - "$1" "$1.spis" <<'EOF'
import sys
from scapy.utils import RawPcapReader
spis = dict(line.split() for line in open(sys.argv[2]) if line.strip())
for n, (data, _) in enumerate(RawPcapReader(sys.argv[1]), 1):
    if str(n) in spis:
        print(spis[str(n)], data.hex())
EOF
}

# capture NAME CMD...: run CMD while tcpdump captures ESP on b0.
capture()
{
	local file=$XS_TMP/$1.pcap

	shift
	capture_start "$XS-b" b0 "$file" esp or udp port 4500
	"$@"
	sleep 0.3
	capture_stop "$XS_LAST_PID"
}

sas()
{
	cat <<EOF
10.77.0.1 10.77.0.2 0x1001 aes-gcm-128 $K16$SALT
10.77.0.1 10.77.0.2 0x1002 aes-gcm-256 $K32$SALT
10.77.0.1 10.77.0.2 0x1003 aes-cbc-128 $K16 hmac-sha256 $IK
*         *         0x1004 aes-cbc-256 $K32 hmac-sha256 $IK
fd00:77::1 fd00:77::2 0x1005 aes-gcm $K16$SALT
IPv6 | * | * | 4102 | AES-GCM with 16 octet ICV [RFC4106] | 0x$K16$SALT
EOF
}

check_decrypt()
{
	local out spi line

	capture sent send_esp
	out=$(sas | "$TOOLS/tshark_esp.sh" "$XS_TMP/sent.pcap" -)
	echo "$out" | sed 's/^/    /'
	[ "$(echo "$out" | grep -c .)" -eq 6 ] || fail "expected 6 ESP frames"
	for spi in 1001 1002 1003 1004; do
		line=$(echo "$out" | grep -P "\t0x0000$spi\t") || fail "no frame of SPI $spi"
		echo "$line" | grep -qP "\t10\.77\.0\.1,172\.16\.1\.1\t10\.77\.0\.2,172\.16\.2\.2\t.*\t1\t0\tICMP\tEcho \(ping\) request" ||
			fail "SPI 0x$spi not decrypted to the inner ICMP echo"
	done
	for spi in 1005 1006; do
		echo "$out" | grep -P "\t0x0000$spi\t" |
			grep -qP "\tfd00:77::1,fd00:1::1\tfd00:77::2,fd00:2::2\t1\t0\tICMPv6\tEcho \(ping\) request" ||
			fail "SPI 0x$spi not decrypted to the inner ICMPv6 echo"
	done
	pass "tshark_esp.sh decrypts AES-GCM-128/256, AES-CBC-128/256+HMAC-SHA-256-128, IPv4/IPv6, raw and UDP-encapsulated"

	# Wireshark's own names ("|"-separated), -Y and -e.
	out=$("$TOOLS/tshark_esp.sh" -Y icmp -e esp.spi -e icmp.type -e icmp.seq "$XS_TMP/sent.pcap" \
		"10.77.0.1|10.77.0.2|0x1003|AES-CBC [RFC3602]|$K16|HMAC-SHA-256-128 [RFC4868]|$IK")
	[ "$out" = "$(printf '0x00001003\t8\t3')" ] || fail "-Y/-e output was '$out'"

	# Negative controls: a wrong key or a missing salt must not decrypt.
	out=$("$TOOLS/tshark_esp.sh" "$XS_TMP/sent.pcap" "* * 0x1001 aes-gcm ff${K16:2}$SALT")
	echo "$out" | grep -q ICMP && fail "decrypted with a wrong key: $out"
	echo "$out" | grep -qP "\tESP\t" || fail "wrong key: no plain ESP line: $out"
	"$TOOLS/tshark_esp.sh" "$XS_TMP/sent.pcap" "* * 0x1001 aes-gcm $K16" 2>/dev/null &&
		fail "an AES-GCM key without salt was accepted"
	"$TOOLS/tshark_esp.sh" "$XS_TMP/sent.pcap" "* * 0x1001 chacha20 $K32$SALT" 2>/dev/null &&
		fail "an unknown algorithm was accepted"
	pass "tshark_esp.sh: -Y/-e, wrong key stays ESP, bad key length and names rejected"
}

inject()
{
	nsexec "$XS-a" "$XS_PY" "$TOOLS/esp_inject.py" --pcap "$XS_TMP/sent.pcap" --iface a0 "$@" ||
		fail "esp_inject.py $*"
}

# bitdiff HEX1 HEX2: number of differing bits.
bitdiff()
{
	"$XS_PY" -c 'import sys; a, b = (bytes.fromhex(x) for x in sys.argv[1:]);
print(-1 if len(a) != len(b) else sum(bin(x ^ y).count("1") for x, y in zip(a, b)))' "$1" "$2"
}

check_inject()
{
	local orig got out spi want

	capture replay inject --spi 0x1002 --count 2
	orig=$(frames "$XS_TMP/sent.pcap" | awk '$1 == "0x00001002" { print $2 }')
	got=$(frames "$XS_TMP/replay.pcap" | awk '{ print $2 }' | sort -u)
	[ -n "$orig" ] && [ "$(frames "$XS_TMP/replay.pcap" | grep -c .)" -eq 2 ] && [ "$got" = "$orig" ] ||
		fail "replay of SPI 0x1002 was not byte-identical twice"
	pass "esp_inject.py: --count 2 replays the captured frame byte for byte"

	capture index inject --index 4
	[ "$(frames "$XS_TMP/index.pcap" | awk '{ print $1 }')" = 0x00001005 ] ||
		fail "--index 4 did not pick the fifth ESP packet"
	pass "esp_inject.py: --index counts ESP packets from 0"

	for spi in 0x1001 0x1002 0x1006; do
		capture "flip$spi" inject --spi $spi --flip-byte
		orig=$(frames "$XS_TMP/sent.pcap" | awk -v s="$(printf '0x%08x' $spi)" '$1 == s { print $2 }')
		got=$(frames "$XS_TMP/flip$spi.pcap" | awk '{ print $2 }')
		# IPv6 UDP: one data bit and the checksum change; otherwise one bit.
		case $spi in
		0x1006) [ "$(bitdiff "${orig:0:120}${orig:124}" "${got:0:120}${got:124}")" = 1 ] ;;
		*) [ "$(bitdiff "$orig" "$got")" = 1 ] ;;
		esac || fail "flip of SPI $spi did not change exactly one bit"
		# udp.checksum.status: 1 good, 3 not present (IPv4, zero)
		out=$(sas | "$TOOLS/tshark_esp.sh" -e esp.spi -e udp.checksum.status -e esp.icv_bad \
			"$XS_TMP/flip$spi.pcap" - -- -o udp.check_checksum:TRUE)
		case $spi in
		0x1001) want=$(printf '0x00001001\t\t1') ;;
		0x1002) want=$(printf '0x00001002\t3\t1') ;;
		0x1006) want=$(printf '0x00001006\t1\t1') ;;
		esac
		[ "$out" = "$want" ] || fail "SPI $spi flipped: want bad ICV, valid UDP checksum: '$out'"
	done
	pass "esp_inject.py: --flip-byte changes one ciphertext bit, ICV fails, UDP checksum kept valid"

	capture flipspi inject --spi 0x1003 --flip-byte 3 --bit 7
	[ "$(frames "$XS_TMP/flipspi.pcap" | awk '{ print $1 }')" = 0x00001083 ] ||
		fail "--flip-byte 3 --bit 7 did not turn SPI 0x1003 into 0x1083"
	pass "esp_inject.py: --flip-byte N --bit B counts from the ESP header"
}

ns_create "$XS-a"
ns_create "$XS-b"
veth_link "$XS-a" a0 10.77.0.1/24,fd00:77::1/64 "$XS-b" b0 10.77.0.2/24,fd00:77::2/64 2
check_lib
check_decrypt
check_inject
pass "test_tools.sh"
