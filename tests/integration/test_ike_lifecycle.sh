#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The life of a tunnel to strongSwan 5.9 (charon, the device behind the
# NAT) with xdpsecd as the concentrator, on one IKE SA, then the roles
# swapped for a last act:
#
#  1. Forced simultaneous rekey.  This kernel has no sch_netem for a path
#     delay, so the NAT holds IKE messages instead (UDP 4500 with the
#     non-ESP marker; ESP and keepalives pass), which makes the crossing
#     certain rather than likely: `xdpsecctl rekey --child net` and
#     `swanctl --rekey --child net` both send their request into the hold;
#     then only responses are held, so the first retransmissions (1 s) cross
#     and each side gets the other's request while its own is outstanding;
#     then only responses to the device are held, so that xdpsecd completes
#     both exchanges first; then nothing is held and charon's next
#     retransmission gets its answer.  Both logs show the collision; each
#     side ends with one IKE SA and one Child SA pair with matching SPIs; a
#     50 ms ping stream across it loses nothing.  Then the same for the IKE
#     SA (--ike).
#  2. NAT rebinding: the NAT masquerades to ports 40000-40100 and forgets
#     its mappings.  The device sends no IKE message (charon's dpd_delay is
#     30s), only ESP from the new port: xdpsecd's data plane notes it, its
#     next counter poll (1 s) sends a liveness check there, charon answers
#     and xdpsecd follows (address_changed event "ESP from new mapping", its
#     data plane's SA and list-sas on the new port) within ENDPOINT_FOLLOW_MS;
#     the ping stream resumes, its longest gap measured.
#  3. Dead peer: xdpsecd reloaded with dpd_delay = 2s, dpd_timeout = 3s,
#     dpd_action = clear; charon is killed (-9).  Within the budget
#     (dpd_delay + dpd_timeout + a poll and a tick) list-sas and the data
#     plane are empty and the dpd_timeout event fired.
#  4. NAT rebinding again, xdpsecd the device and charon the concentrator:
#     xdpsecd's DPD probe leaves by the new port, charon follows, the ping
#     stream resumes.
#
#   $XS-dev              $XS-nat                    $XS-gw               $XS-lan
# +-------------+   +------------------+      +----------------+    +-----------+
# | sensor0     |   | in0        out0  |      | up0      lan0  |    | eth0      |
# | 10.200.1.1  |   | 192.168.1.1      |      | 192.0.2.1      |    | 10.1.0.10 |
# | eth0        +---+       192.0.2.254+------+       10.1.0.1 +----+           |
# | 192.168.1.2 |   | masquerade, hold |      |                |    |           |
# +-------------+   +------------------+      +----------------+    +-----------+
#  device: charon (4: xdpsecd)             concentrator: xdpsecd (4: charon)
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"
. "$(dirname "$0")/strongswan.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd nft /usr/lib/ipsec/charon swanctl jq ping

PSK=xdpsec-lifecycle-test-psk-0123456789
INST=${XS}g
SS=ssd
DPD_DELAY=2
DPD_TIMEOUT=3

# $1: extra lines of the connection (DPD).
gw_conf()
{
	xs_section up0 lan0 "log = stderr" "log_format = json"
	cat <<EOF
connections {
	devices {
		local_addrs = 192.0.2.1
		proposals = aes128gcm16-prfsha256-x25519
		rekey_time = 0s
		$1
		local {
			auth = psk
			id = gw.life.test
		}
		remote {
			auth = psk
			id = *@life.test
		}
		children {
			net {
				local_ts = 10.1.0.0/24
				remote_ts = 10.200.0.0/16
				esp_proposals = aes128gcm16
				rekey_time = 0s
				life_time = 0s
				dpd_action = clear
			}
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

# $1: dpd_delay (2s).
dev_conf()
{
	cat <<EOF
connections {
	gw {
		local_addrs = 192.168.1.2
		remote_addrs = 192.0.2.1
		proposals = aes128gcm16-prfsha256-x25519
		rekey_time = 0s
		dpd_delay = ${1:-2s}
		local {
			auth = psk
			id = dev1@life.test
		}
		remote {
			auth = psk
			id = gw.life.test
		}
		children {
			net {
				local_ts = 10.200.1.0/24
				remote_ts = 10.1.0.0/24
				esp_proposals = aes128gcm16
				rekey_time = 0s
				life_time = 0s
			}
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

ctl() { "$BUILD/xdpsecctl" -i "$INST" "$@"; }
events() { grep '^{' "$XS_TMP/$INST.log"; }
n_events() { events | jq -s "map(select(.event == \"$1\")) | length"; }
has_event() { [ "$(n_events "$1")" -gt "${2:-0}" ]; }

# One IKE SA and one Child SA pair on each side, and their SPIs match.
one_pair()
{
	xs_one_pair "$INST" && ss_one_pair "$SS" &&
		spis_match "$(xs_spis "$INST")" "$(ss_spis "$SS")"
}

# ---- set-up ----
build_testbed
gw_conf "" >"$XS_TMP/gw.conf"
start_xdpsecd "$XS-gw" "$INST" "$XS_TMP/gw.conf"
XPID=$XS_LAST_PID
ss_start "$XS-dev" "$SS" "$(dev_conf 30s)"	# no DPD in part 2: only ESP shows the new port
ss_ctl "$SS" --initiate --child net --timeout 10 >"$XS_TMP/init.log" 2>&1 ||
	fail "no tunnel: $(tail -3 "$XS_TMP/init.log")"
wait_for -t 10 one_pair || fail "no SA pair after set-up: $(ctl list-sas)
$(ctl sa list)
$(ss_ctl "$SS" --list-sas)"
ping_through ||
	fail "no ping through the tunnel"

# ---- 1. forced simultaneous rekeys ----
# hold_ike all|responses|responses-to-dev|off: the NAT drops forwarded IKE
# messages (first 4 bytes of the UDP payload zero: the non-ESP marker; an
# ESP SPI is never 0), or only responses (the R flag, bit 0x20 of the IKE
# header's flags at offset 19 behind the marker), or only those from the
# concentrator's side (out0), or none.
hold_ike()
{
	local r="" dir="iifname { in0, out0 }"
	nsexec "$XS-nat" nft delete table inet hold 2>/dev/null
	[ "$1" = off ] && return
	[ "$1" != all ] && r="@th,250,1 1"
	[ "$1" = responses-to-dev ] && dir="iifname out0"
	nsexec "$XS-nat" nft -f - <<EOF || fail "nft: hold IKE $1"
table inet hold {
	chain ikehold {
		type filter hook forward priority 0;
		$dir udp sport 4500 @th,64,32 0 $r drop
	}
}
EOF
}

# collide KIND (child|ike): both ends rekey at once under a ping stream.
collide()
{
	local kind=$1 xs_arg ss_arg before_x before_s
	if [ "$kind" = child ]; then
		xs_arg="--child net" ss_arg="--child net"
	else
		xs_arg="--ike devices" ss_arg="--ike gw"
	fi
	before_x=$(grep -c "simultaneous rekeys" "$XS_TMP/$INST.log")
	before_s=$(grep -ci "collision" "$(ss_log "$SS")")
	ping_start 10 "$kind"
	sleep 2		# the stream runs: no DPD of charon's in the way
	hold_ike all
	# shellcheck disable=SC2086
	ctl rekey $xs_arg >"$XS_TMP/rekey-x-$kind.log" 2>&1 &
	local xp=$!
	# shellcheck disable=SC2086
	ss_ctl "$SS" --rekey $ss_arg >"$XS_TMP/rekey-s-$kind.log" 2>&1 &
	local sp=$!
	wait "$xp" || fail "xdpsecctl rekey $xs_arg: $(cat "$XS_TMP/rekey-x-$kind.log")"
	wait "$sp" || fail "swanctl --rekey $ss_arg: $(cat "$XS_TMP/rekey-s-$kind.log")"
	sleep 0.3
	hold_ike responses		# the retransmissions 1 s after the sends cross
	sleep 1.4
	hold_ike responses-to-dev	# xdpsecd's at 3 s gets its answer, charon's at 2.8 s not
	sleep 1.8
	hold_ike off			# charon's at 6 s gets its answer
	ping_wait "$kind"
	[ "$(grep -c "simultaneous rekeys" "$XS_TMP/$INST.log")" -gt "$before_x" ] ||
		fail "$kind: xdpsecd saw no rekey collision: $(grep -i rekey "$XS_TMP/$INST.log" |
			grep -v '^{' | tail -8)"
	[ "$(grep -ci "collision" "$(ss_log "$SS")")" -gt "$before_s" ] ||
		fail "$kind: charon logged no collision: $(grep -i rekey "$(ss_log "$SS")" | tail -8)"
	[ "$sent" -ge 100 ] || fail "$kind: only $sent pings sent"
	[ "$lost" = 0 ] || fail "$kind: $lost of $sent pings lost across the simultaneous rekey"
	wait_for -t 10 one_pair ||
		fail "$kind: not one matching SA pair: $(ctl list-sas)
$(ctl sa list)
$(ss_ctl "$SS" --list-sas)"
	pass "simultaneous $kind rekey (xdpsecctl rekey $xs_arg + swanctl --rekey): collision on" \
		"both sides, one IKE SA and one Child SA pair left (SPIs $(xs_spis "$INST")), $sent pings," \
		"none lost"
}

old_spis=$(xs_spis "$INST")
collide child
[ "$(xs_spis "$INST")" != "$old_spis" ] || fail "the Child SA pair was not replaced"
collide ike

# ---- 2. NAT rebinding ----
# Flushes the NAT's conntrack table (ctnetlink IPCTNL_MSG_CT_DELETE without
# attributes), without needing conntrack(8).
ct_flush()
{
	nsexec "$XS-nat" "$XS_PY" -c '
import socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.bind((0, 0))
body = struct.pack("BBH", socket.AF_INET, 0, 0)
hdr = struct.pack("=IHHII", 16 + len(body), (1 << 8) | 2, 0x1 | 0x4, 1, 0)
s.send(hdr + body)
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
raise SystemExit(0 if err == 0 else 1)'
}

# nat_rebind LO-HI: UDP leaves the NAT from ports LO-HI, old mappings forgotten.
nat_rebind()
{
	nsexec "$XS-nat" nft -f - <<EOF || fail "nft: new masquerade range"
flush chain ip nat postrouting
add rule ip nat postrouting oifname "out0" meta l4proto udp masquerade to :$1
add rule ip nat postrouting oifname "out0" masquerade
EOF
	ct_flush || fail "cannot flush the NAT's conntrack table"
}

# stream_resumed NAME: the stream's last 2 s (40 pings) were all answered.
stream_resumed()
{
	local tail_seq missing
	tail_seq=$(grep -o 'icmp_seq=[0-9]* ttl' "$XS_TMP/ping-$1.log" | tail -1 | tr -dc 0-9)
	missing=$(awk -v last="$sent" '/icmp_seq=[0-9]+ ttl/ { sub(/.*icmp_seq=/, "")
			got[$1 + 0] = 1 }
		END { n = 0; for (i = last - 39; i <= last; i++) if (!got[i]) n++; print n }' \
		"$XS_TMP/ping-$1.log")
	[ "${tail_seq:-0}" -ge $((sent - 2)) ] && [ "$missing" = 0 ] ||
		fail "$1: the ping stream did not resume after the rebinding ($lost of $sent" \
			"lost, $missing of the last 40 missing)"
}

ENDPOINT_FOLLOW_MS=2500
old_port=$(ctl sa list -j | jq -r '.sas[] | select(.dir == "out") | .dport')
changes0=$(n_events address_changed)
ping_start 10 rebind
sleep 1
nat_rebind 40000-40100
t0=$(_now_us)
new_port()
{
	local p
	p=$(ctl sa list -j | jq -r '.sas[] | select(.dir == "out") | .dport')
	[ "$p" -ge 40000 ] && [ "$p" -le 40100 ]
}
wait_for -t 10 new_port ||
	fail "xdpsecd did not follow the device to its new port (was $old_port): $(ctl sa list)"
t1=$(_now_us)
follow_ms=$(((t1 - t0) / 1000))
has_event address_changed "$changes0" || fail "no address_changed event"
ev=$(events | jq -c -s 'map(select(.event == "address_changed")) | last')
jq -e '(.remote | test(":40(0[0-9][0-9]|100)$")) and .reason == "ESP from new mapping"' \
	<<<"$ev" >/dev/null || fail "address_changed event: $ev"
rport=$(ctl list-sas -j | jq '[.. | objects | select(has("remote_port")) | .remote_port][0]')
[ "$rport" -ge 40000 ] && [ "$rport" -le 40100 ] ||
	fail "list-sas: the IKE SA's remote port is $rport, not the new one"
sa_in=$(ctl sa list -j | jq -c '[.sas[] | select(.dir == "in" and .sport >= 40000)][0]')
jq -e '.src_changes >= 1' <<<"$sa_in" >/dev/null ||
	fail "sa list: the moved inbound SA does not count the new source: $sa_in"
# a poll (1 s) and a round trip; more only on a loaded machine
[ "$follow_ms" -le "$ENDPOINT_FOLLOW_MS" ] ||
	fail "xdpsecd followed after $follow_ms ms, over $ENDPOINT_FOLLOW_MS ms"
ping_wait rebind
stream_resumed rebind
# longest_gap NAME: the longest run of unanswered pings between answered ones, in ms.
longest_gap()
{
	awk -v last="$sent" '/icmp_seq=[0-9]+ ttl/ { sub(/.*icmp_seq=/, ""); got[$1 + 0] = 1 }
		END { run = max = 0
			for (i = 1; i <= last; i++) if (got[i]) run = 0; else if (++run > max) max = run
			print (max + 1) * 50 }' "$XS_TMP/ping-$1.log"
}
gap=$(longest_gap rebind)
[ "$gap" -le "$ENDPOINT_FOLLOW_MS" ] ||
	fail "the ping stream stopped for $gap ms, over $ENDPOINT_FOLLOW_MS ms"
pass "NAT rebinding ($old_port -> $(ctl sa list -j | jq -r '.sas[] | select(.dir == "out") |
	.dport')), no IKE from the device: ESP from the new port, xdpsecd's check there answered," \
	"followed after $follow_ms ms (address_changed \"ESP from new mapping\", data plane on" \
	"the new port), pings resumed after a gap of $gap ms ($lost of $sent lost)"

# ---- 3. the peer disappears ----
gw_conf "dpd_delay = ${DPD_DELAY}s
		dpd_timeout = ${DPD_TIMEOUT}s" >"$XS_TMP/gw.conf"
ctl reload >"$XS_TMP/reload.log" 2>&1 || fail "reload: $(cat "$XS_TMP/reload.log")"
one_pair || fail "the reload cost the SA pair: $(ctl list-sas)"
dpd0=$(n_events dpd_timeout)
SSPID=$(cat "$(_ss_dir "$SS")/pid")
{ kill -KILL "$SSPID" && wait "$SSPID"; } 2>/dev/null
t0=$(_now_us)
# the probe after dpd_delay of silence, given up dpd_timeout after it was
# first sent; +1 s data-plane poll, +1 s for the ticks and this loop
budget=$((DPD_DELAY + DPD_TIMEOUT + 2))
gone()
{
	[ "$(ctl list-sas -j | jq '[.. | objects | select(has("state"))] | length')" = 0 ] &&
		[ "$(ctl sa list -j | jq '.sas | length')" = 0 ]
}
wait_for -t $((budget + 5)) gone ||
	fail "SAs still there $budget s after the peer died: $(ctl list-sas; ctl sa list)"
t1=$(_now_us)
ms=$(((t1 - t0) / 1000))
[ "$ms" -le $((budget * 1000)) ] ||
	fail "DPD cleared the SA after $ms ms, over the budget of $budget s"
has_event dpd_timeout "$dpd0" || fail "no dpd_timeout event"
ev=$(events | jq -c -s 'map(select(.event == "dpd_timeout")) | last')
jq -e '.reason == "clear" and .remote_id == "dev1@life.test"' <<<"$ev" >/dev/null ||
	fail "dpd_timeout event: $ev"
grep -q "DPD timeout" "$XS_TMP/$INST.log" || fail "no DPD timeout line in the log"
pass "dead peer: DPD (delay ${DPD_DELAY}s, timeout ${DPD_TIMEOUT}s) cleared the IKE SA and" \
	"the data plane after $ms ms (budget $budget s), dpd_timeout event"
stop_xdpsecd "$XPID"

# ---- 4. NAT rebinding with xdpsecd the device, charon the concentrator ----
# xdpsecd probes the idle tunnel (dpd_delay = 2s) once charon's answers stop
# reaching it; the probe leaves by the new port and charon follows it.
DINST=${XS}d
cat >"$XS_TMP/dev.conf" <<EOF
xdpsec {
	uplink = eth0
	lan = sensor0
}
$(dev_conf | sed 's/^\t\t\t\tlife_time = 0s$/&\n\t\t\t\tstart_action = start/')
EOF
cat >"$XS_TMP/ssg.conf" <<EOF
$(gw_conf "" | sed '/^xdpsec {$/,/^}$/d; /dpd_action = clear/d')
EOF
ss_start "$XS-gw" ssg "$(cat "$XS_TMP/ssg.conf")"
start_xdpsecd "$XS-dev" "$DINST" "$XS_TMP/dev.conf"
wait_for -t 10 xs_installed "$DINST" ||
	fail "xdpsecd as the device: no Child SA: $("$BUILD/xdpsecctl" -i "$DINST" list-sas)"
ping_through ||
	fail "xdpsecd as the device: no ping through the tunnel"
ss_port() { ss_ctl ssg --list-sas 2>/dev/null | sed -n "s/.*remote.*@ 192.0.2.254\[\([0-9]*\)\].*/\1/p"; }
old_port=$(ss_port)
ping_start 9 rebind-dev
sleep 1
nat_rebind 41000-41100
t0=$(_now_us)
moved() { p=$(ss_port); [ -n "$p" ] && [ "$p" -ge 41000 ] && [ "$p" -le 41100 ]; }
wait_for -t 8 moved || fail "charon did not follow xdpsecd to its new port: $(ss_ctl ssg --list-sas)"
t1=$(_now_us)
ping_wait rebind-dev
stream_resumed rebind-dev
pass "NAT rebinding with xdpsecd as the device ($old_port -> $(ss_port)): its DPD probe" \
	"from the new port moved charon after $(((t1 - t0) / 1000)) ms, pings resumed ($lost of" \
	"$sent lost during the switch)"
