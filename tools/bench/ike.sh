# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The IKE section of tools/bench.sh: IKE_SA establishments per second of
# responder CPU, and responder memory per IKE_SA, for xdpsecd and for
# strongSwan's charon as the responder, PSK and ECDSA (P-256) certificates,
# with one and the same initiator.  Sourced by bench.sh after measure.sh.
#
#  $XS-gwa: initiator                $XS-mid            $XS-gwb: responder
# +---------------------------+   +--------------+   +---------------------+
# | charon (5.9, reuse_ikesa  |   |   router     |   | xdpsecd  or  charon |
# | = no), driven over vici   +---+              +---+ 198.51.100.2        |
# | by build/tools/ike_load   |   |              |   | up0 (XDP: xdpsecd)  |
# | up0 192.0.2.11..10+SRCS   |   |              |   |                     |
# +---------------------------+   +--------------+   +---------------------+
#
# The initiator has IKE_SRCS addresses and a childless connection `rateN`
# (RFC 6023: IKE_SA_INIT + IKE_AUTH, no Child SA) from each; ike_load keeps
# IKE_PARALLEL vici "initiate" requests outstanding, slot j always on
# connection j mod IKE_SRCS, so no source address has more than
# IKE_PARALLEL / IKE_SRCS exchanges half-open: below both responders'
# per-address COOKIE threshold (3) and block/drop cap (5), which are left at
# their defaults, as is everything else of xdpsecd's engine.  charon the
# responder runs with dos_protection = no, as in the reference measurement
# (shared/notes/strongswan-peer.md); that can only help charon.
#
# One case: fresh responder and initiator, IKE_SRCS warm-up SAs (one per
# connection: certificates parsed, ARP resolved, lazy allocations made),
# then the responder's CPU ticks (utime + stime of every thread,
# /proc/PID/task/*/stat), VmRSS and established IKE_SA count are read
# before and after IKE_PSK_SAS or IKE_CERT_SAS establishments.  Both
# daemons are stopped after each case, so every case starts from nothing.
#
# Then, unmeasured, xdpsecd once more per method under perf record.
#
# Knobs: IKE_PSK_SAS (5000), IKE_CERT_SAS (2500), IKE_PARALLEL (16),
# IKE_SRCS (8), IKE_ROUNDS (2: rounds of the four cases, interleaved; the
# table has the medians), IKE_PROFILE_SAS (2500; 0: no profile).

IKE_PSK_SAS=${IKE_PSK_SAS:-5000}
IKE_CERT_SAS=${IKE_CERT_SAS:-2500}
IKE_PARALLEL=${IKE_PARALLEL:-16}
IKE_SRCS=${IKE_SRCS:-8}
IKE_ROUNDS=${IKE_ROUNDS:-2}
IKE_PROFILE_SAS=${IKE_PROFILE_SAS:-2500}
IKE_PROPOSAL=aes128gcm16-prfsha256-x25519
IKE_RESP_ADDR=198.51.100.2
IKE_PKI=$BENCH_ROOT/tests/unit/pki/strongswan-5.9.8
IKE_PSK_ID_I=rate@ss-anchor.test
IKE_CERT_ID_I=dev1@ss-anchor.test
IKE_ID_R=gw.ss-anchor.test

# ike_src N: the initiator's N-th source address (1-based).
ike_src()
{
	echo "192.0.2.$((10 + $1))"
}

ike_topo()
{
	local i

	for ((i = 1; i <= IKE_SRCS; i++)); do
		ip -n "$XS-gwa" addr add "$(ike_src "$i")/24" dev up0 2>/dev/null
	done
	IKE_KEYS=$XS_TMP/ike-keys
	mkdir -p "$IKE_KEYS" && chmod 700 "$IKE_KEYS"
	install -m 600 "$IKE_PKI/gw.key" "$IKE_KEYS/gw.key"
	install -m 600 "$IKE_PKI/dev1.key" "$IKE_KEYS/dev1.key"
	IKE_PSK=$(openssl rand -hex 24)
}

# ---- charon, either side ----

# ike_ss_conf DIR THREADS EXTRA: strongswan.conf for a benchmark charon.
# The bigger IKE_SA table is what the reference measurement used (the
# default is one bucket); logging stays at level 0 for both roles.
ike_ss_conf()
{
	cat >"$1/strongswan.conf" <<-EOF
		charon {
			load_modular = no
			load = $(echo $SS_PLUGINS)
			port = 500
			port_nat_t = 4500
			threads = $2
			ikesa_table_size = 4096
			ikesa_table_segments = 16
			$3
			plugins {
				vici {
					socket = unix:///run/charon.vici
				}
			}
			filelog {
				charonlog {
					path = /run/charon.log
					append = no
					default = 0
				}
			}
			syslog {
				daemon {
					default = -1
				}
			}
		}
		swanctl {
			load = pem pkcs1 pkcs8 x509 pubkey openssl random nonce
		}
	EOF
}

# ike_ss_creds DIR CERT KEY: the CA, our certificate and key for swanctl.
ike_ss_creds()
{
	local dir=$1/swanctl

	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/ecdsa"
	cp "$IKE_PKI/ca.crt" "$dir/x509ca/"
	cp "$IKE_PKI/$2.crt" "$dir/x509/"
	install -m 600 "$IKE_KEYS/$3.key" "$dir/ecdsa/"
}

# ike_auth_block AUTH SIDE: local/remote sections; SIDE i(nitiator)|r(esponder).
ike_auth_block()
{
	local me peer cert

	if [ "$2" = i ]; then
		me=$IKE_PSK_ID_I peer=$IKE_ID_R cert=dev1.crt
		[ "$1" = cert ] && me=$IKE_CERT_ID_I
	else
		me=$IKE_ID_R peer=$IKE_PSK_ID_I cert=gw.crt
		[ "$1" = cert ] && peer=$IKE_CERT_ID_I
	fi
	if [ "$1" = psk ]; then
		printf 'local {\nauth = psk\nid = %s\n}\nremote {\nauth = psk\nid = %s\n}\n' "$me" "$peer"
	else
		printf 'local {\nauth = pubkey\nid = %s\ncerts = %s\n}\nremote {\nauth = pubkey\nid = %s\n}\n' \
			"$me" "$cert" "$peer"
	fi
}

# ike_ss_start NS DIR: charon with DIR's configuration; pid in IKE_SS_PID.
ike_ss_start()
{
	local ns=$1 dir=$2

	chmod 600 "$dir/swanctl/swanctl.conf"
	ip netns exec "$ns" unshare -m --propagation private bash -c \
		"mount --bind '$dir' /run && exec env STRONGSWAN_CONF=/run/strongswan.conf $SS_CHARON" \
		>"$dir/charon.out" 2>&1 &
	IKE_SS_PID=$!
	bg_register "$IKE_SS_PID"
	wait_for test -S "$dir/charon.vici" || {
		note "ike: charon in $ns did not start: $(tail -n 2 "$dir/charon.out")"
		return 1
	}
	ss_swanctl "$dir" --load-all >"$dir/load.log" 2>&1 || {
		note "ike: swanctl --load-all in $ns: $(tail -n 2 "$dir/load.log")"
		return 1
	}
}

# ike_initiator_start AUTH: the initiating charon in gateway A, one
# childless connection per source address.  vici "initiate" blocks a charon
# thread until the SA is up, hence the threads.
ike_initiator_start()
{
	local auth=$1 dir=$XS_TMP/ike-init i

	rm -rf "$dir"
	mkdir -p "$dir/swanctl"
	ike_ss_conf "$dir" $((2 * IKE_PARALLEL + 16)) "reuse_ikesa = no
			dos_protection = no
			make_before_break = yes"
	[ "$auth" = cert ] && ike_ss_creds "$dir" dev1 dev1
	{
		echo "connections {"
		for ((i = 1; i <= IKE_SRCS; i++)); do
			printf 'rate%d {\nversion = 2\nlocal_addrs = %s\nremote_addrs = %s\n' \
				"$i" "$(ike_src "$i")" "$IKE_RESP_ADDR"
			printf 'proposals = %s\nunique = never\n' "$IKE_PROPOSAL"
			ike_auth_block "$auth" i
			echo "}"
		done
		echo "}"
		[ "$auth" = psk ] && printf 'secrets {\nike-rate {\nsecret = "%s"\n}\n}\n' "$IKE_PSK"
	} >"$dir/swanctl/swanctl.conf"
	ike_ss_start "$XS-gwa" "$dir" || return 1
	IKE_INIT_PID=$IKE_SS_PID
	IKE_INIT_DIR=$dir
}

ike_charon_responder_start()
{
	local auth=$1 dir=$XS_TMP/ike-resp

	rm -rf "$dir"
	mkdir -p "$dir/swanctl"
	ike_ss_conf "$dir" 16 "dos_protection = no"
	[ "$auth" = cert ] && ike_ss_creds "$dir" gw gw
	{
		printf 'connections {\nrate {\nversion = 2\nlocal_addrs = %s\n' "$IKE_RESP_ADDR"
		printf 'proposals = %s\nunique = never\n' "$IKE_PROPOSAL"
		ike_auth_block "$auth" r
		printf '}\n}\n'
		[ "$auth" = psk ] && printf 'secrets {\nike-rate {\nsecret = "%s"\n}\n}\n' "$IKE_PSK"
	} >"$dir/swanctl/swanctl.conf"
	ike_ss_start "$XS-gwb" "$dir" || return 1
	IKE_RESP_PID=$IKE_SS_PID
	IKE_RESP_DIR=$dir
}

# ---- xdpsecd the responder ----

ike_xdpsec_responder_start()
{
	local auth=$1 conf=$XS_TMP/ike-xdpsec.conf local_auth remote_auth secrets

	if [ "$auth" = psk ]; then
		local_auth="auth = psk
			id = $IKE_ID_R"
		remote_auth="auth = psk
			id = $IKE_PSK_ID_I"
		secrets="ike-rate { secret = \"$IKE_PSK\" }"
	else
		local_auth="auth = pubkey
			id = $IKE_ID_R
			certs = $IKE_PKI/gw.crt"
		remote_auth="auth = pubkey
			id = $IKE_CERT_ID_I
			cacerts = $IKE_PKI/ca.crt"
		secrets="private-key { file = $IKE_KEYS/gw.key }"
	fi
	cat >"$conf" <<-EOF
		xdpsec {
			uplink = up0
			lan = lan0
		}
		connections {
			rate {
				local_addrs = $IKE_RESP_ADDR
				proposals = $IKE_PROPOSAL
				unique = never
				local {
					$local_auth
				}
				remote {
					$remote_auth
				}
			}
		}
		secrets {
			$secrets
		}
	EOF
	chmod 600 "$conf"
	nsexec_bg "$XS-gwb" "$BENCH_RAW/ike-xdpsecd.$auth.log" "$BUILD/xdpsecd" -c "$conf" \
		--instance "$XS_B"
	IKE_RESP_PID=$XS_LAST_PID
	wait_for ctl "$XS_B" status || { note "ike: xdpsecd did not start"; return 1; }
}

# ike_count RESP: IKE_SAs the responder holds established.
ike_count()
{
	if [ "$1" = xdpsec ]; then
		ctl "$XS_B" list-sas -j | jq '[.ike_sas[]? | select(.state == "ESTABLISHED")] | length'
	else
		ss_swanctl "$IKE_RESP_DIR" --stats | awk '/IKE_SAs:/ { print $2 - $4 }'
	fi
}

# ike_count_ge RESP N: does the responder hold at least N?
ike_count_ge()
{
	local n

	n=$(ike_count "$1")
	[ "${n:-0}" -ge "$2" ]
}

# ike_snap ARRAY RESP: responder ticks, RSS (KiB), established count, time.
ike_snap()
{
	local -n s=$1

	s[t]=$EPOCHREALTIME
	s[cpu]=$(proc_ticks "$IKE_RESP_PID")
	s[init]=$(proc_ticks "$IKE_INIT_PID")
	s[busy]=$(( $(cpu_busy_ticks 0) + $(cpu_busy_ticks 1) ))
	s[rss]=$(daemon_rss_kib "$IKE_RESP_PID")
	s[n]=$(ike_count "$2")
}

ike_load_run()
{
	local key=$1 count=$2 i conns=""

	for ((i = 1; i <= IKE_SRCS; i++)); do conns+=${conns:+,}rate$i; done
	nsexec "$XS-gwa" "$TOOLS/ike_load" --socket "$IKE_INIT_DIR/charon.vici" --conns "$conns" \
		--count "$count" --parallel "$3" --timeout-ms 30000 >"$BENCH_RAW/$key.load.json" \
		2>"$BENCH_RAW/$key.load.err"
}

# ike_span KEY A B: SAs, responder CPU-s and RSS between snapshots A and B
# into R[KEY.sas], R[KEY.per_cpu_s], R[KEY.bytes_per_sa].
ike_span()
{
	local key=$1 n cpu
	local -n a=$2 b=$3

	n=$((b[n] - a[n]))
	cpu=$(calc "(${b[cpu]} - ${a[cpu]}) / $(getconf CLK_TCK)")
	res "$key.sas" "$n"
	res "$key.cpu_s" "$cpu"
	[ "$n" -gt 0 ] && [ "$(calc "$cpu > 0")" = 1 ] || {
		note "$key: $n IKE_SAs in $cpu CPU-s: no rate"
		return 1
	}
	res "$key.per_cpu_s" "$(calc "$n / $cpu")"
	res "$key.bytes_per_sa" "$(calc "(${b[rss]} - ${a[rss]}) * 1024 / $n")"
}

# ike_record KEY: the figures between the snapshots I0, IH (half-way) and
# I1.  Memory per SA is taken over the second half: the first SAs of a
# fresh daemon partly fill heap it already had (xdpsecd frees a few MiB
# after loading its BPF objects), which would make them look free.
ike_record()
{
	local key=$1 hz wall

	hz=$(getconf CLK_TCK)
	wall=$(calc "${I1[t]} - ${I0[t]}")
	res "$key.wall_s" "$wall"
	ike_span "$key.h1" I0 IH
	ike_span "$key.h2" IH I1
	ike_span "$key" I0 I1 || return 1
	res "$key.bytes_per_sa_all" "${R[$key.bytes_per_sa]}"
	res "$key.bytes_per_sa" "${R[$key.h2.bytes_per_sa]:-}"
	res "$key.rss_kib" "${I0[rss]} ${IH[rss]} ${I1[rss]}"
	res "$key.cpu_busy" "$(calc "100 * ${R[$key.cpu_s]} / $wall")"
	res "$key.init_rate" "$(calc "${R[$key.sas]} / $wall")"
	res "$key.init_busy" "$(calc "100 * (${I1[init]} - ${I0[init]}) / $hz / $wall")"
	# Busy time of both cores that was neither daemon's: ike_load, the
	# kernel's UDP and softirq work, and other tenants of this machine.
	res "$key.other_busy" "$(calc "100 * (${I1[busy]} - ${I0[busy]} - ${I1[cpu]} + ${I0[cpu]} - ${I1[init]} + ${I0[init]}) / $hz / $wall")"
}

# ike_load_part KEY COUNT RESP: COUNT more SAs; waits until the responder
# counts them.
ike_load_part()
{
	local key=$1 count=$2 resp=$3 before

	before=$(ike_count "$resp")
	ike_load_run "$key" "$count" "$IKE_PARALLEL" ||
		note "$key: ike_load: $(jq -r '"\(.failed) failed: \(.first_error)"' "$BENCH_RAW/$key.load.json" 2>/dev/null) $(cat "$BENCH_RAW/$key.load.err")"
	wait_for -t 5 ike_count_ge "$resp" $((before + count)) ||
		note "$key: the responder counts $(ike_count "$resp") IKE_SAs, not $((before + count))"
	res "$key.failed" "$(jq .failed "$BENCH_RAW/$key.load.json" 2>/dev/null)"
}

# ike_case RESP AUTH ROUND: one measurement, from fresh daemons.
ike_case()
{
	local resp=$1 auth=$2 key=ike.$1.$2.$3 count=$IKE_PSK_SAS
	declare -gA I0=() IH=() I1=()

	[ "$auth" = cert ] && count=$IKE_CERT_SAS
	say "IKE: $resp responder, $auth, $count IKE_SAs ($IKE_PARALLEL in flight)"
	ike_initiator_start "$auth" || return 1
	"ike_${resp}_responder_start" "$auth" || { stop_pid "$IKE_INIT_PID"; return 1; }
	ike_load_run "$key.warmup" "$IKE_SRCS" "$IKE_SRCS" ||
		note "$key: warm-up: $(jq -r .first_error "$BENCH_RAW/$key.warmup.load.json" 2>/dev/null) $(cat "$BENCH_RAW/$key.warmup.load.err")"
	wait_for -t 5 ike_count_ge "$resp" "$IKE_SRCS"
	ike_snap I0 "$resp"
	ike_load_part "$key.a" $((count / 2)) "$resp"
	ike_snap IH "$resp"
	ike_load_part "$key.b" $((count - count / 2)) "$resp"
	ike_snap I1 "$resp"
	ike_record "$key"
	[ "$resp" = charon ] && cp "$IKE_RESP_DIR/charon.log" "$BENCH_RAW/$key.charon-r.log"
	cp "$IKE_INIT_DIR/charon.log" "$BENCH_RAW/$key.charon-i.log"
	stop_pid "$IKE_INIT_PID" KILL	# no Delete storm back at the responder
	stop_pid "$IKE_RESP_PID"
}

# ike_profile AUTH: perf record of xdpsecd (its threads only) while it
# answers IKE_PROFILE_SAS more; a separate run, so that sampling does not
# cost the measured ones anything.  Top symbols into the raw directory.
ike_profile()
{
	local auth=$1 key=ike.profile.$1 data=$BENCH_RAW/ike.profile.$1.perf.data ppid

	perf record -o /dev/null -e cpu-clock -- true >/dev/null 2>&1 || return 0
	say "IKE: perf record of xdpsecd answering $IKE_PROFILE_SAS $auth IKE_SAs"
	ike_initiator_start "$auth" || return 1
	ike_xdpsec_responder_start "$auth" || { stop_pid "$IKE_INIT_PID"; return 1; }
	ike_load_run "$key.warmup" "$IKE_SRCS" "$IKE_SRCS"
	perf record --call-graph dwarf,16384 -F 1999 -p "$IKE_RESP_PID" -o "$data" >"$BENCH_RAW/$key.record.log" 2>&1 &
	ppid=$!
	sleep 0.3
	ike_load_run "$key" "$IKE_PROFILE_SAS" "$IKE_PARALLEL"
	kill -INT "$ppid"
	wait "$ppid"
	perf report -i "$data" --stdio --no-children --sort dso,sym -g none \
		--percentage relative 2>/dev/null >"$BENCH_RAW/$key.symbols.txt"
	perf report -i "$data" --stdio --no-children --sort dso -g none \
		2>/dev/null >"$BENCH_RAW/$key.dso.txt"
	# Inclusive: which of xdpsecd's own functions the time is spent under.
	perf report -i "$data" --stdio --children --sort dso,sym -g none 2>/dev/null |
		grep -E '^#|xdpsecd ' >"$BENCH_RAW/$key.inclusive.txt"
	rm -f "$data"
	stop_pid "$IKE_INIT_PID" KILL
	stop_pid "$IKE_RESP_PID"
}

# ike_median RESP AUTH: R[ike.RESP.AUTH.x] = median over the rounds.
ike_median()
{
	local k=ike.$1.$2 m i
	local -a vals

	for m in sas cpu_s wall_s per_cpu_s cpu_busy bytes_per_sa init_rate init_busy other_busy \
		h1.per_cpu_s h2.per_cpu_s bytes_per_sa_all; do
		vals=()
		for ((i = 1; i <= IKE_ROUNDS; i++)); do vals+=("${R[$k.$i.$m]:-}"); done
		res "$k.$m" "$(median "${vals[@]}")"
		[ "$m" = per_cpu_s ] && res "$k.per_cpu_s.runs" \
			"$(printf '%s\n' "${vals[@]}" | grep -v '^$' | xargs -r printf '%.0f ' | sed 's/ $//')"
	done
}

phase_ike()
{
	local i resp auth

	[ -x "$SS_CHARON" ] || { note "IKE not measured: $SS_CHARON is not installed"; return; }
	say "IKE: IKE_SA establishments per responder CPU-second, xdpsecd and charon"
	ike_topo
	R[ike.load0]=$(cut -d' ' -f1 /proc/loadavg)
	for ((i = 1; i <= IKE_ROUNDS; i++)); do
		for auth in psk cert; do
			for resp in xdpsec charon; do ike_case "$resp" "$auth" "$i"; done
		done
	done
	for auth in psk cert; do
		for resp in xdpsec charon; do ike_median "$resp" "$auth"; done
	done
	R[ike.load1]=$(cut -d' ' -f1 /proc/loadavg)
	if [ "$IKE_PROFILE_SAS" -gt 0 ]; then
		ike_profile psk
		ike_profile cert
	fi
}
