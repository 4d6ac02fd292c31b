# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Helpers for the netns integration tests.  Source this file, build a
# topology out of namespaces and veth pairs, run commands inside them, and
# let the EXIT trap take everything down again.  Every namespace a run
# creates should be named "$XS-something": $XS is unique per run (xs<pid>),
# so parallel runs never collide; interface names live inside the
# namespaces and need no prefix.
#
# Example: a device LAN, the concentrator under test and a remote peer.
#
#      $XS-dev                    $XS-gw                         $XS-peer
#   +--------------+    +-------------------------------+    +----------------+
#   | eth0         |    | lan0                    wan0  |    | eth0           |
#   | 10.1.0.2/24  +----+ 10.1.0.1/24     192.0.2.1/24  +----+ 192.0.2.2/24   |
#   |              |veth|          xdpsecd (XDP)        |veth| kernel XFRM    |
#   +--------------+    +-------------------------------+    +----------------+
#
#   . "$(dirname "$0")/lib.sh"
#   ns_create "$XS-dev"; ns_create "$XS-gw"; ns_create "$XS-peer"
#   veth_link "$XS-dev" eth0 10.1.0.2/24 "$XS-gw" lan0 10.1.0.1/24
#   veth_link "$XS-gw" wan0 192.0.2.1/24,2001:db8::1/64 \
#             "$XS-peer" eth0 192.0.2.2/24,2001:db8::2/64
#   nsexec_bg "$XS-gw" "$XS_TMP/xdpsecd.log" "$BUILD/xdpsecd" -c "$XS_TMP/gw.conf"
#   wait_for nsexec "$XS-gw" "$BUILD/xdpsecctl" status || fail "xdpsecd did not start"
#   capture_start "$XS-peer" eth0 "$XS_TMP/wan.pcap" esp or udp port 4500
#   nsexec "$XS-dev" ping -c 1 -W 1 192.0.2.2 >/dev/null || fail "ping through the tunnel"
#   capture_stop "$XS_LAST_PID"
#   pass "ping through the tunnel"
#
# bpffs: `ip netns exec` gives every invocation a fresh mount namespace with
# its own /sys, so nothing mounted there survives it.  Each namespace made by
# ns_create therefore gets a directory in one bpffs mounted under $XS_TMP,
# and nsexec bind-mounts it on /sys/fs/bpf: pins made by one command in a
# namespace are seen by the next (as on a real host), but not by the other
# namespaces.  For a namespace not made here nsexec mounts an empty bpffs.
#
# Knobs: XS (prefix), XS_KEEP=1 (keep $XS_TMP), WAIT_TIMEOUT (wait_for
# default, seconds), BUILD (binaries, default <repo>/build).

# shellcheck disable=SC2034 # XS_PY and friends are for the sourcing tests
XS=${XS:-xs$$}
XS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XS_ROOT=$(cd "$XS_DIR/../.." && pwd)
BUILD=${BUILD:-$XS_ROOT/build}
XS_PY=/usr/bin/python3		# Debian's python3, which has scapy
XS_TMP=$(mktemp -d "/tmp/$XS.XXXXXX")
XS_BPFFS=$XS_TMP/bpffs
XS_LAST_PID=
XS_MAIN_PID=$BASHPID
XS_NAMESPACES=()
XS_PIDS=()
XS_LOGS=()
XS_CLEANUPS=()

# Runs inside the namespace as: sh -c "$XS_NSEXEC_SH" sh BPFFS_DIR CMD...
XS_NSEXEC_SH='
if [ -d "$1" ]; then
	mount --bind "$1" /sys/fs/bpf || exit 125
elif ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || exit 125
fi
shift
exec "$@"'

pass()
{
	echo "PASS: $*"
}

skip()
{
	echo "SKIP: $*"
	exit 0
}

# The last lines of every log registered by nsexec_bg, then exit 1.
fail()
{
	local log

	echo "FAIL: $*"
	for log in "${XS_LOGS[@]}"; do
		[ -s "$log" ] || continue
		echo "---- tail of $log"
		tail -n 20 "$log"
	done
	exit 1
}

require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# Run CMD at exit, before the namespaces go (last registered runs first).
at_cleanup()
{
	XS_CLEANUPS+=("$*")
}

bg_register()
{
	XS_PIDS+=("$1")
}

ns_create()
{
	local ns=$1

	ip netns add "$ns" || fail "ns_create: cannot create namespace $ns"
	XS_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up || fail "ns_create: lo up in $ns"
	if ! mountpoint -q "$XS_BPFFS"; then
		mkdir -p "$XS_BPFFS"
		mount -t bpf bpf "$XS_BPFFS" || fail "ns_create: cannot mount bpffs"
	fi
	mkdir -p "$XS_BPFFS/$ns"
}

# nsexec NS CMD...: CMD inside NS, with /sys/fs/bpf mounted.
nsexec()
{
	local ns=$1

	shift
	ip netns exec "$ns" sh -c "$XS_NSEXEC_SH" sh "$XS_BPFFS/$ns" "$@"
}

# nsexec_bg NS LOGFILE CMD...: nsexec in the background, output to LOGFILE;
# the pid (of CMD itself: every step execs) is registered and left in
# $XS_LAST_PID.
nsexec_bg()
{
	local ns=$1 log=$2

	shift 2
	ip netns exec "$ns" sh -c "$XS_NSEXEC_SH" sh "$XS_BPFFS/$ns" "$@" >"$log" 2>&1 &
	XS_LAST_PID=$!
	bg_register "$XS_LAST_PID"
	XS_LOGS+=("$log")
}

# Comma-separated addresses with prefix ("-" or "" for none); IPv6 without DAD.
_addrs_add()
{
	local ns=$1 dev=$2 list=$3 addr
	local -a addrs

	IFS=, read -ra addrs <<<"$list"
	for addr in "${addrs[@]}"; do
		case $addr in
		"" | -) continue ;;
		*:*) ip -n "$ns" -6 addr add "$addr" dev "$dev" nodad ;;
		*) ip -n "$ns" addr add "$addr" dev "$dev" ;;
		esac || fail "cannot add $addr to $ns/$dev"
	done
}

# veth_link NS1 IF1 ADDRS1 NS2 IF2 ADDRS2 [QUEUES]: a veth pair between two
# namespaces, addresses as "10.0.0.1/24,fd00::1/64", both ends up.
veth_link()
{
	local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6 queues=${7:-}
	local -a q=()

	[ -n "$queues" ] && q=(numtxqueues "$queues" numrxqueues "$queues")
	ip -n "$ns1" link add "$if1" "${q[@]}" type veth \
		peer name "$if2" "${q[@]}" netns "$ns2" ||
		fail "veth_link: cannot create $ns1/$if1 <-> $ns2/$if2"
	_addrs_add "$ns1" "$if1" "$a1"
	_addrs_add "$ns2" "$if2" "$a2"
	ip -n "$ns1" link set "$if1" up && ip -n "$ns2" link set "$if2" up ||
		fail "veth_link: cannot bring up $if1/$if2"
}

# ns_mac NS IF: the interface's MAC address.
ns_mac()
{
	ip -n "$1" -br link show dev "$2" | awk '{ print $3 }'
}

_now_us()
{
	echo "${EPOCHREALTIME/./}"
}

# wait_for [-t SECONDS] CMD...: retry CMD (quietly) every 100 ms until it
# succeeds (0) or the time is up (1).
wait_for()
{
	local timeout=${WAIT_TIMEOUT:-10} deadline

	if [ "$1" = -t ]; then
		timeout=$2
		shift 2
	fi
	deadline=$(($(_now_us) + timeout * 1000000))
	until "$@" >/dev/null 2>&1; do
		[ "$(_now_us)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

_pid_alive()
{
	kill -0 "$1" 2>/dev/null
}

# stop_pid PID [SIGNAL]: signal (TERM), wait up to 3 s, then SIGKILL.
stop_pid()
{
	local pid=$1 sig=${2:-TERM} i

	kill -"$sig" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 30; i++)); do
		_pid_alive "$pid" || break
		sleep 0.1
	done
	_pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# capture_start NS IF FILE [FILTER...]: tcpdump into FILE (pcap, Ethernet
# frames as on the wire) until capture_stop "$XS_LAST_PID".
capture_start()
{
	local ns=$1 dev=$2 file=$3

	shift 3
	# -Z root: the tcpdump user cannot write $XS_TMP.  Immediate mode: with
	# the default 1 s ring-buffer timeout, frames still in the kernel when
	# capture_stop interrupts tcpdump are lost.
	nsexec_bg "$ns" "$file.log" tcpdump -i "$dev" -n -U --immediate-mode -s 0 -Z root \
		-w "$file" "$@"
	unset 'XS_LOGS[-1]'	# fail() need not show tcpdump's chatter
	wait_for -t 5 grep -q "listening on" "$file.log" ||
		fail "capture_start: tcpdump on $ns/$dev did not start: $(cat "$file.log")"
}

# SIGINT makes tcpdump flush and close the file.
capture_stop()
{
	stop_pid "$1" INT
}

cleanup_all()
{
	local rc=$? i ns pid pids

	# A child forked before it could exec may run our traps: only the shell
	# that sourced this file cleans up.
	[ "$BASHPID" = "$XS_MAIN_PID" ] || exit "$rc"
	set +e
	trap - EXIT
	for ((i = ${#XS_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${XS_CLEANUPS[i]}"
	done
	for pid in "${XS_PIDS[@]}"; do
		stop_pid "$pid"
	done
	for ns in "${XS_NAMESPACES[@]}"; do
		# Whatever our commands left running inside (forked daemons).
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	mountpoint -q "$XS_BPFFS" && umount -l "$XS_BPFFS"
	if [ "${XS_KEEP:-0}" = 1 ]; then
		echo "kept $XS_TMP"
	else
		rm -rf "$XS_TMP"
	fi
	exit "$rc"
}

trap cleanup_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
