#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Key export for researchers, end to end: two xdpsecd negotiate IKEv2 (PSK)
# through a NAT while tcpdump records the whole exchange on the path, from
# the first IKE_SA_INIT; `xdpsecctl export-keys --wireshark DIR` on the
# concentrator; then tshark, given nothing but WIRESHARK_CONFIG_DIR=DIR,
# decrypts the IKE_AUTH SK payloads (IDi, IDr, AUTH, SA, TSi, TSr) and the
# ESP (inner ICMP).  Once with AES-GCM (IKE and ESP), once with AES-CBC and
# HMAC-SHA-256.  Also: the sample Grafana dashboard is valid JSON and every
# metric and reason it queries is on the concentrator's /metrics page.
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+           |
# | 192.168.1.2 |   | masquerade,      |      | :9469 metrics  |    |           |
# +-------------+   | capture on out0  |      +----------------+    +-----------+
#  device: xdpsecd  +------------------+     concentrator: xdpsecd
#
# The capture is on the concentrator's side of the NAT, so the addresses in
# it are those of the concentrator's SAs (the exported esp_sa).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
require_cmd nft jq tshark tcpdump curl

PSK=xdpsec-export-keys-test-psk-0123456789
GW=${XS}g
DEV=${XS}d
DASHBOARD=$XS_ROOT/tools/grafana/xdpsec.json


# $1 our id, $2 the peer's id.
psk_sections()
{
	cat <<EOF
		local {
			auth = psk
			id = $1
		}
		remote {
			auth = psk
			id = $2
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

# $1 IKE proposals, $2 ESP proposals.
gw_conf()
{
	cat <<EOF
xdpsec {
	uplink = up0
	lan = lan0
	metrics_listen = 127.0.0.1:9469
}
connections {
	devices {
		local_addrs = 192.0.2.1
		proposals = $1
		children {
			net {
				local_ts = 10.1.0.0/24
				remote_ts = 10.200.0.0/16
				esp_proposals = $2
			}
		}
EOF
	psk_sections gw.export.test '*@export.test'
}

dev_conf()
{
	cat <<EOF
xdpsec {
	uplink = eth0
	lan = sensor0
}
connections {
	gw {
		local_addrs = 192.168.1.2
		remote_addrs = 192.0.2.1
		proposals = $1
		children {
			net {
				local_ts = 10.200.1.0/24
				remote_ts = 10.1.0.0/24
				esp_proposals = $2
				start_action = start
			}
		}
EOF
	psk_sections dev1@export.test gw.export.test
}


ctl()
{
	"$BUILD/xdpsecctl" -i "$@"
}

both_established()
{
	ctl "$DEV" list-sas | grep -q INSTALLED &&
		ctl "$DEV" list-sas | grep -q ESTABLISHED &&
		ctl "$GW" list-sas | grep -q ESTABLISHED
}

# tshark on the capture with the exported tables only: $1 pcap, $2 keys
# directory, then tshark's own arguments.
tshark_keys()
{
	local pcap=$1 dir=$2

	shift 2
	WIRESHARK_CONFIG_DIR=$dir tshark -n -r "$pcap" -o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE "$@" 2>"$XS_TMP/tshark.err"
}

# IKE_AUTH (exchange type 35): the request and the response, decrypted.
check_ike_auth()
{
	local label=$1 pcap=$2 dir=$3 out=$XS_TMP/ike_auth.txt

	tshark_keys "$pcap" "$dir" -Y 'isakmp.exchangetype == 35' -T fields -E separator='|' \
		-e isakmp.flag_r -e isakmp.id.data.user_fqdn -e isakmp.id.data.fqdn \
		-e isakmp.auth.method -e isakmp.ts.start_ipv4 >"$out" ||
		fail "$label: tshark failed: $(cat "$XS_TMP/tshark.err")"
	# initiator: IDi dev1@export.test (RFC822), AUTH with the shared key
	# (method 2), TSi/TSr; responder: IDr gw.export.test (FQDN), AUTH.
	grep -Eq '^(0|False)\|dev1@export\.test\|.*\|2\|.*10\.200\.1\.0' "$out" ||
		fail "$label: tshark did not decrypt the IKE_AUTH request: $(cat "$out")"
	grep -Eq '^(1|True)\|.*gw\.export\.test\|2\|.*10\.1\.0\.0' "$out" ||
		fail "$label: tshark did not decrypt the IKE_AUTH response: $(cat "$out")"
	tshark_keys "$pcap" "$dir" -Y 'isakmp.exchangetype == 35' -V >"$XS_TMP/ike_auth.V" ||
		fail "$label: tshark -V failed"
	awk '/Encrypted and Authenticated/ { enc = 1 }
	     enc && /Payload: Identification - (Initiator|Responder)/ { id++ }
	     enc && /Payload: Authentication/ { auth++ }
	     /Integrity Checksum Data: .*\[correct\]/ { icv++ }
	     END { exit !(id >= 2 && auth >= 2 && icv >= 2) }' "$XS_TMP/ike_auth.V" ||
		fail "$label: no IDi/IDr/AUTH inside the SK payloads, or an ICV not [correct]"
}

check_esp()
{
	local label=$1 pcap=$2 dir=$3 out=$XS_TMP/esp.txt

	tshark_keys "$pcap" "$dir" -Y 'esp && icmp' -T fields -e ip.src -e ip.dst \
		-e _ws.col.Info >"$out" ||
		fail "$label: tshark failed: $(cat "$XS_TMP/tshark.err")"
	grep -Eq '^192\.0\.2\.254,10\.200\.1\.1	192\.0\.2\.1,10\.1\.0\.10	.*request' "$out" ||
		fail "$label: ESP dev->gw not decrypted: $(head -3 "$out")"
	grep -Eq '^192\.0\.2\.1,10\.1\.0\.10	192\.0\.2\.254,10\.200\.1\.1	.*reply' "$out" ||
		fail "$label: ESP gw->dev not decrypted: $(head -3 "$out")"
}

# Every xdpsec_* name in the dashboard is a family on the page, and every
# reason it names is a value of the reason label there.
check_dashboard()
{
	local page=$XS_TMP/metrics.txt m r

	jq -e '.schemaVersion >= 36 and
		([.templating.list[].name] | index("DS_PROMETHEUS") and index("instance")) and
		([.panels[] | select(.type != "row") | .targets[].expr] | length > 0)' \
		"$DASHBOARD" >/dev/null || fail "$DASHBOARD: not a valid dashboard model"
	nsexec "$XS-gw" curl -sf --max-time 5 http://127.0.0.1:9469/metrics >"$page" ||
		fail "cannot scrape the concentrator"
	for m in $(jq -r '.. | .expr? // empty' "$DASHBOARD" | grep -o 'xdpsec_[a-z_]*' | sort -u); do
		grep -q "^# TYPE $m " "$page" || fail "the dashboard queries $m, not on /metrics"
	done
	for r in $(jq -r '.. | .expr? // empty' "$DASHBOARD" |
		grep -o 'reason=~"[^"]*"' | cut -d'"' -f2 | tr '|' '\n' | sort -u); do
		grep -q "^xdpsec_packets_total{reason=\"$r\"}" "$page" ||
			fail "the dashboard names reason $r, not on /metrics"
	done
	grep -q '^xdpsec_ike_connection_up{conn="devices"} 1$' "$page" ||
		fail "connection devices not up on /metrics"
	pass "the Grafana dashboard is valid JSON; its metrics and reasons are all on /metrics"
}

# One run: $1 label, $2 IKE proposals, $3 ESP proposals.
run()
{
	local label=$1 ike=$2 esp=$3 gw_pid dev_pid cap keys=$XS_TMP/keys-$1 pcap=$XS_TMP/$1.pcap

	gw_conf "$ike" "$esp" >"$XS_TMP/gw-$label.conf"
	dev_conf "$ike" "$esp" >"$XS_TMP/dev-$label.conf"
	start_xdpsecd "$XS-gw" "$GW" "$XS_TMP/gw-$label.conf"
	gw_pid=$XS_LAST_PID
	# Before the device starts: it initiates at once (start_action = start).
	capture_start "$XS-nat" out0 "$pcap" udp port 500 or udp port 4500
	cap=$XS_LAST_PID
	start_xdpsecd "$XS-dev" "$DEV" "$XS_TMP/dev-$label.conf"
	dev_pid=$XS_LAST_PID
	wait_for -t 10 both_established || fail "$label: no tunnel"
	nsexec "$XS-dev" ping -c 5 -i 0.1 -W 2 -I 10.200.1.1 10.1.0.10 >/dev/null ||
		fail "$label: ping through the tunnel"
	capture_stop "$cap"
	pass "$label: IKE SA and Child SA up, exchange and ping captured"

	[ "$label" = gcm ] && check_dashboard
	ctl "$GW" export-keys --wireshark "$keys" >/dev/null 2>"$XS_TMP/export.err" ||
		fail "$label: export-keys failed: $(cat "$XS_TMP/export.err")"
	[ "$(grep -c '^[0-9a-f]\{16\},[0-9a-f]\{16\},' "$keys/ikev2_decryption_table")" = 1 ] ||
		fail "$label: ikev2_decryption_table: $(cat "$keys/ikev2_decryption_table")"
	[ "$(grep -c '^"IPv4"' "$keys/esp_sa")" = 2 ] ||
		fail "$label: esp_sa: $(cat "$keys/esp_sa")"
	tshark_keys "$pcap" "$keys" -Y 'isakmp.exchangetype == 34' -T fields -e isakmp.ispi \
		>"$XS_TMP/init.txt" || fail "$label: tshark failed"
	[ "$(wc -l <"$XS_TMP/init.txt")" -ge 2 ] || fail "$label: IKE_SA_INIT not captured"
	check_ike_auth "$label" "$pcap" "$keys"
	pass "$label: tshark decrypts IKE_AUTH (IDi, IDr, AUTH, TS) with the exported table alone"
	check_esp "$label" "$pcap" "$keys"
	pass "$label: tshark decrypts the ESP both ways (inner ICMP) with the exported table alone"
	stop_pid "$dev_pid"
	stop_pid "$gw_pid"
}

build_testbed
run gcm aes128gcm16-prfsha256-x25519 aes128gcm16
run cbc aes256-sha256-modp2048 aes256-sha256
