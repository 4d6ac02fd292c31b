#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make bench: xdpsec against plain routing, strongSwan and a bare AF_XDP
# forwarder, on veth in network namespaces, every figure measured in this
# run.  Prints a table and writes it to build/bench/results.txt; raw iperf3
# JSON, logs and perf output go to build/bench/raw/.
#
#  $XS-ha          $XS-gwa               $XS-mid                $XS-gwb           $XS-hb
# +--------+   +-------------+   +----------------------+   +-------------+   +--------+
# | eth0   |   | lan0   up0  |   | a0             b0    |   | up0   lan0  |   | eth0   |
# |10.1.0.2+---+10.1.0.1  .1 +---+192.0.2.254 .100.254  +---+.100.2  .1   +---+10.2.0.2|
# | iperf3 |   | gateway A   |   | router; sink on a0   |   | gateway B   |   | iperf3 |
# | client |   |             |   | (nft: count + drop)  |   |             |   | server |
# +--------+   +-------------+   +----------------------+   +-------------+   +--------+
#               192.0.2.0/24               198.51.100.0/24
#
# Gateways, one phase each: nothing (plain routing), xsk_fwd (bare AF_XDP
# forwarder, gateway A only), xdpsecd (manual SAs, AES-GCM-128 in UDP 4500),
# xdpsecd with up to 100,000 SA pairs, charon (strongSwan, kernel-libipsec).
# Once a tunnel is up, mid has no route to the inner networks, so traffic
# that gets through went through the tunnel.  "Hop" runs pin the generator
# to CPU 0 and the gateway to CPU 1, drop the 1400-byte stream at mid's a0
# and count it there, so the forwarder and xdpsec are measured the same way.
#
# Knobs: TCP_SECS, UDP_SECS (default 5), TCP_RUNS (3), SCALE_STEPS
# ("1 1000 100000"), HOP_RUNS (3), BENCH_PHASES (default "openssl plain hop
# xdpsec scaling strongswan ike"; "ike" alone: the IKE section, about 80 s,
# its own knobs in tools/bench/ike.sh), XS_KEEP=1 (keep the temporary
# directory).
set -u
BENCH_ROOT=$(cd "$(dirname "$0")/.." && pwd)
XS=${XS:-xb$$}
. "$BENCH_ROOT/tests/integration/lib.sh"
. "$BENCH_ROOT/tools/bench/measure.sh"
. "$BENCH_ROOT/tools/bench/strongswan.sh"
. "$BENCH_ROOT/tools/bench/ike.sh"

BENCH_OUT=$BUILD/bench
BENCH_RAW=$BENCH_OUT/raw
TOOLS=$BUILD/tools
TCP_RUNS=${TCP_RUNS:-3}
SCALE_STEPS=${SCALE_STEPS:-1 1000 100000}
GEN_CPU=0
GW_CPU=1
HOP_WARMUP=1	# seconds into a hop run before the window opens
HOP_WINDOW=3	# seconds the counters are read over

ctl() { local inst=$1; shift; "$BUILD/xdpsecctl" -i "$inst" "$@"; }

# ---- topology ----

topo_up()
{
	local n

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
			net.ipv4.conf.default.rp_filter=0 || fail "sysctl in $n"
	done
}

# mid_routes add|del: mid's routes to the inner networks (plain routing only).
mid_routes()
{
	ip -n "$XS-mid" route "$1" 10.1.0.0/24 via 192.0.2.1 2>/dev/null
	ip -n "$XS-mid" route "$1" 10.2.0.0/24 via 198.51.100.2 2>/dev/null
	return 0
}

# ---- measurements shared by the phases ----

# hop_snap ARRAY PID: the counters a hop run is judged by, now: packets and
# bytes at the sink, CPU ticks of the gateway (PID), of hostA's processes
# and of the ksoftirqd threads, busy ticks of both cores, the time.
hop_snap()
{
	local -n snap=$1

	read -r snap[pk] snap[by] < <(sink_read)
	snap[gw]=$(proc_ticks "$2")
	snap[gen]=$(ns_ticks "$XS-ha")
	snap[sirq]=$(ksoftirqd_ticks)
	snap[c0]=$(cpu_busy_ticks 0)
	snap[c1]=$(cpu_busy_ticks 1)
	snap[t]=$EPOCHREALTIME
}

# hop_record KEY: the figures between the snapshots H0 and H1.  CPU time
# per packet is that of the gateway, and of gateway + generator (whose
# ticks include the kernel work its sends trigger on CPU 0).
hop_record()
{
	local key=$1 hz secs pk

	hz=$(getconf CLK_TCK)
	secs=$(calc "${H1[t]} - ${H0[t]}")
	pk=$((H1[pk] - H0[pk]))
	[ "$pk" -gt 0 ] || { note "$key: nothing arrived at the sink"; return 1; }
	res "$key.pps" "$(calc "$pk / $secs")"
	res "$key.gbps" "$(calc "(${H1[by]} - ${H0[by]}) * 8 / $secs / 1e9")"
	res "$key.gw_cpu" "$(calc "100 * (${H1[gw]} - ${H0[gw]}) / $hz / $secs")"
	res "$key.gen_cpu" "$(calc "100 * (${H1[gen]} - ${H0[gen]}) / $hz / $secs")"
	res "$key.gw_us" "$(calc "1e6 * (${H1[gw]} - ${H0[gw]}) / $hz / $pk")"
	res "$key.path_us" "$(calc "1e6 * (${H1[gw]} - ${H0[gw]} + ${H1[gen]} - ${H0[gen]}) / $hz / $pk")"
	res "$key.cpu0" "$(calc "100 * (${H1[c0]} - ${H0[c0]}) / $hz / $secs")"
	res "$key.cpu1" "$(calc "100 * (${H1[c1]} - ${H0[c1]}) / $hz / $secs")"
	# Softirq work deferred to ksoftirqd is the path's too, but nobody's
	# process time; what is left of the busy time is other tenants'.
	res "$key.sirq_cpu" "$(calc "100 * (${H1[sirq]} - ${H0[sirq]}) / $hz / $secs")"
	res "$key.other_cpu" "$(calc "${R[$key.cpu0]} + ${R[$key.cpu1]} - ${R[$key.gen_cpu]} - ${R[$key.gw_cpu]} - ${R[$key.sirq_cpu]}")"
	read -r secs pk < <(jq -r '.end.sum | "\(.seconds) \(.packets)"' "$BENCH_RAW/$key.json")
	res "$key.sent_pps" "$(calc "$pk / $secs")"
}

# hop_measure KEY PID: the 1400-byte UDP stream from hostA (iperf3 on CPU
# 0) through gateway A (PID, pinned to CPU 1) to the sink at mid, judged
# over the steady middle of the run.  hostA computes its own checksums for
# the run: AF_XDP passes frames on as they are, so a checksum left to the
# "hardware" (veth offload) would never be written.
hop_measure()
{
	local key=$1 pid=$2 jpid
	declare -gA H0=() H1=()

	nsexec "$XS-ha" ethtool -K eth0 tx off >/dev/null || fail "ethtool -K eth0 tx off"
	pin_all "$pid" "$GW_CPU"
	IPERF_SECS=$UDP_SECS IPERF_CPUS=$GEN_CPU iperf_json "$XS-ha" "$BENCH_RAW/$key.json" \
		-u -b 0 -l 1400 &
	jpid=$!
	sleep "$HOP_WARMUP"
	hop_snap H0 "$pid"
	sleep "$HOP_WINDOW"
	hop_snap H1 "$pid"
	wait "$jpid" || note "$key: iperf3 reported an error (see $BENCH_RAW/$key.json)"
	pin_all "$pid" "0-$(($(nproc) - 1))"
	nsexec "$XS-ha" ethtool -K eth0 tx on >/dev/null
	hop_record "$key"
}

openssl_speed()
{
	local bps

	say "openssl speed -evp aes-128-gcm -bytes 1400 -seconds 3 (one core)"
	bps=$(taskset -c "$GW_CPU" openssl speed -mr -evp aes-128-gcm -bytes 1400 -seconds 3 \
		2>"$BENCH_RAW/openssl-speed.err" | tee "$BENCH_RAW/openssl-speed.txt" |
		awk -F: '/^\+F:/ { print $4 }')
	[ -n "$bps" ] || { note "openssl speed printed no result"; return; }
	res openssl.gbps "$(calc "$bps * 8 / 1e9")"
}

# ---- phase 1: plain routing ----

phase_plain()
{
	say "plain veth: routing through the same namespaces, no gateway daemons"
	mid_routes add
	nsexec "$XS-ha" ping -c 1 -W 2 10.2.0.2 >/dev/null || fail "plain routing: no ping"
	iperf_server "$XS-hb" 10.2.0.2
	tcp_median plain.tcp "$XS-ha" "$TCP_RUNS"
	udp_run plain.udp "$XS-ha" 1400
	udp_search plain.udp "$XS-ha" 1400
}

# ---- gateway daemons ----

# xdpsec_start TAG [ARGS...]: gateways A and B (instances $XS_A, $XS_B),
# logs into $BENCH_RAW/xdpsecd-{a,b}.TAG.log.
xdpsec_start()
{
	local tag=$1

	shift
	nsexec_bg "$XS-gwa" "$BENCH_RAW/xdpsecd-a.$tag.log" "$BUILD/xdpsecd" --uplink up0 \
		--lan lan0 --instance "$XS_A" "$@"
	PID_A=$XS_LAST_PID
	nsexec_bg "$XS-gwb" "$BENCH_RAW/xdpsecd-b.$tag.log" "$BUILD/xdpsecd" --uplink up0 \
		--lan lan0 --instance "$XS_B"
	PID_B=$XS_LAST_PID
	wait_for ctl "$XS_A" status || fail "xdpsecd A did not start"
	wait_for ctl "$XS_B" status || fail "xdpsecd B did not start"
}

xdpsec_stop()
{
	stop_pid "$PID_A"
	stop_pid "$PID_B"
}

# The busy SA pair: A -> B SPI 0x1001, B -> A SPI 0x2002, AES-GCM-128, UDP 4500.
xdpsec_sas()
{
	local k_ab k_ba
	local -a ab ba

	k_ab=$(openssl rand -hex 20)
	k_ba=$(openssl rand -hex 20)
	ab=(--spi 0x1001 --src 192.0.2.1:4500 --dst 198.51.100.2:4500 --aead aes-gcm-128 --key "$k_ab")
	ba=(--spi 0x2002 --src 198.51.100.2:4500 --dst 192.0.2.1:4500 --aead aes-gcm-128 --key "$k_ba")
	ctl "$XS_A" sa add --dir out "${ab[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
		>/dev/null || fail "sa add A out"
	ctl "$XS_A" sa add --dir in "${ba[@]}" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 \
		>/dev/null || fail "sa add A in"
	ctl "$XS_B" sa add --dir in "${ab[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
		>/dev/null || fail "sa add B in"
	ctl "$XS_B" sa add --dir out "${ba[@]}" --local-ts 10.2.0.0/24 --remote-ts 10.1.0.0/24 \
		>/dev/null || fail "sa add B out"
	wait_for nsexec "$XS-ha" ping -c 1 -W 1 10.2.0.2 || fail "no ping through the xdpsec tunnel"
}

# ---- phase 2: one hop, the bare AF_XDP forwarder against xdpsec ----

# xsk_fwd takes everything arriving on lan0, ARP included: static neighbours.
bare_neighbours()
{
	local op=$1

	if [ "$op" = add ]; then
		ip -n "$XS-ha" neigh replace 10.1.0.1 lladdr "$(ns_mac "$XS-gwa" lan0)" dev eth0 nud permanent
		ip -n "$XS-gwa" neigh replace 10.1.0.2 lladdr "$(ns_mac "$XS-ha" eth0)" dev lan0 nud permanent
	else
		ip -n "$XS-ha" neigh del 10.1.0.1 dev eth0
		ip -n "$XS-gwa" neigh del 10.1.0.2 dev lan0
	fi
}

# bare_hop KEY [--crypto]: one hop run through xsk_fwd in gateway A.
bare_hop()
{
	local key=$1 log=$BENCH_RAW/$1.log pid

	shift
	bare_neighbours add
	nsexec_bg "$XS-gwa" "$log" "$TOOLS/xsk_fwd" --in lan0 --out up0 \
		--dst-mac "$(ns_mac "$XS-mid" a0)" --src-mac "$(ns_mac "$XS-gwa" up0)" "$@"
	pid=$XS_LAST_PID
	wait_for grep -q ready "$log" || fail "xsk_fwd did not start: $(cat "$log")"
	hop_measure "$key" "$pid"
	stop_pid "$pid"
	grep '^{' "$log" >"$BENCH_RAW/$key.counters.json"
	bare_neighbours del
}

# xdpsec_hop KEY: one hop run through xdpsecd in gateway A (B decrypts
# iperf3's control connection; the stream itself stops at mid).
xdpsec_hop()
{
	local key=$1

	xdpsec_start "$key"
	xdpsec_sas
	hop_measure "$key" "$PID_A"
	res "$key.encrypted" "$(ctl "$XS_A" stats -j | jq '.reasons.encrypted.packets')"
	xdpsec_stop
}

# hop_median KEY RUNS: R[KEY.x] = median of R[KEY.1.x] .. R[KEY.RUNS.x].
hop_median()
{
	local key=$1 runs=$2 m i
	local -a vals

	for m in pps gbps gw_cpu gen_cpu sirq_cpu cpu0 cpu1 other_cpu gw_us path_us sent_pps; do
		vals=()
		for ((i = 1; i <= runs; i++)); do vals+=("${R[$key.$i.$m]:-}"); done
		res "$key.$m" "$(median "${vals[@]}")"
		[ "$m" = pps ] && res "$key.pps.runs" "$(printf '%.0f\n' "${vals[@]}" | paste -sd' ')"
	done
}

phase_hop()
{
	local i runs=${HOP_RUNS:-3}

	say "one hop, $runs interleaved rounds: xsk_fwd, xsk_fwd --crypto, xdpsecd in gateway A"
	mid_routes add	# xsk_fwd's iperf3 control connection goes the plain way
	iperf_server "$XS-hb" 10.2.0.2
	sink_setup "$XS-mid" a0
	for ((i = 1; i <= runs; i++)); do
		bare_hop "fwd.$i"
		bare_hop "fwd_crypto.$i" --crypto
		xdpsec_hop "hop.$i"
	done
	sink_remove
	hop_median fwd "$runs"
	hop_median fwd_crypto "$runs"
	hop_median hop "$runs"
}

# ---- phase 3: xdpsec end to end ----

# perf_profile KEY PID: perf record -a -g for 3 s in the middle of a TCP
# run; the top symbols of PID and of the whole machine into raw files.
perf_profile()
{
	local key=$1 pid=$2 data=$BENCH_RAW/$1.perf.data jpid

	if ! perf record -o /dev/null -e cpu-clock -- true >/dev/null 2>&1; then
		note "perf record does not work here: no profile"
		return
	fi
	IPERF_SECS=$((TCP_SECS > 4 ? TCP_SECS : 4)) iperf_json "$XS-ha" "$BENCH_RAW/$key.iperf.json" &
	jpid=$!
	sleep 1
	perf record -a -g -F 999 -o "$data" -- sleep 3 >"$BENCH_RAW/$key.record.log" 2>&1 ||
		note "perf record failed: $(tail -n 2 "$BENCH_RAW/$key.record.log")"
	wait "$jpid"
	perf report -i "$data" --stdio --no-children --sort dso,sym -g none --pid "$pid" \
		--percentage relative 2>/dev/null >"$BENCH_RAW/$key.daemon.txt"
	perf report -i "$data" --stdio --no-children --sort comm,dso -g none \
		2>/dev/null >"$BENCH_RAW/$key.system.txt"
	perf report -i "$data" --stdio --no-children --sort cpu,comm -g none \
		2>/dev/null >"$BENCH_RAW/$key.cpus.txt"
	rm -f "$data"
	perf_foreign "$BENCH_RAW/$key.system.txt"
}

# perf_foreign REPORT: the share of samples (%) that went to processes
# that are not the benchmark's: the machine is shared.
perf_foreign()
{
	res perf.foreign "$(awk '!/^#/ && NF >= 2 && $2 !~ /^(xdpsecd|iperf3|swapper|perf|ksoftirqd\/[0-9]+|kworker.*|timeout|sleep|bash|sh|jq|ip|awk|nft|cat|grep|sed|sort)$/ {
		sub(/%/, "", $1); t += $1 } END { printf "%.1f", t }' "$1")"
}

phase_xdpsec()
{
	say "xdpsec end to end: TCP x$TCP_RUNS, UDP 1400, UDP 64, perf"
	mid_routes del
	xdpsec_start e2e
	xdpsec_sas
	iperf_server "$XS-hb" 10.2.0.2
	tcp_median xdpsec.tcp "$XS-ha" "$TCP_RUNS"
	udp_run xdpsec.udp "$XS-ha" 1400
	udp_search xdpsec.udp "$XS-ha" 1400
	udp_run xdpsec.udp64 "$XS-ha" 64
	say "perf: gateway A during a TCP run"
	perf_profile perf "$PID_A"
	ctl "$XS_A" stats -j >"$BENCH_RAW/xdpsec-a.stats.json"
	ctl "$XS_B" stats -j >"$BENCH_RAW/xdpsec-b.stats.json"
	xdpsec_stop
}

# ---- phase 4: SA scaling ----

# scale_mem N: daemon A's RSS and BPF map memory with N SA pairs installed.
scale_mem()
{
	local n=$1 rss bpf

	rss=$(daemon_rss_kib "$PID_A")
	bpf=$(daemon_bpf_bytes "$PID_A")
	res "scale.$n.rss_kib" "$rss"
	res "scale.$n.bpf_bytes" "$bpf"
	res "scale.$n.total_bytes" "$(calc "$rss * 1024 + $bpf")"
}

# scale_load FROM TO: pairs FROM..TO-1 of the filler SAs (the busy pair is
# pair 0, installed by xdpsec_sas).
scale_load()
{
	local from=$1 to=$2 out=$BENCH_RAW/sa_load.$2.json

	[ "$to" -gt "$from" ] || return 0
	"$TOOLS/sa_load" --socket "/run/xdpsec/$XS_A.sock" --first "$from" --count $((to - from)) \
		--local 192.0.2.1 --peer 198.51.100.2 --local-ts 10.1.0.0/24 \
		--ts-base 10.128.0.0 >"$out" 2>"$BENCH_RAW/sa_load.$2.err" ||
		fail "sa_load $from..$to: $(tail -n 2 "$BENCH_RAW/sa_load.$2.err")"
	res "scale.$to.load_rate" "$(jq .requests_per_second "$out")"
}

phase_scaling()
{
	local max=0 have=1 n

	for n in $SCALE_STEPS; do [ "$n" -gt "$max" ] && max=$n; done
	say "SA scaling: gateway A with 1 .. $max SA pairs (--max-sas $((2 * max + 64)))"
	mid_routes del
	xdpsec_start scale --max-sas $((2 * max + 64))
	xdpsec_sas
	iperf_server "$XS-hb" 10.2.0.2
	tcp_once "$XS-ha" "$BENCH_RAW/scale.warmup.json" >/dev/null	# frames touched once
	for n in $SCALE_STEPS; do
		say "SA scaling: $n pair(s)"
		scale_load "$have" "$n"
		have=$n
		tcp_median "scale.$n.tcp" "$XS-ha" "$TCP_RUNS"
		scale_mem "$n"
	done
	xdpsec_stop
	# Bracket the big table with the small one again: a fresh daemon with
	# the busy pair only, so that drift on this shared machine shows.
	say "SA scaling: 1 pair again, fresh daemon"
	xdpsec_start scale-again --max-sas $((2 * max + 64))
	xdpsec_sas
	tcp_median scale.again.tcp "$XS-ha" "$TCP_RUNS"
	xdpsec_stop
}

# ---- phase 5: strongSwan ----

ss_phase_fail()
{
	note "strongSwan not measured: $*"
	R[ss.fail]=$*
}

phase_strongswan()
{
	local psk dir_a=$XS_TMP/ss-a dir_b=$XS_TMP/ss-b t0 t1

	say "strongSwan: charon (kernel-libipsec) in both gateways, PSK, aes128gcm16"
	mid_routes del
	psk=$(openssl rand -hex 24)
	ss_start "$XS-gwa" "$dir_a" 192.0.2.1 198.51.100.2 10.1.0.0/24 10.2.0.0/24 \
		gwa.bench gwb.bench "$psk" || { ss_phase_fail "$SS_WHY"; return; }
	SS_A=$SS_LAST_PID
	ss_start "$XS-gwb" "$dir_b" 198.51.100.2 192.0.2.1 10.2.0.0/24 10.1.0.0/24 \
		gwb.bench gwa.bench "$psk" || { ss_phase_fail "$SS_WHY"; return; }
	SS_B=$SS_LAST_PID
	if ! ss_swanctl "$dir_a" --initiate --child net --timeout 10 >"$BENCH_RAW/ss-initiate.log" 2>&1; then
		ss_phase_fail "swanctl --initiate failed: $(tail -n 2 "$BENCH_RAW/ss-initiate.log")"
		return
	fi
	ss_swanctl "$dir_a" --list-sas >"$BENCH_RAW/ss-sas.txt" 2>&1
	wait_for nsexec "$XS-ha" ping -c 1 -W 1 10.2.0.2 ||
		{ ss_phase_fail "no ping through the strongSwan tunnel"; return; }
	iperf_server "$XS-hb" 10.2.0.2
	t0=$(( $(proc_ticks "$SS_A") + $(proc_ticks "$SS_B") ))
	tcp_median ss.tcp "$XS-ha" "$TCP_RUNS"
	t1=$(( $(proc_ticks "$SS_A") + $(proc_ticks "$SS_B") ))
	res ss.cpu_s "$(calc "($t1 - $t0) / $(getconf CLK_TCK)")"
	udp_run ss.udp "$XS-ha" 1400
	udp_search ss.udp "$XS-ha" 1400
	cp "$dir_a/charon.log" "$BENCH_RAW/charon-a.log" 2>/dev/null
	cp "$dir_b/charon.log" "$BENCH_RAW/charon-b.log" 2>/dev/null
	stop_pid "$SS_A"
	stop_pid "$SS_B"
}

# ---- report ----

. "$BENCH_ROOT/tools/bench/report.sh"

main()
{
	local t0=$SECONDS

	[ "$(id -u)" = 0 ] || { echo "make bench needs root (network namespaces, XDP)"; exit 1; }
	require_cmd iperf3 jq nft bpftool openssl taskset
	for b in "$BUILD/xdpsecd" "$BUILD/xdpsecctl" "$TOOLS/xsk_fwd" "$TOOLS/sa_load" \
		"$TOOLS/ike_load"; do
		[ -x "$b" ] || fail "$b is missing: run make bench (it builds them)"
	done
	[ "$(nproc)" -ge 2 ] || note "fewer than 2 CPUs: the pinned hop runs share one core"
	rm -rf "$BENCH_OUT"
	mkdir -p "$BENCH_RAW"
	R[loadavg]=$(cut -d' ' -f1-3 /proc/loadavg)
	XS_A=${XS}a
	XS_B=${XS}b
	topo_up
	for phase in ${BENCH_PHASES:-openssl plain hop xdpsec scaling strongswan ike}; do
		case $phase in
		openssl) openssl_speed ;;
		*) "phase_$phase" ;;
		esac
	done
	res bench.seconds $((SECONDS - t0))
	find "$BENCH_RAW" -name '*.err' -empty -delete
	report | tee "$BENCH_OUT/results.txt"
}

main "$@"
