#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Reloading xdpsecd's configuration (SIGHUP and `xdpsecctl reload`) without
# dropping what the new file still allows: a device dials the concentrator
# with a PSK; the concentrator's file then changes under it.
#
#   - a new connection, ike_keepalive, metrics_listen and workers change:
#     `reload` keeps the IKE SA and the Child SA (same IKE SPIs, same ESP
#     SPIs in the data plane, traffic still flows), applies ike_keepalive and
#     metrics_listen at once (the endpoint answers on its new port), and
#     warns that workers needs a restart (the running value stays);
#   - SIGHUP with the same file: nothing changes;
#   - a broken file: `reload` fails naming FILE:LINE, SIGHUP logs FILE:LINE,
#     and everything keeps running;
#   - the device's connection removed: its SAs go, on both sides.
#
#   $XS-dev                         $XS-gw                     $XS-lan
# +----------------+        +-----------------------+     +-------------+
# | sensor0        |        | up0            lan0   |     | eth0        |
# | 10.200.1.1/24  |        | 192.0.2.1  10.1.0.1   +-----+ 10.1.0.10   |
# | eth0           +--------+ xdpsecd (concentr.)   |     |             |
# | 192.0.2.2/24   |        | metrics on 127.0.0.1  |     +-------------+
# | xdpsecd (dev)  |        +-----------------------+
# +----------------+
set -u
. "$(dirname "$0")/lib.sh"
require_cmd jq curl

PSK=xdpsec-reload-test-psk-0123456789abcdef
GW=${XS}g
DEV=${XS}d
GWCONF=$XS_TMP/gw.conf

ctl() { "$BUILD/xdpsecctl" -i "$@"; }

for n in dev gw lan; do ns_create "$XS-$n"; done
veth_link "$XS-dev" eth0 192.0.2.2/24 "$XS-gw" up0 192.0.2.1/24
veth_link "$XS-gw" lan0 10.1.0.1/24 "$XS-lan" eth0 10.1.0.10/24
ip -n "$XS-dev" link add sensor0 type veth peer name sensors
ip -n "$XS-dev" addr add 10.200.1.1/24 dev sensor0
ip -n "$XS-dev" link set sensor0 up
ip -n "$XS-dev" link set sensors up
ip -n "$XS-lan" route add default via 10.1.0.1
for n in gw dev; do
	nsexec "$XS-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done

# gw_conf [extra xdpsec keys] [with the devices connection: yes|no] [extra connection: yes|no]
gw_conf()
{
	local extra=$1 devices=$2 other=$3
	echo "xdpsec {"
	echo "	uplink = up0"
	echo "	lan = lan0"
	[ -n "$extra" ] && printf '\t%s\n' $extra
	echo "}"
	echo "connections {"
	[ "$devices" = yes ] && cat <<EOF
	devices {
		local_addrs = 192.0.2.1
		proposals = aes128gcm16-prfsha256-x25519
		local { auth = psk
			id = gw.reload.test }
		remote { auth = psk
			 id = *@reload.test }
		children { net { local_ts = 10.1.0.0/24
				 remote_ts = 10.200.0.0/16
				 esp_proposals = aes128gcm16 } }
	}
EOF
	[ "$other" = yes ] && cat <<EOF
	branch {
		local_addrs = 192.0.2.1
		remote_addrs = 203.0.113.9
		local { auth = psk
			id = gw.reload.test }
		remote { auth = psk
			 id = branch.reload.test }
		children { lan { local_ts = 10.1.0.0/24
				 remote_ts = 10.77.0.0/16 } }
	}
EOF
	cat <<EOF
}
secrets {
	ike-fleet {
		secret = "$PSK"
	}
}
EOF
}

cat >"$XS_TMP/dev.conf" <<EOF
xdpsec {
	uplink = eth0
	lan = sensor0
}
connections {
	gw {
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = aes128gcm16-prfsha256-x25519
		local { auth = psk
			id = dev1@reload.test }
		remote { auth = psk
			 id = gw.reload.test }
		children { net { local_ts = 10.200.1.0/24
				 remote_ts = 10.1.0.0/24
				 esp_proposals = aes128gcm16
				 start_action = start } }
	}
}
secrets {
	ike-fleet {
		secret = "$PSK"
	}
}
EOF

gw_conf "metrics_listen=127.0.0.1:9471" yes no >"$GWCONF"
chmod 600 "$GWCONF" "$XS_TMP/dev.conf"
nsexec_bg "$XS-gw" "$XS_TMP/gw.log" "$BUILD/xdpsecd" -c "$GWCONF" --instance "$GW"
GW_PID=$XS_LAST_PID
wait_for ctl "$GW" status || fail "concentrator did not start"
nsexec_bg "$XS-dev" "$XS_TMP/dev.log" "$BUILD/xdpsecd" -c "$XS_TMP/dev.conf" --instance "$DEV"
wait_for ctl "$DEV" status || fail "device did not start"

established() { ctl "$DEV" list-sas | grep -q INSTALLED && ctl "$GW" list-sas | grep -q ESTABLISHED; }
wait_for -t 10 established || fail "no tunnel"
ping_ok() { nsexec "$XS-dev" ping -c 2 -i 0.2 -W 2 -I 10.200.1.1 10.1.0.10 >/dev/null; }
ping_ok || fail "no traffic through the tunnel"

# What must survive: IKE SPIs and Child SA SPIs as the engine lists them,
# and the ESP SPIs in the data plane.
snapshot()
{
	local inst
	for inst in "$GW" "$DEV"; do
		ctl "$inst" list-sas -j | jq -c '[.ike_sas[] | {spi_i, spi_r,
			c: [.child_sas[] | {spi_in, spi_out}]}]'
		ctl "$inst" sa list -j | jq -c '[.sas[] | {spi, dir}] | sort_by(.spi)'
	done
}
BEFORE=$(snapshot)
[ "$(echo "$BEFORE" | sed -n 2p | jq length)" = 2 ] || fail "want 2 data-plane SAs: $BEFORE"
metrics_ok() { nsexec "$XS-gw" curl -sf "http://127.0.0.1:$1/metrics" | grep -q '^xdpsec_up 1'; }
metrics_ok 9471 || fail "metrics endpoint on 9471"
pass "tunnel up, metrics on 9471: $(echo "$BEFORE" | head -1)"

# ---- reload with a new connection and changed settings ----
gw_conf "metrics_listen=127.0.0.1:9472 ike_keepalive=5s workers=2" yes yes >"$GWCONF"
ctl "$GW" reload >"$XS_TMP/reload.out" 2>&1 || fail "reload: $(cat "$XS_TMP/reload.out")"
grep -q "configuration reloaded" "$XS_TMP/reload.out" || fail "reload said: $(cat "$XS_TMP/reload.out")"
grep -q "'workers' changed (1 -> 2): it needs a restart; 1 stays" "$XS_TMP/reload.out" ||
	fail "no restart warning for workers: $(cat "$XS_TMP/reload.out")"
grep -q "reload: 'workers' changed" "$XS_TMP/gw.log" || fail "workers warning not logged"
grep -q "reload: ike_keepalive 20 -> 5" "$XS_TMP/gw.log" || fail "ike_keepalive not applied live"
ctl "$GW" list-conns | grep -q branch || fail "the new connection is not listed"
ctl "$GW" status | grep -q "1 worker(s)" || fail "workers changed without a restart"
[ "$(snapshot)" = "$BEFORE" ] || fail "reload changed the SAs: $BEFORE -> $(snapshot)"
ping_ok || fail "no traffic after reload"
wait_for -t 3 metrics_ok 9472 || fail "metrics endpoint did not move to 9472"
metrics_ok 9471 && fail "the old metrics endpoint 9471 still answers"
pass "reload: new connection listed, ike_keepalive and metrics_listen applied, workers" \
	"kept with a warning; same IKE and ESP SPIs, traffic flows"

# ---- SIGHUP, same file ----
kill -HUP "$GW_PID"
wait_for -t 3 sh -c "[ \$(grep -c 'SIGHUP: reloading' '$XS_TMP/gw.log') -ge 1 ]" ||
	fail "SIGHUP not seen in the log"
wait_for -t 3 grep -q "reloaded $GWCONF" "$XS_TMP/gw.log" || fail "SIGHUP did not reload"
[ "$(snapshot)" = "$BEFORE" ] || fail "SIGHUP changed the SAs"
ping_ok || fail "no traffic after SIGHUP"
pass "SIGHUP: reloaded, same SAs, traffic flows"

# ---- a broken file: nothing changes, FILE:LINE reported ----
cp "$GWCONF" "$XS_TMP/good.conf"
sed -i 's/^\t\tproposals = aes128gcm16-prfsha256-x25519/\t\tproposals = 3des-md5-modp1024/' "$GWCONF"
BADLINE=$(grep -n "3des-md5" "$GWCONF" | cut -d: -f1)
ctl "$GW" reload >"$XS_TMP/bad.out" 2>&1 && fail "reload accepted a broken file"
grep -q "$GWCONF:$BADLINE:" "$XS_TMP/bad.out" || fail "reload error without FILE:LINE: $(cat "$XS_TMP/bad.out")"
grep -q "running configuration stays" "$XS_TMP/bad.out" || fail "reload error: $(cat "$XS_TMP/bad.out")"
kill -HUP "$GW_PID"
wait_for -t 3 sh -c "[ \$(grep -c 'reload failed.*$GWCONF:$BADLINE:' '$XS_TMP/gw.log') -ge 2 ]" ||
	fail "SIGHUP with a broken file: no FILE:LINE in the log"
sed -i 's/^\tuplink = up0/\tuplink = up0\n\tmax_sas = lots/' "$XS_TMP/good.conf"
cp "$XS_TMP/good.conf" "$GWCONF"
BADLINE=$(grep -n "max_sas = lots" "$GWCONF" | cut -d: -f1)
ctl "$GW" reload >"$XS_TMP/bad.out" 2>&1 && fail "reload accepted max_sas = lots"
grep -q "$GWCONF:$BADLINE:" "$XS_TMP/bad.out" || fail "xdpsec section error without FILE:LINE: $(cat "$XS_TMP/bad.out")"
kill -0 "$GW_PID" || fail "the concentrator died"
[ "$(snapshot)" = "$BEFORE" ] || fail "a broken file changed the SAs"
ctl "$GW" list-conns | grep -q branch || fail "a broken file changed the connections"
ping_ok && metrics_ok 9472 || fail "a broken file broke traffic or metrics"
pass "broken files (IKE proposal, xdpsec section): reload and SIGHUP report FILE:LINE," \
	"everything keeps running"

# ---- the device's connection removed: its SAs go ----
gw_conf "metrics_listen=127.0.0.1:9472 ike_keepalive=5s" no yes >"$GWCONF"
ctl "$GW" reload >"$XS_TMP/reload.out" 2>&1 || fail "reload: $(cat "$XS_TMP/reload.out")"
both_empty() { [ "$(ctl "$GW" sa list -j | jq '.sas | length')" = 0 ] &&
	[ "$(ctl "$DEV" sa list -j | jq '.sas | length')" = 0 ]; }
wait_for -t 5 both_empty || fail "SAs of a removed connection stayed: $(snapshot)"
pass "reload without the device's connection: its SAs deleted on both sides"
stop_pid "$GW_PID"
