#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A thousand IKE SAs configured alike rekey spread over the jitter window,
# as a live xdpsecd's event log shows.  charon (5.9) initiates N childless
# IKE SAs (build/tools/ike_load over vici, from 8 source addresses) to
# xdpsecd, whose connection has rekey_time = 20s, rand_time = 10s; charon
# never rekeys (rekey_time = 0s), so xdpsecd initiates every rekey.  From
# xdpsecd's JSON event lines (log = stderr, log_format = json) each SA's
# delay from its `established` to its `rekeyed` (old_ike) is taken, and:
#   - ~all N were rekeyed (>= 99 %),
#   - none before rekey_time - rand_time,
#   - none later than rekey_time plus the time the exchange takes,
#   - the delays span >= 70 % of rand_time, and no one-second bucket of the
#     window holds more than 3 times the mean.
#
#  $XS-ini                                   $XS-gw
# +----------------------------------+     +---------------------------+
# | charon, ike_load                 |     | xdpsecd (XDP)             |
# | up0 192.0.2.11 .. 192.0.2.18     +-----+ up0 192.0.2.1   lan0 stub |
# +----------------------------------+     +---------------------------+
#
# Knobs: JITTER_SAS (1000).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nat_testbed.sh"	# start_xdpsecd
. "$(dirname "$0")/strongswan.sh"
. "$(dirname "$0")/ike_helpers.sh"
require_cmd /usr/lib/ipsec/charon swanctl jq

N=${JITTER_SAS:-1000}
REKEY=20
RAND=10
SRCS=8
PARALLEL=16
PSK=xdpsec-jitter-test-psk-0123456789
INST=${XS}g
SSDIR=$XS_TMP/ss-ini
LOAD=$BUILD/tools/ike_load

if [ ! -x "$LOAD" ]; then
	make -C "$XS_ROOT" BUILD="$BUILD" "$LOAD" >"$XS_TMP/make.log" 2>&1 ||
		fail "cannot build $LOAD: $(tail -5 "$XS_TMP/make.log")"
fi

ns_create "$XS-ini"
ns_create "$XS-gw"
veth_link "$XS-ini" up0 - "$XS-gw" up0 192.0.2.1/24
for ((i = 1; i <= SRCS; i++)); do
	ip -n "$XS-ini" addr add "192.0.2.$((10 + i))/24" dev up0 || fail "address $i"
done
ip -n "$XS-gw" link add lan0 type veth peer name lan0p
ip -n "$XS-gw" addr add 10.1.0.1/24 dev lan0
ip -n "$XS-gw" link set lan0 up
ip -n "$XS-gw" link set lan0p up

# xdpsecd's connection for the whole fleet: one identity, rekeys spread.
gw_conf()
{
	xs_section up0 lan0 "log = stderr" "log_format = json"
	cat <<EOF
connections {
	fleet {
		local_addrs = 192.0.2.1
		proposals = aes128gcm16-prfsha256-x25519
		unique = never
		rekey_time = ${REKEY}s
		rand_time = ${RAND}s
		over_time = 30s
		local {
			auth = psk
			id = gw.jitter.test
		}
		remote {
			auth = psk
			id = load@jitter.test
		}
	}
}
EOF
	ike_psk_secret
}

gw_conf >"$XS_TMP/gw.conf"
start_xdpsecd "$XS-gw" "$INST" "$XS_TMP/gw.conf"
XPID=$XS_LAST_PID

# charon the initiator: threads for the blocking vici initiates, no rekeys,
# quiet logs (ss_start's level-2 logs would cost more than the test).
ini_swanctl_conf()
{
	echo "connections {"
	for ((i = 1; i <= SRCS; i++)); do
		cat <<EOF
	rate$i {
		local_addrs = 192.0.2.$((10 + i))
		remote_addrs = 192.0.2.1
		proposals = aes128gcm16-prfsha256-x25519
		unique = never
		rekey_time = 0s
		reauth_time = 0s
		local {
			auth = psk
			id = load@jitter.test
		}
		remote {
			auth = psk
			id = gw.jitter.test
		}
	}
EOF
	done
	printf '}\nsecrets {\n\tike-load {\n\t\tsecret = "%s"\n\t}\n}\n' "$PSK"
}
SS_CHARON_EXTRA="threads = $((2 * PARALLEL + 16))
	ikesa_table_size = 4096
	ikesa_table_segments = 16
	reuse_ikesa = no" SS_RETRANSMIT_TIMEOUT=2.0 SS_RETRANSMIT_TRIES=5 SS_LOG_LEVELS="default = 0
			ike = 1" ss_start "$XS-ini" ini "$(ini_swanctl_conf)"

conns=""
for ((i = 1; i <= SRCS; i++)); do conns+=${conns:+,}rate$i; done
t_start=$(_now_us)
nsexec "$XS-ini" "$LOAD" --socket "$SSDIR/charon.vici" --conns "$conns" --count "$N" \
	--parallel "$PARALLEL" --timeout-ms 30000 >"$XS_TMP/load.json" 2>"$XS_TMP/load.err" ||
	fail "ike_load: $(cat "$XS_TMP/load.json" "$XS_TMP/load.err")"
t_up=$(_now_us)
up=$(jq -r .established "$XS_TMP/load.json")
[ "$up" -ge $((N * 99 / 100)) ] || fail "only $up of $N IKE SAs established: $(cat "$XS_TMP/load.json")"

events() { grep '^{' "$XS_TMP/$INST.log"; }
# Per SA: seconds from its established event to the rekeyed event naming it
# as old_ike (only SAs ike_load made; their successors are not counted).
delays()
{
	events | jq -r -s '
		def secs: sub("Z$"; "") | split(".") as $p
			| ($p[0] + "Z" | fromdateiso8601) + ($p[1] | tonumber) / 1000;
		(map(select(.event == "established")) | map({key: (.ike | tostring),
			value: (.time | secs)}) | from_entries) as $est
		| map(select(.event == "rekeyed" and .reason == "initiated here"
			and $est[(.old_ike | tostring)] != null))
		| .[] | (.time | secs) - $est[(.old_ike | tostring)]'
}
n_rekeyed() { [ "$(delays | wc -l)" -ge "$1" ]; }
# the last SA came up at t_up; its rekey is due by t_up + REKEY
wait_for -t $((REKEY + 10)) n_rekeyed "$up" ||
	[ "$(delays | wc -l)" -ge $((up * 99 / 100)) ] ||
	fail "only $(delays | wc -l) of $up IKE SAs rekeyed"
t_end=$(_now_us)
delays >"$XS_TMP/delays"
verdict=$(awk -v rekey="$REKEY" -v win="$RAND" -v up="$up" '
	{ d[NR] = $1; if (NR == 1 || $1 < lo) lo = $1; if (NR == 1 || $1 > hi) hi = $1
	  b = int($1 - (rekey - win)); if (b >= 0 && b < win) bucket[b]++ }
	END {
		n = NR; mean = n / win; max = 0
		for (i = 0; i < win; i++) if (bucket[i] > max) max = bucket[i]
		printf "n=%d lo=%.2f hi=%.2f span=%.2f max_bucket=%d mean=%.1f\n", n, lo, hi,
			hi - lo, max, mean
		if (n < up * 0.99) { print "too few rekeyed"; exit 1 }
		if (lo < rekey - win - 0.05) { print "a rekey before rekey_time - rand_time"; exit 1 }
		if (hi > rekey + 2) { print "a rekey long after rekey_time"; exit 1 }
		if (hi - lo < 0.7 * win) { print "the rekeys do not spread over the window"; exit 1 }
		if (max > 3 * mean) { print "a one-second bucket holds more than 3x the mean"; exit 1 }
	}' "$XS_TMP/delays") || fail "jitter: $verdict"
buckets=$(awk -v s=$((REKEY - RAND)) -v r="$RAND" '{ b = int($1 - s); c[b]++ }
	END { for (i = 0; i < r; i++) printf "%d ", c[i] }' "$XS_TMP/delays")
pass "$up IKE SAs (rekey_time ${REKEY}s, rand_time ${RAND}s) up in" \
	"$(((t_up - t_start) / 1000)) ms: $verdict; per second of the window: $buckets;" \
	"$(((t_end - t_start) / 1000000)) s in all"
stop_pid "$XPID"
