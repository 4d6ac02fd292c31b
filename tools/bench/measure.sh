# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Measurement helpers for tools/bench.sh: iperf3 runs and their medians, an
# nft counter at the receiving end, CPU time of processes and cores, daemon
# memory.  Sourced after tests/integration/lib.sh; every figure comes from
# this run.  Results go into the associative array R (key -> value) and raw
# output into $BENCH_RAW.

declare -A R=()
NOTES=()
TCP_SECS=${TCP_SECS:-5}
UDP_SECS=${UDP_SECS:-5}
IPERF_PORT=5201

res()
{
	R[$1]=$2
	echo "$1=$2" >>"$BENCH_OUT/results.env"
}

note()
{
	NOTES+=("$*")
	echo "NOTE: $*"
}

say()
{
	printf '[%s] %s\n' "$(date +%T)" "$*"
}

# calc EXPR: floating-point arithmetic (awk), printed with %.6g.
calc()
{
	awk "BEGIN { printf \"%.6g\", ($*) }"
}

# median V1 V2 ...: the middle value (numeric); "" for none.
median()
{
	printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
		END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# iperf_server NS IP: a fresh iperf3 server in NS, reached at IP (the previous
# one stopped).
iperf_server()
{
	local ns=$1 ip=$2

	[ -n "${IPERF_SRV_PID:-}" ] && stop_pid "$IPERF_SRV_PID"
	nsexec_bg "$ns" "$BENCH_RAW/iperf-server-$ns.log" iperf3 -s -p "$IPERF_PORT"
	IPERF_SRV_PID=$XS_LAST_PID
	unset 'XS_LOGS[-1]'
	wait_for nsexec "$ns" bash -c "echo > /dev/tcp/127.0.0.1/$IPERF_PORT" ||
		fail "iperf3 server in $ns did not start"
	IPERF_SRV_IP=$ip
}

# iperf_json NS OUT ARGS...: one iperf3 client run into OUT (JSON); the
# CPU list in IPERF_CPUS (taskset) when set.
iperf_json()
{
	local ns=$1 out=$2 secs=${IPERF_SECS:-$TCP_SECS}
	local -a pin=()

	shift 2
	[ -n "${IPERF_CPUS:-}" ] && pin=(taskset -c "$IPERF_CPUS")
	nsexec "$ns" timeout $((secs + 20)) "${pin[@]}" iperf3 -c "$IPERF_SRV_IP" \
		-p "$IPERF_PORT" -t "$secs" --connect-timeout 3000 -J "$@" >"$out" 2>"$out.err"
}

# tcp_once NS OUT: Gbit/s received, or "" when the run failed.
tcp_once()
{
	iperf_json "$1" "$2" || return 1
	jq -r '.end.sum_received.bits_per_second / 1e9' "$2" 2>/dev/null
}

# tcp_median KEY NS RUNS: median Gbit/s of RUNS TCP runs into R[KEY]; the
# individual runs into R[KEY.runs].
tcp_median()
{
	local key=$1 ns=$2 runs=${3:-3} i v
	local -a vals=()

	for ((i = 1; i <= runs; i++)); do
		v=$(tcp_once "$ns" "$BENCH_RAW/$key.$i.json") || v=
		[ -n "$v" ] && vals+=("$(calc "$v")")
	done
	if [ ${#vals[@]} -eq 0 ]; then
		note "$key: every iperf3 TCP run failed (see $BENCH_RAW/$key.*.json)"
		return 1
	fi
	res "$key" "$(median "${vals[@]}")"
	res "$key.runs" "${vals[*]}"
}

# udp_run KEY NS LEN: one iperf3 UDP run at -b 0 with LEN-byte payloads.
# Records KEY.gbps (received payload rate), KEY.pps (received packets/s),
# KEY.sent_pps, KEY.loss (percent).
udp_run()
{
	local key=$1 ns=$2 len=$3 out=$BENCH_RAW/$1.json

	IPERF_SECS=$UDP_SECS iperf_json "$ns" "$out" -u -b 0 -l "$len" || {
		note "$key: iperf3 UDP failed: $(jq -r '.error // empty' "$out" 2>/dev/null)"
		return 1
	}
	read -r secs pk lost < <(jq -r '.end.sum | "\(.seconds) \(.packets) \(.lost_packets)"' "$out")
	res "$key.sent_pps" "$(calc "$pk / $secs")"
	res "$key.pps" "$(calc "($pk - $lost) / $secs")"
	res "$key.gbps" "$(calc "($pk - $lost) * $len * 8 / $secs / 1e9")"
	res "$key.loss" "$(calc "$pk ? 100 * $lost / $pk : 0")"
}

# ---- a counter where the traffic arrives ----

# sink_setup NS DEV: count and drop, at DEV's ingress, every UDP packet of
# more than 1200 bytes (the 1400-byte stream, plain or in ESP); iperf3's
# control connection (small TCP segments, or small ESP) passes.
sink_setup()
{
	nsexec "$1" nft -f - <<-EOF || fail "nft sink on $1/$2"
		table netdev xbench {
			chain sink {
				type filter hook ingress device "$2" priority 0;
				ip protocol udp meta length > 1200 counter drop
			}
		}
	EOF
	SINK_NS=$1
}

sink_remove()
{
	nsexec "$SINK_NS" nft delete table netdev xbench 2>/dev/null
}

# sink_read: "packets bytes" counted so far.
sink_read()
{
	nsexec "$SINK_NS" nft -j list chain netdev xbench sink |
		jq -r '.nftables[] | select(.rule) | .rule.expr[] | select(.counter) |
			"\(.counter.packets) \(.counter.bytes)"'
}

# ---- CPU time ----

# proc_ticks PID: user+system clock ticks of all threads of PID.
proc_ticks()
{
	cat /proc/"$1"/task/*/stat 2>/dev/null |
		awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

# ns_ticks NS: user+system clock ticks of every process in namespace NS.
ns_ticks()
{
	local pid t=0

	for pid in $(ip netns pids "$1" 2>/dev/null); do
		t=$((t + $(proc_ticks "$pid")))
	done
	echo "$t"
}

# ksoftirqd_ticks: user+system clock ticks of every ksoftirqd thread.
ksoftirqd_ticks()
{
	local pid t=0

	for pid in $(pgrep -x 'ksoftirqd/[0-9]+'); do
		t=$((t + $(proc_ticks "$pid")))
	done
	echo "$t"
}

# cpu_busy_ticks CPU: non-idle ticks of one core (from /proc/stat).
cpu_busy_ticks()
{
	awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

# pin_all PID CPU: every thread of PID onto CPU.
pin_all()
{
	taskset -a -c -p "$2" "$1" >/dev/null
}

# ---- memory ----

# daemon_rss_kib PID
daemon_rss_kib()
{
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status
}

# daemon_bpf_bytes PID: bytes_memlock summed over the maps PID holds open
# (ids from /proc/PID/fdinfo, sizes from bpftool).
daemon_bpf_bytes()
{
	local ids

	ids=$(grep -h '^map_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' |
		sort -un | paste -sd, -)
	[ -n "$ids" ] || { echo 0; return; }
	bpftool -j map show | jq "[.[] | select(.id as \$i | [$ids] | index(\$i)) |
		.bytes_memlock] | add // 0"
}

# udp_probe NS OUT LEN BPS: one paced UDP run; prints "received_gbps loss%".
udp_probe()
{
	local secs pk lost

	IPERF_SECS=${UDP_SEARCH_SECS:-2} iperf_json "$1" "$2" -u -b "$4" -l "$3" || return 1
	read -r secs pk lost < <(jq -r '.end.sum | "\(.seconds) \(.packets) \(.lost_packets)"' "$2")
	echo "$(calc "($pk - $lost) * $3 * 8 / $secs / 1e9") $(calc "$pk ? 100 * $lost / $pk : 100")"
}

# udp_search KEY NS LEN: the highest paced iperf3 UDP rate with under 1 %
# loss, in UDP_SEARCH_STEPS runs of UDP_SEARCH_SECS.  It starts where -b 0
# ended (R[KEY.gbps], what was received: udp_run first), steps down by 30 %
# until a rate passes, then bisects between the best pass and the lowest
# failure, so a noisy probe costs one step, not the range.  Records
# KEY.ok_gbps (received at the best passing rate) and KEY.ok_loss.
udp_search()
{
	local key=$1 ns=$2 len=$3 i rate lo=0 hi="" got loss best="" best_loss=""
	local steps=${UDP_SEARCH_STEPS:-6}

	[ -n "${R[$key.gbps]:-}" ] || return 1
	rate=$(calc "${R[$key.gbps]} * 1e9")
	for ((i = 1; i <= steps; i++)); do
		read -r got loss < <(udp_probe "$ns" "$BENCH_RAW/$key.search.$i.json" "$len" \
			"$(printf '%.0f' "$rate")") || { got=0 loss=100; }
		if [ "$(calc "$loss < 1")" = 1 ]; then
			lo=$rate best=$got best_loss=$loss
		else
			hi=$rate
		fi
		if [ -z "$hi" ]; then
			rate=$(calc "$rate * 1.3")
		elif [ "$lo" = 0 ]; then
			rate=$(calc "$rate * 0.7")
		else
			rate=$(calc "($lo + $hi) / 2")
		fi
	done
	[ -n "$best" ] || { note "$key: no rate with under 1% loss found in $steps runs"; return 1; }
	res "$key.ok_gbps" "$best"
	res "$key.ok_loss" "$best_loss"
}
