#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# xdpsec sharing its uplink with another XDP program through libxdp.
# The other program ("foreign", built here) counts every packet it sees and
# passes it; xdp-loader (xdp-tools) attaches it to the concentrator's up0
# before xdpsecd starts.
#
# Where the kernel runs libxdp's dispatcher (freplace extensions):
#   both programs in the dispatcher, the tunnel works, the foreign program
#   still counts what xdpsec passes to the kernel; xdpsecd stops: the
#   foreign program is still attached (and counting), xs_uplink is gone.
# Where it does not (libxdp then attaches one program alone):
#   xdpsecd refuses an uplink that has the foreign program, saying it was not
#   attached through libxdp, and leaves it untouched; alone, xdpsecd says
#   that nothing can share the uplink, works, and leaves up0 empty.
#
#   $XS-dev                          $XS-gw                    $XS-lan
# +----------------+        +---------------------------+   +------------+
# | sensor0        |        | up0: dispatcher            |   | eth0       |
# | 10.200.1.1/24  |        |   [foreign] [xs_uplink]    +---+ 10.1.0.10  |
# | eth0           +--------+ 192.0.2.1    lan0 10.1.0.1 |   |            |
# | 192.0.2.2/24   |        | xdpsecd (concentrator)     |   +------------+
# | xdpsecd (dev)  |        +---------------------------+
# +----------------+
set -u
. "$(dirname "$0")/lib.sh"
require_cmd xdp-loader clang bpftool jq

PSK=xdpsec-coexist-test-psk-0123456789abcdef
GW=${XS}g
DEV=${XS}d

ctl() { "$BUILD/xdpsecctl" -i "$@"; }

cat >"$XS_TMP/foreign.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} foreign_seen SEC(".maps");

SEC("xdp")
int foreign_count(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&foreign_seen, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
EOF
clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c "$XS_TMP/foreign.c" -o "$XS_TMP/foreign.o" ||
	fail "cannot build the foreign XDP program"

for n in dev gw lan; do ns_create "$XS-$n"; done
veth_link "$XS-dev" eth0 192.0.2.2/24 "$XS-gw" up0 192.0.2.1/24
veth_link "$XS-gw" lan0 10.1.0.1/24 "$XS-lan" eth0 10.1.0.10/24
ip -n "$XS-dev" link add sensor0 type veth peer name sensors
ip -n "$XS-dev" addr add 10.200.1.1/24 dev sensor0
ip -n "$XS-dev" link set sensor0 up
ip -n "$XS-dev" link set sensors up
ip -n "$XS-lan" route add default via 10.1.0.1
nsexec "$XS-gw" sysctl -qw net.ipv4.ip_forward=1

conf()	# conf OUR_ADDR PEER_ADDR|"" ID PEER_ID LOCAL_TS REMOTE_TS UPLINK LAN
{
	cat <<EOF
xdpsec { uplink = $7
	 lan = $8 }
connections {
	c {
		local_addrs = $1
		${2:+remote_addrs = $2}
		proposals = aes128gcm16-prfsha256-x25519
		local { auth = psk
			id = $3 }
		remote { auth = psk
			 id = $4 }
		children { net { local_ts = $5
				 remote_ts = $6
				 esp_proposals = aes128gcm16
				 ${2:+start_action = start} } }
	}
}
secrets { ike { secret = "$PSK" } }
EOF
}
conf 192.0.2.1 "" gw.coexist.test '*@coexist.test' 10.1.0.0/24 10.200.0.0/16 up0 lan0 \
	>"$XS_TMP/gw.conf"
conf 192.0.2.2 192.0.2.1 dev1@coexist.test gw.coexist.test 10.200.1.0/24 10.1.0.0/24 \
	eth0 sensor0 >"$XS_TMP/dev.conf"
chmod 600 "$XS_TMP/gw.conf" "$XS_TMP/dev.conf"

# Program names on up0 as `xdp-loader status` lists them.
progs_on_up0() { nsexec "$XS-gw" xdp-loader status up0 2>/dev/null | awk '$1 == "up0" || $1 == "=>" { print $2 }' ; }
foreign_count()
{
	local id mid
	id=$(nsexec "$XS-gw" bpftool prog show -j | jq -r '.[] | select(.name == "foreign_count") | .id' | tail -1)
	[ -n "$id" ] || { echo -1; return; }
	mid=$(nsexec "$XS-gw" bpftool prog show id "$id" -j | jq -r '.map_ids[0]')
	nsexec "$XS-gw" bpftool map lookup id "$mid" key 0 0 0 0 -j | jq -r '.formatted.value // .value'
}
plain_ping() { nsexec "$XS-dev" ping -c 3 -i 0.2 -W 1 192.0.2.1 >/dev/null; }
tunnel_ping() { nsexec "$XS-dev" ping -c 2 -i 0.2 -W 2 -I 10.200.1.1 10.1.0.10 >/dev/null; }
established() { ctl "$DEV" list-sas | grep -q INSTALLED && ctl "$GW" list-sas | grep -q ESTABLISHED; }

nsexec "$XS-gw" xdp-loader load -m native up0 "$XS_TMP/foreign.o" >"$XS_TMP/load.log" 2>&1 ||
	fail "xdp-loader load: $(cat "$XS_TMP/load.log")"
progs_on_up0 | grep -q foreign_count || fail "foreign program not on up0: $(progs_on_up0)"
plain_ping || fail "plain ping to the gateway"
[ "$(foreign_count)" -gt 0 ] || fail "the foreign program counts nothing"

nsexec_bg "$XS-dev" "$XS_TMP/dev.log" "$BUILD/xdpsecd" -c "$XS_TMP/dev.conf" --instance "$DEV"
wait_for ctl "$DEV" status || fail "device xdpsecd did not start"

if progs_on_up0 | grep -q xdp_dispatcher; then
	nsexec_bg "$XS-gw" "$XS_TMP/gw.log" "$BUILD/xdpsecd" -c "$XS_TMP/gw.conf" --instance "$GW"
	GW_PID=$XS_LAST_PID
	wait_for ctl "$GW" status || fail "xdpsecd did not join the dispatcher"
	grep -q "attached through libxdp's dispatcher" "$XS_TMP/gw.log" ||
		fail "xdpsecd does not say it shares up0"
	progs_on_up0 | grep -q xs_uplink && progs_on_up0 | grep -q foreign_count ||
		fail "want both programs on up0: $(progs_on_up0 | tr '\n' ' ')"
	wait_for -t 10 established || fail "no tunnel with the foreign program on up0"
	tunnel_ping || fail "no traffic through the tunnel"
	before=$(foreign_count)
	plain_ping || fail "plain ping with both programs"
	[ "$(foreign_count)" -gt "$before" ] || fail "the foreign program stopped counting"
	pass "xs_uplink and foreign_count share up0 in libxdp's dispatcher: tunnel up," \
		"the foreign program still sees the plain traffic"
	stop_pid "$GW_PID"
	progs_on_up0 | grep -q xs_uplink && fail "xs_uplink left on up0 after xdpsecd stopped"
	progs_on_up0 | grep -q foreign_count || fail "stopping xdpsecd removed the foreign program"
	before=$(foreign_count)
	plain_ping || fail "plain ping after xdpsecd stopped"
	[ "$(foreign_count)" -gt "$before" ] || fail "the foreign program stopped counting"
	pass "xdpsecd stopped: xs_uplink gone, the foreign program attached and counting"
	exit 0
fi

# ---- no dispatcher on this kernel: refuse, untouched; alone, clean ----
why=$(grep -m1 -iE "compatibility check|falling back" "$XS_TMP/load.log" || true)
prog=$(progs_on_up0 | tr '\n' ' ')
nsexec "$XS-gw" timeout 20 "$BUILD/xdpsecd" -c "$XS_TMP/gw.conf" --instance "$GW" \
	>"$XS_TMP/refused.log" 2>&1 && fail "xdpsecd started on an uplink it cannot share"
grep -q "already has an XDP program attached (foreign_count, id [0-9]*); it was not attached through libxdp" \
	"$XS_TMP/refused.log" || fail "refusal: $(cat "$XS_TMP/refused.log")"
[ "$(progs_on_up0 | tr '\n' ' ')" = "$prog" ] || fail "the refused xdpsecd changed up0"
before=$(foreign_count)
plain_ping && [ "$(foreign_count)" -gt "$before" ] || fail "the foreign program broken by the refusal"
pass "no dispatcher on this kernel (xdp-loader: ${why:-legacy attach}): xdpsecd refuses" \
	"up0 with the foreign program, names it, leaves it attached and counting"

nsexec "$XS-gw" xdp-loader unload up0 --all >/dev/null 2>&1 || fail "xdp-loader unload"
nsexec_bg "$XS-gw" "$XS_TMP/gw.log" "$BUILD/xdpsecd" -c "$XS_TMP/gw.conf" --instance "$GW"
GW_PID=$XS_LAST_PID
wait_for ctl "$GW" status || fail "xdpsecd alone did not start"
grep -q "libxdp has no dispatcher on this kernel: xs_uplink attached alone" "$XS_TMP/gw.log" ||
	grep -q "libxdp cannot attach xs_uplink" "$XS_TMP/gw.log" ||
	fail "xdpsecd does not say how it attached"
wait_for -t 10 established && tunnel_ping || fail "tunnel with xs_uplink alone"
stop_pid "$GW_PID"
[ -z "$(progs_on_up0 | grep -v '<No')" ] || fail "up0 not left empty: $(progs_on_up0)"
pass "alone: xdpsecd logs that nothing can share up0, the tunnel works, up0 is left empty"
echo "SKIP: sharing up0 through libxdp's dispatcher: this kernel refuses it"
