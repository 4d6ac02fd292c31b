#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# xdpsecd and xdpsecctl as an operator meets them: the configuration file
# and what the command line overrides, bad and unknown keys, --check-config,
# one instance per name, one instance per uplink (and none on an uplink
# that has someone else's XDP program), NAT-T keepalives in the pinned map,
# xdpsecctl's error messages, the root-only control socket, and two AF_XDP
# workers on two-queue uplinks carrying parallel flows both ways.
#
#  $XS-ha           $XS-gwa                $XS-mid                 $XS-gwb            $XS-hb
# +--------+   +--------------+   +-----------------------+   +--------------+   +--------+
# | eth0   |   | lan0    up0  |   | a0              b0    |   | up0    lan0  |   | eth0   |
# |10.1.0.2+---+10.1.0.1  .1  +===+192.0.2.254  .100.254 +===+.100.2  .1    +---+10.2.0.2|
# |        |   | xdpsecd (A)  | 2q| router, keepalives    |2q | xdpsecd (B)  |   |        |
# +--------+   | 2 workers    |   +-----------------------+   | 2 workers    |   +--------+
#              +--------------+   192.0.2.0/24  198.51.100.0/24 +--------------+
#   (=== veth with 2 queues each way)
#
# A -> B: ESP in UDP 4500, AES-GCM-128, SPI 0x1001; B -> A: SPI 0x2002.
set -u
. "$(dirname "$0")/lib.sh"
require_cmd iperf3 openssl jq bpftool setpriv

ctl() { local inst=$1; shift; "$BUILD/xdpsecctl" -i "$inst" "$@"; }
stat_of() { ctl "$1" stats -j | jq -r "$2"; }
# xdpsecd in the foreground, for runs that must end by themselves.
xdpsecd_fg() { local ns=$1; shift; nsexec "$ns" timeout 20 "$BUILD/xdpsecd" "$@"; }
up0_prog() { ip -n "$1" -j -d link show dev "${2:-up0}" | jq -r '.[0].xdp.prog.id // "none"'; }

# Nothing of instance $2 left in namespace $1: tunnel veth, socket, pins.
assert_no_trace()
{
	local ns=$1 inst=$2 what=$3

	ip -n "$ns" link show | grep -q "xs-$inst" && fail "$what: tunnel veth xs-$inst left behind"
	[ -e "/run/xdpsec/$inst.sock" ] && fail "$what: control socket of $inst left behind"
	[ -e "$XS_BPFFS/$ns/xdpsec/$inst" ] && fail "$what: pins of $inst left behind"
	return 0
}

A=${XS}a
B=${XS}b
F=${XS}f	# the instance name in the configuration file
for n in ha gwa mid gwb hb; do ns_create "$XS-$n"; done
veth_link "$XS-ha" eth0 10.1.0.2/24 "$XS-gwa" lan0 10.1.0.1/24
veth_link "$XS-gwa" up0 192.0.2.1/24 "$XS-mid" a0 192.0.2.254/24 2
veth_link "$XS-mid" b0 198.51.100.254/24 "$XS-gwb" up0 198.51.100.2/24 2
veth_link "$XS-gwb" lan0 10.2.0.1/24 "$XS-hb" eth0 10.2.0.2/24
ip -n "$XS-ha" route add default via 10.1.0.1
ip -n "$XS-hb" route add default via 10.2.0.1
ip -n "$XS-gwa" route add default via 192.0.2.254
ip -n "$XS-gwb" route add default via 198.51.100.254
for n in gwa mid gwb; do
	nsexec "$XS-$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
done

# ---- configuration: --check-config, bad values, unknown keys ----

CONF=$XS_TMP/xdpsec.conf
cat >"$CONF" <<EOF
# xdpsec test configuration
xdpsec {
    uplink = up0
    lan = lan0
    instance = $F
    workers = 2
    colour = blue
}
EOF
LINE_WORKERS=$(grep -n "workers =" "$CONF" | cut -d: -f1)
LINE_COLOUR=$(grep -n "colour =" "$CONF" | cut -d: -f1)

xdpsecd_fg "$XS-gwa" -c "$CONF" --check-config >"$XS_TMP/check.out" 2>"$XS_TMP/check.err" ||
	fail "--check-config rejects a good file: $(cat "$XS_TMP/check.err")"
grep -q "configuration OK: instance $F, uplink up0, 2 worker(s)" "$XS_TMP/check.out" ||
	fail "--check-config output: $(cat "$XS_TMP/check.out")"
grep -q "$CONF:$LINE_COLOUR: unknown key 'colour'" "$XS_TMP/check.err" ||
	fail "unknown key not reported with file:line: $(cat "$XS_TMP/check.err")"
xdpsecd_fg "$XS-gwa" -c "$CONF" --instance "$A" --workers 3 --check-config >"$XS_TMP/check.out" \
	2>/dev/null || fail "--check-config with overrides failed"
grep -q "configuration OK: instance $A, uplink up0, 3 worker(s)" "$XS_TMP/check.out" ||
	fail "--check-config does not show the command line's overrides: $(cat "$XS_TMP/check.out")"
[ "$(up0_prog "$XS-gwa")" = none ] || fail "--check-config attached XDP to up0"
assert_no_trace "$XS-gwa" "$F" "--check-config"
assert_no_trace "$XS-gwa" "$A" "--check-config"
pass "--check-config: validates, reports overrides and unknown keys (file:line), touches nothing"

for bad in lots 0 65 -1 2x; do
	sed "${LINE_WORKERS}s/workers = .*/workers = $bad/" "$CONF" >"$XS_TMP/bad.conf"
	xdpsecd_fg "$XS-gwa" -c "$XS_TMP/bad.conf" --check-config >/dev/null 2>"$XS_TMP/bad.err" &&
		fail "--check-config accepts workers = $bad"
	grep -q "$XS_TMP/bad.conf:$LINE_WORKERS: 'workers'" "$XS_TMP/bad.err" ||
		fail "workers = $bad: message without file:line: $(cat "$XS_TMP/bad.err")"
	xdpsecd_fg "$XS-gwa" -c "$XS_TMP/bad.conf" >/dev/null 2>"$XS_TMP/bad.err"
	rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "xdpsecd with workers = $bad: exit $rc"
	grep -q "$XS_TMP/bad.conf:$LINE_WORKERS: 'workers' must be" "$XS_TMP/bad.err" ||
		fail "workers = $bad: message without file:line: $(cat "$XS_TMP/bad.err")"
done
[ "$(up0_prog "$XS-gwa")" = none ] || fail "a rejected configuration attached XDP"
assert_no_trace "$XS-gwa" "$F" "bad configuration"
pass "bad workers values: xdpsecd exits non-zero naming $XS_TMP/bad.conf:$LINE_WORKERS"

# ---- start from the file; the command line wins ----

# The file's instance also lets the group nogroup use its control socket.
CONF_F=$XS_TMP/xdpsec-f.conf
sed 's/^    workers = 2$/    workers = 2\n    control_group = nogroup/' "$CONF" >"$CONF_F"
nsexec_bg "$XS-gwa" "$XS_TMP/f.log" "$BUILD/xdpsecd" -c "$CONF_F"
PID_F=$XS_LAST_PID
wait_for ctl "$F" status || fail "xdpsecd -c $CONF_F did not start (instance $F from the file)"
setpriv --reuid=65534 --regid="$(getent group nogroup | cut -d: -f3)" --clear-groups \
	"$BUILD/xdpsecctl" -i "$F" status >/dev/null 2>"$XS_TMP/grp.err" ||
	fail "control_group = nogroup: a member was refused: $(cat "$XS_TMP/grp.err")"
setpriv --reuid=65534 --regid=65533 --clear-groups "$BUILD/xdpsecctl" -i "$F" status \
	>/dev/null 2>&1 && fail "control_group = nogroup: a non-member got in"
pass "control_group: members may use the control socket, others may not"
ctl "$F" status >"$XS_TMP/status" || fail "status"
grep -q "instance $F, uplink up0, tunnel xs-$F, 2 worker(s)" "$XS_TMP/status" ||
	fail "status of the file's instance: $(cat "$XS_TMP/status")"
grep -q "$CONF_F:$(grep -n "colour =" "$CONF_F" | cut -d: -f1): unknown key 'colour'" "$XS_TMP/f.log" ||
	fail "unknown key: no warning with file:line in the log"
kill -TERM "$PID_F"
wait "$PID_F"
rc=$?
[ "$rc" = 0 ] || fail "xdpsecd exited $rc on SIGTERM"
assert_no_trace "$XS-gwa" "$F" "SIGTERM"
pass "xdpsecd -c FILE: uplink, instance and workers from the file; an unknown key only warns"

nsexec_bg "$XS-gwa" "$XS_TMP/a.log" "$BUILD/xdpsecd" -c "$CONF" --instance "$A"
nsexec_bg "$XS-gwb" "$XS_TMP/b.log" "$BUILD/xdpsecd" --uplink up0 --lan lan0 --instance "$B" \
	--workers 2
wait_for ctl "$A" status || fail "xdpsecd -c FILE --instance $A did not start"
wait_for ctl "$B" status || fail "xdpsecd B did not start"
ctl "$A" status | grep -q "instance $A, uplink up0, tunnel xs-$A, 2 worker(s)" ||
	fail "status of A: $(ctl "$A" status)"
ctl "$F" status >/dev/null 2>&1 && fail "the file's instance name answers although overridden"
nsexec "$XS-gwa" test -d "/sys/fs/bpf/xdpsec/$A" || fail "no pins under /sys/fs/bpf/xdpsec/$A"
ip -n "$XS-gwa" link show "xs-$A" >/dev/null 2>&1 || fail "no tunnel veth xs-$A"
pass "--instance on the command line overrides the file (socket, pins, tunnel follow it)"

K_AB=$(openssl rand -hex 20)
K_BA=$(openssl rand -hex 20)
AB=(--spi 0x1001 --src 192.0.2.1:4500 --dst 198.51.100.2:4500 --aead aes-gcm-128 --key "$K_AB")
BA=(--spi 0x2002 --src 198.51.100.2:4500 --dst 192.0.2.1:4500 --aead aes-gcm-128 --key "$K_BA")
ctl "$A" sa add --dir out "${AB[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
	--device site-b >/dev/null || fail "sa add A out"
ctl "$A" sa add --dir in "${BA[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
	--device site-b >/dev/null || fail "sa add A in"
ctl "$B" sa add --dir in "${AB[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
	--device site-a >/dev/null || fail "sa add B in"
ctl "$B" sa add --dir out "${BA[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
	--device site-a >/dev/null || fail "sa add B out"
tunnel_works()
{
	nsexec "$XS-ha" ping -c 2 -i 0.2 -W 2 10.2.0.2 >/dev/null &&
		nsexec "$XS-hb" ping -c 2 -i 0.2 -W 2 10.1.0.2 >/dev/null
}
tunnel_works || fail "ping through the tunnel"
pass "tunnel up between A (from the file) and B"

# ---- one daemon per instance name, one per uplink ----

PROG_A=$(up0_prog "$XS-gwa")
xdpsecd_fg "$XS-gwa" -c "$CONF" --instance "$A" >/dev/null 2>"$XS_TMP/dup.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "a second xdpsecd named $A: exit $rc"
grep -q "already running" "$XS_TMP/dup.err" || fail "second $A: $(cat "$XS_TMP/dup.err")"
# From another namespace too: the socket under /run is what names an instance.
xdpsecd_fg "$XS-hb" --uplink eth0 --instance "$A" >/dev/null 2>"$XS_TMP/dup.err" &&
	fail "xdpsecd named $A started in another namespace"
grep -q "already running" "$XS_TMP/dup.err" || fail "second $A elsewhere: $(cat "$XS_TMP/dup.err")"
[ "$(up0_prog "$XS-gwa")" = "$PROG_A" ] || fail "the refused daemon changed up0's XDP program"
ctl "$A" status >/dev/null && tunnel_works || fail "A broken by the refused duplicate"
pass "a second xdpsecd with the same instance name refuses to start ('already running')"

X=${XS}x
xdpsecd_fg "$XS-gwa" --uplink up0 --instance "$X" >/dev/null 2>"$XS_TMP/uplink.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "a second instance on up0: exit $rc"
grep -q "up0" "$XS_TMP/uplink.err" || fail "second instance on up0: $(cat "$XS_TMP/uplink.err")"
[ "$(up0_prog "$XS-gwa")" = "$PROG_A" ] || fail "the refused instance changed up0's XDP program"
assert_no_trace "$XS-gwa" "$X" "refused second instance"
ctl "$A" status >/dev/null && tunnel_works || fail "A broken by the refused second instance"
pass "a second instance on A's uplink is refused ($(head -1 "$XS_TMP/uplink.err" | cut -c1-90)...); A still works"

# Someone else's XDP program: a two-instruction XDP_PASS built here.
if command -v clang >/dev/null 2>&1; then
	printf '%s\n' 'struct xdp_md;' \
		'__attribute__((section("xdp"), used)) int foreign(struct xdp_md *c) { return 2; }' \
		'char LICENSE[] __attribute__((section("license"), used)) = "GPL";' \
		>"$XS_TMP/foreign.c"
	clang -O2 -target bpf -c "$XS_TMP/foreign.c" -o "$XS_TMP/foreign.o" ||
		fail "cannot build the foreign XDP program"
	ip -n "$XS-gwa" link add sp0 type veth peer name sp1 || fail "veth sp0"
	ip -n "$XS-gwa" link set sp0 up && ip -n "$XS-gwa" link set sp1 up
	nsexec "$XS-gwa" ip link set dev sp0 xdpdrv obj "$XS_TMP/foreign.o" sec xdp ||
		fail "cannot attach the foreign XDP program to sp0"
	prog=$(up0_prog "$XS-gwa" sp0)
	xdpsecd_fg "$XS-gwa" --uplink sp0 --instance "$X" >/dev/null 2>"$XS_TMP/foreign.err"
	rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "xdpsecd on an uplink with a foreign XDP program: exit $rc"
	grep -q "already has an XDP program" "$XS_TMP/foreign.err" ||
		fail "foreign XDP program: $(cat "$XS_TMP/foreign.err")"
	[ "$(up0_prog "$XS-gwa" sp0)" = "$prog" ] || fail "the foreign XDP program was replaced"
	assert_no_trace "$XS-gwa" "$X" "refused foreign uplink"
	pass "an uplink with someone else's XDP program is refused and left as it was"
else
	echo "SKIP: clang missing: foreign XDP program not tested"
fi

# ---- NAT-T keepalives (RFC 3948 2.3): counted per peer, in the pinned map ----

keepalives()
{
	local sport=$1 n=$2

	nsexec "$XS-mid" "$XS_PY" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.0.2.254', $sport))
for _ in range($n):
    s.sendto(b'\xff', ('192.0.2.1', 4500))
" || fail "sending keepalives"
}
ka_before=$(stat_of "$A" '.reasons.natt_keepalive.packets')
keepalives 4500 3
keepalives 31337 2
wait_for -t 5 sh -c "[ \$($BUILD/xdpsecctl -i $A stats -j | jq .reasons.natt_keepalive.packets) -ge $((ka_before + 5)) ]" ||
	fail "natt_keepalive did not count 5 keepalives: $(stat_of "$A" .reasons.natt_keepalive)"
nsexec "$XS-gwa" bpftool map dump pinned "/sys/fs/bpf/xdpsec/$A/xs_keepalive" -j \
	>"$XS_TMP/ka.json" || fail "bpftool map dump xs_keepalive"
ka_of()
{
	jq -r --argjson port "$1" '[.[].formatted | select(.key.family == 4 and
		.key.addr[0:4] == [192, 0, 2, 254] and .key.port == $port) | .value.keepalives] |
		add // 0' "$XS_TMP/ka.json"
}
# The port is in network order in the key: 4500 reads as 0x9411 on x86.
[ "$(ka_of 37905)" = 3 ] && [ "$(ka_of 27002)" = 2 ] ||
	fail "xs_keepalive: want 3 from 192.0.2.254:4500 and 2 from :31337: $(cat "$XS_TMP/ka.json")"
jq -e 'all(.[]; .formatted.value | has("keepalives") and has("last_ns"))' "$XS_TMP/ka.json" \
	>/dev/null || fail "bpftool does not print the BTF field names: $(cat "$XS_TMP/ka.json")"
pass "NAT-T keepalives: natt_keepalive +5, xs_keepalive has {keepalives: 3} and {keepalives: 2} per peer port"

# ---- xdpsecctl errors: one line on stderr, nothing on stdout, exit != 0 ----

ctl_error()
{
	local want=$1

	shift
	"$BUILD/xdpsecctl" "$@" >"$XS_TMP/ctl.out" 2>"$XS_TMP/ctl.err" &&
		fail "xdpsecctl $* succeeded"
	[ ! -s "$XS_TMP/ctl.out" ] || fail "xdpsecctl $*: stdout: $(cat "$XS_TMP/ctl.out")"
	[ "$(wc -l <"$XS_TMP/ctl.err")" = 1 ] || fail "xdpsecctl $*: stderr: $(cat "$XS_TMP/ctl.err")"
	grep -q -- "$want" "$XS_TMP/ctl.err" || fail "xdpsecctl $*: $(cat "$XS_TMP/ctl.err")"
}
SA_REST=(--dir out --src 192.0.2.1:4500 --dst 198.51.100.2:4500 --local-ts 10.1.0.0/24
	--remote-ts 10.9.0.0/24)
ctl_error "unknown command 'frobnicate'" -i "$A" frobnicate
ctl_error "unknown command 'sa frob'" -i "$A" sa frob
ctl_error "invalid SPI 'zz'" -i "$A" sa add --spi zz "${SA_REST[@]}" --aead aes-gcm-128 --key "$K_AB"
ctl_error "reserved" -i "$A" sa add --spi 0x12 "${SA_REST[@]}" --aead aes-gcm-128 --key "$K_AB"
ctl_error "must be 20 bytes" -i "$A" sa add --spi 0x7001 "${SA_REST[@]}" --aead aes-gcm-128 \
	--key 00112233445566778899aabbccddeeff
grep -q "00112233" "$XS_TMP/ctl.err" && fail "the key length error quotes the key"
ctl_error "must be 36 bytes" -i "$A" sa add --spi 0x7001 "${SA_REST[@]}" --aead aes-gcm-256 \
	--key "$K_AB"
ctl_error "cannot reach xdpsecd at /run/xdpsec/${XS}none.sock.*is it running" -i "${XS}none" status
[ "$(ctl "$A" sa list -j | jq '.sas | length')" = 2 ] || fail "a failed sa add left an SA behind"
pass "xdpsecctl: unknown command, bad SPI, wrong key length, no daemon: one line on stderr, exit != 0"

# ---- the control socket is root's ----

[ "$(stat -c %a "/run/xdpsec/$A.sock")" = 600 ] ||
	fail "control socket mode $(stat -c %a "/run/xdpsec/$A.sock")"
setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/xdpsecctl" -i "$A" sa list \
	>"$XS_TMP/np.out" 2>"$XS_TMP/np.err" && fail "an unprivileged user can use the control socket"
[ ! -s "$XS_TMP/np.out" ] || fail "unprivileged sa list printed: $(cat "$XS_TMP/np.out")"
grep -q -i -E "permission denied|cannot reach" "$XS_TMP/np.err" ||
	fail "unprivileged user: $(cat "$XS_TMP/np.err")"
ctl "$A" status >/dev/null || fail "A stopped answering root"
pass "non-root user: '$(head -1 "$XS_TMP/np.err")'"

# ---- two workers on two queues, parallel flows both ways ----

ctl "$B" status | grep -q "2 worker(s)" || fail "B does not run 2 workers"
nsexec_bg "$XS-hb" "$XS_TMP/iperf-s.log" iperf3 -s -p 5201
wait_for nsexec "$XS-ha" bash -c 'echo > /dev/tcp/10.2.0.2/5201' || fail "iperf3 server"
nsexec "$XS-ha" iperf3 -c 10.2.0.2 -p 5201 -t 2 -P 16 -J >"$XS_TMP/iperf-fwd.json" ||
	fail "iperf3 -P 16 A->B: $(jq -r .error "$XS_TMP/iperf-fwd.json" 2>/dev/null)"
nsexec "$XS-ha" iperf3 -c 10.2.0.2 -p 5201 -t 2 -P 16 -R -J >"$XS_TMP/iperf-rev.json" ||
	fail "iperf3 -P 16 B->A: $(jq -r .error "$XS_TMP/iperf-rev.json" 2>/dev/null)"
fwd=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$XS_TMP/iperf-fwd.json")
rev=$(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$XS_TMP/iperf-rev.json")
[ "$fwd" -gt 0 ] && [ "$rev" -gt 0 ] || fail "iperf3 moved nothing ($fwd / $rev Mbit/s)"
for g in "$A" "$B"; do
	for r in esp_in decrypted encrypted; do
		v=$(stat_of "$g" ".reasons.$r.packets")
		[ "$v" -gt 10000 ] || fail "instance $g: $r is $v after iperf3"
	done
done
pass "iperf3 -P 16 through 2 workers: $fwd Mbit/s A->B, $rev Mbit/s B->A; stats -j counted it"

# Which worker did what: xs_wreasons is worker * reasons + reason, the
# reasons in the order stats -j lists them.
per_worker()
{
	local ns=$1 inst=$2 name=$3 nr idx

	nr=$(stat_of "$inst" '.reasons | length')
	idx=$(stat_of "$inst" ".reasons | keys_unsorted | index(\"$name\")")
	nsexec "$ns" bpftool map dump pinned "/sys/fs/bpf/xdpsec/$inst/xs_wreasons" -j |
		jq -r --argjson nr "$nr" --argjson idx "$idx" '
			map(.formatted) | map(select(.key == $idx or .key == $nr + $idx)) |
			sort_by(.key) | map(.value.packets | tostring) | join(" ")'
}
read -r a0 a1 <<<"$(per_worker "$XS-gwa" "$A" encrypted)"
read -r b0 b1 <<<"$(per_worker "$XS-gwb" "$B" encrypted)"
echo "encrypted per worker: A $a0/$a1, B $b0/$b1"
# One SA, one worker: xs_tun_egress steers each outbound SA to the queue
# slot % workers, so its sequence numbers leave in order on one queue (and,
# on veth, arrive on one queue and one worker at the peer).  A's outbound SA
# and B's were added in different orders, so they sit on different workers.
one_worker() { { [ "$1" -gt 0 ] && [ "$2" = 0 ]; } || { [ "$1" = 0 ] && [ "$2" -gt 0 ]; }; }
one_worker "$a0" "$a1" && one_worker "$b0" "$b1" ||
	fail "an outbound SA was split across workers (A $a0/$a1, B $b0/$b1)"
[ "$a0" -gt 0 ] && [ "$b1" -gt 0 ] ||
	fail "the SAs did not spread over both workers (A $a0/$a1, B $b0/$b1)"
pass "each outbound SA stays on its worker, both workers used (A $a0/$a1, B $b0/$b1)"

# With an SA split over two workers, the peer's two workers would decrypt
# it out of step and drop clean packets as replays: nothing here replays.
for g in "$A" "$B"; do
	v=$(stat_of "$g" '.reasons.esp_replay.packets')
	[ "$v" = 0 ] || fail "instance $g dropped $v clean packets as esp_replay with 2 workers"
done
pass "no spurious replay drops with 2 workers"
