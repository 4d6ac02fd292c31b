#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# IKE fragmentation (RFC 7383): IKE_AUTH with a certificate chain over an
# uplink with MTU 576 that drops IP fragments, as many real paths do.  A
# chain made here (root CA (RSA 2048) -> intermediate CA (RSA 3072) -> end entities
# (RSA 3072), long DNs) makes each IKE_AUTH message several times 576
# octets.  The NAT namespace drops every IP fragment before conntrack could
# reassemble it (nft, prerouting, priority -450 < -400).
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+           |
# | 192.168.1.2 |   | masquerade       |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#      MTU 576 on eth0, in0, out0, up0; "ip frag-off & 0x3fff != 0 drop" in $XS-nat
#
# Cases: strongSwan device -> xdpsecd gateway, xdpsecd device -> strongSwan
# gateway (charon fragment_size = 512), xdpsecd -> xdpsecd.  Devices send
# their certificate and the intermediate, gateways trust only the root.  Each: the
# tunnel comes up, a ping goes through, the capture on out0 shows IKE_AUTH
# in several SKF messages each way and not one IP fragment, and the drop
# rule counted nothing.  Negative control: xdpsecd -> xdpsecd with
# fragmentation = no on the device: IKE_AUTH never completes, the drop rule
# counts the IP fragments it ate.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/strongswan.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd nft openssl tcpdump /usr/lib/ipsec/charon swanctl
[ -x "$XS_PY" ] && "$XS_PY" -c "import scapy" 2>/dev/null || skip "scapy for $XS_PY"

PKI=$XS_TMP/pki
DN="/C=XX/ST=Somewhere far away/L=A rather long locality name/O=xdpsec fragmentation test"
DN="$DN organisation/OU=Department of oversized certificate chains"

# $1 name, $2 subject, $3 issuer (empty: self-signed), $4 extensions, $5 key spec.
mkcert()
{
	local name=$1 subj=$2 issuer=$3 ext=$4 key=$5
	printf '%b\n' "$ext" >"$PKI/$name.ext"
	openssl req -new -newkey "$key" -nodes -keyout "$PKI/$name.key" -subj "$subj" \
		-out "$PKI/$name.csr" 2>/dev/null || fail "openssl req $name"
	if [ -z "$issuer" ]; then
		openssl x509 -req -in "$PKI/$name.csr" -signkey "$PKI/$name.key" -days 30 \
			-extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
	else
		openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$issuer.crt" \
			-CAkey "$PKI/$issuer.key" -CAcreateserial -days 30 \
			-extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
	fi || fail "openssl x509 $name"
	chmod 600 "$PKI/$name.key"
}

make_pki()
{
	local ca="basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign"
	ca="$ca\nsubjectKeyIdentifier=hash"
	mkdir -p "$PKI"
	mkcert root "$DN/CN=xdpsec fragmentation test root CA" "" "$ca" rsa:2048
	mkcert im "$DN/CN=xdpsec fragmentation test intermediate CA" root \
		"$ca\nauthorityKeyIdentifier=keyid" rsa:3072
	mkcert gw "$DN/CN=gw.frag.test" im \
		"subjectAltName=DNS:gw.frag.test\nauthorityKeyIdentifier=keyid" rsa:3072
	mkcert dev "$DN/CN=dev1@frag.test" im \
		"subjectAltName=email:dev1@frag.test\nauthorityKeyIdentifier=keyid" rsa:3072
}

# The path: MTU 576 and no IP fragments through the NAT.
shrink_path()
{
	ip -n "$XS-dev" link set eth0 mtu 576 &&
	ip -n "$XS-nat" link set in0 mtu 576 &&
	ip -n "$XS-nat" link set out0 mtu 576 &&
	ip -n "$XS-gw" link set up0 mtu 576 || fail "MTU 576"
	nsexec "$XS-nat" nft -f - <<EOF || fail "nft fragment drop"
table ip fragdrop {
	chain pre {
		type filter hook prerouting priority -450;
		ip frag-off & 0x3fff != 0 counter drop
	}
}
EOF
}

frags_dropped()
{
	nsexec "$XS-nat" nft list chain ip fragdrop pre | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

reset_counter()
{
	nsexec "$XS-nat" nft reset counters table ip fragdrop >/dev/null
}

# $1 role (gw|dev), $2 extra connection lines: an xdpsecd configuration.
# Devices know the intermediate CA and send it after their certificate;
# gateways (xdpsecd or strongSwan) know only the root, so a device's
# IKE_AUTH must carry the chain: end entity + intermediate, in fragments.
xdpsec_conf()
{
	local role=$1 cas=$PKI/root.crt
	[ "$role" = dev ] && cas="$PKI/root.crt, $PKI/im.crt"
	if [ "$role" = gw ]; then xs_section up0 lan0; else xs_section eth0 sensor0; fi
	ike_conn "$role" frag.test "$2" "" "auth = pubkey
			certs = $PKI/$role.crt" "auth = pubkey
			cacerts = $cas"
	cat <<EOF
secrets {
	private-key {
		file = $PKI/$role.key
	}
}
EOF
}

# $1 role: the strongSwan side; its end-entity certificate and key and the
# root in its swanctl directory, and on a device the intermediate (sent along).
strongswan_conf()
{
	IKE_DEV_START="" ike_conn "$1" frag.test "" "" "auth = pubkey
			certs = $1.crt" "auth = pubkey"
}

strongswan_creds()
{
	local dir=$XS_TMP/ss-$1/swanctl role=$2
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/private"
	cp "$PKI/root.crt" "$dir/x509ca/"
	[ "$role" = dev ] && cp "$PKI/im.crt" "$dir/x509ca/"
	cp "$PKI/$role.crt" "$dir/x509/"
	install -m 600 "$PKI/$role.key" "$dir/private/"
}

# What the capture on out0 holds: "REQ_SKF RESP_SKF REQ_SK RESP_SK IPFRAGS"
# (IKE_AUTH messages as SKF or SK, by the flag; IP fragments of any kind).
pcap_counts()
{
	"$XS_PY" - "$1" <<'EOF'
import sys
from scapy.all import rdpcap, IP, UDP
req_skf = resp_skf = req_sk = resp_sk = ipfrags = 0
for p in rdpcap(sys.argv[1]):
    if IP not in p:
        continue
    ip = p[IP]
    if ip.flags.MF or ip.frag:
        ipfrags += 1
        continue
    if UDP not in p or 500 not in (p[UDP].sport, p[UDP].dport) and \
            4500 not in (p[UDP].sport, p[UDP].dport):
        continue
    b = bytes(p[UDP].payload)
    if 4500 in (p[UDP].sport, p[UDP].dport):
        if b[:4] != b"\0\0\0\0":
            continue                        # ESP in UDP, keepalive
        b = b[4:]
    if len(b) < 28 or b[18] != 35:          # IKE_AUTH
        continue
    resp = bool(b[19] & 0x20)
    if b[16] == 53:
        resp_skf, req_skf = (resp_skf + resp, req_skf + (not resp))
    elif b[16] == 46:
        resp_sk, req_sk = (resp_sk + resp, req_sk + (not resp))
print(req_skf, resp_skf, req_sk, resp_sk, ipfrags)
EOF
}

# $1 label, $2 pcap: IKE_AUTH in fragments both ways, no IP fragments anywhere.
check_wire()
{
	local label=$1 counts req_skf resp_skf req_sk resp_sk ipfrags dropped
	counts=$(pcap_counts "$2") || fail "$label: cannot read the capture"
	read -r req_skf resp_skf req_sk resp_sk ipfrags <<<"$counts"
	dropped=$(frags_dropped)
	[ "$req_skf" -ge 2 ] && [ "$resp_skf" -ge 2 ] ||
		fail "$label: IKE_AUTH not in fragments both ways (request $req_skf SKF /" \
			"$req_sk SK, response $resp_skf SKF / $resp_sk SK)"
	[ "$req_sk" = 0 ] && [ "$resp_sk" = 0 ] ||
		fail "$label: IKE_AUTH also as whole SK messages ($req_sk, $resp_sk)"
	[ "$ipfrags" = 0 ] && [ "$dropped" = 0 ] ||
		fail "$label: IP fragments: $ipfrags on out0, $dropped dropped in the NAT"
	echo "$req_skf request and $resp_skf response fragments, no IP fragments"
}

# The drop counter from zero and a capture on out0 into $XS_TMP/$1.pcap ($CAP).
watch_wire()
{
	reset_counter
	capture_start "$XS-nat" out0 "$XS_TMP/$1.pcap" udp
	CAP=$XS_LAST_PID
}

# $1 label, $2 the capture's name, $3 who to whom: a ping through the
# tunnel, then what the capture holds.
ping_and_check_wire()
{
	local wire
	ping_through || fail "$1: no ping through the tunnel"
	capture_stop "$CAP"
	wire=$(check_wire "$1" "$XS_TMP/$2.pcap") || { echo "$wire"; exit 1; }
	pass "$3 over MTU 576: up, ping; $wire"
}

# strongSwan (device, initiator) -> xdpsecd (gateway)
case_ss_to_xdpsec()
{
	local inst=${XS}g pid
	xdpsec_conf gw "" >"$XS_TMP/$inst.conf"
	strongswan_creds ssd dev
	SS_CHARON_EXTRA="fragment_size = 512" ss_start "$XS-dev" ssd "$(strongswan_conf dev)"
	start_xdpsecd "$XS-gw" "$inst" "$XS_TMP/$inst.conf"
	pid=$XS_LAST_PID
	watch_wire ss-x
	ss_ctl ssd --initiate --child net --timeout 15 >"$XS_TMP/init-ssd.log" 2>&1 ||
		fail "strongSwan -> xdpsecd: no tunnel: $(tail -3 "$XS_TMP/init-ssd.log")"
	wait_for -t 10 xs_installed "$inst" || fail "strongSwan -> xdpsecd: no Child SA on xdpsecd"
	ping_and_check_wire "strongSwan -> xdpsecd" ss-x "strongSwan device -> xdpsecd gateway"
	stop_xdpsecd "$pid"
	ss_stop ssd
}

# xdpsecd (device, initiator) -> strongSwan (gateway)
case_xdpsec_to_ss()
{
	local inst=${XS}d pid
	xdpsec_conf dev "" >"$XS_TMP/$inst.conf"
	strongswan_creds ssg gw
	SS_CHARON_EXTRA="fragment_size = 512" ss_start "$XS-gw" ssg "$(strongswan_conf gw)"
	watch_wire x-ss
	start_xdpsecd "$XS-dev" "$inst" "$XS_TMP/$inst.conf"
	pid=$XS_LAST_PID
	wait_for -t 15 xs_installed "$inst" || fail "xdpsecd -> strongSwan: no Child SA"
	ping_and_check_wire "xdpsecd -> strongSwan" x-ss "xdpsecd device -> strongSwan gateway"
	stop_xdpsecd "$pid"
	ss_stop ssg
}

# xdpsecd -> xdpsecd; $1 the device's extra connection lines, $2 expect (ok|fail).
case_xdpsec_to_xdpsec()
{
	local extra=$1 expect=$2 gi=${XS}G di=${XS}D gpid dpid dropped
	xdpsec_conf gw "" >"$XS_TMP/$gi.conf"
	xdpsec_conf dev "$extra" >"$XS_TMP/$di.conf"
	start_xdpsecd "$XS-gw" "$gi" "$XS_TMP/$gi.conf"
	gpid=$XS_LAST_PID
	watch_wire "x-x-$expect"
	start_xdpsecd "$XS-dev" "$di" "$XS_TMP/$di.conf"
	dpid=$XS_LAST_PID
	if [ "$expect" = ok ]; then
		wait_for -t 15 xs_installed "$di" || fail "xdpsecd -> xdpsecd: no Child SA"
		wait_for -t 5 xs_installed "$gi" || fail "xdpsecd -> xdpsecd: no Child SA on the gateway"
		ping_and_check_wire "xdpsecd -> xdpsecd" x-x-ok "xdpsecd device -> xdpsecd gateway"
	else
		# IKE_AUTH goes out at once and is retransmitted after 1 and 3 s.
		wait_for -t 6 xs_installed "$di" &&
			fail "negative control: the tunnel came up with fragmentation = no"
		capture_stop "$CAP"
		xs_installed "$gi" && fail "negative control: the gateway has a Child SA"
		"$BUILD/xdpsecctl" -i "$di" list-sas >"$XS_TMP/neg-sas.txt" ||
			fail "negative control: xdpsecd on the device is gone"
		dropped=$(frags_dropped)
		[ "$dropped" -gt 0 ] || fail "negative control: no IP fragment was dropped"
		grep -q ESTABLISHED "$XS_TMP/neg-sas.txt" &&
			fail "negative control: IKE SA established"
		pass "negative control: fragmentation = no on the device, no IKE_AUTH in 6 s" \
			"($dropped IP fragments dropped on the path)"
	fi
	stop_xdpsecd "$dpid"
	stop_xdpsecd "$gpid"
}

make_pki
build_testbed
shrink_path
case_ss_to_xdpsec
case_xdpsec_to_ss
case_xdpsec_to_xdpsec "" ok
case_xdpsec_to_xdpsec "fragmentation = no" fail
