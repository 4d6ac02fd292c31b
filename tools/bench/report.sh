# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The results table of tools/bench.sh, from the R array (measure.sh) and
# the raw files of this run.  A missing figure prints as "n/a" with the
# reason in the notes; nothing here is a constant result.

# v KEY [FMT]: R[KEY] formatted, or n/a.
v()
{
	local x=${R[$1]:-}

	if [ -z "$x" ]; then
		echo n/a
	else
		awk -v x="$x" -v f="${2:-%.2f}" 'BEGIN { printf f, x }'
	fi
}

# ratio A B: R[A] / R[B] with two decimals, or n/a.
ratio()
{
	local a=${R[$1]:-} b=${R[$2]:-}

	if [ -z "$a" ] || [ -z "$b" ] || [ "$(calc "$b == 0")" = 1 ]; then
		echo n/a
	else
		calc "$a / $b" | awk '{ printf "%.2f", $1 }'
	fi
}

# verdict VALUE OP TARGET: "met" / "missed" / "" (n/a).
verdict()
{
	[ "$1" = n/a ] && return
	if [ "$(calc "$1 $2 $3")" = 1 ]; then echo "target met"; else echo "target MISSED"; fi
}

row()
{
	printf '  %-50s %18s   %s\n' "$1" "$2" "$3"
}

report_header()
{
	local cpu

	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "xdpsec benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) CPUs ($cpu)"
	echo "Every figure below was measured in this run: veth pairs in network namespaces, iperf3."
	echo "Load average at the start: ${R[loadavg]:-n/a}; other tenants' share of the CPU samples"
	echo "during the profiled TCP run: $(v perf.foreign %.1f)% (the machine is shared: expect noise)."
	echo
}

report_throughput()
{
	local tcp="median of $TCP_RUNS x ${TCP_SECS} s"

	echo "Throughput, hostA -> hostB through two gateways"
	row "plain veth routing, TCP" "$(v plain.tcp) Gbit/s" "$tcp: ${R[plain.tcp.runs]:-}"
	row "plain veth routing, UDP 1400 B" "$(v plain.udp.gbps) Gbit/s" \
		"1 run, -b 0, received; loss $(v plain.udp.loss %.1f)%"
	row "plain veth routing, UDP 1400 B, <1% loss" "$(v plain.udp.ok_gbps) Gbit/s" \
		"search from the -b 0 rate, ${UDP_SEARCH_STEPS:-6} x ${UDP_SEARCH_SECS:-2} s; loss $(v plain.udp.ok_loss %.2f)%"
	row "xdpsec, TCP" "$(v xdpsec.tcp) Gbit/s" "$tcp: ${R[xdpsec.tcp.runs]:-}"
	row "xdpsec, UDP 1400 B" "$(v xdpsec.udp.gbps) Gbit/s" \
		"1 run, -b 0, received; loss $(v xdpsec.udp.loss %.1f)%"
	row "xdpsec, UDP 1400 B, <1% loss" "$(v xdpsec.udp.ok_gbps) Gbit/s" \
		"search from the -b 0 rate, ${UDP_SEARCH_STEPS:-6} x ${UDP_SEARCH_SECS:-2} s; loss $(v xdpsec.udp.ok_loss %.2f)%"
	row "xdpsec, UDP 64 B" "$(v xdpsec.udp64.pps %.0f) pkt/s" \
		"1 run, -b 0, received; sent $(v xdpsec.udp64.sent_pps %.0f)/s"
	row "strongSwan (kernel-libipsec), TCP" "$(v ss.tcp) Gbit/s" \
		"$tcp: ${R[ss.tcp.runs]:-}; charons $(v ss.cpu_s %.1f) CPU-s"
	row "strongSwan (kernel-libipsec), UDP 1400 B" "$(v ss.udp.gbps) Gbit/s" \
		"1 run, -b 0, received; loss $(v ss.udp.loss %.1f)%"
	row "strongSwan (kernel-libipsec), UDP 1400 B, <1% loss" "$(v ss.udp.ok_gbps) Gbit/s" \
		"search from the -b 0 rate, ${UDP_SEARCH_STEPS:-6} x ${UDP_SEARCH_SECS:-2} s; loss $(v ss.udp.ok_loss %.2f)%"
	row "openssl speed aes-128-gcm, 1400 B" "$(v openssl.gbps) Gbit/s" "one core, 3 s"
	echo
}

hop_row()
{
	printf '  %-31s %8s %6s %4s%% %4s%% %4s%% %4s%% %4s%% %4s%% %6s %6s %8s\n' "$2" \
		"$(v "$1.pps" %.0f)" "$(v "$1.gbps")" "$(v "$1.gw_cpu" %.0f)" "$(v "$1.gen_cpu" %.0f)" \
		"$(v "$1.sirq_cpu" %.0f)" "$(v "$1.cpu0" %.0f)" "$(v "$1.cpu1" %.0f)" \
		"$(v "$1.other_cpu" %.0f)" "$(v "$1.gw_us")" "$(v "$1.path_us")" "$(v "$1.sent_pps" %.0f)"
}

report_hop()
{
	echo "One hop: 1400-byte UDP from hostA (iperf3 -b 0 on CPU 0) through gateway A (pinned to"
	echo "CPU 1), counted and dropped at mid's a0 over ${HOP_WINDOW} s of steady state; each column is"
	echo "the median of ${HOP_RUNS:-3} rounds, the three gateways interleaved within a round"
	printf '  %-31s %8s %6s %5s %5s %5s %5s %5s %5s %6s %6s %8s\n' "" "pkt/s" "Gbit/s" "gw" "gen" \
		"sirqd" "cpu0" "cpu1" "other" "gw" "gw+gen" "sent"
	printf '  %-31s %8s %6s %5s %5s %5s %5s %5s %5s %6s %6s %8s\n' "" "at mid" "at mid" "CPU" "CPU" \
		"CPU" "busy" "busy" "CPU" "us/pkt" "us/pkt" "pkt/s"
	hop_row fwd "bare AF_XDP forwarder (xsk_fwd)"
	hop_row fwd_crypto "bare forwarder + AES-128-GCM"
	hop_row hop "xdpsec gateway A (ESP encrypt)"
	echo "  gw = the gateway process (all threads); gen = every process in hostA (iperf3 and"
	echo "  the kernel work its sends trigger on CPU 0, which for xdpsec includes gateway A's"
	echo "  IP forwarding into the tunnel veth); sirqd = ksoftirqd threads (softirq work deferred"
	echo "  from either); cpuN busy = the whole core; other = busy time on the two cores that was"
	echo "  none of these: other tenants of this shared machine"
	echo "  pkt/s of each round: xsk_fwd ${R[fwd.pps.runs]:-n/a}; --crypto ${R[fwd_crypto.pps.runs]:-n/a};"
	echo "  xdpsec ${R[hop.pps.runs]:-n/a}"
	echo
}

# per_pair FROM TO: bytes per SA pair between two steps (RSS + BPF), into
# PER_RSS, PER_BPF and PER_ALL.
per_pair()
{
	PER_RSS=$(calc "(${R[scale.$2.rss_kib]} - ${R[scale.$1.rss_kib]}) * 1024 / ($2 - $1)")
	PER_BPF=$(calc "(${R[scale.$2.bpf_bytes]} - ${R[scale.$1.bpf_bytes]}) / ($2 - $1)")
	PER_ALL=$(calc "$PER_RSS + $PER_BPF")
}

scale_table()
{
	local n

	printf '  %10s %9s %9s %11s %10s   %s\n' "pairs" "RSS MiB" "BPF MiB" "TCP Gbit/s" "sa add/s" \
		"TCP runs (median of these)"
	for n in $SCALE_STEPS; do
		printf '  %10s %9s %9s %11s %10s   %s\n' "$n" \
			"$(v "scale.$n.rss_kib" | awk '$1 + 0 == $1 { printf "%.1f", $1 / 1024; next } 1')" \
			"$(v "scale.$n.bpf_bytes" | awk '$1 + 0 == $1 { printf "%.1f", $1 / 1048576; next } 1')" \
			"$(v "scale.$n.tcp")" "$(v "scale.$n.load_rate" %.0f | sed 's|^n/a$|-|')" \
			"${R[scale.$n.tcp.runs]:-}"
	done
	printf '  %10s %9s %9s %11s %10s   %s\n' "1 again" "" "" "$(v scale.again.tcp)" "" \
		"${R[scale.again.tcp.runs]:-} (fresh daemon, after the rest)"
}

report_scaling()
{
	local n first="" prev="" last=""

	for n in $SCALE_STEPS; do
		[ -z "$first" ] && first=$n
		prev=$last
		last=$n
	done
	echo "SA scaling: gateway A holding N SA pairs (distinct SPIs, a /32 remote TS each, AES-GCM-128)"
	echo "plus the busy pair; memory = VmRSS of xdpsecd + bytes_memlock of its BPF maps (bpftool,"
	echo "map ids from /proc/PID/fdinfo), after the TCP runs; the kernel's routes are not counted"
	scale_table
	if [ "$first" = "$last" ] || [ -z "${R[scale.$last.rss_kib]:-}" ] ||
		[ -z "${R[scale.$first.rss_kib]:-}" ]; then
		echo
		return
	fi
	per_pair "$first" "$last"
	R[scale.per_pair]=$PER_ALL
	row "per SA pair: (total at $last - at $first) / $((last - first))" "$(v scale.per_pair %.0f) B" \
		"RSS $(v_of "$PER_RSS" %.0f) + BPF $(v_of "$PER_BPF" %.0f); $(verdict "$PER_ALL" "<=" 4096) (<= 4096 B)"
	if [ -n "$prev" ] && [ "$prev" != "$first" ] && [ -n "${R[scale.$prev.rss_kib]:-}" ]; then
		per_pair "$prev" "$last"
		row "  marginal, from $prev to $last pairs" "$(v_of "$PER_ALL" %.0f) B" \
			"RSS $(v_of "$PER_RSS" %.0f) + BPF $(v_of "$PER_BPF" %.0f)"
	fi
	row "  BPF maps as sized by --max-sas, / $last pairs" \
		"$(calc "${R[scale.$last.bpf_bytes]} / $last" | awk '{ printf "%.0f", $1 }') B" \
		"preallocated at start (arrays, hash), whatever is installed"
	R[scale.tcp_ratio]=$(ratio "scale.$last.tcp" "scale.$first.tcp")
	echo
}

v_of()
{
	awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'
}

# scale_verdict FIRST LAST: is the median TCP rate with LAST pairs below
# every run with FIRST pairs, before and after (a fresh daemon)?  That is a
# drop beyond the run-to-run spread of this shared machine.
scale_verdict()
{
	local lo="${R[scale.$1.tcp.runs]:-} ${R[scale.again.tcp.runs]:-}" med=${R[scale.$2.tcp]:-}

	[ -n "${lo// /}" ] && [ -n "$med" ] || return
	lo=$(printf '%s\n' $lo | sort -g | head -n 1)
	if [ "$(calc "$med >= $lo")" = 1 ]; then
		echo "target met: within the spread of the 1-pair runs (min $lo)"
	else
		echo "target MISSED: below every 1-pair run (min $lo)"
	fi
}

# hop_noise: a warning when other tenants held more than 20 % of the two
# cores during the hop runs (median of the rounds), else nothing.
hop_noise()
{
	local k worst=0

	for k in fwd hop; do
		[ -n "${R[$k.other_cpu]:-}" ] || continue
		[ "$(calc "${R[$k.other_cpu]} > $worst")" = 1 ] && worst=${R[$k.other_cpu]}
	done
	[ "$(calc "$worst > 20")" = 1 ] &&
		printf '; UNRELIABLE: other tenants used %.0f%% of a core meanwhile' "$worst"
}

report_ratios()
{
	local r

	echo "Ratios"
	r=$(ratio xdpsec.tcp ss.tcp)
	row "xdpsec TCP / strongSwan TCP" "$r" "$(verdict "$r" ">=" 5) (>= 5x)"
	r=$(ratio xdpsec.tcp plain.tcp)
	row "xdpsec TCP / plain veth TCP" "$r" ""
	r=$(ratio hop.pps fwd.pps)
	row "xdpsec hop / bare forwarder (pkt/s)" "$r" "$(verdict "$r" ">=" 0.8) (>= 0.8)$(hop_noise)"
	r=$(ratio hop.pps fwd_crypto.pps)
	row "xdpsec hop / bare forwarder + GCM (pkt/s)" "$r" ""
	r=$(ratio fwd.gw_us hop.gw_us)
	row "bare / xdpsec gateway CPU per packet" "$r" "1.0 = as cheap as xsk_fwd; least hurt by noise"
	r=$(ratio fwd.path_us hop.path_us)
	row "bare / xdpsec (gateway + generator) CPU per packet" "$r" "adds the kernel forwarding xdpsec puts on CPU 0"
	r=$(ratio xdpsec.udp.gbps openssl.gbps)
	row "xdpsec UDP 1400 / openssl speed" "$r" ""
	r=${R[scale.tcp_ratio]:-n/a}
	row "TCP, one busy SA among $last pairs / among $first" "$r" "$(scale_verdict "$first" "$last")"
	echo
}

report_profile()
{
	local d=$BENCH_RAW/perf.daemon.txt s=$BENCH_RAW/perf.system.txt

	echo "Where the time goes: perf record -a -g -F 999, 3 s in the middle of an xdpsec TCP run"
	if [ ! -s "$d" ]; then
		echo "  (no profile: see the notes)"
		echo
		return
	fi
	echo "  gateway A's xdpsecd, all threads, user and kernel; % of its own samples, --no-children:"
	grep -v '^#' "$d" | grep -v '^$' | head -n 15 | sed 's/^/  /'
	echo "  the whole machine (2 CPUs) by command and object, top 12:"
	grep -v '^#' "$s" | grep -v '^$' | head -n 12 | sed 's/^/  /'
	echo
}

ike_row()
{
	local k=ike.$1

	printf '  %-22s %5s %6s %6s %5s %5s %4s%% %4s%% %4s%% %5s %6s %6s  %s\n' "$2" \
		"$(v "$k.sas" %.0f)" "$(v "$k.cpu_s")" "$(v "$k.per_cpu_s" %.0f)" \
		"$(v "$k.h1.per_cpu_s" %.0f)" "$(v "$k.h2.per_cpu_s" %.0f)" "$(v "$k.cpu_busy" %.0f)" \
		"$(v "$k.init_busy" %.0f)" "$(v "$k.other_busy" %.0f)" "$(v "$k.init_rate" %.0f)" \
		"$(v "$k.bytes_per_sa" %.0f)" "$(v "$k.bytes_per_sa_all" %.0f)" \
		"${R[$k.per_cpu_s.runs]:-}"
}

# ike_ratio_row AUTH LABEL REFERENCE: xdpsec / charon in this run, and
# xdpsec against 3x the reference figure of the notes.
ike_ratio_row()
{
	local r abs

	r=$(ratio "ike.xdpsec.$1.per_cpu_s" "ike.charon.$1.per_cpu_s")
	row "xdpsec / charon, $2, SAs per CPU-s" "$r" "$(verdict "$r" ">=" 3) (>= 3x, this run)"
	abs=$(v "ike.xdpsec.$1.per_cpu_s" %.0f)
	row "  xdpsec against 3 x $3 (the notes' charon)" "$abs / $((3 * $3))" \
		"$(verdict "$abs" ">=" $((3 * $3))) (>= $((3 * $3)))"
	r=$(ratio "ike.charon.$1.bytes_per_sa" "ike.xdpsec.$1.bytes_per_sa")
	row "  charon / xdpsec, RSS per IKE_SA" "$r" ""
}

# ike_inclusive FILE: the inclusive share of the xdpsecd functions that
# stand for one cost each (DH, PRF/HMAC, certificates, signatures, the
# walks over every SA, sending), from perf report --children.
ike_inclusive()
{
	awk '!/^#/ && $3 == "xdpsecd" && !seen[$5]++ { pct[$5] = $1 }
		END {
			n = split("ike_dh_new ike_dh_shared ike_hmac_v ike_cert_from_der " \
				"ike_cert_verify_chain ike_sig_verify ike_sig_sign ike_sa_reap " \
				"ike_engine_tick ike_engine_next_timer send_from log_msg", f, " ")
			for (i = 1; i <= n; i++)
				if (f[i] in pct) {
					line = line sprintf("%s%s %s", sep, f[i], pct[f[i]]); sep = ", "
					if (length(line) > 80) { print "      " line; line = ""; sep = "" }
				}
			if (line != "") print "      " line
		}' "$1"
}

report_ike()
{
	local p

	[ -n "${R[ike.load0]:-}" ] || return 0
	echo "IKE: IKE_SA establishments per second of responder CPU (utime + stime of every thread of"
	echo "the responder, /proc/PID/task/*/stat, over the load; median of ${IKE_ROUNDS} fresh-daemon rounds)."
	echo "One initiator for all: charon 5.9.8 in gateway A (reuse_ikesa = no, dos_protection = no)"
	echo "driven by ike_load over vici, $IKE_PARALLEL initiations in flight spread over $IKE_SRCS source"
	echo "addresses ($((IKE_PARALLEL / IKE_SRCS)) per address, under both responders' COOKIE threshold); childless IKE_SAs"
	echo "(RFC 6023: IKE_SA_INIT + IKE_AUTH, no Child SA), $IKE_PROPOSAL. ECDSA: P-256"
	echo "certificates (tests/unit/pki/strongswan-5.9.8), both sides sign and verify, CA chain checked."
	printf '  %-22s %5s %6s %6s %5s %5s %5s %5s %5s %5s %6s %6s  %s\n' "responder" "SAs" "resp" \
		"SAs /" "1st" "2nd" "resp" "init" "other" "init" "RSS B" "RSS B" "SAs/CPU-s"
	printf '  %-22s %5s %6s %6s %5s %5s %5s %5s %5s %5s %6s %6s  %s\n' "" "" "CPU-s" "CPU-s" \
		"half" "half" "busy" "busy" "busy" "SAs/s" "/SA 2nd" "/SA" "per round"
	ike_row xdpsec.psk "xdpsecd, PSK"
	ike_row charon.psk "charon, PSK"
	ike_row xdpsec.cert "xdpsecd, ECDSA certs"
	ike_row charon.cert "charon, ECDSA certs"
	echo "  1st/2nd half = SAs per CPU-s while the responder went from 0 to N/2 and from N/2 to N"
	echo "  established SAs; busy = % of one core over the load's wall time: the responder, the"
	echo "  initiating charon, and neither (ike_load, kernel UDP/softirq, other tenants); RSS B/SA ="
	echo "  VmRSS growth / SAs with every SA still established, over the 2nd half (past the heap a"
	echo "  fresh daemon already has) and over all; no Child SA, so nothing in the data plane."
	echo "  Load average before/after the section: ${R[ike.load0]} / ${R[ike.load1]:-n/a} (2 cores)"
	ike_ratio_row psk PSK 2600
	ike_ratio_row cert "ECDSA" 800
	for p in psk cert; do
		[ -s "$BENCH_RAW/ike.profile.$p.symbols.txt" ] || continue
		echo "  where xdpsecd's time goes, $p (perf record --call-graph dwarf -p, a separate run of"
		echo "  $IKE_PROFILE_SAS SAs; % of xdpsecd's samples):"
		echo "    by object: $(grep -v '^#' "$BENCH_RAW/ike.profile.$p.dso.txt" |
			awk 'NF >= 2 { printf "%s%s %s", s, $2, $1; s = ", " }' | cut -c1-150)"
		echo "    under (inclusive; dwarf unwinding misses some stacks, so a floor):"
		ike_inclusive "$BENCH_RAW/ike.profile.$p.inclusive.txt"
		echo "    self, top 6: $(grep -v '^#' "$BENCH_RAW/ike.profile.$p.symbols.txt" |
			awk 'NF >= 4 { printf "%s%s %s", s, $4, $1; s = ", "; if (++n == 6) exit }')" |
			fold -s -w 96 | sed '2,$s/^/      /'
	done
	echo
}

report()
{
	local first last n

	for n in $SCALE_STEPS; do [ -z "${first:-}" ] && first=$n; last=$n; done
	report_header
	report_throughput
	report_hop
	report_scaling
	report_ratios
	report_profile
	report_ike
	if [ ${#NOTES[@]} -gt 0 ]; then
		echo "Notes"
		printf '  - %s\n' "${NOTES[@]}"
		echo
	fi
	echo "Raw data: $BENCH_RAW (iperf3 JSON, logs, perf reports); run took $(v bench.seconds %.0f) s"
}
