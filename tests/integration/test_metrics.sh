#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Observability: the Prometheus endpoint scraped with curl and checked by
# promtool and a strict parser, its values against `xdpsecctl stats -j` and
# the BPF maps read with bpftool for the same moment; `xdpsecctl monitor
# --once` rates; `xdpsecctl export-keys --wireshark` tables with which
# tshark alone decrypts the captured ESP.
#
#  $XS-ha           $XS-gwa                $XS-mid                 $XS-gwb            $XS-hb
# +--------+   +--------------+   +-----------------------+   +--------------+   +--------+
# | eth0   |   | lan0    up0  |   | a0              b0    |   | up0    lan0  |   | eth0   |
# |10.1.0.2+---+10.1.0.1  .1  +---+192.0.2.254  .100.254 +---+.100.2  .1    +---+10.2.0.2|
# |        |   | xdpsecd (A)  |   | router, capture on b0 |   | xdpsecd (B)  |   |        |
# |        |   | :9469 metrics|   |                       |   |              |   |        |
# +--------+   +--------------+   +-----------------------+   +--------------+   +--------+
#
# A -> B: ESP in UDP 4500, AES-GCM-128, SPI 0x1001; B -> A: AES-CBC-128 +
# HMAC-SHA-256-128, SPI 0x2002 (manual SAs).
set -u
. "$(dirname "$0")/lib.sh"
require_cmd curl tshark tcpdump openssl jq bpftool

ctl() { local inst=$1; shift; "$BUILD/xdpsecctl" -i "$inst" "$@"; }
scrape() { nsexec "$XS-gwa" curl -sf --max-time 5 "http://127.0.0.1:9469$1"; }

A=${XS}a
B=${XS}b
for n in ha gwa mid gwb hb; do ns_create "$XS-$n"; done
veth_link "$XS-ha" eth0 10.1.0.2/24 "$XS-gwa" lan0 10.1.0.1/24
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

# A bad address is refused with file and line.
printf 'xdpsec {\n  uplink = up0\n  metrics_listen = 127.0.0.1:99999\n}\n' >"$XS_TMP/bad.conf"
out=$("$BUILD/xdpsecd" -c "$XS_TMP/bad.conf" --check-config 2>&1) &&
	fail "xdpsecd accepted metrics_listen = 127.0.0.1:99999"
grep -q "bad.conf:3: 'metrics_listen'" <<<"$out" || fail "no FILE:LINE in: $out"
pass "a bad metrics_listen is refused with FILE:LINE"

cat >"$XS_TMP/a.conf" <<CONF
xdpsec {
	uplink = up0
	lan = lan0
	instance = $A
	metrics_listen = 127.0.0.1:9469
}
CONF
nsexec_bg "$XS-gwa" "$XS_TMP/a.log" "$BUILD/xdpsecd" -c "$XS_TMP/a.conf"
nsexec_bg "$XS-gwb" "$XS_TMP/b.log" "$BUILD/xdpsecd" --uplink up0 --lan lan0 --instance "$B"
wait_for ctl "$A" status || fail "xdpsecd A did not start"
wait_for ctl "$B" status || fail "xdpsecd B did not start"
wait_for scrape /metrics || fail "no metrics on 127.0.0.1:9469"
code=$(nsexec "$XS-gwa" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9469/nothing)
[ "$code" = 404 ] || fail "GET /nothing answered $code, not 404"
pass "xdpsecd A serves /metrics (and 404 elsewhere)"

K_AB=$(openssl rand -hex 20)
K_BA=$(openssl rand -hex 16)
I_BA=$(openssl rand -hex 32)
AB=(--spi 0x1001 --src 192.0.2.1:4500 --dst 198.51.100.2:4500 --aead aes-gcm-128 --key "$K_AB")
BA=(--spi 0x2002 --src 198.51.100.2:4500 --dst 192.0.2.1:4500 --enc aes-cbc-128 --enc-key "$K_BA"
	--integ hmac-sha256-128 --integ-key "$I_BA")
ctl "$A" sa add --dir out "${AB[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
	--device site-b >/dev/null || fail "sa add A out"
ctl "$A" sa add --dir in "${BA[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
	--device site-b >/dev/null || fail "sa add A in"
ctl "$B" sa add --dir in "${AB[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
	--device site-a >/dev/null || fail "sa add B in"
ctl "$B" sa add --dir out "${BA[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
	--device site-a >/dev/null || fail "sa add B out"

capture_start "$XS-mid" b0 "$XS_TMP/wan.pcap" udp port 4500
CAP=$XS_LAST_PID
nsexec "$XS-ha" ping -c 10 -i 0.1 -W 2 10.2.0.2 >/dev/null || fail "ping A->B side"
nsexec "$XS-hb" ping -c 10 -i 0.1 -W 2 -s 1000 10.1.0.2 >/dev/null || fail "ping B->A side"
capture_stop "$CAP"
pass "traffic through the tunnel both ways"

# ---- the exposition format
scrape /metrics >"$XS_TMP/m1.txt" || fail "scrape failed"
if command -v promtool >/dev/null; then
	promtool check metrics <"$XS_TMP/m1.txt" >"$XS_TMP/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$XS_TMP/promtool.out")"
	pass "promtool check metrics accepts the page"
else
	echo "SKIP: promtool not installed (Debian: prometheus), the strict parser only"
fi
"$XS_PY" "$XS_DIR/prom_check.py" "$XS_TMP/m1.txt" || fail "prom_check.py rejects the page"
for m in xdpsec_up xdpsec_build_info xdpsec_packets_total xdpsec_bytes_total \
	xdpsec_sa_packets_total xdpsec_sa_bytes_total xdpsec_sa_errors_total \
	xdpsec_sa_esp_source_changes_total \
	xdpsec_device_packets_total xdpsec_device_bytes_total xdpsec_device_denied_total \
	xdpsec_ike_sas xdpsec_ike_handshakes_total xdpsec_ike_auth_failures_total \
	xdpsec_ike_child_sas_installed_total xdpsec_ike_messages_total \
	xdpsec_ike_retransmits_total xdpsec_worker_busy_seconds_total; do
	grep -q "^# TYPE $m " "$XS_TMP/m1.txt" || fail "no family $m"
done
pass "the strict parser accepts the page; every family is there"

# ---- values: metrics == stats -j == bpftool, for one moment.  Stray
# packets (IPv6 neighbour discovery on the uplink) can move a counter
# between the reads: retry until two scrapes around the reads agree.
compare()
{
	"$XS_PY" - "$XS_TMP" <<'PY'
import json, subprocess, sys
t = sys.argv[1]
def load(n):
    with open(f"{t}/{n}") as f:
        return json.load(f)
m1, m2 = load("m1.json"), load("m2.json")
if m1 != {k: v for k, v in m2.items()}:
    print("moving"); sys.exit(3)
st, up, wk = load("stats.json"), load("reasons.json"), load("wreasons.json")
def bpf_sum(dump, percpu):
    out = {}
    for e in dump:
        f = e.get("formatted", e)
        k = f["key"]
        if percpu:
            vals = [v["value"] for v in f["values"]]
        else:
            vals = [f["value"]]
        out.setdefault(k, [0, 0])
        for v in vals:
            out[k][0] += v["packets"]; out[k][1] += v["bytes"]
    return out
bpf = bpf_sum(up, True)
nr = len(st["reasons"])
for k, (p, b) in bpf_sum(wk, False).items():
    bpf[k % nr][0] += p; bpf[k % nr][1] += b
errs = []
for i, (name, c) in enumerate(st["reasons"].items()):
    for what, idx in (("packets", 0), ("bytes", 1)):
        mv = m1.get(f'xdpsec_{what}_total{{reason="{name}"}}')
        if mv != c[what]: errs.append(f"{name} {what}: metrics {mv} stats {c[what]}")
        if bpf[i][idx] != c[what]: errs.append(f"{name} {what}: bpftool {bpf[i][idx]} stats {c[what]}")
def key(name, **labels):
    return name + "{" + ",".join(f'{k}="{labels[k]}"' for k in sorted(labels)) + "}"
for sa in st["sas"]:
    lb = dict(device=sa["device"] or "", dir=sa["dir"], spi=sa["spi"])
    for what in ("packets", "bytes"):
        mv = m1.get(key(f"xdpsec_sa_{what}_total", **lb))
        if mv != sa[what]: errs.append(f"SA {sa['spi']} {what}: metrics {mv} stats {sa[what]}")
    for r, v in sa["errors"].items():
        mv = m1.get(key("xdpsec_sa_errors_total", reason=r, **lb))
        if mv != v: errs.append(f"SA {sa['spi']} {r}: metrics {mv} stats {v}")
for d in st["devices"]:
    for what in ("packets", "bytes"):
        mv = m1.get(f'xdpsec_device_{what}_total{{device="{d["name"]}"}}')
        if mv != d[what]: errs.append(f"device {d['name']} {what}: metrics {mv} stats {d[what]}")
    for r in ("acl_denied", "ts_mismatch"):
        mv = m1.get(f'xdpsec_device_denied_total{{device="{d["name"]}",reason="{r}"}}')
        if mv != d[r]: errs.append(f"device {d['name']} {r}: metrics {mv} stats {d[r]}")
if st["reasons"]["encrypted"]["packets"] < 10 or st["reasons"]["decrypted"]["packets"] < 10:
    errs.append("too few packets counted: " + json.dumps(st["reasons"]))
print("\n".join(errs) if errs else "ok")
sys.exit(1 if errs else 0)
PY
}
ok=0
for try in 1 2 3 4 5; do
	scrape /metrics >"$XS_TMP/m1.txt" &&
		ctl "$A" stats -j >"$XS_TMP/stats.json" &&
		nsexec "$XS-gwa" bpftool -j map dump pinned "/sys/fs/bpf/xdpsec/$A/xs_reasons" \
			>"$XS_TMP/reasons.json" &&
		nsexec "$XS-gwa" bpftool -j map dump pinned "/sys/fs/bpf/xdpsec/$A/xs_wreasons" \
			>"$XS_TMP/wreasons.json" &&
		scrape /metrics >"$XS_TMP/m2.txt" || fail "cannot read the counters"
	"$XS_PY" "$XS_DIR/prom_check.py" "$XS_TMP/m1.txt" --json >"$XS_TMP/m1.json" &&
		"$XS_PY" "$XS_DIR/prom_check.py" "$XS_TMP/m2.txt" --json >"$XS_TMP/m2.json" ||
		fail "prom_check.py rejects a page"
	compare >"$XS_TMP/compare.out"
	rc=$?
	[ $rc = 3 ] && { sleep 0.5; continue; }
	[ $rc = 0 ] || fail "metrics, stats -j and bpftool disagree: $(cat "$XS_TMP/compare.out")"
	ok=1
	break
done
[ $ok = 1 ] || fail "counters never stood still for one scrape"
pass "every reason, SA and device counter: metrics == stats -j == bpftool (per-CPU + workers)"
grep -q '^xdpsec_worker_busy_seconds_total{worker="0"} [0-9]*\.[0-9]*$' "$XS_TMP/m1.txt" ||
	fail "no worker busy time"
grep -q '^xdpsec_ike_sas{state="established"} 0$' "$XS_TMP/m1.txt" ||
	fail "IKE gauges missing without IKE"
pass "worker utilization and IKE families present"

# ---- monitor: rates while traffic runs
nsexec "$XS-ha" ping -c 30 -i 0.05 -W 2 10.2.0.2 >/dev/null &
PING=$!
ctl "$A" monitor --once --interval 1 >"$XS_TMP/monitor.txt" 2>&1 || fail "monitor --once failed"
wait "$PING"
grep -Eq '^encrypted +[1-9][0-9.]* +pps' "$XS_TMP/monitor.txt" ||
	fail "monitor shows no encrypted rate: $(cat "$XS_TMP/monitor.txt")"
grep -Eq '^0x00001001 +out +site-b +[1-9][0-9.]* +pps +[0-9.]+ [kM]?bit/s' \
	"$XS_TMP/monitor.txt" || fail "monitor shows no rate for SA 0x1001: $(cat "$XS_TMP/monitor.txt")"
pass "xdpsecctl monitor --once prints per-reason and per-SA rates"

# ---- export-keys: tshark decrypts with the exported table only
ctl "$A" export-keys --wireshark "$XS_TMP/keys" 2>"$XS_TMP/export.err" >/dev/null ||
	fail "export-keys failed: $(cat "$XS_TMP/export.err")"
grep -q "WARNING: wrote SECRET KEYS" "$XS_TMP/export.err" || fail "no loud warning on stderr"
for f in esp_sa ikev2_decryption_table; do
	[ "$(stat -c %a "$XS_TMP/keys/$f")" = 600 ] || fail "$f is not mode 0600"
done
[ "$(grep -c '^"IPv4"' "$XS_TMP/keys/esp_sa")" = 2 ] || fail "esp_sa: $(cat "$XS_TMP/keys/esp_sa")"
grep -qi "$K_AB" "$XS_TMP/keys/esp_sa" || fail "esp_sa lacks the AES-GCM key"
grep -qi "$K_AB\|$K_BA\|$I_BA" "$XS_TMP"/a.log && fail "a key went into the daemon's log"
WIRESHARK_CONFIG_DIR=$XS_TMP/keys tshark -n -r "$XS_TMP/wan.pcap" \
	-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
	-Y esp -T fields -e ip.src -e ip.dst -e esp.spi -e _ws.col.Protocol -e _ws.col.Info \
	>"$XS_TMP/decoded.txt" 2>/dev/null || fail "tshark failed"
grep -Eq '192\.0\.2\.1,10\.1\.0\.2.*10\.2\.0\.2.*ICMP.*request' "$XS_TMP/decoded.txt" ||
	fail "tshark did not decrypt the AES-GCM SA with the exported table: $(head -3 "$XS_TMP/decoded.txt")"
grep -Eq '198\.51\.100\.2,10\.2\.0\.2.*10\.1\.0\.2.*ICMP.*request' "$XS_TMP/decoded.txt" ||
	fail "tshark did not decrypt the AES-CBC SA with the exported table"
pass "export-keys: files 0600, a loud warning, tshark decrypts both SAs with them alone"
